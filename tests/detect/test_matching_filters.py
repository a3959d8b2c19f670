"""The matcher applies each filter where it belongs: checked through `Matcher.scan`.

tests/detect/test_filters.py checks each heuristic on its own; these check that the matcher calls
it, with the right arguments and for the right rules. A manual mutation pass removed each of
these calls in turn and no other test noticed.
"""

from __future__ import annotations

import base64
import random
from pathlib import Path

import pytest
from matcher_support import matcher_for

from scanner.demo import make_token
from scanner.detect.grading import grade
from scanner.detect.hs_screening import hyperscan_available
from scanner.detect.matcher import Matcher
from scanner.rules.pack import load_rules

PACK = load_rules()
ENGINES = ["python"] + (["hyperscan"] if hyperscan_available() else [])
XAI = make_token("xai", random.Random("matching-filters"))
# High-entropy and shaped like nothing in particular: the generic rules report it as is.
VALUE = "Qw8rT5yU2iO9pA3sD6fG1hJ4kL7zX0cV"
UUID = "c0c57ed8-4f5b-4ced-9f56-201a7513e6c0"


def _matcher(engine: str) -> Matcher:
    return matcher_for(PACK, engine)


def _found(engine: str, text: str) -> list[tuple[str, int]]:
    return [(m.rule_id, m.line) for m in _matcher(engine).scan(text.encode())]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_nextline_marker_waives_only_the_line_below_it(engine: str) -> None:
    text = (
        "# pragma: allowlist nextline secret\n"
        f'XAI_KEY = "{XAI}"\n'  # waived
        "\n"
        f'XAI_KEY_2 = "{XAI}"\n'  # two lines below the marker: reported
    )
    assert _found(engine, text) == [("xai-api-key", 4)]


@pytest.mark.parametrize(
    "line",
    [
        # the value follows an `_id` name on the same line
        f'owner_id = 7; api_token = "{VALUE}"',
    ],
)
@pytest.mark.parametrize("engine", ENGINES)
def test_generic_rules_drop_keyword_context_noise(engine: str, line: str) -> None:
    assert _found(engine, line + "\n") == []


@pytest.mark.parametrize("engine", ENGINES)
def test_a_uuid_under_a_secret_name_is_reported_low(engine: str) -> None:
    # Consul, Vault and Heroku tokens are UUIDs: a finding, graded low instead of dropped.
    (match,) = _matcher(engine).scan(f'session_token = "tenant-{UUID}"\n'.encode())
    assert match.rule_id == "generic-secret-assignment"
    assert grade(PACK.by_id[match.rule_id], match.secret) == "low"


@pytest.mark.parametrize("engine", ENGINES)
def test_keyword_context_noise_filters_leave_provider_rules_alone(engine: str) -> None:
    # An `_id` name before a provider token does not make the token an identifier.
    assert _found(engine, f'owner_id = 7; key = "{XAI}"\n') == [("xai-api-key", 1)]


@pytest.mark.parametrize("engine", ENGINES)
def test_the_noise_control_is_reported(engine: str) -> None:
    # The same value without an `_id` before it: the generic rule reports it.
    assert _found(engine, f'owner = 7; api_token = "{VALUE}"\n') == [
        ("generic-secret-assignment", 1)
    ]


def _pem_body(zero_run: bool) -> str:
    """A synthetic PKCS#8-shaped body (random bytes, never a key); DER's zero bytes read as
    runs of `A` in base64, which the run heuristic would take for a typed placeholder."""
    rng = random.Random("matching-filters:pem")
    raw = bytes(rng.randrange(256) for _ in range(600))
    if zero_run:
        raw = raw[:90] + bytes(12) + raw[102:]
    encoded = "MIIE" + base64.b64encode(raw).decode()
    return "\n".join(encoded[i : i + 64] for i in range(0, len(encoded), 64))


@pytest.mark.parametrize("engine", ENGINES)
def test_key_blocks_are_reported_despite_runs_of_zero_bytes(engine: str) -> None:
    body = _pem_body(zero_run=True)
    assert "AAAAAAAAAAAA" in body
    text = f"-----BEGIN PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----\n"
    assert _found(engine, text) == [("private-key-pkcs8", 1)]


_RUN_RULE = """
[[rule]]
id = "acme-run-token"
title = "Acme token whose format opens with a run"
severity = "high"
keywords = ["acme_"]
pattern = '''\\b(acme_AAAAAAAA[A-Za-z0-9]{24})\\b'''
{extra}
[rule.examples]
match = ["k = acme_AAAAAAAAQm7rT2vK9pLx4NcW8hZ3bY6d"]
"""


@pytest.mark.parametrize("allowed", [False, True])
def test_a_rule_can_opt_out_of_the_repeated_run_filter(tmp_path: Path, allowed: bool) -> None:
    path = tmp_path / "acme.toml"
    path.write_text(_RUN_RULE.replace("{extra}", "allow_repeated_runs = true" if allowed else ""))
    matcher = matcher_for(load_rules(files=[path]), "python")
    found = [m.rule_id for m in matcher.scan(b'TOKEN = "acme_AAAAAAAAQm7rT2vK9pLx4NcW8hZ3bY6d"\n')]
    assert found == (["acme-run-token"] if allowed else [])
