"""The findings of an unchanged repository, answered from the result a previous scan saved,
and the result saved for the next scan.

A saved result skips everything else: no history is read and no blob is matched, so no
matcher is even built. Its findings are brought up to the scan's --as-of and baseline; if
that cannot be done, the scan runs as if nothing had been saved.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from scanner.cache.history_snapshot import RepoState
from scanner.cache.results import ResultStore, SavedResult
from scanner.git.history import History
from scanner.git.integrity import Integrity
from scanner.git.refs import Head, Ref, ResolvedRef
from scanner.model import Finding
from scanner.scan.blobscan import BlobScanStats
from scanner.scan.findings import finding_order
from scanner.scan.options import ScanOptions, ScanResult


def result_store(options: ScanOptions) -> ResultStore | None:
    """The saved-result store, when this scan can use one: not for --verify (it needs the
    secrets) nor for a range (few commits, and findings filtered by them)."""
    if options.collect_verification or options.only_introduced_in is not None:
        return None
    return options.results


def result_key(
    state: RepoState | None, options: ScanOptions, extra_refs: Sequence[ResolvedRef]
) -> str:
    """The repository state plus the options that decide which windows are drawn ("" when
    the state is unknown: nothing is loaded or saved)."""
    if state is None:
        return ""
    drawn = repr((options.all_branches, sorted(tuple(ref) for ref in extra_refs)))
    return hashlib.sha256(f"{state.fingerprint}\0{drawn}".encode()).hexdigest()


def answer_from_saved(
    saved: SavedResult,
    repo: Path,
    head: Head,
    refs: list[Ref],
    options: ScanOptions,
    started: float,
    phases: dict[str, float],
) -> ScanResult | None:
    """The scan result of an unchanged repository: its saved findings, as of now (None if
    they cannot be brought up to date: the caller then scans)."""
    try:
        findings = saved.findings_as_of(options.as_of, options.suppression)
    except (ValueError, KeyError, TypeError, OverflowError):
        return None
    return ScanResult(
        target=str(repo),
        head=head,
        refs=refs,
        findings=sorted(findings, key=finding_order),
        commits=saved.commits,
        blob_stats=BlobScanStats(),
        seconds=round(time.monotonic() - started, 3),
        engine=saved.engine,
        phases=phases,
        integrity=saved.integrity,
        blobs_cached=saved.blobs,
        cache_answer="saved result",
    )


def result_to_save(
    findings: list[Finding],
    history: History,
    integrity: Integrity,
    commits: int,
    blobs: int,
    engine: str,
) -> SavedResult:
    """What a rescan of the unchanged repository answers from: the findings without the
    baseline's verdicts (the baseline may change), and when each window opened."""
    return SavedResult(
        findings=[replace(finding, suppressed=None) for finding in findings],
        opened_ts={
            f.fingerprint: [history.commits[w.opened.sha].committed_ts for w in f.windows]
            for f in findings
        },
        commits=commits,
        blobs=blobs,
        integrity=integrity,
        engine=engine,
    )
