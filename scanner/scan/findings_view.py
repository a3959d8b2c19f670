"""The findings as a report presents them: at --as-of, and honest about a shallow clone.

Pure (no git, no I/O). Applied to every scan's findings, fresh or taken from a saved result,
after the scan: what it adds depends on the moment asked about (--as-of) and on the clone's
boundary, not on what the repository holds, so it is never saved.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import datetime

from scanner.exposure.windows import window_as_of
from scanner.model import Finding


def view_findings(
    findings: Sequence[Finding], *, as_of: datetime, shallow_boundary: Collection[str]
) -> list[Finding]:
    """Each finding with its windows' days counted up to `as_of`, and its first commit marked
    when it is a shallow clone's boundary commit (whose author may not have added the secret)."""
    as_of_ts = as_of.timestamp()
    boundary = frozenset(shallow_boundary)
    viewed: list[Finding] = []
    for finding in findings:
        first = finding.first_commit
        if first is not None and (first.sha in boundary) != first.at_shallow_boundary:
            first = replace(first, at_shallow_boundary=first.sha in boundary)
        viewed.append(
            replace(
                finding,
                first_commit=first,
                windows=tuple(window_as_of(window, as_of_ts) for window in finding.windows),
            )
        )
    return viewed
