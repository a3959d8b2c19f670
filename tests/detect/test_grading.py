"""A match's confidence: the rule's grade, lowered for a generic value shaped like an id or a
digest; and the path conventions that label test, docs and example files."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.confidence import CONFIDENCES, at_least_as_sure, surest
from scanner.detect.context import path_context
from scanner.detect.grading import classify, grade
from scanner.errors import LeakwindowError
from scanner.rules.pack import Rule, load_rules, parse_rule_file

PACK = load_rules()
GENERIC = PACK.by_id["generic-secret-assignment"]
PROVIDER = PACK.by_id["github-pat"]

RULE = """
[[rule]]
id = "zorp-value"
title = "Zorp value"
severity = "medium"
{confidence}keywords = ["zorp"]
pattern = '''zorp = "([A-Za-z0-9]{{20}})"'''
[rule.examples]
match = ['zorp = "Qm7rT2vK9pLx4NcW8hZ3"']
"""


def _own_rule(tmp_path: Path, confidence: str) -> Rule:
    path = tmp_path / "own.toml"
    path.write_text(RULE.format(confidence=confidence))
    return parse_rule_file(path)[0]


def test_the_order_of_the_grades() -> None:
    assert CONFIDENCES == ("high", "medium", "low")
    assert at_least_as_sure("high", "medium") and at_least_as_sure("medium", "medium")
    assert not at_least_as_sure("low", "medium")
    assert surest(["low", "medium", "low"]) == "medium"
    assert surest([]) == "low"


def test_generic_rules_are_medium_and_provider_rules_high_by_default() -> None:
    assert GENERIC.confidence == "medium"
    assert PROVIDER.confidence == "high"
    generic = {rule.confidence for rule in PACK.rules if rule.family == "generic"}
    assert generic == {"medium"}


def test_a_rule_may_declare_its_grade_and_a_wrong_one_is_refused(tmp_path: Path) -> None:
    assert _own_rule(tmp_path, "").confidence == "high"  # a custom rule: its own format
    assert _own_rule(tmp_path, 'confidence = "low"\n').confidence == "low"
    with pytest.raises(LeakwindowError, match="'confidence' must be one of high, medium, low"):
        _own_rule(tmp_path, 'confidence = "certain"\n')


@pytest.mark.parametrize(
    "value",
    [
        b"c0c57ed8-4f5b-4ced-9f56-201a7513e6c0",
        b"xc0c57ed8-4f5b-4ced-9f56-201a7513e6c0",  # a UUID inside: as often an id
    ],
)
def test_a_generic_value_holding_a_uuid_is_low(value: bytes) -> None:
    assert grade(GENERIC, value) == "low"
    assert grade(PROVIDER, value) == "high"  # a provider's format is the evidence


@pytest.mark.parametrize(
    "value",
    [
        b"qLiFtdVLhMvN1RqtB1hp19X7DFui2e8X",
        b"e7c3e5bb525b059eabe3ffa21a82e271",  # 32 hex: secrets.token_hex(16)
        b"9f2c6a1d4b8e0f3a7c5d2e9b1a6f4c8d0e3b7a2f",  # 40 hex: an OAuth token
        b"E7C3E5BB525B059EABE3FFA21A82E271C614AAFB77BD03FB73ED66C32FCFBCF0",
        b"e7c3e5bb525b059eabe3ffa21a82e27",  # 31 hex
        b"e7c3e5bb525b059eabe3ffa21A82E271",  # mixed case
    ],
)
def test_random_and_hex_generic_values_keep_the_rules_grade(value: bytes) -> None:
    assert grade(GENERIC, value) == "medium"


@pytest.mark.parametrize(
    ("path", "context"),
    [
        ("tests/test_api.py", "test"),
        ("src/app/__tests__/client.js", "test"),
        ("pkg/client_test.go", "test"),
        ("web/src/login.spec.ts", "test"),
        ("spec/models/user_spec.rb", "test"),
        ("src/test/java/AppTest.java", "test"),
        ("testdata/config.json", "test"),
        ("conftest.py", "test"),
        ("docs/setup.md", "docs"),
        ("README.md", "docs"),
        ("guide/install.rst", "docs"),
        ("docs/examples/config.md", "docs"),
        ("examples/quickstart.py", "example"),
        (".env.example", "example"),
        ("config/settings.sample", "example"),
        ("app/settings_example.py", "example"),
        ("src/app/config.py", None),
        ("latest/deploy.sh", None),
        ("contest/app.py", None),
        ("attestation.py", None),
        ("Dockerfile", None),
        (".env", None),
    ],
)
def test_path_conventions(path: str, context: str | None) -> None:
    assert path_context(path) == context


NETRC_FILE = PACK.by_id["netrc-file-password"]
NETRC_CONTENT = PACK.by_id["netrc-password"]


@pytest.mark.parametrize(
    ("secret", "expected"),
    [
        (b"pass123", "medium"),  # short
        (b"Tz8qLm!", "medium"),  # short, however mixed
        (b"correcthorsebat", "medium"),  # one kind of character, under 16
        (b"123456789012345", "medium"),
        (b"correcthorsebattery", "high"),  # one kind, but 16 or more
        (b"Tz8qLmW3vR", "high"),  # 10 characters of two kinds and more
        (b"bQ91RxZWromS0FF2uOCKC3dd", "high"),
    ],
)
def test_a_weak_password_in_a_credential_file_is_medium(secret: bytes, expected: str) -> None:
    assert grade(NETRC_FILE, secret) == expected


def test_weakness_lowers_only_rules_bound_to_credential_files() -> None:
    assert grade(NETRC_CONTENT, b"pass123") == "high"  # its filters already judged the value
    assert grade(PROVIDER, b"pass123") == "high"


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (b"<your-api-key>", "template"),
        (b"${API_KEY}", "template"),
        (b"{{ .Values.token }}", "template"),
        (b"xxxxxxxxxxxxxxxx", "placeholder"),
        (b"changeme", "placeholder"),
        (b"https://auth.acme.io/token", "url"),
        (b"/etc/app/secret.key", "path"),
        (b"c0c57ed8-4f5b-4ced-9f56-201a7513e6c0", "uuid"),
        (b"hrku-c0c57ed8-4f5b-4ced-9f56-201a7513e6c0", "uuid"),
        (b"e7c3e5bb525b059eabe3ffa21a82e271", "hex"),
        (b"correct-horse-battery-staple", "word"),
        (b"Summer2024!", "word"),
        (b"List[V1LocalObjectReference]", "word"),
        (b"Dict[str, V1Secret]", "word"),
        (b"qLiFtdVLhMvN1RqtB1hp19X7DFui2e8XY5/qd6sdfGifXLOi", "base64"),
        (b"qLiFtdVLhMvN1RqtB1hp19X7DFui2e8X", "random"),
        (b"Zq<v8]Kp|3@Lr^tY:x7M.nB2{cD&gH;9jF*kS4uW", "random"),  # brackets inside: no template
        (b"@Jx8Qm2vLp4rTz9Kw3Ny6Hb", "random"),
    ],
)
def test_classify_names_the_shape_of_a_value(value: bytes, kind: str) -> None:
    assert classify(value) == kind


@pytest.mark.parametrize("kind_value", [b"<your-api-key>", b"/etc/app/secret.key", b"Summer2024!"])
def test_harmless_shapes_are_low_and_secret_shapes_keep_the_grade(kind_value: bytes) -> None:
    assert grade(GENERIC, kind_value) == "low"
    assert grade(GENERIC, b"qLiFtdVLhMvN1RqtB1hp19X7DFui2e8XY5/qd6sdfGifXLOi") == "medium"
