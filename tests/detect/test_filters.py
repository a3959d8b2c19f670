"""Each named filter drops one kind of false positive, and keeps real-looking secrets."""

from __future__ import annotations

import string

import pytest
from detect_secrets.filters import heuristic
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.detect import filters

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
    # Eight distinct characters once each: exactly 3 bits, which is enough (below drops).
    assert filters.shannon_entropy("abcdefgh") == 3.0
    assert not filters.is_low_entropy("abcdefgh", 3.0)
    assert filters.shannon_entropy("") == 0.0


def test_a_hex_value_is_held_to_the_hex_entropy_limit() -> None:
    # a random 32-hex key (secrets.token_hex(16)) with entropy 3.34: under the 3.4 meant for
    # base64-like values, over detect-secrets' hex limit of 3.0
    key = "8bc07bc8b3cc8cbd1e4c5b9352518e5b"
    assert filters.HEX_ENTROPY_LIMIT < filters.shannon_entropy(key) < 3.4
    assert not filters.is_low_entropy(key, 3.4, hex_limit=True)
    assert not filters.is_low_entropy(key.upper(), 3.4, hex_limit=True)
    # a provider rule's limit is its own (some set it above 4 to leave digests out)
    assert filters.is_low_entropy(key, 3.4)
    # the same entropy with a letter that is not hex: held to the rule's own limit
    assert filters.is_low_entropy(key.replace("c", "g"), 3.4, hex_limit=True)
    # shorter hex is mostly an id: held to the rule's limit (a 16-digit publicKeyToken)
    assert filters.is_low_entropy("1fc8b3b9a1e18e3b", 3.4, hex_limit=True)
    assert not filters.is_low_entropy("1fc8b3b9a1e18e3b", 3.0, hex_limit=True)
    # a hex value below the hex limit is still dropped
    assert filters.is_low_entropy("abababababababab0101010101010101", 3.4, hex_limit=True)


def test_allow_markers_on_the_line_or_the_line_above() -> None:
    assert filters.has_allow_marker(b'KEY = "x"  # leakwindow:allow')
    assert filters.has_allow_marker(b'KEY = "x"  # pragma: allowlist secret')
    assert filters.has_allow_marker(b'KEY = "x"  # gitleaks:allow')
    assert filters.has_allow_marker(b'KEY = "x"', b"# pragma: allowlist nextline secret")
    assert not filters.has_allow_marker(b'KEY = "x"')


@pytest.mark.parametrize(
    ("secret", "line"),
    [
        (REAL, f'user_id = "{REAL}"'),
        ("{client_secret}", 'secret = "{client_secret}"'),
        ("<client_secret>", 'secret = "<client_secret>"'),
        ("$SECRET_FROM_ENV", 'secret = "$SECRET_FROM_ENV"'),
    ],
)
def test_detect_secrets_heuristics_drop_generic_noise(secret: str, line: str) -> None:
    assert filters.is_generic_noise(secret, line)


def test_detect_secrets_heuristics_keep_a_plain_secret() -> None:
    assert not filters.is_generic_noise(REAL, f'api_secret = "{REAL}"')


@pytest.mark.parametrize(
    "secret",
    ["123e4567-e89b-12d3-a456-426614174000", "hrku-123e4567-e89b-12d3-a456-426614174000"],
)
def test_a_uuid_is_not_noise(secret: str) -> None:
    """Heroku, Consul and Vault tokens are UUIDs: kept, and graded low instead."""
    assert not filters.is_generic_noise(secret, f'token = "{secret}"')


@pytest.mark.parametrize(
    "secret",
    [
        "Zq<v8]Kp|3@Lr^tY:x7M.nB2{cD&gH;9jF*kS4uW~Z%aE1=iO5+qR6bT0(N>w",  # a WordPress salt
        "m2${Kq9!xR4{{7pLvT%(3nW",
        "@Jx8Qm2vLp4rTz9Kw3Ny6Hb",
    ],
)
def test_brackets_inside_random_text_are_not_a_placeholder(secret: str) -> None:
    assert not filters.is_placeholder(secret)


@pytest.mark.parametrize(
    "secret", ["<your-key>", "${API_KEY}", "{{ api_key }}", "%(api_key)s", "prefix-${ENV}-x"]
)
def test_a_whole_template_or_a_reference_is_a_placeholder(secret: str) -> None:
    assert filters.is_placeholder(secret)


# --- the heuristics written out here agree with detect-secrets' own -------------------

# Characters the heuristics look at (braces, angle brackets, `$`, `_id`, hex, separators),
# so random values hit every branch rather than almost never.
_NOISY = "{}<>$_-=:\"' sSdDiImMyYuUeErRaAbBcCfF0123456789xX"
_UUID_LIKE = st.builds(
    lambda parts: "-".join(parts),
    st.tuples(
        *(st.text("0123456789abcdefABCDEFg", min_size=n, max_size=n) for n in (8, 4, 4, 4, 12))
    ),
)
_SECRETS = st.one_of(
    st.text(_NOISY, max_size=12),
    st.builds(
        lambda a, u, b: a + u + b,
        st.text(_NOISY, max_size=3),
        _UUID_LIKE,
        st.text(_NOISY, max_size=3),
    ),
)
_NAMES = st.sampled_from(
    ["", "id", "ID", "myid", "userid", "ids", "user_id", "user_ids", "x_Id", "idx", "valid", "_id"]
)


# 1,000 drawn cases each (not derandomized, so CI runs go on finding new ones): 3,000 held
# a worker for 5-20 s, depending on the machine's load.
@settings(max_examples=1000, deadline=None)
@given(
    secret=_SECRETS,
    name=_NAMES,
    before=st.text(_NOISY, max_size=6),
    after=st.text(_NOISY, max_size=4),
)
def test_generic_noise_agrees_with_detect_secrets(
    secret: str, name: str, before: str, after: str
) -> None:
    line = name + before + secret + after
    unrelated = before + after  # the value is usually not on this line at all
    for text in (line, unrelated):
        assert filters.is_generic_noise(secret, text) == _detect_secrets_noise(secret, text)


def _detect_secrets_noise(secret: str, line: str) -> bool:
    # detect-secrets' `is_potential_uuid` left out on purpose: a UUID is a token's shape too.
    return (
        heuristic.is_templated_secret(secret)
        or heuristic.is_prefixed_with_dollar_sign(secret)
        or heuristic.is_likely_id_string(secret, line)
    )


@settings(max_examples=1000, deadline=None)
@given(
    st.one_of(
        st.text(string.ascii_letters + string.digits + "+/=", max_size=20),
        # Slices of the runs themselves, in either case: the values that must be caught.
        st.builds(
            lambda run, start, length, upper: (
                (run[start : start + length]).upper()
                if upper
                else run[start : start + length].lower()
            ),
            st.sampled_from(
                [
                    string.ascii_uppercase * 2 + string.digits + "+/",
                    string.digits * 3,
                    string.hexdigits * 2,
                    (string.digits + string.ascii_letters) * 2,
                    string.ascii_uppercase + "=/",
                ]
            ),
            st.integers(0, 40),
            st.integers(0, 30),
            st.booleans(),
        ),
    )
)
def test_sequences_agree_with_detect_secrets(secret: str) -> None:
    assert filters.is_sequential(secret) == heuristic.is_sequential_string(secret)
