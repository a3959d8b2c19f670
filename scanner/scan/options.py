"""What a history scan is asked, what it answers, and what each way of reading the history
hands back to the engine.

These values cross every module of the history scan (the engine, its strategies, the
findings, the service that turns a result into a report), so they live apart from all of
them.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from scanner.cache.blob_verdicts import BlobCache
from scanner.cache.history_snapshot import BaseFile, SnapshotStore
from scanner.cache.results import ResultStore
from scanner.git.history import History
from scanner.git.integrity import Integrity
from scanner.git.inventory import Inventory
from scanner.git.refs import Head, Ref
from scanner.matches import SecretDigests
from scanner.model import Finding
from scanner.scan.blobscan import BlobScanResult, BlobScanStats

DEFAULT_MAX_BLOB_SIZE = 10 * 1024 * 1024


@dataclass(frozen=True)
class ScanOptions:
    as_of: datetime
    all_branches: bool = False
    extra_refs: tuple[str, ...] = ()
    max_blob_size: int = DEFAULT_MAX_BLOB_SIZE
    path_allowed: Callable[[str, str], bool] | None = None  # (rule id, path) -> keep?
    only_introduced_in: frozenset[str] | None = None  # range mode: commits of the range
    suppression: Callable[[SecretDigests], str | None] | None = None  # -> reason, or None
    collect_verification: bool = False  # keep what --verify needs: secret and its pair
    cache: BlobCache | None = None  # blobs known clean from earlier scans
    parallel: bool = True  # match blobs in child processes while the history is parsed
    snapshot: SnapshotStore | None = None  # reuse the history of an unchanged repository
    results: ResultStore | None = None  # reuse the findings of an unchanged repository
    jobs: int = field(default_factory=lambda: max(1, min(4, os.cpu_count() or 1)))


@dataclass(frozen=True)
class VerifyCandidate:
    """A finding's secret (and a companion credential from the same blob) for --verify."""

    fingerprint: str
    rule_id: str
    secret: bytes = field(repr=False)
    pair_secret: bytes | None = field(default=None, repr=False)


@dataclass
class ScanResult:
    target: str
    head: Head
    refs: list[Ref]
    findings: list[Finding]
    commits: int
    blob_stats: BlobScanStats
    seconds: float
    engine: str
    phases: dict[str, float] = field(default_factory=dict)
    verify_candidates: list[VerifyCandidate] = field(default_factory=list)
    integrity: Integrity = field(default_factory=Integrity)
    blobs_cached: int = 0  # clean in an earlier scan with the same rules: not read again
    # How the incremental cache answered: "off", "saved result", "saved history" (nothing
    # changed), "extended history" (new objects added to it) or "full read".
    cache_answer: str = "off"


class HistoryRead(NamedTuple):
    """The repository's objects and history with every blob's matches, however they were
    obtained: read in full (scanner.scan.cold) or from a saved history
    (scanner.scan.incremental)."""

    inventory: Inventory
    history: History
    blobs: BlobScanResult
    blobs_cached: int  # blobs not matched because an earlier scan found them clean
    integrity: Integrity
    cache_answer: str  # "saved history", "extended history" or "full read"
    already_saved: bool  # the saved history holds exactly this: nothing to write
    base: BaseFile | None  # the saved bulk this read extends (None: read in full)
