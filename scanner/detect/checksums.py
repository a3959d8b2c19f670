"""Checksum and structure validators for token formats that carry one, so look-alikes drop.

Each validator takes the whole captured secret and answers whether it is well formed: a
checksum that holds, or an encoded structure that decodes the way the issuer builds it.
"""

from __future__ import annotations

import base64
import binascii
import zlib
from collections.abc import Callable

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"


def _encode(value: int, alphabet: str, width: int) -> str:
    digits = ""
    base = len(alphabet)
    while value:
        value, remainder = divmod(value, base)
        digits = alphabet[remainder] + digits
    return digits.rjust(width, "0")


def base62_crc32(data: str, width: int = 6) -> str:
    """CRC32 of `data` in base62, left-padded with '0' to `width` characters."""
    return _encode(zlib.crc32(data.encode("ascii")), _BASE62, width)


def base36_crc32(data: str, width: int = 7) -> str:
    """CRC32 of `data` in lowercase base36, left-padded with '0' (GitLab's routable tokens)."""
    return _encode(zlib.crc32(data.encode("ascii")), _BASE36, width)


def github_crc32(token: str) -> bool:
    """GitHub's prefixed tokens (ghp_, gho_, ghu_, ghs_, ghr_): last 6 chars check the 30 before."""
    prefix, _, body = token.partition("_")
    if not prefix or len(body) != 36:
        return False
    return base62_crc32(body[:30]) == body[30:]


def npm_crc32(token: str) -> bool:
    """npm access tokens (npm_ + 36): the same scheme as GitHub's."""
    return github_crc32(token)


def gitlab_routable_crc32(token: str) -> bool:
    """GitLab routable tokens: `<prefix><payload>.<version>.<length><crc>` (version optional).

    The last 7 characters are the base36 CRC32 of everything before them, prefix included,
    so a look-alike with the right shape passes only about once in 78 billion tries.
    """
    if len(token) < 8 or "." not in token:
        return False
    head, crc = token[:-7], token[-7:]
    if not head.isascii():
        return False
    return base36_crc32(head) == crc


def _b64url_decode(text: str) -> bytes | None:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None


_PYPI_LOCATIONS = (b"pypi.org", b"test.pypi.org")
_MACAROON_SIGNATURE_BYTES = 32


def pypi_macaroon(token: str) -> bool:
    """PyPI API tokens: `pypi-` + base64url of a v2 macaroon issued for (test.)pypi.org.

    The decoded bytes must open with the version byte, the location field naming PyPI, and an
    identifier field whose printable text is present in full, followed by room for the 32-byte
    signature. Random text after the well-known prefix fails one of these almost surely.
    """
    prefix, _, body = token.partition("-")
    if prefix != "pypi" or not body:
        return False
    raw = _b64url_decode(body)
    if raw is None or len(raw) < 4 or raw[0] != 0x02 or raw[1] != 0x01:
        return False
    location_end = 3 + raw[2]
    if raw[3:location_end] not in _PYPI_LOCATIONS:
        return False
    if len(raw) < location_end + 2 or raw[location_end] != 0x02:
        return False
    identifier_length = raw[location_end + 1]
    identifier_start = location_end + 2
    identifier = raw[identifier_start : identifier_start + identifier_length]
    if identifier_length == 0 or identifier_length >= 0x80 or len(identifier) < identifier_length:
        return False
    if not all(0x20 < byte < 0x7F for byte in identifier):
        return False
    return len(raw) >= identifier_start + identifier_length + _MACAROON_SIGNATURE_BYTES


def basic_auth_pair(encoded: str) -> bool:
    """Base64 of `user:password` (Docker config `auth`, npm `_auth`): printable, both halves set."""
    try:
        raw = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except (binascii.Error, ValueError):
        return False
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    user, separator, password = text.partition(":")
    return bool(separator and user and password and text.isprintable())


CHECKSUMS: dict[str, Callable[[str], bool]] = {
    "github-crc32": github_crc32,
    "npm-crc32": npm_crc32,
    "gitlab-routable-crc32": gitlab_routable_crc32,
    "pypi-macaroon": pypi_macaroon,
    "basic-auth-pair": basic_auth_pair,
}
