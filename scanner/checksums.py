"""Checksum validators for token formats that carry one, so look-alikes can be dropped.

Each validator takes the whole token text and answers whether its checksum holds.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def base62_crc32(data: str, width: int = 6) -> str:
    """CRC32 of `data` in base62, left-padded with '0' to `width` characters."""
    value = zlib.crc32(data.encode("ascii"))
    digits = ""
    while value:
        value, remainder = divmod(value, 62)
        digits = _BASE62[remainder] + digits
    return digits.rjust(width, "0")


def github_crc32(token: str) -> bool:
    """GitHub's prefixed tokens (ghp_, gho_, ghu_, ghs_, ghr_): last 6 chars check the 30 before."""
    prefix, _, body = token.partition("_")
    if not prefix or len(body) != 36:
        return False
    return base62_crc32(body[:30]) == body[30:]


def npm_crc32(token: str) -> bool:
    """npm access tokens (npm_ + 36): the same scheme as GitHub's."""
    return github_crc32(token)


CHECKSUMS: dict[str, Callable[[str], bool]] = {
    "github-crc32": github_crc32,
    "npm-crc32": npm_crc32,
}
