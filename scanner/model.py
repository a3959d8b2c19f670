"""Frozen value types of a history scan: commits, windows, first commits, verifications,
findings (a blob's matches are in `scanner.matches`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from scanner.confidence import Confidence, PathContext
from scanner.severity import Severity


class CommitInfo(NamedTuple):
    """One commit. A named tuple, not a frozen dataclass: one is built per commit on every
    scan and rescan, and a frozen dataclass takes 3-4x longer to build."""

    sha: str
    parents: tuple[str, ...]
    committed_ts: int
    committed_at: str
    authored_at: str
    author: str


@dataclass(frozen=True)
class Location:
    commit: str
    path: str
    line: int
    column: int


@dataclass(frozen=True)
class CommitPoint:
    sha: str
    committed_at: str
    committed_ts: int  # seconds since the epoch: what --as-of is compared with


@dataclass(frozen=True)
class Window:
    """A run of a ref's mainline commits whose tree holds the secret.

    `days` is the exposure counted up to --as-of: a window that opened after it counts 0
    (`opened_after_as_of`), one that closed after it counts up to it (`closed_after_as_of`);
    `opened` and `closed` always stay the commits git has (see
    scanner.exposure.windows.window_as_of).
    """

    ref: str
    opened: CommitPoint
    closed: CommitPoint | None
    days: float
    opened_at_boundary: bool = False
    opened_after_as_of: bool = False
    closed_after_as_of: bool = False


@dataclass(frozen=True)
class FirstCommit:
    sha: str
    committed_at: str
    authored_at: str
    author: str
    path: str
    line: int
    # The commit is a shallow clone's boundary: its parents are not in the clone, so the secret
    # may be older and this commit's author may not be the one who added it.
    at_shallow_boundary: bool = False


# The detail of a finding that --verify could not send anywhere: its rules name no endpoint.
NO_VERIFY_ENDPOINT = "rule has no verification endpoint"


@dataclass(frozen=True)
class Verification:
    status: str = "unchecked"  # unchecked | live | invalid | error
    detail: str | None = None
    checked_at: str | None = None


@dataclass(frozen=True)
class Finding:
    """Everything known about one secret value."""

    fingerprint: str
    rules: tuple[str, ...]
    title: str
    severity: Severity
    secret_preview: str
    first_commit: FirstCommit | None
    locations: tuple[Location, ...]
    windows: tuple[Window, ...]
    in_head: bool
    reachable_from: tuple[str, ...]
    dangling: bool
    verification: Verification = field(default_factory=Verification)
    suppressed: str | None = None
    decoded: str | None = None
    confidence: Confidence = "high"  # the surest grade of its matches (scanner.confidence)
    context: PathContext | None = None  # every place it was found is test, docs or example
    # The first location's line, each secret in it replaced by its preview (scan.context_lines).
    context_line: str | None = None
