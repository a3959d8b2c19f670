"""Exposure windows along one ref's mainline (pure: no git, no I/O).

A window is a maximal run of consecutive mainline commits whose tree holds the secret;
it opens at the run's first commit and closes at the next mainline commit, or stays open.

Its `days` is the exposure up to --as-of. History is not cut at --as-of: windows are found on
the whole history (what is reachable does not depend on a date), and each one's days are then
counted up to --as-of (`window_as_of`). A window that opened after --as-of was no exposure at
that date: it counts 0 days and says so; one that closed after it was still open then: it
counts up to --as-of and says so. Its commits stay the ones git has, so a later --as-of gives
the later answer from the same windows (the saved result of a rescan is viewed again the same
way).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TypeVar

from scanner.model import CommitInfo, CommitPoint, Window

SecretT = TypeVar("SecretT", bound=Hashable)

_SECONDS_PER_DAY = 86400.0


def days_between(start_ts: int, end_ts: float) -> float:
    return round((end_ts - start_ts) / _SECONDS_PER_DAY, 1)


def window_as_of(window: Window, as_of_ts: float) -> Window:
    """`window` with its days counted up to `as_of_ts` (see the module docstring)."""
    opened_ts = window.opened.committed_ts
    if opened_ts > as_of_ts:
        return replace(window, days=0.0, opened_after_as_of=True, closed_after_as_of=False)
    closed = window.closed
    if closed is None or closed.committed_ts > as_of_ts:
        return replace(
            window,
            days=days_between(opened_ts, as_of_ts),
            opened_after_as_of=False,
            closed_after_as_of=closed is not None,
        )
    return replace(
        window,
        days=days_between(opened_ts, closed.committed_ts),
        opened_after_as_of=False,
        closed_after_as_of=False,
    )


def windows_on_chain(
    ref: str,
    chain: Sequence[CommitInfo],
    present: Mapping[str, frozenset[SecretT]],
    as_of: datetime,
    is_boundary: Callable[[str], bool],
) -> dict[SecretT, list[Window]]:
    """Windows per secret along `chain` (oldest → newest first-parent commits)."""
    as_of_ts = as_of.timestamp()
    result: dict[SecretT, list[Window]] = {}
    opened: dict[SecretT, CommitInfo] = {}
    previous: frozenset[SecretT] = frozenset()
    for commit in chain:
        current = present.get(commit.sha, frozenset())
        if current is previous:
            continue
        for secret in current - previous:
            opened[secret] = commit
        for secret in previous - current:
            start = opened.pop(secret)
            result.setdefault(secret, []).append(
                window_as_of(
                    Window(
                        ref=ref,
                        opened=_point(start),
                        closed=_point(commit),
                        days=0.0,
                        opened_at_boundary=is_boundary(start.sha),
                    ),
                    as_of_ts,
                )
            )
        previous = current
    for secret, start in opened.items():
        result.setdefault(secret, []).append(
            window_as_of(
                Window(
                    ref=ref,
                    opened=_point(start),
                    closed=None,
                    days=0.0,
                    opened_at_boundary=is_boundary(start.sha),
                ),
                as_of_ts,
            )
        )
    return result


def _point(commit: CommitInfo) -> CommitPoint:
    return CommitPoint(commit.sha, commit.committed_at, commit.committed_ts)


def first_parent_chain(tip: str, commits: Mapping[str, CommitInfo]) -> list[CommitInfo]:
    """The mainline of `tip`, root first; stops where history is cut (shallow, missing)."""
    chain: list[CommitInfo] = []
    current: str | None = tip
    while current is not None and current in commits:
        commit = commits[current]
        chain.append(commit)
        current = commit.parents[0] if commit.parents else None
    chain.reverse()
    return chain
