"""Synthetic tokens: deterministic per seed, shaped like the real thing, never placeholder-like."""

from __future__ import annotations

import random
import re
import zlib

import pytest

from scanner.demo.tokens import (
    BASE62,
    KINDS,
    base62_encode,
    github_checksum,
    github_checksum_is_valid,
    looks_like_placeholder,
    make_token,
    seeded_rng,
    shannon_entropy,
)

SHAPES: dict[str, re.Pattern[str]] = {
    "xai": re.compile(r"xai-[A-Za-z0-9]{80}"),
    "openai-project": re.compile(r"sk-proj-[A-Za-z0-9_-]{74}T3BlbkFJ[A-Za-z0-9_-]{73}[A-Za-z0-9]"),
    "anthropic": re.compile(r"sk-ant-api03-[A-Za-z0-9_-]{93}AA"),
    "aws-key-id": re.compile(r"AKIA[A-Z2-7]{16}"),
    "aws-secret": re.compile(r"[A-Za-z0-9][A-Za-z0-9/+]{38}[A-Za-z0-9]"),
    "github-pat": re.compile(r"ghp_[0-9A-Za-z]{36}"),
    "slack-bot": re.compile(r"xoxb-[1-9][0-9]{9,12}-[1-9][0-9]{9,12}-[0-9A-Za-z]{24}"),
    "stripe-live": re.compile(r"sk_live_[0-9A-Za-z]{24,99}"),
    "generic-password": re.compile(r"[A-Za-z0-9]{16}"),
}
DRAWS_PER_KIND = 200


def test_every_kind_has_a_shape_under_test() -> None:
    assert set(SHAPES) == set(KINDS)


@pytest.mark.parametrize("kind", KINDS)
def test_same_seed_gives_same_token(kind: str) -> None:
    assert make_token(kind, random.Random(42)) == make_token(kind, random.Random(42))


@pytest.mark.parametrize("kind", KINDS)
def test_different_seeds_give_different_tokens(kind: str) -> None:
    tokens = {make_token(kind, random.Random(seed)) for seed in range(20)}
    assert len(tokens) == 20


@pytest.mark.parametrize("kind", KINDS)
def test_tokens_have_the_provider_shape(kind: str) -> None:
    rng = random.Random(7)
    for _ in range(DRAWS_PER_KIND):
        token = make_token(kind, rng)
        assert SHAPES[kind].fullmatch(token), kind


@pytest.mark.parametrize("kind", KINDS)
def test_tokens_never_look_like_placeholders(kind: str) -> None:
    rng = random.Random(11)
    for _ in range(DRAWS_PER_KIND):
        token = make_token(kind, rng)
        assert not re.search(r"(.)\1{3}", token)
        assert "example" not in token.lower()


def test_openai_marker_sits_in_the_middle() -> None:
    token = make_token("openai-project", random.Random(3))
    body = token.removeprefix("sk-proj-")
    assert body.index("T3BlbkFJ") == 74
    assert len(body) == 74 + 8 + 74


def test_github_token_checksum_validates() -> None:
    rng = random.Random(5)
    for _ in range(DRAWS_PER_KIND):
        token = make_token("github-pat", rng)
        assert github_checksum_is_valid(token)
        random_part, checksum = token[4:34], token[34:]
        assert checksum == base62_encode(zlib.crc32(random_part.encode()), 6)


def test_github_checksum_rejects_a_changed_character() -> None:
    token = make_token("github-pat", random.Random(9))
    flipped = "B" if token[10] == "A" else "A"
    tampered = token[:10] + flipped + token[11:]
    assert not github_checksum_is_valid(tampered)


def test_github_checksum_rejects_wrong_prefix_and_length() -> None:
    token = make_token("github-pat", random.Random(9))
    assert not github_checksum_is_valid("gho_" + token[4:])
    assert not github_checksum_is_valid(token[:-1])


def test_github_checksum_known_value() -> None:
    # crc32(b"a" * 30) computed independently of the encoder under test
    random_part = "a" * 30
    crc = zlib.crc32(random_part.encode())
    digits = []
    while crc:
        crc, remainder = divmod(crc, 62)
        digits.append(BASE62[remainder])
    assert github_checksum(random_part) == "".join(reversed(digits)).rjust(6, "0")


def test_base62_pads_with_zeros() -> None:
    assert base62_encode(0, 6) == "000000"
    assert base62_encode(61, 6) == "00000z"
    assert base62_encode(62, 6) == "000010"


def test_placeholder_detector_catches_runs_words_and_low_entropy() -> None:
    assert looks_like_placeholder("xai-abcDDDDef", "abcDDDDef")
    assert looks_like_placeholder("AKIAIOSFODNN7EXAMPLE", "IOSFODNN7EXAMPLE")
    assert looks_like_placeholder("abababababababab", "abababababababab")
    assert not looks_like_placeholder("k9Qz2LmX4pT7wRb1", "k9Qz2LmX4pT7wRb1")


def test_entropy_of_uniform_and_constant_strings() -> None:
    assert shannon_entropy("") == 0.0
    assert shannon_entropy("aaaa") == 0.0
    assert shannon_entropy("abcd") == pytest.approx(2.0)


def test_unknown_kind_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown token kind"):
        make_token("carrier-pigeon", random.Random(1))


def test_seeded_rng_is_keyed_by_seed_scenario_and_name() -> None:
    first = make_token("xai", seeded_rng(1, "incident", "xai"))
    assert first == make_token("xai", seeded_rng(1, "incident", "xai"))
    assert first != make_token("xai", seeded_rng(2, "incident", "xai"))
    assert first != make_token("xai", seeded_rng(1, "other", "xai"))
    assert first != make_token("xai", seeded_rng(1, "incident", "xai2"))
