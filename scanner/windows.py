"""Exposure windows along one ref's mainline (pure: no git, no I/O).

A window is a maximal run of consecutive mainline commits whose tree holds the secret;
it opens at the run's first commit and closes at the next mainline commit, or stays open.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from datetime import datetime
from typing import TypeVar

from scanner.model import CommitInfo, CommitPoint, Window

SecretT = TypeVar("SecretT", bound=Hashable)

_SECONDS_PER_DAY = 86400.0


def days_between(start_ts: int, end_ts: float) -> float:
    return round((end_ts - start_ts) / _SECONDS_PER_DAY, 1)


def windows_on_chain(
    ref: str,
    chain: Sequence[CommitInfo],
    present: Mapping[str, frozenset[SecretT]],
    as_of: datetime,
    is_boundary: Callable[[str], bool],
) -> dict[SecretT, list[Window]]:
    """Windows per secret along `chain` (oldest → newest first-parent commits)."""
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
                Window(
                    ref=ref,
                    opened=CommitPoint(start.sha, start.committed_at),
                    closed=CommitPoint(commit.sha, commit.committed_at),
                    days=days_between(start.committed_ts, commit.committed_ts),
                    opened_at_boundary=is_boundary(start.sha),
                )
            )
        previous = current
    for secret, start in opened.items():
        result.setdefault(secret, []).append(
            Window(
                ref=ref,
                opened=CommitPoint(start.sha, start.committed_at),
                closed=None,
                days=days_between(start.committed_ts, as_of.timestamp()),
                opened_at_boundary=is_boundary(start.sha),
            )
        )
    return result


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
