"""Which findings share a timeline lane, and the two parts the lanes come in.

A repository of leaked credential files often holds dozens of secrets committed together and
never removed: drawn one lane each, the timeline would be dozens of identical bars. Findings
whose exposure windows are identical (same refs, same opening and closing commits) share one
lane, which names how many secrets it holds and lists where they are. Findings only in test,
docs or example files come after the others, under a heading of their own, as in the table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scanner.report.html_values import (
    SEVERITY_RANK,
    SIDE_HEADING,
    as_dict,
    is_side_finding,
    severity_of,
    verification_status,
    windows_of,
)

# The verification pill a shared lane shows: the most urgent of its members' results.
_STATUS_URGENCY = ("live", "error", "invalid", "unchecked")

WindowKey = tuple[tuple[object, object, object], ...]


@dataclass(frozen=True)
class Lane:
    """One timeline lane: a finding, or several whose windows are identical. `members` are
    (index in the report, finding) pairs in report order; the lane's windows are the first's."""

    members: tuple[tuple[int, dict[str, Any]], ...]

    @property
    def lead(self) -> dict[str, Any]:
        return self.members[0][1]

    @property
    def index(self) -> int:
        return self.members[0][0]

    @property
    def shared(self) -> bool:
        return len(self.members) > 1

    @property
    def severity(self) -> str:
        """The most severe of the members' severities (the colour of the bars)."""
        severities = [severity_of(finding) for _, finding in self.members]
        return max(severities, key=lambda name: SEVERITY_RANK.get(name, 0))

    @property
    def status(self) -> str:
        statuses = {verification_status(finding) for _, finding in self.members}
        return next((s for s in _STATUS_URGENCY if s in statuses), "unchecked")


@dataclass(frozen=True)
class LaneSection:
    """The lanes of one part of the timeline; `heading` is None for the main part."""

    heading: str | None
    lanes: tuple[Lane, ...]


def _window_key(finding: dict[str, Any]) -> WindowKey | None:
    """What makes two findings' windows the same; None for a finding without a window (its
    lane explains why it has none, which may differ)."""
    windows = windows_of(finding)
    if not windows:
        return None
    keys = [
        (
            window.get("ref"),
            as_dict(window.get("opened")).get("sha"),
            as_dict(window.get("closed")).get("sha") if window.get("closed") else None,
        )
        for window in windows
    ]
    return tuple(sorted(keys, key=repr))


def _lanes(members: list[tuple[int, dict[str, Any]]]) -> tuple[Lane, ...]:
    groups: dict[object, list[tuple[int, dict[str, Any]]]] = {}
    for index, finding in members:
        key = _window_key(finding)
        groups.setdefault(("alone", index) if key is None else key, []).append((index, finding))
    return tuple(Lane(tuple(group)) for group in groups.values())  # dicts keep first-seen order


def lane_sections(findings: list[dict[str, Any]]) -> list[LaneSection]:
    """The timeline's parts: the main one, then findings only in test, docs or example files
    (when there are any); a part without findings is left out."""
    indexed = list(enumerate(findings))
    main = [(i, f) for i, f in indexed if not is_side_finding(f)]
    side = [(i, f) for i, f in indexed if is_side_finding(f)]
    sections = [LaneSection(None, _lanes(main))] if main else []
    if side:
        sections.append(LaneSection(SIDE_HEADING, _lanes(side)))
    return sections
