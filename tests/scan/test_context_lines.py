"""Each finding carries the line it was first found on, every secret in it redacted: enough
to dismiss a false positive without `git show`, and never a secret in clear."""

from __future__ import annotations

import base64
import hashlib
import random
import string
from pathlib import Path
from typing import Any

import pytest
from git_builders import GitRepo, scan, scan_report, token

from scanner.demo import make_token
from scanner.matches import Match, preview_of
from scanner.scan.context_lines import LINE_LIMIT, redacted_line


def _random_token(seed: str, length: int) -> str:
    """Random letters and digits no rule knows (an unknown provider's key)."""
    rng = random.Random(hashlib.sha256(seed.encode()).digest())
    return "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(length))


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], dict[str, str]]:
    """One repository holding every case, one scan."""
    root = tmp_path_factory.mktemp("context")
    repo = GitRepo(root / "repo")
    rng = random.Random(7)
    keys = {
        "key_id": make_token("aws-key-id", rng),
        "secret": make_token("aws-secret", rng),
        "xai": token(1),
        "encoded": token(2),
        "minified": token(3),
        "unknown": _random_token("unknown", 40),
    }
    encoded = base64.b64encode(keys["encoded"].encode()).decode()
    repo.change(
        "2025-03-02T09:00:00+00:00",
        {
            "deploy.sh": f"export AWS_ACCESS_KEY_ID={keys['key_id']} "
            f"AWS_SECRET_ACCESS_KEY={keys['secret']}\n",
            "config/settings.py": f'\tXAI_API_KEY = "{keys["xai"]}"  # old: {keys["unknown"]}\n',
            "k8s/secret.yaml": (
                "apiVersion: v1\nkind: Secret\nmetadata:\n  name: app\n"
                f"data:\n  XAI_API_KEY: {encoded}\n"
            ),
            "static/app.min.js": "var a=1;" * 400 + f'var k="{keys["minified"]}";' + "b();" * 400,
        },
    )
    out = root / "out"
    out.mkdir()
    _, report = scan(repo.path, out, "--engine", "python")
    keys["encoded_form"] = encoded
    return report, keys


def _line_of(report: dict[str, Any], secret: str) -> str:
    fingerprint = hashlib.sha256(secret.encode()).hexdigest()
    (found,) = [f for f in report["findings"] if f["fingerprint"] == fingerprint]
    line = found["context_line"]
    assert isinstance(line, str)
    return line


def test_two_keys_on_one_line_are_both_redacted(
    scanned: tuple[dict[str, Any], dict[str, str]],
) -> None:
    report, keys = scanned
    for secret in ("key_id", "secret"):
        line = _line_of(report, keys[secret])
        assert line == (
            f"export AWS_ACCESS_KEY_ID={preview_of(keys['key_id'].encode())} "
            f"AWS_SECRET_ACCESS_KEY={preview_of(keys['secret'].encode())}"
        )


def test_an_unknown_random_token_beside_the_key_is_masked_too(
    scanned: tuple[dict[str, Any], dict[str, str]],
) -> None:
    report, keys = scanned
    line = _line_of(report, keys["xai"])
    assert line.startswith(f'XAI_API_KEY = "{preview_of(keys["xai"].encode())}"  # old: ')
    assert keys["unknown"] not in line
    assert keys["unknown"][:12] not in line
    assert line.endswith("…(40 chars)")


def test_a_decoded_secret_hides_its_encoded_form(
    scanned: tuple[dict[str, Any], dict[str, str]],
) -> None:
    report, keys = scanned
    line = _line_of(report, keys["encoded"])
    assert line.startswith("XAI_API_KEY: ")
    assert keys["encoded_form"][:12] not in line
    assert keys["encoded"] not in line


def test_a_minified_line_is_cut_around_the_secret(
    scanned: tuple[dict[str, Any], dict[str, str]],
) -> None:
    report, keys = scanned
    line = _line_of(report, keys["minified"])
    assert len(line) <= LINE_LIMIT
    assert line.startswith("…") and line.endswith("…")
    assert f'var k="{preview_of(keys["minified"].encode())}";' in line


def test_no_secret_in_any_format(
    scanned: tuple[dict[str, Any], dict[str, str]], tmp_path: Path
) -> None:
    report, keys = scanned
    saved = tmp_path / "saved.json"
    import json

    saved.write_text(json.dumps(report))
    from scanner.cli.app import main

    for fmt in ("text", "markdown", "html", "sarif", "json"):
        out = tmp_path / f"r.{fmt}"
        assert main(["report", str(saved), "--format", fmt, "--output", str(out)]) == 0
        written = out.read_text()
        for name, secret in keys.items():
            assert secret[: len(secret) // 2] not in written, (fmt, name)
    text = (tmp_path / "r.text").read_text()
    assert f'  line          XAI_API_KEY = "{preview_of(keys["xai"].encode())}"' in text


def test_a_rescan_answered_from_the_cache_keeps_the_lines(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "repo")
    key = token(9)
    repo.change("2025-03-02T09:00:00+00:00", {"app.py": f'KEY = "{key}"\n'})
    cache = ("--cache-dir", str(tmp_path / "cache"), "--engine", "python")
    out = tmp_path / "out"
    out.mkdir()
    _, first = scan(repo.path, out, *cache)
    _, again = scan(repo.path, out, *cache)
    assert again["scan"]["cache"] == "saved result"
    assert _line_of(again, key) == _line_of(first, key) == f'KEY = "{preview_of(key.encode())}"'
    code, text = scan_report(repo.path, out, *cache, fmt="text")
    assert code == 1
    assert "answered from the cache: 1 commit and 1 blob unchanged since an earlier scan" in text


def test_every_matched_secret_on_the_line_is_redacted_whatever_its_rule() -> None:
    low = b"hunter2-correct-horse"
    key = token(4).encode()
    content = b"first line\nuser = app password = " + low + b' key = "' + key + b'"\n'
    matches = [
        Match("generic-password", low, 2, 23, confidence="low"),
        Match("xai-api-key", key, 2, 53),
    ]
    line = redacted_line(content, 2, 53, matches)
    assert line == (f'user = app password = {preview_of(low)} key = "{preview_of(key)}"')
    assert redacted_line(content, 3, 1, matches) == ""
    assert redacted_line(content, 4, 1, matches) is None


def test_a_private_key_preview_names_its_type_and_digest() -> None:
    body = base64.b64encode(bytes(range(256)) * 4).decode()
    pem = f"-----BEGIN RSA PRIVATE KEY-----\n{body}\n-----END RSA PRIVATE KEY-----".encode()
    digest = hashlib.sha256(pem).hexdigest()[:8]
    assert preview_of(pem) == f"[RSA PRIVATE KEY {digest}]({len(pem)} chars)"
    assert preview_of(b"xai-abcdefghijklmnop") == "xai-a…(20 chars)"


def test_a_secret_not_on_the_line_as_matched_loses_the_value_at_its_column() -> None:
    # A decoded match: the line holds the encoded form, which looks nothing like the secret
    # (and is not random enough for the unknown-token mask).
    encoded = base64.b64encode(b"A" * 30).decode()
    secret = b"decoded-secret-value"
    content = f'data: {encoded}, "next": 1\n'.encode()
    line = redacted_line(content, 1, 7, [Match("some-rule", secret, 1, 7, decoded="base64")])
    assert line == f'data: {preview_of(secret)}, "next": 1'


def test_a_secret_matched_elsewhere_in_the_blob_is_redacted_on_this_line_too() -> None:
    secret = b"correcthorsebatterystaple"  # no digits: the unknown-token mask leaves it alone
    content = b'password = "' + secret + b'"\nbackup = "' + secret + b'"\n'
    line = redacted_line(content, 2, 1, [Match("generic-password", secret, 1, 13)])
    assert line == f'backup = "{preview_of(secret)}"'
