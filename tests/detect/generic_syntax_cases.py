"""Realistic lines per syntax family for the generic rules: positives and decoys.

Each positive is a template with `{s}` (a generated 32-character secret), `{p}` (a generated
14-character password) or `{h32}`/`{h40}`/`{h64}`/`{h128}`/`{uuid}` (generated hex and UUID
values): what a secret looks like in that syntax when someone commits one. Each decoy is a line
in the same syntax that holds no secret: a placeholder, a template, an environment lookup, a
digest under a name that is not a secret's, a word, a path. The values are made here from a
seeded generator, so no line is a real credential and every run sees the same ones.
"""

from __future__ import annotations

import random
import string

_ALNUM = string.ascii_letters + string.digits


def _random(rng: random.Random, alphabet: str, length: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(length))


def _password(rng: random.Random) -> str:
    # Letters, digits and one symbol: what a person or a password manager picks.
    return _random(rng, _ALNUM, 11) + rng.choice("!#%+-_") + _random(rng, string.digits, 2)


def _uuid(rng: random.Random) -> str:
    hexd = _random(rng, "0123456789abcdef", 32)
    return f"{hexd[:8]}-{hexd[8:12]}-4{hexd[13:16]}-a{hexd[17:20]}-{hexd[20:]}"


def values(seed: str) -> dict[str, str]:
    """One set of generated values for one case."""
    rng = random.Random(seed)
    hexd = "0123456789abcdef"
    return {
        "s": _random(rng, _ALNUM, 32),
        "p": _password(rng),
        "h32": _random(rng, hexd, 32),
        "h40": _random(rng, hexd, 40),
        "h64": _random(rng, hexd, 64),
        "h128": _random(rng, hexd, 128),
        "uuid": _uuid(rng),
    }


def render(template: str, generated: dict[str, str]) -> tuple[str, set[str]]:
    """The line with its `{name}` slots filled, and the values it holds."""
    held = set()
    for name, value in generated.items():
        slot = "{" + name + "}"
        if slot in template:
            template = template.replace(slot, value)
            held.add(value)
    return template, held


# family -> templates of lines (or small files) that hold a secret
POSITIVES: dict[str, list[str]] = {
    "go": [
        'var apiKey string = "{s}"',
        '\tclientSecret := "{s}"',
        'const authToken = "{s}"',
        '\tdbPassword := "{p}"',
        'var DBPassword string = "{p}"',
    ],
    "php": [
        "$config['api_key'] .= '{s}';",
        "define('API_SECRET', '{s}');",
        'define("DB_PASSWORD", "{p}");',
        "$password = '{p}';",
        "define( 'AUTH_KEY', 'Zq<v8]Kp w|3@Lr^tY:x7M.nB2{cD&gH;9jF*kS4uW~Z%aE1=iO5+qR6bT0(N' );",
    ],
    "makefile": [
        "API_TOKEN ?= {s}",
        "SECRET_KEY ::= {s}",
        "DB_PASSWORD :::= {p}",
        "AUTH_TOKEN := {s}",
    ],
    "xml-next-line": [
        "<password>\n    {p}\n</password>",
        "<apiKey>\n  {s}\n</apiKey>",
        "<entry>\n  <clientSecret>\n    {s}\n  </clientSecret>\n</entry>",
    ],
    "properties": [
        "db.password={p}",
        "api.secret: {s}",
        "auth.token {s}",
        "mail.smtp.password = {p}",
    ],
    "json-escaped-env": [
        '{"env": "DEBUG=0\\nAPI_TOKEN={s}\\nPORT=80"}',
        '{"script": "set -e\\nexport DB_PASSWORD={p}\\nrun"}',
        '"command": "FOO=1\\nSECRET_KEY={s}\\n"',
    ],
    "yaml-quoted-key": [
        '"api_key": {s}',
        "'client_secret': {s}",
        '  "password": {p}',
    ],
    "terraform-heredoc": [
        "client_secret = <<EOF\n{s}\nEOF",
        "password = <<-EOT\n    {p}\n    EOT",
    ],
    "notebook": [
        '    "SECRET = \\"{s}\\"\\n",',
        "    \"api_key = '{s}'\\n\",",
        '    "os.environ[\\"OPENAI_API_KEY\\"] = \\"{s}\\"\\n",',
        '    "password = \\"{p}\\"\\n",',
    ],
    "shell-export": [
        'export API_TOKEN="{s}"',
        "export DB_PASSWORD='{p}'",
        "export SECRET_KEY={s}",
        "  export CLIENT_SECRET={s}",
    ],
    "dockerfile": [
        "ENV API_KEY {s}",
        'ENV DB_PASSWORD="{p}"',
        "ARG NPM_TOKEN={s}",
        "ENV SECRET_KEY={s} DEBUG=0",
    ],
    "compose-env-list": [
        "      - DB_PASSWORD={p}",
        '      - "API_TOKEN={s}"',
        "      - SECRET_KEY={s}",
    ],
    "kubernetes-env": [
        "        - name: DB_PASSWORD\n          value: {p}",
        '        - name: API_TOKEN\n          value: "{s}"',
        "  - name: CLIENT_SECRET\n    value: '{s}'",
    ],
    "csharp-java-const": [
        'public const string ApiKey = "{s}";',
        'private static final String SECRET_TOKEN = "{s}";',
        'private const string DbPassword = "{p}";',
        'public static readonly string ClientSecret = "{s}";',
    ],
    "ruby-hash": [
        ":password => '{p}',",
        "  password: '{p}',",
        '  api_key: "{s}",',
        '"secret_token" => "{s}",',
    ],
    "hex-and-uuid-values": [
        'SECRET_KEY = "{h64}"',
        "  secret_key_base: {h128}",
        "HEROKU_API_KEY={uuid}",
        'api_key = "{h32}"',
        'oauth_token: "{h40}"',
        "CONSUL_HTTP_TOKEN={uuid}",
        'app.config["SECRET_KEY"] = "{h32}"',
        "  client_secret: {uuid}",
        '"lock_token": "{uuid}",',
    ],
}

# family -> lines that hold no secret and must give no generic finding
DECOYS: dict[str, list[str]] = {
    "go": [
        'apiKey := os.Getenv("API_KEY")',
        'var tokenURL string = "https://auth.acme.io/oauth/token"',
        "dbPassword := cfg.Database.Password",
    ],
    "php": [
        "define('DB_PASSWORD', getenv('DB_PASSWORD'));",
        "define('AUTH_KEY', 'put your unique phrase here');",
        "$password .= $_POST['password'];",
    ],
    "makefile": [
        "API_TOKEN ?= $(shell cat .token)",
        "SECRET_KEY ::= ${SECRET_KEY}",
        "DB_PASSWORD ?= changeme",
    ],
    "xml-next-line": [
        "<password>\n    ${env.DB_PASSWORD}\n</password>",
        "<tokenEndpoint>\n  https://login.acme.io/oauth2/token\n</tokenEndpoint>",
    ],
    "properties": [
        "db.password=${DB_PASSWORD}",
        "auth.token.url=https://auth.acme.io/token",
        "api.secret: <your-api-secret>",
    ],
    "json-escaped-env": [
        '{"env": "DEBUG=0\\nAPI_TOKEN=${API_TOKEN}\\n"}',
    ],
    "yaml-quoted-key": [
        '"api_key": ${API_KEY}',
        "'password': changeme",
    ],
    "terraform-heredoc": [
        "client_secret = <<EOF\n${var.client_secret}\nEOF",
    ],
    "notebook": [
        '    "api_key = os.environ[\\"API_KEY\\"]\\n",',
        '    "password = getpass.getpass()\\n",',
    ],
    "shell-export": [
        'export API_TOKEN="$(vault read -field=token secret/ci)"',
        "export DB_PASSWORD=$DB_PASSWORD",
    ],
    "dockerfile": [
        "ENV API_KEY=${API_KEY}",
        "ARG NPM_TOKEN",
    ],
    "compose-env-list": [
        "      - API_TOKEN=${API_TOKEN}",
        "      - DB_PASSWORD",
    ],
    "kubernetes-env": [
        "        - name: DB_PASSWORD\n          valueFrom:\n            secretKeyRef:\n"
        "              name: db\n              key: password",
    ],
    "csharp-java-const": [
        'public const string TokenHeader = "X-Api-Token";',
        'private static final String PASSWORD_FIELD = "password";',
    ],
    "ruby-hash": [
        ":password => ENV['DB_PASSWORD'],",
        "  password: Rails.application.credentials.db_password,",
    ],
    "code-and-prose": [
        # found in real packages' source: a URL template, an f-string regex
        '    proxy_url="socks5h://<username>:<password>@proxy-host"',
        "ident_pattern_token = f'([{uni.xid_start}][{uni.xid_continue}]+)|[{uni.xid_start}]'",
        "token_name some_function_name_here",
        # names that hold a token that is no credential, or a time
        "NEXT_CONTINUATION_TOKEN={s}",
        '    nextPageToken := "{s}"',
        '  "clientRequestToken": "{s}",',
        "PASSWORD_LAST_USED=2024-09-24T16:18:07Z",
        'token_created_at = "2025-03-01T00:00:00+00:00"',
        'SESSION_KEY = "_auth_user_backend"',
    ],
    "hex-and-uuid-values": [
        '"integrity": "sha512-{h128}"',
        "sha256: {h64}",
        'checksum = "{h64}"',
        "commit: {h40}",
        'request_id = "{uuid}"',
        "  password: md5{h32}",
        "  password 7 0822455D0A16544541",
        "username admin password 5 $1$mERr$hx5rVt7rPNoS4wqbXKX7m0",
        "db_password: \"{{ lookup('onepassword', 'Prod Database') }}\"",
        "  admin_pass: \"{{ lookup('onepassword', 'ztv4kq7xw2mbd5hs3ynpa6rjce') }}\"",
        "password: \"{{ lookup('community.general.onepassword', 'Shop DB', field='password') }}\"",
    ],
}
