"""Whole files that hold credentials: key files and credential stores, for the quality corpus.

A private key or a `.netrc` is a leak because of the file it is in, not because of a variable
name, so these positives are written as files of their own kind (the syntax family is the file
format). Key material comes from `token_shapes.py`; passwords are random, and some are weak on
purpose: a committed credential store leaks whatever its password looks like. Each block says
which of its lines hold a secret, so the corpus can label them.
"""

from __future__ import annotations

import base64
import json
import random
from collections.abc import Callable
from dataclasses import dataclass

import token_shapes as shapes
from token_formats import ALPHABETS


@dataclass(frozen=True)
class Secret:
    first: int  # 0-based lines inside the block
    last: int
    value: str
    provider: str
    family: str


@dataclass(frozen=True)
class Block:
    syntax: str  # the file format
    path: str
    lines: list[str]
    secrets: list[Secret]
    source: str


def _rand(rng: random.Random, alphabet: str, count: int) -> str:
    return "".join(rng.choice(ALPHABETS[alphabet]) for _ in range(count))


def _password(rng: random.Random, weak: bool) -> str:
    if weak:
        return rng.choice(["pass123", "Summer2024", "qwerty12", "letmein1", "admin2023"])
    return _rand(rng, "w", 20)


def _key_block(kind: str, path: str, provider: str) -> Callable[[random.Random, int], Block]:
    def make(rng: random.Random, n: int) -> Block:
        lines = shapes.KEY_FILES[kind](rng)
        value = "\n".join(lines)
        start = next(i for i, line in enumerate(lines) if line.startswith(("-----BEGIN", "PuTTY")))
        secret = Secret(start, len(lines) - 1, value, provider, "private-keys")
        return Block(
            "key-file", path.format(n=n), lines, [secret], "RFC 7468 / the tool's key format"
        )

    return make


def _k8s_secret_base64(rng: random.Random, n: int) -> Block:
    """A Kubernetes Secret whose data is a base64 PEM (`LS0tLS1CRUdJTi…`), as kubectl writes."""
    pem = "\n".join(shapes.rsa_pkcs1(rng)) + "\n"
    encoded = base64.b64encode(pem.encode()).decode("ascii")
    lines = [
        "apiVersion: v1",
        "kind: Secret",
        "metadata:",
        f"  name: tls-{n}",
        "type: kubernetes.io/tls",
        "data:",
        f"  tls.key: {encoded}",
    ]
    secret = Secret(6, 6, encoded, "kubernetes-secret", "private-keys")
    return Block(
        "k8s-secret-base64-pem",
        f"k8s/tls-secret-{n}.yaml",
        lines,
        [secret],
        "kubernetes.io/docs/concepts/configuration/secret/#tls-secrets",
    )


def _service_account_json(rng: random.Random, n: int) -> Block:
    """A Google service-account key file: the PKCS#8 key as one JSON string with `\\n`."""
    pem = "\n".join(shapes.rsa_pkcs8(rng)) + "\n"
    data = {
        "type": "service_account",
        "project_id": f"acme-prod-{n}",
        "private_key_id": shapes.rand_bytes(rng, 20).hex(),
        "private_key": pem,
        "client_email": f"deployer@acme-prod-{n}.iam.gserviceaccount.com",
        "client_id": str(rng.randrange(10**20, 10**21)),
        "token_uri": "https://oauth2.googleapis.com/token",
    }
    lines = json.dumps(data, indent=2).split("\n")
    # The whole file is the credential: a scanner may report it at any of its lines.
    secret = Secret(0, len(lines) - 1, pem, "google-service-account", "cloud")
    return Block(
        "gcp-service-account-json",
        f"deploy/service-account-{n}.json",
        lines,
        [secret],
        "cloud.google.com/iam/docs/keys-create-delete",
    )


def _yaml_block_scalar_key(rng: random.Random, n: int) -> Block:
    lines = ["tls:", "  key: |", *("    " + line for line in shapes.ec_sec1(rng))]
    secret = Secret(2, len(lines) - 1, "\n".join(lines[2:]), "pem-in-yaml", "private-keys")
    return Block(
        "yaml-block-scalar-pem",
        f"helm/values-{n}.yaml",
        lines,
        [secret],
        "yaml.org/spec/1.2.2/#literal-style",
    )


def _cred_file(
    syntax: str,
    path: str,
    provider: str,
    render: Callable[[str, int], list[str]],
    line: int,
    source: str,
    family: str = "credential-files",
) -> Callable[[random.Random, int], Block]:
    def make(rng: random.Random, n: int) -> Block:
        password = _password(rng, weak=n % 3 == 2)
        lines = render(password, n)
        return Block(
            syntax,
            path.format(n=n),
            lines,
            [Secret(line, line, password, provider, family)],
            source,
        )

    return make


def _bcrypt(rng: random.Random) -> str:
    return "$2y$10$" + _rand(rng, "bc", 53)


def _htpasswd(rng: random.Random, n: int) -> Block:
    value = _bcrypt(rng)
    return Block(
        "htpasswd",
        f"web/.htpasswd-{n}" if n else "web/.htpasswd",
        [f"admin:{value}"],
        [Secret(0, 0, value, "htpasswd", "credential-files")],
        "httpd.apache.org/docs/2.4/programs/htpasswd.html",
    )


def _filezilla(rng: random.Random, n: int) -> Block:
    encoded = base64.b64encode(_password(rng, n % 3 == 2).encode()).decode("ascii")
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        "<FileZilla3>",
        "  <Servers>",
        "    <Server>",
        f"      <Host>ftp{n}.acme.test</Host>",
        "      <User>deploy</User>",
        f'      <Pass encoding="base64">{encoded}</Pass>',
        "    </Server>",
        "  </Servers>",
        "</FileZilla3>",
    ]
    return Block(
        "filezilla-xml",
        f"backup/filezilla-{n}/sitemanager.xml",
        lines,
        [Secret(6, 6, encoded, "filezilla", "credential-files")],
        "wiki.filezilla-project.org/Sitemanager.xml",
    )


def _docker_config(rng: random.Random, n: int) -> Block:
    auth = base64.b64encode(f"deploy:{_password(rng, False)}".encode()).decode("ascii")
    legacy = n % 2 == 1  # .dockercfg (no "auths" wrapper)
    if legacy:
        lines = [
            "{",
            f'  "registry{n}.acme.test": {{"auth": "{auth}", "email": "ci@acme.test"}}',
            "}",
        ]
        return Block(
            "dockercfg-legacy",
            f"home/docker-{n}/.dockercfg",  # the client reads it only under this name
            lines,
            [Secret(1, 1, auth, "docker-registry", "packages")],
            "docs.docker.com/reference/cli/docker/#configuration-files",
        )
    lines = ["{", '  "auths": {', f'    "registry{n}.acme.test": {{"auth": "{auth}"}}', "  }", "}"]
    return Block(
        "docker-config-json",
        f"ci/docker-{n}/config.json",
        lines,
        [Secret(2, 2, auth, "docker-registry", "packages")],
        "docs.docker.com/reference/cli/docker/#configuration-files",
    )


BLOCKS: tuple[Callable[[random.Random, int], Block], ...] = (
    _key_block("rsa-pkcs1", "keys/deploy-{n}.pem", "rsa"),
    _key_block("ec-sec1", "keys/signing-{n}.key", "ec"),
    _key_block("ed25519-pkcs8", "keys/ed25519-{n}.pem", "pkcs8"),
    _key_block("openssh-ed25519", "keys/id_ed25519_{n}", "openssh"),
    _key_block("pgp", "keys/release-{n}.asc", "pgp"),
    _key_block("putty-v3", "keys/server-{n}.ppk", "putty"),
    _key_block("openvpn-static", "vpn/ta-{n}.key", "openvpn"),
    _k8s_secret_base64,
    _service_account_json,
    _yaml_block_scalar_key,
    _cred_file(
        "netrc",
        "home/{n}/.netrc",
        "netrc",
        lambda p, n: [f"machine api{n}.acme.test", "  login deploy", f"  password {p}"],
        2,
        "gnu.org/software/inetutils/manual/html_node/The-_002enetrc-file.html",
    ),
    _cred_file(
        "pgpass",
        "home/{n}/.pgpass",
        "pgpass",
        lambda p, n: [f"db{n}.acme.internal:5432:app:app_user:{p}"],
        0,
        "postgresql.org/docs/current/libpq-pgpass.html",
    ),
    _cred_file(
        "git-credentials",
        "home/{n}/.git-credentials",
        "git-credentials",
        lambda p, n: [f"https://deploy:{p}@git{n}.acme.test"],
        0,
        "git-scm.com/docs/git-credential-store#_storage_format",
    ),
    _cred_file(
        "pypirc",
        "home/{n}/.pypirc",
        "pypirc",
        lambda p, n: [
            "[distutils]",
            "index-servers = internal",
            "",
            "[internal]",
            "repository = https://pypi.acme.test/",
            "username = deploy",
            f"password = {p}",
        ],
        6,
        "packaging.python.org/en/latest/specifications/pypirc",
    ),
    _cred_file(
        "mysql-option-file",
        "home/{n}/.my.cnf",
        "mysql",
        lambda p, n: ["[client]", "user = app", f"password = {p}", f"host = db{n}"],
        2,
        "dev.mysql.com/doc/refman/8.4/en/option-files.html",
    ),
    _cred_file(
        "s3cfg",
        "home/{n}/.s3cfg",
        "s3cmd",
        lambda p, n: ["[default]", "host_base = s3.amazonaws.com", f"secret_key = {p}"],
        2,
        "s3tools.org/kb/item14.htm",
    ),
    _cred_file(
        "maven-settings",
        "home/{n}/.m2/settings.xml",
        "maven",
        lambda p, n: [
            "<settings>",
            "  <servers>",
            "    <server>",
            "      <id>internal</id>",
            "      <username>deploy</username>",
            f"      <password>{p}</password>",
            "    </server>",
            "  </servers>",
            "</settings>",
        ],
        5,
        "maven.apache.org/settings.html#servers",
    ),
    _cred_file(
        "sftp-config-json",
        "project-{n}/sftp-config.json",
        "sublime-sftp",
        lambda p, n: [
            "{",
            '    "type": "sftp",',
            f'    "host": "files{n}.acme.test",',
            '    "user": "deploy",',
            f'    "password": "{p}",',
            "}",
        ],
        4,
        "codexns.io/products/sftp_for_subime/settings",
    ),
    _cred_file(
        "database-yml",
        "rails-{n}/config/database.yml",
        "rails-database-url",
        lambda p, n: [
            "production:",
            "  adapter: postgresql",
            f"  url: postgres://app:{p}@db{n}.acme.internal/app",
        ],
        2,
        "guides.rubyonrails.org/configuring.html#configuring-a-database",
        "connection-strings",
    ),
    _htpasswd,
    _filezilla,
    _docker_config,
)

# Connection strings are values: they go through the assignment syntaxes like tokens do.
CONNECTION_STRINGS: tuple[tuple[str, str, str], ...] = (
    ("postgres", "DATABASE_URL", "postgresql://app:{pw}@db.acme.internal:5432/app"),
    ("mysql", "MYSQL_URL", "mysql://root:{pw}@mysql.acme.internal:3306/shop"),
    ("mongodb", "MONGODB_URI", "mongodb+srv://svc:{pw}@cluster0.ab1cd.mongodb.net/app"),
    ("redis", "REDIS_URL", "redis://default:{pw}@cache.acme.internal:6379/0"),
    ("amqp", "AMQP_URL", "amqps://worker:{pw}@mq.acme.internal:5671/prod"),
    (
        "mssql",
        "SQLSERVER_CONNECTION",
        "Server=sql.acme.internal;Database=app;User Id=sa;Password={pw};",
    ),
    ("jdbc", "JDBC_URL", "jdbc:postgresql://db.acme.internal:5432/app?user=app&password={pw}"),
    ("smtp", "SMTP_URL", "smtps://mailer:{pw}@smtp.acme.test:465"),
    ("ftp", "FTP_URL", "ftp://upload:{pw}@ftp.acme.test/incoming"),
    ("ldap", "LDAP_URL", "ldaps://cn=admin:{pw}@ldap.acme.internal"),
    ("neo4j", "NEO4J_URI", "bolt://neo4j:{pw}@graph.acme.internal:7687"),
    ("http-basic", "REGISTRY_URL", "https://deploy:{pw}@registry.acme.test/simple"),
)
