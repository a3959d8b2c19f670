"""The shapes of the JSON documents leakwindow writes: the report (`leakwindow.report/1`,
written by `scan --format json`, read back by `report FILE`) and the staged document
(`leakwindow.staged/1`, written by `staged --format json`).

TypedDicts, not classes with behaviour: every renderer reads plain dicts, because a saved
report is a dict parsed from JSON and must render exactly like a fresh scan. A key marked
NotRequired may be missing; every other key is always there (it may hold null where the type
says `| None`). report-schema.json and staged-schema.json describe the same keys, and
tests/report/test_report_document.py holds each TypedDict and its schema object to the same keys
and the same required ones, so neither can gain a key alone.
"""

# No `from __future__ import annotations`: TypedDict reads NotRequired from the evaluated
# annotations, and the tests read the keys and their types at run time.

import sys
from typing import Final, Literal, TypedDict

if sys.version_info >= (3, 11):
    from typing import NotRequired
else:  # pragma: no cover - Python 3.10
    from typing_extensions import NotRequired

REPORT_SCHEMA: Final = "leakwindow.report/1"
STAGED_SCHEMA: Final = "leakwindow.staged/1"


# --- the report: leakwindow.report/1 ---------------------------------------------------------


class Tool(TypedDict):
    name: Literal["leakwindow"]
    version: str


class Head(TypedDict):
    ref: str | None  # the branch HEAD names, "HEAD" when detached
    sha: str | None  # None on an unborn branch


class Stats(TypedDict):
    """Integer counters of the scan's work and of what it could not read."""

    commits: int
    blobs_scanned: int
    bytes_scanned: int
    blobs_skipped: int
    blobs_skipped_binary: NotRequired[int]
    blobs_skipped_size: NotRequired[int]
    blobs_unreadable: NotRequired[int]
    blobs_lfs_pointers: NotRequired[int]
    blobs_timed_out: NotRequired[int]
    blobs_missing: NotRequired[int]
    objects_unreadable: NotRequired[int]
    refs_unreadable: NotRequired[int]
    blobs_cached: NotRequired[int]
    range_commits: NotRequired[int]  # range mode only


NoteKind = Literal[
    "shallow_clone",
    "as_of_before_history",
    "verification_incomplete",
    "only_live",
    "min_confidence",
]


class Note(TypedDict):
    """What a reader must know to trust the numbers."""

    kind: NoteKind
    message: str


class Contacts(TypedDict):
    contacted: dict[str, int]  # provider host -> requests sent


class OnlyLive(TypedDict):
    hidden: int  # findings --only-live left out


class MinConfidence(TypedDict):
    level: str  # high, medium or low: the least sure grade reported
    hidden: int  # findings less sure than that, left out


class Scan(TypedDict):
    """What was scanned and how."""

    target: str
    mode: Literal["history", "range"]
    head: Head
    refs: list[str]
    as_of: str
    seconds: float
    stats: Stats
    range: NotRequired[str | None]  # range mode: "A..B", "REV..HEAD" or "pushed commits"
    verification: NotRequired[Contacts]  # --verify
    engine: NotRequired[str]
    cache: NotRequired[str]  # how the incremental cache answered
    gitlinks: NotRequired[list[str]]
    shallow_boundary: NotRequired[list[str]]
    partial_clone: NotRequired[bool]
    alternates: NotRequired[list[str]]
    incomplete: NotRequired[list[str]]
    phases: NotRequired[dict[str, float]]  # phase name -> seconds
    notes: NotRequired[list[Note]]
    only_live: NotRequired[OnlyLive]  # --only-live
    min_confidence: NotRequired[MinConfidence]  # --min-confidence


class CommitPoint(TypedDict):
    sha: str
    committed_at: str


class Window(TypedDict):
    """A run of a ref's mainline commits whose tree holds the secret."""

    ref: str
    opened: CommitPoint
    closed: CommitPoint | None  # None while the ref's tip still holds it
    days: float  # counted up to scan.as_of
    opened_at_boundary: NotRequired[bool]
    opened_after_as_of: NotRequired[bool]
    closed_after_as_of: NotRequired[bool]


class Verification(TypedDict):
    status: str  # unchecked, live, invalid or error
    detail: str | None
    checked_at: NotRequired[str | None]


class FirstCommit(TypedDict):
    sha: str
    committed_at: str
    authored_at: str
    author: str
    path: str
    line: int
    at_shallow_boundary: NotRequired[bool]


class Location(TypedDict):
    commit: str
    path: str
    line: int
    column: int


class Verdict(TypedDict):
    kind: str  # live, suppressed, in_head, still_on_ref, dangling, removed, reachable_only
    text: str


class Finding(TypedDict):
    """One secret: where it is, how long it was exposed, what to do."""

    fingerprint: str
    rules: list[str]
    title: str
    severity: str  # critical, high, medium or low
    confidence: NotRequired[str]  # high, medium or low
    context: NotRequired[str | None]  # test, docs, example: where every place of it is
    secret_preview: str
    context_line: NotRequired[str | None]  # the first location's line, secrets as previews
    remediation: NotRequired[str]
    decoded: NotRequired[str | None]
    verification: Verification
    first_commit: FirstCommit | None
    locations: list[Location]
    windows: list[Window]
    in_head: bool
    reachable_from: list[str]
    dangling: bool
    suppressed: str | None  # why a baseline suppresses it
    verdict: NotRequired[Verdict]


class Summary(TypedDict):
    """Counts over the findings the report shows; suppressed ones only in `suppressed`."""

    findings: int
    in_head: int
    live: int
    not_checked: NotRequired[int]
    longest_days: float
    suppressed: NotRequired[int]


class Report(TypedDict):
    schema: Literal["leakwindow.report/1"]
    tool: Tool
    scan: Scan
    findings: list[Finding]
    summary: Summary


# --- the staged document: leakwindow.staged/1 ------------------------------------------------


class StagedStats(TypedDict):
    bytes_scanned: int


class StagedScan(TypedDict):
    target: str
    mode: Literal["staged"]
    as_of: str
    stats: StagedStats
    min_confidence: NotRequired[MinConfidence]


class StagedLocation(TypedDict):
    path: str
    line: int
    column: int


class StagedFinding(TypedDict):
    """One staged secret, with every added line that holds it."""

    fingerprint: str
    rules: list[str]  # the most severe first
    title: str  # the first rule's
    severity: str  # the first rule's: critical, high, medium or low
    confidence: NotRequired[str]  # high, medium or low: the surest of its matches
    secret_preview: str
    locations: list[StagedLocation]


class StagedReport(TypedDict):
    schema: Literal["leakwindow.staged/1"]
    scan: StagedScan
    findings: list[StagedFinding]
