"""What a report covers, said the same way in every format: how many commits, and for a range
scan (`--since`, a pre-push hook) which range, so "no secrets found" is never read as a verdict
on a whole history that was not judged."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import Any

from scanner.severity import SEVERITIES


def plural(count: int, noun: str, ending: str = "s") -> str:
    """`1 commit`, `2 commits`, `6,493 commits` (`ending`: `es` for `branches`)."""
    return f"{count:,} {noun}{'' if count == 1 else ending}"


def range_of(report: Mapping[str, Any]) -> tuple[str, int] | None:
    """(the range, the number of commits in it) for a range scan; None for a whole history."""
    scan = report.get("scan") or {}
    if scan.get("mode") != "range":
        return None
    stats = scan.get("stats") or {}
    return str(scan.get("range") or "the range"), int(stats.get("range_commits") or 0)


def range_line(report: Mapping[str, Any]) -> str | None:
    """`only secrets introduced by the 12 commits of origin/main..HEAD`, for a range scan."""
    scope = range_of(report)
    if scope is None:
        return None
    name, commits = scope
    return f"only secrets introduced by the {plural(commits, 'commit')} of {name}"


def size_text(count: int) -> str:
    """`812 bytes`, `4.2 kB`, `203.4 MB`, `1.3 GB` (decimal units, as git and du -h --si)."""
    for limit, unit in ((10**9, "GB"), (10**6, "MB"), (10**3, "kB")):
        if count >= limit:
            return f"{count / limit:,.1f} {unit}"
    return plural(count, "byte")


def as_of_text(scan: Mapping[str, Any]) -> str:
    """The scan's as-of moment in UTC with its `Z` (`2026-12-06T19:23:49Z`); every format
    dates commits in UTC too."""
    value = scan.get("as_of")
    moment = parse_time(value)
    if moment is None:
        return str(value or "")  # a saved report edited by hand: shown as it is
    return moment.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def work_line(report: Mapping[str, Any]) -> str:
    """What the scan read: `scanned 5,570 commits, 18,203 blobs (203.4 MB) in 1.9 s`; a rescan
    answered from the cache says so instead of `0 blobs`, with how many blobs its answer
    covers."""
    scan = report.get("scan") or {}
    stats = scan.get("stats") or {}
    commits = plural(int(stats.get("commits") or 0), "commit")
    cached = int(stats.get("blobs_cached") or 0)
    seconds = scan.get("seconds", 0)
    if scan.get("cache") == "saved result":
        return (
            f"answered from the cache: {commits} and {plural(cached, 'blob')} unchanged "
            f"since an earlier scan, in {seconds} s"
        )
    read = plural(int(stats.get("blobs_scanned") or 0), "blob")
    line = f"scanned {commits}, {read} ({size_text(int(stats.get('bytes_scanned') or 0))})"
    if cached:
        line += f" and {plural(cached, 'blob')} known from the cache"
    skipped = int(stats.get("blobs_skipped") or 0)
    if skipped:
        line += f", skipped {plural(skipped, 'blob')}"
    return f"{line} in {seconds} s"


def severity_counts(findings: Iterable[Mapping[str, Any]]) -> str:
    """`2 critical, 1 high, 4 medium`: the findings by severity, most severe first."""
    counts = Counter(str(f.get("severity")) for f in findings)
    return ", ".join(
        f"{counts[s]:,} {s}"
        for s in (*SEVERITIES, *sorted(set(counts) - set(SEVERITIES)))
        if counts[s]
    )


def utc_date(timestamp: object) -> str:
    """The UTC day of an ISO timestamp (`2025-03-02`), so that every format dates a commit the
    same way whatever the committer's zone; "?" for a missing one."""
    moment = parse_time(timestamp)
    if moment is None:
        return str(timestamp or "")[:10] or "?"
    return moment.date().isoformat()


def parse_time(value: object) -> datetime | None:
    """Parse an ISO-8601 timestamp into UTC; naive times are taken as UTC, junk gives None,
    and so does a time that UTC cannot hold (0001-01-01T00:00:00+05:00 is in year 0)."""
    if not isinstance(value, str) or not value:
        return None
    text = value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value
    try:
        parsed = datetime.fromisoformat(text)
        return (
            parsed.astimezone(timezone.utc)
            if parsed.tzinfo
            else parsed.replace(tzinfo=timezone.utc)
        )
    except (ValueError, OverflowError):
        return None
