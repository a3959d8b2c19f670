"""Find base64, base64url and percent-encoded spans worth decoding and scanning again.

A Kubernetes Secret's `data:` values, a `.dockercfg` `auth`, a URL-encoded connection string:
the credential is there, only encoded. Decoding is bounded in span size, in total bytes per
blob and in depth, and keeps only results that look like text.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes

MIN_SPAN = 20
MAX_SPAN = 16384
MAX_DECODED_PER_BLOB = 1 << 20
MAX_DEPTH = 2

_BASE64 = re.compile(
    rb"(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{%d,%d}={0,2}(?![A-Za-z0-9+/_=-])" % (MIN_SPAN, MAX_SPAN)
)
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


PERCENT_HINTS: tuple[bytes, ...] = (b"%2d", b"%5f", b"%3a", b"%2f", b"%40", b"%3d", b"%2b")
_GRAM = 5


def base64_forms(keyword: bytes) -> list[bytes]:
    """The base64 text a keyword turns into at each of the three byte alignments.

    Only characters fully determined by the keyword are kept, so the literal appears in the
    encoding of any text holding the keyword (as written, or upper-cased). Forms shorter
    than five characters are dropped: they would occur by chance.
    """
    forms: set[bytes] = set()
    for variant in {keyword, keyword.upper()}:
        for shift in range(3):
            encoded = base64.b64encode(b"\0" * shift + variant)
            literal = encoded[-(-4 * shift // 3) : 4 * (shift + len(variant)) // 3]
            if len(literal) >= _GRAM:
                forms.add(literal)
                forms.add(literal.replace(b"+", b"-").replace(b"/", b"_"))  # base64url
    return sorted(forms)


class KeywordForms:
    """Answers "does this encoded span hold a rule keyword?" for base64 and percent spans."""

    def __init__(self, forms: Iterable[bytes]) -> None:
        """`forms`: `base64_forms` of every keyword (`of_keywords` works them out; the
        matcher cache keeps them, since that costs ~13 ms for ~600 keywords)."""
        self.forms = list(forms)

    @functools.cached_property
    def _by_gram(self) -> dict[bytes, list[bytes]]:
        # Built on the first encoded span, not on load: most pre-commit runs see none, and
        # indexing a few thousand forms is a few ms of every run's start-up.
        by_gram: dict[bytes, list[bytes]] = {}
        for form in self.forms:
            by_gram.setdefault(form[:_GRAM], []).append(form)
        return by_gram

    @classmethod
    def of_keywords(cls, keywords: Iterable[bytes]) -> KeywordForms:
        return cls(sorted({form for keyword in keywords for form in base64_forms(keyword)}))

    def in_base64(self, span: bytes) -> bool:
        by_gram = self._by_gram
        for offset in range(len(span) - _GRAM + 1):
            candidates = by_gram.get(span[offset : offset + _GRAM])
            if candidates and any(span.startswith(f, offset) for f in candidates):
                return True
        return False


_BASE64_CHARS = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/_-")


def _run_around(content: bytes, position: int) -> tuple[int, int] | None:
    """The base64 span `_BASE64` would match around `position`, found by expanding outwards."""
    start = position
    while start > 0 and content[start - 1] in _BASE64_CHARS:
        start -= 1
    end = position
    while end < len(content) and content[end] in _BASE64_CHARS:
        end += 1
    if not MIN_SPAN <= end - start <= MAX_SPAN:
        return None
    padded = end
    while padded < len(content) and content[padded] == 0x3D:  # "="
        padded += 1
    if padded - end > 2 or (padded < len(content) and content[padded] in _BASE64_CHARS):
        return None
    return start, padded


def base64_runs(content: bytes, near: Iterable[int] | None = None) -> list[tuple[int, int]]:
    """Candidate base64 spans: all of them, or those around the given offsets (the positions
    where a keyword's base64 form was seen, which Hyperscan reports for free)."""
    if near is None:
        return [found.span() for found in _BASE64.finditer(content)]
    runs = {run for run in (_run_around(content, offset) for offset in near) if run}
    return sorted(runs)


def encoded_spans(
    content: bytes,
    forms: KeywordForms,
    near: Iterable[int] | None = None,
    percent_at: list[list[int]] | None = None,
) -> Iterator[DecodedSpan]:
    """Text-looking decodings of encoded spans that hold a keyword, within the size budget.

    `percent_at`: where each of PERCENT_HINTS occurs, when the caller has already found them."""
    budget = MAX_DECODED_PER_BLOB
    for run_start, run_end in base64_runs(content, near):
        span = content[run_start:run_end]
        # Mixed-case letters and digits both: skips words, paths and hex digests.
        if span.isalpha() or span.isdigit() or span.lower() == span or span.upper() == span:
            continue
        if not forms.in_base64(span):
            continue
        decoded = _decode_base64(span)
        if decoded is None or not _looks_like_text(decoded):
            continue
        budget -= len(decoded)
        if budget < 0:
            return
        yield DecodedSpan(run_start, "base64", decoded)
    if b"%" not in content:
        return
    for run_start, run_end in percent_runs(content, percent_at):
        span = content[run_start:run_end]
        if span.count(b"%") < 2:
            continue
        decoded = unquote_to_bytes(span)
        if decoded == span or not _looks_like_text(decoded):
            continue
        budget -= len(decoded)
        if budget < 0:
            return
        yield DecodedSpan(run_start, "percent", decoded)


_URL_CHARS = frozenset(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~:@!$&'()*+,;=/?%-"
)
_PERCENT_MIN, _PERCENT_MAX = 12, 4096


def _hint_positions(content: bytes) -> list[list[int]]:
    lowered = content.lower()
    found: list[list[int]] = []
    for hint in PERCENT_HINTS:
        positions: list[int] = []
        position = lowered.find(hint)
        while position >= 0:
            positions.append(position)
            position = lowered.find(hint, position + 1)
        found.append(positions)
    return found


def percent_runs(
    content: bytes, hint_positions: list[list[int]] | None = None
) -> list[tuple[int, int]]:
    """Maximal runs of URL characters that hold a percent-encoded delimiter (`%2D`, `%3A`, …).

    Found by expanding around each hint (positions per hint, from the caller's screen or
    found here), so a file full of `%s` format strings costs no regex pass.
    """
    if hint_positions is None:
        hint_positions = _hint_positions(content)
    runs: set[tuple[int, int]] = set()
    for positions in hint_positions:
        end = 0
        for position in positions:
            if position < end:
                continue  # inside the run just expanded
            if len(runs) >= 4096:
                break
            start = position
            while start > 0 and content[start - 1] in _URL_CHARS:
                start -= 1
            end = position
            while end < len(content) and content[end] in _URL_CHARS:
                end += 1
            if _PERCENT_MIN <= end - start <= _PERCENT_MAX:
                runs.add((start, end))
    return sorted(runs)
