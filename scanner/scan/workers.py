"""Blob matching spread over worker processes, one per core, and the clean blobs remembered.

Both ways of reading a history (in full, or from a saved one) hand their blobs to these
workers. Each worker gets a share of about equal cost, so no core idles while another
still matches; only the matches and counters cross back (see scanner.scan.background).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from scanner.cache.blob_verdicts import BlobCache
from scanner.detect.matcher import Matcher
from scanner.scan import background
from scanner.scan.blobscan import BlobScanResult, scan_blobs
from scanner.scan.options import ScanOptions

# A blob costs a fixed amount (its header, a cat-file lookup, a Hyperscan call, a few Python
# lines) on top of its bytes: about what 8 KiB of content costs, measured on the 60,000-commit
# bench repository (a share of many small blobs took 26% more CPU than one of equal bytes).
_BLOB_OVERHEAD_BYTES = 8 << 10
# Contiguous runs per share: enough that a stretch of the pack that is costlier to inflate
# or match (whole objects rather than deltas, dense hits) is spread over every share.
_RUNS_PER_SHARE = 16


def not_known_clean(blob_sizes: dict[str, int], cache: BlobCache | None) -> dict[str, int]:
    """The blobs to match: all of them, less those an earlier scan found clean."""
    if cache is None or not blob_sizes:
        return dict(blob_sizes)
    clean = cache.clean_among(blob_sizes.keys())
    return {oid: size for oid, size in blob_sizes.items() if oid not in clean}


def start_matching(
    repo: Path,
    to_scan: dict[str, int],
    matcher: Matcher,
    options: ScanOptions,
    progress: Callable[[str, int, int], None] | None,
) -> list[background.Pending[BlobScanResult]]:
    """Match blobs in child processes, one per core, each with a share of about equal cost
    made of pack-order runs (a few blobs are matched here: a process would cost more than it
    saves)."""
    parallel = options.parallel and len(to_scan) > 256
    shares = _split(to_scan, options.jobs if parallel else 1)
    relay = _ProgressRelay(progress, total=len(to_scan)) if progress is not None else None
    return [
        background.start(
            _scan_blobs_job,
            repo,
            share,
            matcher,
            options.max_blob_size,
            progress=relay.for_share(number) if relay is not None else None,
            parallel=parallel,
        )
        for number, share in enumerate(shares)
    ]


def finish_matching(
    pending: list[background.Pending[BlobScanResult]],
    to_scan: dict[str, int],
    options: ScanOptions,
) -> BlobScanResult:
    """Collect the workers' matches and remember the blobs that came out clean."""
    blobs = _merge([job.result() for job in pending])
    if options.cache is not None and blobs.stats.blobs_unreadable == 0:
        cap = options.max_blob_size
        unfinished = set(blobs.timed_out)  # not fully matched: not known to be clean
        options.cache.remember_clean(
            oid
            for oid, size in to_scan.items()
            if size <= cap and oid not in blobs.matches and oid not in unfinished
        )
    return blobs


def _split(blob_sizes: dict[str, int], parts: int) -> list[dict[str, int]]:
    """Shares of about equal cost (bytes plus a per-blob overhead), each made of contiguous
    runs of pack order dealt out in turn: within a run, neighbours share delta chains and
    inflation stays cache-friendly; across runs, uneven stretches of the pack even out."""
    if parts <= 1 or len(blob_sizes) < 2:
        return [blob_sizes]
    runs = parts * _RUNS_PER_SHARE
    total = sum(blob_sizes.values()) + _BLOB_OVERHEAD_BYTES * len(blob_sizes)
    shares: list[dict[str, int]] = [{} for _ in range(parts)]
    running = 0
    for oid, size in blob_sizes.items():
        shares[running * runs // total % parts][oid] = size
        running += size + _BLOB_OVERHEAD_BYTES
    return [share for share in shares if share]


def _merge(results: list[BlobScanResult]) -> BlobScanResult:
    merged = BlobScanResult()
    for result in results:
        merged.matches.update(result.matches)
        merged.timed_out.extend(result.timed_out)
        for name, value in vars(result.stats).items():
            setattr(merged.stats, name, getattr(merged.stats, name) + value)
    return merged


class _ProgressRelay:
    """Adds up the children's blob counts into one "scan" progress line."""

    def __init__(self, progress: Callable[[str, int, int], None], total: int) -> None:
        self._progress = progress
        self._total = total
        self._done: dict[int, int] = {}

    def for_share(self, number: int) -> Callable[[str, int, int], None]:
        def report(phase: str, done: int, total: int) -> None:
            self._done[number] = done
            self._progress(phase, sum(self._done.values()), self._total)

        return report


def _scan_blobs_job(
    repo: Path,
    blob_sizes: dict[str, int],
    matcher: Matcher,
    max_blob_size: int,
    progress: Callable[[str, int, int], None] | None,
) -> BlobScanResult:
    """The blob half of a scan, run in the child process (see scanner.scan.background)."""

    def on_blob(done: int, total: int) -> None:
        if progress is not None and (done == total or done % 256 == 0):
            progress("scan", done, total)

    return scan_blobs(repo, blob_sizes, matcher, max_blob_size, on_blob)
