"""Shared decoys of the quality corpus: non-secrets that scanners are known to flag.

Hashes and digests under ordinary names, UUIDs used as ids, images and source maps, lock files,
commit SHAs, public keys, AWS's documented sample keys and obvious test values. They live in
files of their own under `decoys/`; any finding there is a false positive.
"""

from __future__ import annotations

import base64
import json
import random
import string
from collections.abc import Iterable, Sequence
from typing import Protocol


class DecoySink(Protocol):
    """Where the decoys go (the corpus draft)."""

    def decoy_lines(self, path: str, kind: str, lines: list[str], header: list[str]) -> None: ...

    def decoy_file(self, path: str, kind: str, content: list[str]) -> None: ...

    def footer(self, path: str, lines: list[str]) -> None: ...


def _hex(rng: random.Random, length: int) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(length))


def _b64(rng: random.Random, raw_length: int, alphabet_url: bool = False) -> str:
    raw = bytes(rng.getrandbits(8) for _ in range(raw_length))
    encode = base64.urlsafe_b64encode if alphabet_url else base64.b64encode
    return encode(raw).decode("ascii")


def _uuid(rng: random.Random) -> str:
    h = _hex(rng, 32)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{rng.choice('89ab')}{h[17:20]}-{h[20:]}"


def _ident(rng: random.Random, length: int) -> str:
    return "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(length))


def _decoy_lines(
    draft: DecoySink, path: str, kind: str, lines: Iterable[str], header: Sequence[str] = ()
) -> None:
    """Each line one decoy of `kind`, in a shared decoy file."""
    draft.decoy_lines(path, kind, list(lines), list(header))


def _decoy_file(draft: DecoySink, path: str, kind: str, content: Sequence[str]) -> None:
    """A whole file that is one decoy (minified code, a lock file): kept in order."""
    draft.decoy_file(path, kind, list(content))


# The example token jwt.io shows to everyone (HS256, "your-256-bit-secret").
_JWT_IO_EXAMPLE = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
    ".eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ"
    ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)
_PNG_HEAD = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"


def place_shared_decoys(draft: DecoySink, rng: random.Random, scale: int) -> None:
    """Non-secrets that scanners are known to flag, `scale` of each kind (or so)."""
    n = range(scale)
    _decoy_lines(
        draft,
        "decoys/app/digests.py",
        "hash",
        [
            *(f'EXPECTED_MD5 = "{_hex(rng, 32)}"' for _ in n),
            *(f'release_sha1 = "{_hex(rng, 40)}"' for _ in n),
            *(f'ARCHIVE_SHA256 = "{_hex(rng, 64)}"' for _ in n),
            *(f'etag = "{_hex(rng, 32)}"' for _ in n),
            *(f'token_hash = "{_hex(rng, 64)}"' for _ in n),
        ],
        header=["# Digests the release script checks downloads against.", ""],
    )
    _decoy_lines(
        draft, "decoys/SHA256SUMS", "hash", (f"{_hex(rng, 64)}  acme-1.{i}.tar.gz" for i in n)
    )
    _decoy_lines(
        draft,
        "decoys/deploy/images.yaml",
        "hash",
        (f"      image: ghcr.io/acme/worker@sha256:{_hex(rng, 64)}" for _ in n),
        header=["spec:", "  template:", "    containers:"],
    )
    _decoy_lines(
        draft,
        "decoys/app/ids.py",
        "uuid",
        [
            *(f'REQUEST_ID = "{_uuid(rng)}"' for _ in n),
            *(f'tenant_id = "{_uuid(rng)}"' for _ in n),
            *(f'AZURE_CLIENT_ID = "{_uuid(rng)}"' for _ in n),
            *(f'"idempotency_key": "{_uuid(rng)}",' for _ in n),
        ],
    )
    _decoy_lines(
        draft,
        "decoys/tests/fixtures/orders.json",
        "uuid",
        (f'    {{"id": "{_uuid(rng)}", "customer": "{_uuid(rng)}", "total": {i}}},' for i in n),
        header=["{", '  "orders": ['],
    )
    draft.footer("decoys/tests/fixtures/orders.json", ['    {"id": null}', "  ]", "}"])
    image = [
        base64.b64encode(
            _PNG_HEAD + bytes(rng.getrandbits(8) for _ in range(rng.randint(90, 600)))
        ).decode()
        for _ in n
    ]
    _decoy_lines(
        draft,
        "decoys/web/styles.css",
        "base64-image",
        (
            f".icon-{i} {{ background-image: url(data:image/png;base64,{b}); }}"
            for i, b in enumerate(image)
        ),
    )
    _decoy_lines(
        draft,
        "decoys/web/index.html",
        "base64-image",
        (f'    <img alt="logo" src="data:image/png;base64,{b}">' for b in reversed(image)),
        header=["<!doctype html>", "<html>", "  <body>"],
    )
    draft.footer("decoys/web/index.html", ["  </body>", "</html>"])
    _decoy_lines(
        draft,
        "decoys/web/cdn.html",
        "sri-hash",
        (
            f'<script src="https://cdn.acme.test/lib-{i}.js" integrity="sha384-{_b64(rng, 48)}"'
            ' crossorigin="anonymous"></script>'
            for i in n
        ),
    )
    _decoy_file(draft, "decoys/web/vendor.min.js", "minified-js", [_minified(rng, 60 + scale * 4)])
    mappings = ";".join(
        ",".join(_ident(rng, rng.randint(4, 8)) for _ in range(12)) for _ in range(40 + scale)
    )
    _decoy_file(
        draft,
        "decoys/web/vendor.min.js.map",
        "source-map",
        [
            json.dumps(
                {"version": 3, "sources": ["src/index.ts"], "names": [], "mappings": mappings}
            )
        ],
    )
    _decoy_file(draft, "decoys/package-lock.json", "lockfile-integrity", _package_lock(rng, scale))
    _decoy_file(draft, "decoys/yarn.lock", "lockfile-integrity", _yarn_lock(rng, scale))
    _decoy_file(draft, "decoys/poetry.lock", "lockfile-integrity", _poetry_lock(rng, scale))
    _decoy_file(
        draft,
        "decoys/go.sum",
        "lockfile-integrity",
        [f"github.com/acme/mod{i} v1.{i}.0 h1:{_b64(rng, 32)}" for i in n],
    )
    _decoy_file(
        draft,
        "decoys/.terraform.lock.hcl",
        "lockfile-integrity",
        [
            'provider "registry.terraform.io/hashicorp/aws" {',
            '  version = "5.31.0"',
            "  hashes = [",
            *(f'    "h1:{_b64(rng, 32)}",' for _ in n),
            *(f'    "zh:{_hex(rng, 64)}",' for _ in n),
            "  ]",
            "}",
        ],
    )
    _decoy_lines(
        draft,
        "decoys/CHANGELOG.md",
        "commit-sha",
        (f"- Fix retry handling in the uploader ({_hex(rng, 40)})" for _ in n),
        header=["# Changelog", "", "## 1.4.2"],
    )
    _decoy_lines(
        draft,
        "decoys/.github/workflows/ci.yml",
        "commit-sha",
        (f"      - uses: acme/action-{i}@{_hex(rng, 40)}  # v{i}.0.0" for i in n),
        header=["on: [push]", "jobs:", "  test:", "    runs-on: ubuntu-latest", "    steps:"],
    )
    _decoy_lines(
        draft,
        "decoys/docs/git-history.txt",
        "commit-sha",
        (f"commit {_hex(rng, 40)}\nMerge: {_hex(rng, 7)} {_hex(rng, 7)}" for _ in n),
    )
    _decoy_lines(
        draft,
        "decoys/docs/aws-setup.md",
        "aws-documented-example",
        [
            "aws_access_key_id = AKIAIOSFODNN7EXAMPLE",
            "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE",
            "export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            '"SecretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",',
        ],
        header=[
            "# Configure the CLI",
            "",
            "Use the values from your own account; these are AWS's samples:",
            "",
        ],
    )
    _decoy_lines(
        draft,
        "decoys/tests/fixtures/fake_credentials.py",
        "test-fixture",
        [
            'API_KEY = "fake-api-key-for-tests"',
            'password = "password123"',
            'GITHUB_TOKEN = "ghp_' + "0" * 36 + '"',
            'STRIPE_KEY = "sk_live_' + "0" * 24 + '"',
            'OPENAI_API_KEY = "sk-proj-' + "x" * 40 + "T3BlbkFJ" + "x" * 40 + '"',
            'SLACK_TOKEN = "xoxb-000000000000-000000000000-' + "x" * 24 + '"',
            'AWS_ACCESS_KEY_ID = "AKIA' + "X" * 16 + '"',
            'token = "test-token"',
            'client_secret = "dummy-client-secret"',
            'db_url = "postgres://user:password@localhost:5432/test"',
            f'JWT = "{_JWT_IO_EXAMPLE}"',
            'ANTHROPIC_API_KEY = "sk-ant-api03-' + "x" * 93 + 'AA"',
        ],
        header=['"""Values for unit tests only; none of them works anywhere."""', ""],
    )
    _decoy_lines(
        draft,
        "decoys/app/pagination.py",
        "token-word-identifier",
        [
            *(f'next_page_token = "{_b64(rng, 30, True)}"' for _ in n),
            'token_type = "Bearer"',
            "max_tokens = 4096",
            'tokenizer = AutoTokenizer.from_pretrained("bert-base-uncased")',
            'secret_name = "prod/billing/database"',
            'SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-a1B2c3"',
            'api_key_header = "X-API-Key"',
            'password_reset_url = "https://acme.test/account/reset"',
            *(f'trace_id = "{_hex(rng, 32)}"' for _ in n),
            *(f'span_id = "{_hex(rng, 16)}"' for _ in n),
            *(f'"nonce": "{_hex(rng, 32)}",' for _ in n),
            *(f'cache_key = "session:{_ident(rng, 6)}:profile"' for _ in n),
        ],
    )
    _decoy_lines(
        draft,
        "decoys/keys/authorized_keys",
        "public-key",
        (f"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI{_b64(rng, 32)[:43]} dev{i}@laptop" for i in n),
    )
    _decoy_lines(
        draft,
        "decoys/keys/known_hosts",
        "public-key",
        (f"git{i}.acme.test ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQ{_b64(rng, 180)}" for i in n),
    )
    for name, label in (("server.crt", "CERTIFICATE"), ("public.pem", "PUBLIC KEY")):
        body = _b64(rng, 600)
        lines = [f"-----BEGIN {label}-----", *(body[i : i + 64] for i in range(0, len(body), 64))]
        _decoy_file(draft, f"decoys/keys/{name}", "public-key", [*lines, f"-----END {label}-----"])


def _minified(rng: random.Random, statements: int) -> str:
    parts = []
    for _ in range(statements):
        a, b = _ident(rng, 1), _ident(rng, 2)
        choice = rng.randrange(4)
        if choice == 0:
            parts.append(f"var {a}{b}=function(e,t){{return e.{_ident(rng, 3)}(t)}}")
        elif choice == 1:
            parts.append(f'{a}.exports="{_ident(rng, rng.randint(20, 40))}"')
        elif choice == 2:
            parts.append(
                f'{a}[{rng.randint(0, 999)}]={{id:"{_hex(rng, 24)}",v:{rng.randint(0, 9)}}}'
            )
        else:
            parts.append(
                f"{a}{b}.prototype.{_ident(rng, 4)}=function(){{return this.{_ident(rng, 2)}}}"
            )
    return "!function(){" + ";".join(parts) + "}();"


def _package_lock(rng: random.Random, scale: int) -> list[str]:
    lines = ["{", '  "name": "web",', '  "lockfileVersion": 3,', '  "packages": {']
    for i in range(scale):
        lines += [
            f'    "node_modules/pkg-{i}": {{',
            f'      "version": "1.{i}.0",',
            f'      "resolved": "https://registry.npmjs.org/pkg-{i}/-/pkg-{i}-1.{i}.0.tgz",',
            f'      "integrity": "sha512-{_b64(rng, 64)}"',
            "    },",
        ]
    return [*lines, '    "": {}', "  }", "}"]


def _yarn_lock(rng: random.Random, scale: int) -> list[str]:
    lines = ["# yarn lockfile v1", ""]
    for i in range(scale):
        lines += [
            f'"lib-{i}@^2.{i}.0":',
            f'  version "2.{i}.1"',
            f'  resolved "https://registry.yarnpkg.com/lib-{i}/-/lib-{i}-2.{i}.1.tgz'
            f'#{_hex(rng, 40)}"',
            f"  integrity sha512-{_b64(rng, 64)}",
            "",
        ]
    return lines


def _poetry_lock(rng: random.Random, scale: int) -> list[str]:
    lines = []
    for i in range(scale):
        lines += [
            "[[package]]",
            f'name = "dep{i}"',
            f'version = "0.{i}.0"',
            "files = [",
            f'    {{file = "dep{i}-0.{i}.0.tar.gz", hash = "sha256:{_hex(rng, 64)}"}},',
            "]",
            "",
        ]
    return lines
