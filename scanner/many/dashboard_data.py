"""The organisation dashboard's numbers: one row per repository, ranked, and the totals.

Read from the report set's index (`leakwindow.report-set/1`) and each repository's own
`leakwindow.report/1`, both as plain dicts: a saved set may be older than this code or edited
by hand, so a missing or oddly typed field falls back to a placeholder rather than failing.
The HTML dashboard and the Markdown summary both render what this module computes, so they
agree on every count and on the order. Only redacted previews are carried, never a secret.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from urllib.parse import quote

from scanner.report.html_values import (
    as_dict,
    as_list,
    has_open_window,
    longest_days,
    number_or_none,
    severity_of,
    text_or,
    verification_status,
    windows_of,
)
from scanner.report.scope import parse_time

REPORT_SET_SCHEMA = "leakwindow.report-set/1"
# A report path from the index becomes a link only when it is plainly relative and inside
# the output directory: no scheme, no absolute path, no climbing out, no odd characters.
_SAFE_PATH = re.compile(r"[A-Za-z0-9_.@+=,~-]{1,255}(?:/[A-Za-z0-9_.@+=,~-]{1,255}){0,32}")


@dataclass(frozen=True)
class Exposure:
    """One secret found in one repository, as the dashboard shows it."""

    repository: str
    title: str
    severity: str
    preview: str  # the report's redacted preview
    live: bool
    still_open: bool  # a ref's tip still holds it
    days: float  # its longest window
    opened: datetime | None  # the earliest window's opening commit
    closed: datetime | None  # the last window's closing commit; None while open
    report_link: str | None  # the repository's HTML report


@dataclass(frozen=True)
class RepoRow:
    """One repository of the set: its counts, or the error that stopped its scan."""

    source: str
    ok: bool
    error: str | None
    html_link: str | None
    json_link: str | None
    findings: int
    still_open: int
    live: int
    not_checked: int
    in_head: int
    longest_days: float
    verified: bool  # its scan ran --verify
    as_of: datetime | None
    exposures: tuple[Exposure, ...]


@dataclass(frozen=True)
class Overview:
    ranked: tuple[RepoRow, ...]  # scanned repositories, most urgent first
    failed: tuple[RepoRow, ...]  # sources that could not be scanned, in index order
    verified: bool  # any scan ran --verify: live keys are known
    as_of: datetime | None  # the latest as-of date of the set

    @property
    def findings(self) -> int:
        return sum(row.findings for row in self.ranked)

    @property
    def still_open(self) -> int:
        return sum(row.still_open for row in self.ranked)

    @property
    def live(self) -> int:
        return sum(row.live for row in self.ranked)

    @property
    def not_checked(self) -> int:
        return sum(row.not_checked for row in self.ranked)

    @property
    def with_findings(self) -> int:
        return sum(1 for row in self.ranked if row.findings)

    @property
    def longest_days(self) -> float:
        return max((row.longest_days for row in self.ranked), default=0.0)

    def exposures(self) -> list[Exposure]:
        return [exposure for row in self.ranked for exposure in row.exposures]

    def severity_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for exposure in self.exposures():
            counts[exposure.severity] = counts.get(exposure.severity, 0) + 1
        return counts


def repositories(count: int) -> str:
    """`1 repository`, `2 repositories`."""
    return f"{count:,} {'repository' if count == 1 else 'repositories'}"


def rank_key(row: RepoRow) -> tuple[int, int, float, int, str]:
    """Live keys first, then the most exposures still open, then the longest exposure."""
    return (-row.live, -row.still_open, -row.longest_days, -row.findings, row.source.lower())


def overview(index: Mapping[str, Any], reports: Mapping[str, Mapping[str, Any]]) -> Overview:
    """The dashboard's rows from the index and the reports (keyed by the index's `report` path,
    or by `source` when that is how the caller keyed them)."""
    rows = [_row(as_dict(entry), reports) for entry in as_list(index.get("repositories"))]
    ranked = tuple(sorted((row for row in rows if row.ok), key=rank_key))
    failed = tuple(row for row in rows if not row.ok)
    dates = [row.as_of for row in ranked if row.as_of is not None]
    return Overview(
        ranked=ranked,
        failed=failed,
        verified=any(row.verified for row in ranked),
        as_of=max(dates) if dates else None,
    )


def safe_link(path: object) -> str | None:
    """`path` as a relative URL inside the output directory, or None if it is not one."""
    if not isinstance(path, str) or len(path) > 1024 or not _SAFE_PATH.fullmatch(path):
        return None
    if any(part in (".", "..") for part in path.split("/")):
        return None
    return quote(path, safe="/")


def html_path_of(entry: Mapping[str, Any]) -> object:
    """The repository's HTML report: the index's `html` entry, else the JSON report's path
    with `.html` for `.json` (how `scan-many` writes them, side by side)."""
    if "html" in entry:
        return entry["html"]
    report = entry.get("report")
    if isinstance(report, str) and report.endswith(".json"):
        return report[: -len(".json")] + ".html"
    return None


def _row(entry: dict[str, Any], reports: Mapping[str, Mapping[str, Any]]) -> RepoRow:
    source = text_or(entry.get("source"), "(unnamed source)")
    report_path = entry.get("report")
    report = reports.get(report_path) if isinstance(report_path, str) else None
    if not isinstance(report, Mapping):
        report = reports.get(source)
    if not isinstance(report, Mapping):
        report = None
    ok = entry.get("status") == "ok"
    html_link = safe_link(html_path_of(entry)) if ok else None
    if not ok:
        error = text_or(entry.get("error"), f"status {text_or(entry.get('status'), 'missing')}")
        return _empty_row(source, False, error, None, None)
    if report is None:
        return _summary_row(source, as_dict(entry.get("summary")), html_link, report_path)
    scan = as_dict(report.get("scan"))
    findings = [
        f
        for f in as_list(report.get("findings"))
        if isinstance(f, dict) and not f.get("suppressed")
    ]
    statuses = [verification_status(f) for f in findings]
    exposures = tuple(_exposure(source, f, html_link) for f in findings)
    return RepoRow(
        source=source,
        ok=True,
        error=None,
        html_link=html_link,
        json_link=safe_link(report_path),
        findings=len(findings),
        still_open=sum(1 for e in exposures if e.still_open),
        live=statuses.count("live"),
        not_checked=statuses.count("error"),
        in_head=sum(1 for f in findings if f.get("in_head") is True),
        longest_days=max((e.days for e in exposures), default=0.0),
        verified="verification" in scan or any(s in ("live", "invalid") for s in statuses),
        as_of=parse_time(scan.get("as_of")),
        exposures=exposures,
    )


def _exposure(repository: str, finding: dict[str, Any], link: str | None) -> Exposure:
    windows = windows_of(finding)
    opened = [parse_time(as_dict(w.get("opened")).get("committed_at")) for w in windows]
    closed = [parse_time(as_dict(w.get("closed")).get("committed_at")) for w in windows]
    still_open = has_open_window(finding)
    known_opened = [moment for moment in opened if moment is not None]
    known_closed = [moment for moment in closed if moment is not None]
    return Exposure(
        repository=repository,
        title=text_or(finding.get("title"), "secret"),
        severity=severity_of(finding),
        preview=text_or(finding.get("secret_preview"), ""),
        live=verification_status(finding) == "live",
        still_open=still_open,
        days=longest_days(finding),
        opened=min(known_opened) if known_opened else None,
        closed=None if still_open or not known_closed else max(known_closed),
        report_link=link,
    )


def _summary_row(
    source: str, summary: dict[str, Any], html_link: str | None, report_path: object
) -> RepoRow:
    """A scanned repository whose report was not handed in: the index's summary counts."""

    def count(key: str) -> int:
        value = number_or_none(summary.get(key))
        return int(value) if value is not None and value >= 0 else 0

    return replace(
        _empty_row(source, True, None, html_link, safe_link(report_path)),
        findings=count("findings"),
        still_open=count("open"),  # scan-many adds it to the report's own summary
        live=count("live"),
        not_checked=count("not_checked"),
        in_head=count("in_head"),
        longest_days=max(number_or_none(summary.get("longest_days")) or 0.0, 0.0),
        verified=count("live") > 0,
    )


def _empty_row(
    source: str, ok: bool, error: str | None, html_link: str | None, json_link: str | None
) -> RepoRow:
    return RepoRow(
        source=source,
        ok=ok,
        error=error,
        html_link=html_link,
        json_link=json_link,
        findings=0,
        still_open=0,
        live=0,
        not_checked=0,
        in_head=0,
        longest_days=0.0,
        verified=False,
        as_of=None,
        exposures=(),
    )
