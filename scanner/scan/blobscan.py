"""Stream blob contents through one long-lived `git cat-file --batch` and match each once.

Blobs are read in pieces: a large blob (up to whatever `--max-blob-size` allows) is matched
chunk by chunk, so memory stays bounded by the chunk size rather than the blob's. A
corrupt object that makes cat-file die mid-stream is counted as unreadable and a fresh
process carries on with the rest. Each blob's matching has a time budget
(scanner.detect.budget): a blob that runs past it keeps what it found and is counted as not
fully scanned. What is text and what is binary: scanner.detect.content.
"""

from __future__ import annotations

import codecs
import re
import subprocess
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from scanner.detect.budget import BlobTimedOut, Deadline, Watch, base_seconds, budget_seconds
from scanner.detect.content import (
    BINARY,
    BINARY_SNIFF_BYTES,
    NUL_SEPARATED,
    TEXT,
    is_lfs_pointer,
    read_as,
    scannable_text,
    sniff,
    utf16_encoding,
)
from scanner.detect.matcher import Matcher
from scanner.git.process import start_git, stop, widen_pipe
from scanner.matches import Match, Position

CHUNK_BYTES = 8 << 20  # text matched at once in a large blob
OVERLAP_BYTES = 1 << 20  # carried to the next chunk: a match may start at a chunk's end
LEAD_BYTES = 4096  # context before a chunk's own part, for \b and look-behinds
# Read size from the cat-file pipe: a blob up to a chunk's size arrives in one read (no
# pieces to join), a larger one a chunk at a time.
_PIECE_BYTES = CHUNK_BYTES
_NEWLINE = re.compile(rb"\n")


@dataclass
class BlobScanStats:
    blobs_scanned: int = 0
    bytes_scanned: int = 0
    blobs_skipped_binary: int = 0
    blobs_skipped_size: int = 0
    blobs_unreadable: int = 0
    blobs_lfs_pointers: int = 0  # Git LFS pointer files: the content lives elsewhere
    blobs_timed_out: int = 0  # matching ran past the time budget: not fully scanned

    @property
    def blobs_skipped(self) -> int:
        return self.blobs_skipped_binary + self.blobs_skipped_size


@dataclass
class BlobScanResult:
    matches: dict[str, list[Match]] = field(default_factory=dict)  # only blobs with matches
    stats: BlobScanStats = field(default_factory=BlobScanStats)
    timed_out: list[str] = field(default_factory=list)  # never to be remembered as clean


class _Unreadable(Exception):
    """cat-file ended in the middle of an object."""


def scan_blobs(
    repo: Path,
    blob_sizes: dict[str, int],
    matcher: Matcher,
    max_blob_size: int,
    progress: Callable[[int, int], None] | None = None,
) -> BlobScanResult:
    """Scan every blob under the size cap; count skipped, unreadable and LFS pointer blobs,
    and blobs whose matching ran past its time budget (scanner.detect.budget)."""
    result = BlobScanResult()
    stats = result.stats
    wanted: list[str] = []
    for oid, size in blob_sizes.items():
        if size > max_blob_size:
            stats.blobs_skipped_size += 1
        else:
            wanted.append(oid)
    base = base_seconds()
    with Watch().running() as watch:
        for oid, content in _read_blobs(repo, wanted, stats):
            try:
                found = _scan_one(content, matcher, stats, watch, base)
            except _Unreadable:  # _read_blobs counts it and moves on
                continue
            except BlobTimedOut as timeout:
                # (the timer may strike just after a blob's matching returned: then the blob
                # is reported as not fully scanned, never silently short of its matches)
                stats.blobs_timed_out += 1
                result.timed_out.append(oid)
                found = timeout.matches
            if found:
                result.matches[oid] = found
            if progress is not None:
                progress(stats.blobs_scanned, len(wanted))
    return result


def _scan_one(
    content: bytes | _Content, matcher: Matcher, stats: BlobScanStats, watch: Watch, base: float
) -> list[Match] | None:
    if isinstance(content, bytes):
        if is_lfs_pointer(content):
            stats.blobs_lfs_pointers += 1
            return None
        text = scannable_text(content)
        if text is None:
            stats.blobs_skipped_binary += 1
            return None
        stats.blobs_scanned += 1
        stats.bytes_scanned += len(content)
        deadline = watch.current = Deadline(budget_seconds(len(content), base))
        try:
            return matcher.scan(text, deadline=deadline)
        finally:
            watch.current = None
    deadline = watch.current = Deadline(budget_seconds(content.size, base))
    try:
        found = scan_stream(content.pieces(), matcher, deadline)
    finally:
        watch.current = None
    if found is None:
        stats.blobs_skipped_binary += 1
        return None
    stats.blobs_scanned += 1
    stats.bytes_scanned += content.size
    return found


def scan_stream(
    pieces: Iterable[bytes], matcher: Matcher, deadline: Deadline | None = None
) -> list[Match] | None:
    """Match content that arrives in pieces, chunk by chunk; None when it is binary.

    Each chunk's matches are kept only when they start inside the chunk's own part; that
    part is preceded by LEAD_BYTES of context and followed by OVERLAP_BYTES, so a match (up
    to OVERLAP_BYTES long) that straddles two chunks is found exactly once, with the line and
    column it has in the whole content.
    """
    chunks = _Chunks(matcher, deadline)
    text_pieces = _as_text(iter(pieces))
    if text_pieces is None:
        return None
    for text in text_pieces:
        chunks.feed(text)
    return chunks.finish()


def _as_text(pieces: Iterator[bytes]) -> Iterator[bytes] | None:
    """The scannable text of a stream (see scanner.detect.content.sniff), or None when it is
    binary."""
    first = b""
    for piece in pieces:
        first += piece
        if len(first) >= BINARY_SNIFF_BYTES:
            break
    how = sniff(first)
    if how == BINARY:
        for _ in pieces:  # drain the rest of the blob from the pipe
            pass
        return None

    def raw() -> Iterator[bytes]:
        yield first
        yield from pieces

    if how == TEXT:
        return raw()
    if how == NUL_SEPARATED:
        return (read_as(piece, how) for piece in raw())
    bom = utf16_encoding(first) is not None

    def decoded() -> Iterator[bytes]:
        decoder = codecs.getincrementaldecoder(how)("replace")
        stream = raw()
        yield decoder.decode(next(stream)[2 if bom else 0 :]).encode("utf-8")
        for piece in stream:
            yield decoder.decode(piece).encode("utf-8")
        yield decoder.decode(b"", final=True).encode("utf-8")

    return decoded()


class _Chunks:
    """Overlapping chunks of a text stream, matched one by one, with positions kept relative
    to the whole text."""

    def __init__(self, matcher: Matcher, deadline: Deadline | None = None) -> None:
        self._matcher = matcher
        self._deadline = deadline
        self._pending: list[bytes] = []
        self._pending_bytes = 0
        self._buffer = b""
        self._start = 0  # offset of _buffer[0] in the whole text
        self._accept_from = 0  # matches starting before this belong to an earlier chunk
        self._lines_before = 0  # newlines in the text before _buffer
        self._line_start = 0  # offset where the line holding _buffer[0] begins
        self._found: list[Match] = []

    def feed(self, text: bytes) -> None:
        self._pending.append(text)
        self._pending_bytes += len(text)
        if len(self._buffer) + self._pending_bytes < CHUNK_BYTES + OVERLAP_BYTES:
            return
        self._take_pending()
        while len(self._buffer) >= CHUNK_BYTES + OVERLAP_BYTES:
            self._scan(final=False)

    def finish(self) -> list[Match]:
        self._take_pending()
        self._scan(final=True)
        self._found.sort(key=lambda m: (m.line, m.column, m.rule_id))
        return self._found

    def _take_pending(self) -> None:
        self._buffer = b"".join([self._buffer, *self._pending])
        self._pending = []
        self._pending_bytes = 0

    def _scan(self, final: bool) -> None:
        buffer = self._buffer
        accept_to = self._start + len(buffer) if final else self._start + CHUNK_BYTES
        newlines: list[int] | None = None
        timed_out = False
        try:
            found = self._matcher.scan(buffer, deadline=self._deadline)
        except BlobTimedOut as timeout:
            found, timed_out = timeout.matches, True
        for match in found:
            if newlines is None:
                newlines = [found.start() for found in _NEWLINE.finditer(buffer)]
            line_offset = newlines[match.line - 2] + 1 if match.line > 1 else 0
            position = self._start + line_offset + match.column - 1
            if not self._accept_from <= position < accept_to:
                continue
            column = match.column
            if match.line == 1:  # the line began before this chunk
                column += self._start - self._line_start
            self._found.append(
                Match(
                    rule_id=match.rule_id,
                    secret=match.secret,
                    line=self._lines_before + match.line,
                    column=column,
                    decoded=match.decoded,
                    confidence=match.confidence,
                )
            )
        if timed_out:
            self._found.sort(key=lambda m: (m.line, m.column, m.rule_id))
            raise BlobTimedOut(self._found)
        if final:
            return
        cut = accept_to - LEAD_BYTES - self._start
        dropped = buffer[:cut]
        last_newline = dropped.rfind(b"\n")
        if last_newline >= 0:
            self._line_start = self._start + last_newline + 1
        self._lines_before += dropped.count(b"\n")
        self._buffer = buffer[cut:]
        self._start += cut
        self._accept_from = accept_to


def _read_blobs(
    repo: Path, oids: list[str], stats: BlobScanStats
) -> Iterator[tuple[str, bytes | _Content]]:
    """(id, content) per readable blob, in order: the bytes of a blob up to a chunk's size
    (nearly all of them: one read, no generator), else its pieces, to be used in turn.

    What the consumer leaves unread of a large blob is drained before the next one. When
    cat-file dies on an object, that object is counted unreadable and a new process takes
    the rest.
    """
    next_index = 0
    while next_index < len(oids):
        batch = oids[next_index:]
        # --buffer: all ids are sent up front, so git need not flush after every object.
        process = start_git(["cat-file", "--batch", "--buffer"], repo, stdin=subprocess.PIPE)
        assert process.stdin is not None and process.stdout is not None
        widen_pipe(process.stdout)
        feeder = threading.Thread(target=_feed, args=(process.stdin, batch), daemon=True)
        feeder.start()
        read, readline = process.stdout.read, process.stdout.readline
        try:
            for offset, oid in enumerate(batch):
                header = readline().split()
                if not header:  # cat-file died on this object: restart after it
                    stats.blobs_unreadable += 1
                    next_index += offset + 1
                    break
                if len(header) != 3:  # "<oid> missing": unreadable, or gone since listed
                    stats.blobs_unreadable += 1
                    continue
                size = int(header[2])
                if size <= CHUNK_BYTES:
                    data = read(size)
                    whole = len(data) == size
                    if whole:
                        yield oid, data
                else:
                    content = _Content(process.stdout, size)
                    yield oid, content
                    content.drain()
                    whole = not content.broken
                if not whole:  # cat-file died inside it: restart after it
                    stats.blobs_unreadable += 1
                    next_index += offset + 1
                    break
                if read(1) != b"\n":  # out of step with the stream: start afresh after it
                    next_index += offset + 1
                    break
            else:
                next_index = len(oids)
        finally:
            stop(process)
            feeder.join()


def _feed(stdin: IO[bytes], oids: list[str]) -> None:
    try:
        for first in range(0, len(oids), 4096):
            stdin.write("".join(f"{oid}\n" for oid in oids[first : first + 4096]).encode())
        stdin.close()
    except (OSError, ValueError):  # the process died, or was stopped while we wrote
        pass


class _Content:
    """One blob's bytes on the cat-file pipe, handed out in pieces."""

    def __init__(self, out: IO[bytes], size: int) -> None:
        self._out = out
        self.size = size
        self._left = size
        self.broken = False

    def pieces(self) -> Iterator[bytes]:
        while self._left > 0:
            piece = self._out.read(min(_PIECE_BYTES, self._left))
            if not piece:
                self.broken = True
                raise _Unreadable()
            self._left -= len(piece)
            yield piece

    def drain(self) -> None:
        try:
            for _ in self.pieces():
                pass
        except _Unreadable:
            pass


def read_texts(repo: Path, oids: list[str]) -> Iterator[tuple[str, bytes]]:
    """The scannable text of each readable blob that is neither binary nor an LFS pointer,
    whole: for the few blobs read again by the names they were committed under
    (scanner.scan.named_files)."""
    for oid, content in _read_blobs(repo, oids, BlobScanStats()):
        try:
            raw = content if isinstance(content, bytes) else b"".join(content.pieces())
        except _Unreadable:
            continue
        text = None if is_lfs_pointer(raw) else scannable_text(raw)
        if text is not None:
            yield oid, text


# A saved position: (rule id, offset of the secret in the scanned text, its length, line, column)


def recover_matches(
    repo: Path, positions: dict[str, list[Position]]
) -> tuple[dict[str, list[Match]], list[str]]:
    """Rebuild matches from saved positions by reading the blobs, without matching again.

    Returns the matches, and the blobs whose text no longer fits their positions (or could
    not be read): those must be matched again.
    """
    recovered: dict[str, list[Match]] = {}
    failed: list[str] = []
    stats = BlobScanStats()
    read: set[str] = set()
    for oid, content in _read_blobs(repo, list(positions), stats):
        try:
            raw = content if isinstance(content, bytes) else b"".join(content.pieces())
        except _Unreadable:
            continue  # not read: matched again below
        read.add(oid)
        text = scannable_text(raw)
        rebuilt: list[Match] = []
        for rule_id, offset, length, line, column, confidence in positions[oid]:
            secret = text[offset : offset + length] if text is not None else b""
            if len(secret) != length:
                break
            rebuilt.append(
                Match(rule_id, secret, line, column, offset=offset, confidence=confidence)
            )
        if len(rebuilt) == len(positions[oid]):
            recovered[oid] = rebuilt
        else:
            failed.append(oid)
    failed.extend(oid for oid in positions if oid not in read)
    return recovered, failed


def saved_positions(
    matches: dict[str, list[Match]], blob_sizes: dict[str, int]
) -> tuple[dict[str, list[Position]], list[str]]:
    """Positions worth saving (plain matches in blobs matched in one piece), and the blobs
    that a rescan must match again (decoded spans, giant blobs matched in chunks)."""
    positions: dict[str, list[Position]] = {}
    again: list[str] = []
    for oid, found in matches.items():
        if blob_sizes.get(oid, CHUNK_BYTES + 1) <= CHUNK_BYTES and all(
            m.offset >= 0 and m.decoded is None for m in found
        ):
            positions[oid] = [
                (m.rule_id, m.offset, len(m.secret), m.line, m.column, m.confidence) for m in found
            ]
        else:
            again.append(oid)
    return positions, again
