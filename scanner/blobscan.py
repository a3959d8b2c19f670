"""Stream blob contents through one long-lived `git cat-file --batch` and match each once."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from scanner.content import scannable_text
from scanner.errors import LeakwindowError
from scanner.git import start_git
from scanner.matching import Matcher
from scanner.model import Match


@dataclass
class BlobScanStats:
    blobs_scanned: int = 0
    bytes_scanned: int = 0
    blobs_skipped_binary: int = 0
    blobs_skipped_size: int = 0
    blobs_unreadable: int = 0

    @property
    def blobs_skipped(self) -> int:
        return self.blobs_skipped_binary + self.blobs_skipped_size


@dataclass
class BlobScanResult:
    matches: dict[str, list[Match]] = field(default_factory=dict)  # only blobs with matches
    stats: BlobScanStats = field(default_factory=BlobScanStats)


def scan_blobs(
    repo: Path,
    blob_sizes: dict[str, int],
    matcher: Matcher,
    max_blob_size: int,
    progress: Callable[[int, int], None] | None = None,
) -> BlobScanResult:
    """Scan every blob under the size cap; count skipped and unreadable ones."""
    result = BlobScanResult()
    wanted: list[str] = []
    for oid, size in blob_sizes.items():
        if size > max_blob_size:
            result.stats.blobs_skipped_size += 1
        else:
            wanted.append(oid)
    if not wanted:
        return result
    for oid, raw in _read_blobs(repo, wanted, result.stats):
        text = scannable_text(raw)
        if text is None:
            result.stats.blobs_skipped_binary += 1
            continue
        result.stats.blobs_scanned += 1
        result.stats.bytes_scanned += len(raw)
        found = matcher.scan(text)
        if found:
            result.matches[oid] = found
        if progress is not None:
            progress(result.stats.blobs_scanned, len(wanted))
    return result


def _read_blobs(
    repo: Path, oids: Iterable[str], stats: BlobScanStats
) -> Iterable[tuple[str, bytes]]:
    process = start_git(["cat-file", "--batch"], repo, stdin=-1)
    assert process.stdin is not None and process.stdout is not None
    requested = list(oids)

    def feed() -> None:
        assert process.stdin is not None
        try:
            for start in range(0, len(requested), 4096):
                batch = requested[start : start + 4096]
                process.stdin.write("".join(f"{oid}\n" for oid in batch).encode())
            process.stdin.close()
        except BrokenPipeError:
            pass

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    out = process.stdout
    for _ in requested:
        header = out.readline()
        if not header:
            raise LeakwindowError("git cat-file stopped early: the object database is unreadable")
        parts = header.split()
        if len(parts) == 2 and parts[1] == b"missing":
            stats.blobs_unreadable += 1
            continue
        if len(parts) != 3:
            stats.blobs_unreadable += 1
            continue
        size = int(parts[2])
        data = out.read(size)
        out.read(1)  # the newline after the content
        yield parts[0].decode(), data
    feeder.join()
    process.stdout.close()
    process.wait()
