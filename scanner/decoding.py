"""Find base64, base64url and percent-encoded spans worth decoding and scanning again.

A Kubernetes Secret's `data:` values, a `.dockercfg` `auth`, a URL-encoded connection string:
the credential is there, only encoded. Decoding is bounded in span size, in total bytes per
blob and in depth, and keeps only results that look like text.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes

MIN_SPAN = 20
MAX_SPAN = 16384
MAX_DECODED_PER_BLOB = 1 << 20
MAX_DEPTH = 2

_BASE64 = re.compile(
    rb"(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{%d,%d}={0,2}(?![A-Za-z0-9+/_=-])" % (MIN_SPAN, MAX_SPAN)
)
_PERCENT = re.compile(rb"(?:[A-Za-z0-9._~:@!$&'()*+,;=/?-]|%[0-9A-Fa-f]{2}){12,4096}")
_PRINTABLE = frozenset(range(0x20, 0x7F)) | {0x09, 0x0A, 0x0D}


@dataclass(frozen=True)
class DecodedSpan:
    start: int  # offset of the encoded span in the content it was found in
    encoding: str  # "base64" or "percent"
    text: bytes


def _looks_like_text(data: bytes) -> bool:
    if len(data) < 8:
        return False
    printable = sum(1 for byte in data if byte in _PRINTABLE)
    return printable >= 0.95 * len(data)


def _decode_base64(span: bytes) -> bytes | None:
    body = span.rstrip(b"=")
    if len(body) % 4 == 1:
        return None
    padded = body + b"=" * (-len(body) % 4)
    try:
        if b"-" in body or b"_" in body:
            if b"+" in body or b"/" in body:
                return None
            return base64.urlsafe_b64decode(padded)
        return base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError):
        return None


def encoded_spans(content: bytes) -> Iterator[DecodedSpan]:
    """Text-looking decodings of encoded spans in `content`, within the size budget."""
    budget = MAX_DECODED_PER_BLOB
    for found in _BASE64.finditer(content):
        span = found.group()
        # Mixed-case letters and digits both: skips words, paths and hex digests.
        if span.isalpha() or span.isdigit() or span.lower() == span or span.upper() == span:
            continue
        decoded = _decode_base64(span)
        if decoded is None or not _looks_like_text(decoded):
            continue
        budget -= len(decoded)
        if budget < 0:
            return
        yield DecodedSpan(found.start(), "base64", decoded)
    if b"%" not in content:
        return
    for found in _PERCENT.finditer(content):
        span = found.group()
        if span.count(b"%") < 2:
            continue
        decoded = unquote_to_bytes(span)
        if decoded == span or not _looks_like_text(decoded):
            continue
        budget -= len(decoded)
        if budget < 0:
            return
        yield DecodedSpan(found.start(), "percent", decoded)
