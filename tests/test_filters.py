"""Each named filter drops one kind of false positive, and keeps real-looking secrets."""

from __future__ import annotations

import pytest

from scanner import filters

REAL = "Qw8rT5yU2iO9pA3sD6fG1hJ4"


@pytest.mark.parametrize(
    "value",
    ["AKIAIOSFODNN7EXAMPLE", "your_api_key_here", "<your-token>", "${API_KEY}", "changeme123456"],
)
def test_placeholders_are_dropped(value: str) -> None:
    assert filters.is_placeholder(value)


def test_real_looking_value_is_not_a_placeholder() -> None:
    assert not filters.is_placeholder(REAL)


def test_repeated_runs_and_sequences_are_dropped() -> None:
    assert filters.is_repeated_run("abcAAAAAAdef")
    assert filters.is_sequential("abcdefghijklmnop")
    assert not filters.is_repeated_run(REAL) and not filters.is_sequential(REAL)


def test_entropy_threshold() -> None:
    assert filters.is_low_entropy("aaaaabbbbb", 3.0)
    assert not filters.is_low_entropy(REAL, 3.0)
    assert not filters.is_low_entropy("aaaa", None)


def test_allow_markers_on_the_line_or_the_line_above() -> None:
    assert filters.has_allow_marker(b'KEY = "x"  # leakwindow:allow')
    assert filters.has_allow_marker(b'KEY = "x"  # pragma: allowlist secret')
    assert filters.has_allow_marker(b'KEY = "x"  # gitleaks:allow')
    assert filters.has_allow_marker(b'KEY = "x"', b"# pragma: allowlist nextline secret")
    assert not filters.has_allow_marker(b'KEY = "x"')


@pytest.mark.parametrize(
    ("secret", "line"),
    [
        ("123e4567-e89b-12d3-a456-426614174000", 'token = "123e4567-e89b-12d3-a456-426614174000"'),
        (REAL, f'user_id = "{REAL}"'),
        ("{client_secret}", 'secret = "{client_secret}"'),
        ("$SECRET_FROM_ENV", 'secret = "$SECRET_FROM_ENV"'),
    ],
)
def test_detect_secrets_heuristics_drop_generic_noise(secret: str, line: str) -> None:
    assert filters.is_generic_noise(secret, line)


def test_detect_secrets_heuristics_keep_a_plain_secret() -> None:
    assert not filters.is_generic_noise(REAL, f'api_secret = "{REAL}"')
