"""Credential files are read by name: every stored credential is reported, weak ones too,
and only where the file has that name, from a cold scan and from every kind of warm one.

Each test commits real files with git (the fixture builder) and scans through the command
line. The values are generated here; a weak one (`pass123`) is exactly what a generic rule
drops and what a committed credential store must still report.
"""

from __future__ import annotations

import base64
import random
import string
from pathlib import Path
from typing import Any

import pytest
from git_builders import GitRepo, fingerprint, scan

from scanner.cli.staged_command import main as staged_main

_RNG = random.Random("credential-files")
_ALNUM = string.ascii_letters + string.digits
_CRYPT = "./" + _ALNUM


def _value(length: int, alphabet: str = _ALNUM) -> str:
    return "".join(_RNG.choice(alphabet) for _ in range(length))


WEAK = "pass123"
NETRC_STRONG = _value(24)
PGPASS = _value(20)
GIT_TOKEN = _value(40)
FILEZILLA_PLAIN = _value(14)
DBEAVER = _value(18)
ROBO = _value(16)
SFTP = _value(16)
FTPCONFIG = _value(12)
REMOTE_SYNC = _value(15)
S3_SECRET = _value(40)
PYPIRC = _value(22)
TUGBOAT = _value(32, "0123456789abcdef")
HEROKU = "-".join(_value(n, "0123456789abcdef") for n in (8, 4, 4, 4, 12))
DOCKER_AUTH = base64.b64encode(f"deploy:{_value(18)}".encode()).decode()
DB_YML = _value(18)
MONGO_URL_PASSWORD = _value(16)
ESMTP = _value(16)
WEBSERVERS = _value(32, "0123456789abcdef")
FIREFOX = "MEIEEPgAAAAAAAAAAAAAAAAAAAEwFAYIKoZIhvcNAwcECA" + _value(40, _ALNUM + "+/") + "=="
BCRYPT = "$2y$10$" + _value(53, _CRYPT)
SHA512_CRYPT = "$6$" + _value(16, _CRYPT) + "$" + _value(86, _CRYPT)
DES_CRYPT = _value(13, _CRYPT)
PHPASS = "$P$B" + _value(30, _CRYPT)
APR1 = "$apr1$" + _value(8, _CRYPT) + "$" + _value(22, _CRYPT)

# path -> (content, {secret: rule id}): every stored credential of every format.
FILES: dict[str, tuple[str, dict[str, str]]] = {
    ".netrc": (
        f"machine ftp.internal.net login deploy password {WEAK}\n"
        f"machine api.internal.net\n  login ops\n  password {NETRC_STRONG}\n",
        {WEAK: "netrc-file-password", NETRC_STRONG: "netrc-file-password"},
    ),
    "db/.pgpass": (
        f"# hostname:port:database:username:password\n*:5432:*:postgres:{WEAK}\n"
        f"db.internal:6543:orders:app:{PGPASS}\n",
        {WEAK: "pgpass-file-password", PGPASS: "pgpass-file-password"},
    ),
    ".git-credentials": (
        f"https://jdoe:{GIT_TOKEN}@github.com\nhttps://ci:{WEAK}@git.internal.net\n",
        {GIT_TOKEN: "git-credentials-file-entry", WEAK: "git-credentials-file-entry"},
    ),
    "filezilla/sitemanager.xml": (
        "<FileZilla3><Servers><Server><Host>ftp.acme.test</Host><User>web</User>\n"
        f'<Pass encoding="base64">{base64.b64encode(WEAK.encode()).decode()}</Pass>\n'
        "</Server></Servers></FileZilla3>\n",
        {base64.b64encode(WEAK.encode()).decode(): "filezilla-stored-password"},
    ),
    "filezilla/recentservers.xml": (
        f"<RecentServers><Server><Pass>{FILEZILLA_PLAIN}</Pass></Server></RecentServers>\n",
        {FILEZILLA_PLAIN: "filezilla-stored-password"},
    ),
    ".dbeaver/data-sources.json": (
        '{"connections": {"pg": {"configuration": {"host": "db.internal", '
        f'"user": "app", "password": "{DBEAVER}"}}}}}}\n',
        {DBEAVER: "dbeaver-data-source-password"},
    ),
    "robomongo.json": (
        f'{{"connections": [{{"credentials": [{{"userPassword": "{ROBO}"}}]}}]}}\n',
        {ROBO: "robomongo-stored-password"},
    ),
    "sftp-config.json": (
        '{\n    "type": "sftp",\n    //"password": "password",\n'
        f'    "password": "{SFTP}",\n    "user": "deploy"\n}}\n',
        {SFTP: "sublime-sftp-password"},
    ),
    ".ftpconfig": (
        f'{{"protocol": "ftp", "host": "ftp.acme.test", "pass": "{FTPCONFIG}"}}\n',
        {FTPCONFIG: "remote-ftp-config-password"},
    ),
    ".remote-sync.json": (
        f'{{"transport": "scp", "hostname": "web01", "password": "{REMOTE_SYNC}"}}\n',
        {REMOTE_SYNC: "remote-ftp-config-password"},
    ),
    ".pypirc": (
        f"[internal]\nrepository = https://pypi.internal.test/\nusername = r\n"
        f"password = {PYPIRC}\n",
        {PYPIRC: "pypirc-file-password"},
    ),
    "docker/mysql/my.cnf": (
        f"[client]\nuser = root\npassword = {WEAK}\n\n[mysqld]\ndatadir = /var/lib/mysql\n",
        {WEAK: "mysql-option-file-stored-password"},
    ),
    ".s3cfg": (
        f"[default]\naccess_key = AKIAEXAMPLEKEYID0000\nsecret_key = {S3_SECRET}\n"
        f"gpg_passphrase = {WEAK}\n",
        {S3_SECRET: "s3cfg-secret-key", WEAK: "s3cfg-secret-key"},
    ),
    ".tugboat": (
        f"---\nauthentication:\n  client_key: {WEAK}\n  api_key: {TUGBOAT}\n",
        {WEAK: "tugboat-api-key", TUGBOAT: "tugboat-api-key"},
    ),
    "heroku.json": (
        f'{{"email": "ops@acme.test", "api_key": "{HEROKU}"}}\n',
        {HEROKU: "heroku-json-api-key"},
    ),
    ".dockercfg": (
        f'{{"https://index.docker.io/v1/": {{"auth": "{DOCKER_AUTH}", "email": "o@acme.test"}}}}\n',
        {DOCKER_AUTH: "dockercfg-legacy-auth"},
    ),
    "config/database.yml": (
        "development:\n  adapter: postgresql\n  password: <%= ENV['DB_PASSWORD'] %>\n"
        f"production:\n  adapter: postgresql\n  username: shop\n  password: {DB_YML}\n",
        {DB_YML: "rails-database-yml-password"},
    ),
    "config/mongoid.yml": (
        "production:\n  clients:\n    default:\n"
        f"      uri: mongodb://shop:{MONGO_URL_PASSWORD}@mongo01.internal:27017/shop\n",
        {MONGO_URL_PASSWORD: "rails-database-yml-url"},
    ),
    ".esmtprc": (
        f'hostname = smtp.acme.test:587\nusername = "alerts"\npassword = "{ESMTP}"\n',
        {ESMTP: "esmtprc-password"},
    ),
    ".idea/WebServers.xml": (
        '<project><component name="WebServers"><option name="servers"><webServer>\n'
        f'<fileTransfer host="ftp.acme.test" port="21" accessType="FTP" login="web" '
        f'password="{WEBSERVERS}" />\n</webServer></option></component></project>\n',
        {WEBSERVERS: "intellij-webservers-password"},
    ),
    "profile/logins.json": (
        '{"logins":[{"id":1,"hostname":"https://intranet.acme.test",'
        f'"encryptedPassword":"{FIREFOX}","encType":1}}]}}\n',
        {FIREFOX: "firefox-logins-password"},
    ),
    "backup/dump.sql": (
        f"INSERT INTO `users` VALUES (1,'admin','{BCRYPT}'),\n(2,'ops','{PHPASS}');\n",
        {BCRYPT: "sql-dump-password-hash", PHPASS: "sql-dump-password-hash"},
    ),
    "rootfs/etc/shadow": (
        f"root:{SHA512_CRYPT}:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n"
        f"legacy:{DES_CRYPT}:19000:0:99999:7:::\n",
        {SHA512_CRYPT: "shadow-file-hash", DES_CRYPT: "shadow-file-hash"},
    ),
    "site/.htpasswd": (
        f"admin:{APR1}\nmetrics:{WEAK}\n",
        {APR1: "htpasswd-file-entry", WEAK: "htpasswd-file-entry"},
    ),
}


def _expected() -> dict[str, set[tuple[str, str]]]:
    """fingerprint -> {(rule id, path)} that must be reported."""
    wanted: dict[str, set[tuple[str, str]]] = {}
    for path, (_, secrets) in FILES.items():
        for secret, rule_id in secrets.items():
            wanted.setdefault(fingerprint(secret), set()).add((rule_id, path))
    return wanted


def _reported(report: dict[str, Any]) -> dict[str, set[tuple[str, str]]]:
    """fingerprint -> {(rule id, path)} for the rules bound to credential files."""
    bound = {rule_id for _, secrets in FILES.values() for rule_id in secrets.values()}
    found: dict[str, set[tuple[str, str]]] = {}
    for item in report["findings"]:
        for rule_id in set(item["rules"]) & bound:
            for location in item["locations"]:
                found.setdefault(item["fingerprint"], set()).add((rule_id, location["path"]))
    return found


def _assert_every_credential(report: dict[str, Any]) -> None:
    reported = _reported(report)
    for digest, places in _expected().items():
        missing = places - reported.get(digest, set())
        assert not missing, missing


@pytest.fixture(scope="module")
def every_format(tmp_path_factory: pytest.TempPathFactory) -> GitRepo:
    repo = GitRepo(tmp_path_factory.mktemp("formats") / "repo")
    for path, (content, _) in FILES.items():
        repo.write(path, content)
    repo.commit("credential files")
    return repo


def test_every_stored_credential_is_reported_cold_and_warm(
    every_format: GitRepo, tmp_path: Path
) -> None:
    cache = ("--cache-dir", str(tmp_path / "cache"))
    answers = []
    for extra in ((), (), ("--all-branches",)):  # full read, saved result, saved history
        code, report = scan(every_format.path, tmp_path, *cache, *extra)
        assert code == 1
        answers.append(report["scan"]["cache"])
        _assert_every_credential(report)
    assert answers == ["full read", "saved result", "saved history"]
    _, uncached = scan(every_format.path, tmp_path, "--no-cache")
    _assert_every_credential(uncached)
    # A weak stored password is reported, graded medium; a strong one high.
    grades = {item["fingerprint"]: item["confidence"] for item in uncached["findings"]}
    assert grades[fingerprint(WEAK)] == "medium"
    assert grades[fingerprint(NETRC_STRONG)] == grades[fingerprint(S3_SECRET)] == "high"


def test_the_same_content_under_an_ordinary_name_is_not_a_credential_file(
    tmp_path: Path,
) -> None:
    repo = GitRepo(tmp_path / "repo")
    for path, (content, _) in FILES.items():
        repo.write(path.replace("/", "_") + ".txt", content)
    repo.commit("notes")
    _, report = scan(repo.path, tmp_path, "--no-cache")
    assert _reported(report) == {}


def _netrc_findings(report: dict[str, Any]) -> list[tuple[str, list[str]]]:
    return [
        (item["fingerprint"], sorted(location["path"] for location in item["locations"]))
        for item in report["findings"]
        if "netrc-file-password" in item["rules"]
    ]


def test_one_blob_under_two_names_counts_only_under_the_credential_name(tmp_path: Path) -> None:
    netrc = f"machine ftp.internal.net login deploy password {WEAK}\n"
    repo = GitRepo(tmp_path / "repo")
    repo.write("notes.txt", netrc)
    repo.commit("notes")
    cache = ("--cache-dir", str(tmp_path / "cache"))
    code, report = scan(repo.path, tmp_path, *cache)
    assert code == 0 and report["findings"] == []  # the blob is remembered clean
    # The same blob, now also a .netrc: an old blob under a new name in an extended history.
    repo.write("home/.netrc", netrc)
    repo.commit("netrc")
    seen = []
    for extra in ((), (), ("--all-branches",)):  # extended history, saved result, saved history
        code, report = scan(repo.path, tmp_path, *cache, *extra)
        seen.append(report["scan"]["cache"])
        assert code == 1
        assert _netrc_findings(report) == [(fingerprint(WEAK), ["home/.netrc"])]
    assert seen == ["extended history", "saved result", "saved history"]
    _, cold = scan(repo.path, tmp_path, "--no-cache")
    assert _netrc_findings(cold) == [(fingerprint(WEAK), ["home/.netrc"])]
    # Taken out of the .netrc name again: the finding stays in history, never at notes.txt.
    (repo.path / "home" / ".netrc").unlink()
    repo.commit("untrack")
    _, later = scan(repo.path, tmp_path, *cache)
    assert _netrc_findings(later) == [(fingerprint(WEAK), ["home/.netrc"])]
    assert later["findings"][0]["in_head"] is False


def test_a_putty_key_file_is_left_to_the_private_key_rule(tmp_path: Path) -> None:
    from scanner.rules.pack import load_rules

    key = load_rules().by_id["putty-private-key"].examples_match[0]
    repo = GitRepo(tmp_path / "repo")
    repo.write("keys/deploy.ppk", key + "\n")
    repo.commit("key")
    code, report = scan(repo.path, tmp_path, "--no-cache")
    assert code == 1
    assert [item["rules"] for item in report["findings"]] == [["putty-private-key"]]


def test_a_staged_netrc_blocks_the_commit_and_the_same_lines_elsewhere_do_not(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.write("README.md", "a project\n")
    repo.commit("start")
    repo.write("notes.txt", f"machine ftp.internal.net login deploy password {WEAK}\n")
    repo.git("add", "notes.txt")
    assert staged_main([str(repo.path), "--format", "json"]) == 0
    capsys.readouterr()
    repo.write(".netrc", f"machine ftp.internal.net login deploy password {WEAK}\n")
    repo.git("add", ".netrc")
    assert staged_main([str(repo.path), "--format", "json"]) == 1
    out = capsys.readouterr().out
    assert WEAK not in out
    assert '"netrc-file-password"' in out and '".netrc"' in out and '"notes.txt"' not in out
