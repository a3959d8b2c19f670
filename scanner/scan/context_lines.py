"""The line each finding was first found on, with every secret in it replaced by its preview:
what a reviewer needs to tell a real key from a false positive without running `git show`.

The line is read again from the blob at report time (one `git cat-file` process for all
findings), so neither the matcher nor the blob caches ever hold repository text. Everything
that could be a secret is redacted before the line is cut to length: each secret any rule
matched in that blob (wherever it sits on the line), the encoded run a decoded secret came
from, and any other long random-looking token, which no rule may have recognised.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from scanner.git.process import ObjectReader
from scanner.matches import Match, preview_of
from scanner.model import Finding

# A reviewer reads one line of a table cell: the context around the secret, not a minified file.
LINE_LIMIT = 160
# A blob larger than this is not read again for one line (a scan of a huge file is bounded in
# memory; its finding goes without a line).
LARGEST_BLOB_READ = 8 * 1024 * 1024
# Below this a value is too short to be a credential on its own (and to hide one).
_SHORTEST_SECRET = 4
# A token no rule matched is masked when it is this long and looks random (mixed letters and
# digits, high per-character entropy): a key of an unknown provider must not print in clear.
_RANDOM_TOKEN = re.compile(r"[A-Za-z0-9+/_\-]{24,}={0,2}")
_RANDOM_ENTROPY = 3.5
# The end of a value that starts where a match starts: quotes, spaces and separators close it.
_VALUE_RUN = re.compile(rb"[^\s\"'`<>,;]+")


def add_context_lines(
    repo: Path,
    findings: Sequence[Finding],
    first_blobs: Mapping[str, str],
    matches: Mapping[str, Sequence[Match]],
    blob_sizes: Mapping[str, int],
) -> list[Finding]:
    """The findings, each with the redacted line of its first location (`first_blobs`: the
    blob behind each finding's first location, by fingerprint). A blob that cannot be read,
    or is larger than LARGEST_BLOB_READ (or of unknown size), leaves its finding without a
    line."""
    wanted = [
        f
        for f in findings
        if f.locations
        and f.fingerprint in first_blobs
        and blob_sizes.get(first_blobs[f.fingerprint], LARGEST_BLOB_READ + 1) <= LARGEST_BLOB_READ
    ]
    if not wanted:
        return list(findings)
    lines: dict[str, str] = {}
    with ObjectReader(repo) as reader:
        for finding in wanted:
            blob = first_blobs[finding.fingerprint]
            found = reader.read(blob)
            if found is None or found.kind != "blob":
                continue
            first = finding.locations[0]
            line = redacted_line(found.content, first.line, first.column, matches.get(blob, ()))
            if line is not None:
                lines[finding.fingerprint] = line
    return [
        replace(f, context_line=lines[f.fingerprint]) if f.fingerprint in lines else f
        for f in findings
    ]


def redacted_line(
    content: bytes, line: int, column: int, blob_matches: Iterable[Match]
) -> str | None:
    """Line `line` (1-based) of `content`, every secret in it replaced by its preview, cut to
    LINE_LIMIT characters around `column` (1-based); None if the blob has no such line."""
    text = _line_of(content, line)
    if text is None:
        return None
    here = [m for m in blob_matches if m.line == line]
    secrets = {m.secret for m in blob_matches if len(m.secret) >= _SHORTEST_SECRET}
    spans = _literal_spans(text, secrets)
    for match in here:
        start = match.column - 1
        if 0 <= start < len(text) and not any(a <= start < b for a, b, _ in spans):
            # Not there as it was matched (decoded, or spread over several lines): the value
            # that starts at the match goes, whatever it is.
            run = _VALUE_RUN.match(text, start)
            end = run.end() if run else len(text)
            spans.append((start, end, preview_of(match.secret)))
    redacted, anchor = _apply(text, spans, column - 1)
    masked = _RANDOM_TOKEN.sub(_mask_if_random, redacted)
    anchor = min(anchor, len(masked))
    return _cut(masked.replace("\t", " "), anchor)


def _line_of(content: bytes, line: int) -> bytes | None:
    start = 0
    for _ in range(line - 1):
        start = content.find(b"\n", start) + 1
        if start == 0:
            return None
    end = content.find(b"\n", start)
    return content[start : end if end >= 0 else len(content)].rstrip(b"\r")


def _literal_spans(text: bytes, secrets: Iterable[bytes]) -> list[tuple[int, int, str]]:
    """Where each secret occurs in the line, longest secrets first so that a secret inside
    another is not redacted twice."""
    spans: list[tuple[int, int, str]] = []
    for secret in sorted(secrets, key=len, reverse=True):
        at = text.find(secret)
        while at >= 0:
            end = at + len(secret)
            if not any(a < end and at < b for a, b, _ in spans):
                spans.append((at, end, preview_of(secret)))
            at = text.find(secret, end)
    return spans


def _apply(text: bytes, spans: list[tuple[int, int, str]], anchor: int) -> tuple[str, int]:
    """The line as text with each span replaced, and where `anchor` (a byte offset into the
    line) lands in it."""
    pieces: list[str] = []
    at = 0
    landed = -1
    for start, end, preview in sorted(spans):
        if start < at:
            continue  # overlaps a span already replaced
        pieces.append(text[at:start].decode("utf-8", "replace"))
        if landed < 0 and anchor < end:
            landed = sum(len(p) for p in pieces)
        pieces.append(preview)
        at = end
    if landed < 0:
        head = text[at : max(at, anchor)].decode("utf-8", "replace")
        landed = sum(len(p) for p in pieces) + len(head)
    pieces.append(text[at:].decode("utf-8", "replace"))
    return "".join(pieces), landed


def _mask_if_random(token: re.Match[str]) -> str:
    value = token.group()
    if not (any(c.isdigit() for c in value) and any(c.isalpha() for c in value)):
        return value
    counts = Counter(value)
    entropy = -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())
    if entropy < _RANDOM_ENTROPY:
        return value
    return f"{value[:2]}…({len(value)} chars)"


def _cut(text: str, anchor: int) -> str:
    """The line without its indentation, at most LINE_LIMIT characters, keeping `anchor` in
    view (a third of the room before it)."""
    stripped = text.lstrip()
    anchor = max(0, anchor - (len(text) - len(stripped)))
    text = stripped.rstrip()
    if len(text) <= LINE_LIMIT:
        return text
    start = max(0, min(anchor - LINE_LIMIT // 3, len(text) - LINE_LIMIT))
    end = start + LINE_LIMIT
    head = "…" if start > 0 else ""
    tail = "…" if end < len(text) else ""
    return head + text[start + len(head) : end - len(tail)] + tail
