"""What a report covers, said the same way in every format: how many commits, and for a range
scan (`--since`, a pre-push hook) which range, so "no secrets found" is never read as a verdict
on a whole history that was not judged."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def plural(count: int, noun: str) -> str:
    """`1 commit`, `2 commits`, `6,493 commits`."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


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
