"""The checksum and structure validators at their edges (`scanner.detect.checksums`).

The rule pack's own patterns only hand a validator tokens of the right shape, but a user's
rule may name any validator under a looser pattern: each must refuse a malformed token by
itself, not only one whose checksum is wrong.
"""

from __future__ import annotations

import base64

import pytest

from scanner.detect.checksums import (
    base36_crc32,
    base62_crc32,
    basic_auth_pair,
    github_crc32,
    gitlab_routable_crc32,
    npm_crc32,
    pypi_macaroon,
)

GITLAB = "glrt-t1_ks2p6pN8o8Im8AdenODe6dFbMjEEzjSmKuf.01.0z1sylaya"  # the rule pack's example


def _github(prefix: str, payload: str) -> str:
    return f"{prefix}_{payload}{base62_crc32(payload)}"


def test_crc32_digits_are_left_padded_with_zeros() -> None:
    # These payloads' checksums are small enough to need a leading zero.
    assert base62_crc32("x00000000000000000000000000001") == "0ai21s"
    assert base36_crc32("glrt-000000000000000000000000000000.") == "053rhss"
    assert base62_crc32("a" * 30) == "1yLcDB"


def test_github_tokens_check_their_last_six_characters() -> None:
    token = _github("ghp", "A" * 29 + "b")
    assert github_crc32(token)
    assert npm_crc32(_github("npm", "Q" * 30))
    assert not github_crc32(token[:-1] + ("x" if token[-1] != "x" else "y"))


@pytest.mark.parametrize(
    "token",
    [
        "_" + "A" * 30 + base62_crc32("A" * 30),  # no prefix
        "ghp_" + "A" * 31 + base62_crc32("A" * 31)[:5],  # 36 characters, checksum misplaced
        "ghp_" + "A" * 30 + base62_crc32("A" * 30) + "0",  # 37 characters
        "ghp" + "A" * 30 + base62_crc32("A" * 30),  # no separator
        "ghp_AAAAA_" + "A" * 30 + base62_crc32("A" * 30),  # the prefix ends at the first "_"
    ],
)
def test_github_tokens_of_the_wrong_shape_are_refused(token: str) -> None:
    assert not github_crc32(token)


def test_a_gitlab_routable_token_checks_its_last_seven_characters() -> None:
    assert gitlab_routable_crc32(GITLAB)
    assert not gitlab_routable_crc32(GITLAB[:-1] + "0")


def test_a_gitlab_routable_token_needs_its_dot() -> None:
    head = "glrt-t1_ks2p6pN8o8Im8AdenODe6dFbMjEEzjSmKuf"
    assert not gitlab_routable_crc32(head + base36_crc32(head))


def test_the_shortest_gitlab_routable_token_is_a_dot_and_its_checksum() -> None:
    assert gitlab_routable_crc32("." + base36_crc32("."))  # 8 characters
    assert not gitlab_routable_crc32(base36_crc32("."))  # 7: no room for anything but the CRC


def test_a_gitlab_routable_token_with_a_non_ascii_head_is_refused() -> None:
    assert not gitlab_routable_crc32("glrt-é.01." + "0000000")


def _macaroon(
    location: bytes = b"pypi.org",
    identifier: bytes = b'{"version":1,"permissions":"user","nonce":"!~"}',
    declared: int | None = None,
    signature: int = 32,
    version: int = 0x02,
) -> str:
    length = len(identifier) if declared is None else declared
    raw = bytes([version, 0x01, len(location)]) + location
    raw += bytes([0x02, length]) + identifier + b"\xfb" * signature  # base64url: "-_"
    return "pypi-" + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def test_a_pypi_macaroon_for_pypi_or_test_pypi_is_accepted() -> None:
    assert "-" in _macaroon()[5:]  # the base64url body holds the separator character too
    assert pypi_macaroon(_macaroon())
    assert pypi_macaroon(_macaroon(location=b"test.pypi.org"))


@pytest.mark.parametrize(
    "token",
    [
        _macaroon(location=b"pypi.com"),
        _macaroon(version=0x01),
        _macaroon(signature=31),
        _macaroon(identifier=b""),
        _macaroon(identifier=b"x" * 0x80),
        _macaroon(identifier=b"user id"),  # a space: not printable text without blanks
        _macaroon(identifier=b"user\x7f"),
        _macaroon(identifier=b"abc", declared=40, signature=0),  # cut short
        "pypi-",
        "pipy-" + _macaroon()[5:],
        "pypi-" + "A" * 5,  # decodes to too few bytes
        "pypi-!!!!",  # not base64url
    ],
)
def test_a_pypi_token_that_is_not_a_well_formed_macaroon_is_refused(token: str) -> None:
    assert not pypi_macaroon(token)


def test_a_pypi_macaroon_whose_location_field_is_cut_short_is_refused() -> None:
    raw = bytes([0x02, 0x01, 8]) + b"pypi.org"  # nothing after the location
    assert not pypi_macaroon("pypi-" + base64.urlsafe_b64encode(raw).decode())
    raw += b"\x03\x05abcde" + b"\x5a" * 32  # a field after the location, but not the identifier
    assert not pypi_macaroon("pypi-" + base64.urlsafe_b64encode(raw).decode())


def _b64(text: bytes) -> str:
    return base64.b64encode(text).decode()


def test_a_basic_auth_pair_is_a_user_and_a_password() -> None:
    assert basic_auth_pair(_b64(b"deploy:s3cr3t-Pa55"))
    assert basic_auth_pair(_b64(b"deploy:pw").rstrip("="))  # padding left off, as configs do
    assert basic_auth_pair(_b64(b"deploy:pa:ss:"))  # the user ends at the first colon


@pytest.mark.parametrize("pair", [b"deploy:pwd", b"deploy:pwd1"])  # two "=" and one "=" off
def test_a_basic_auth_pair_without_its_padding_is_still_a_pair(pair: bytes) -> None:
    encoded = _b64(pair)
    assert encoded.endswith("=")
    assert basic_auth_pair(encoded.rstrip("="))


@pytest.mark.parametrize(
    "encoded",
    [
        _b64(b"deploy"),  # no separator
        _b64(b":s3cr3t"),  # no user
        _b64(b"deploy:"),  # no password
        _b64(b"deploy:s3\ncr3t"),  # not printable
        _b64(b"deploy:\xff\xfe"),  # not UTF-8
        "ZGVwbG95OnB3!",  # not base64
    ],
)
def test_base64_that_is_not_a_user_password_pair_is_refused(encoded: str) -> None:
    assert not basic_auth_pair(encoded)
