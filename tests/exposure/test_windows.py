"""Pure window computation over hand-made mainlines (no git)."""

from __future__ import annotations

from datetime import datetime, timezone

from scanner.exposure.windows import days_between, first_parent_chain, windows_on_chain
from scanner.model import CommitInfo

DAY = 86400
BASE = 1_740_000_000  # 2025-02-19


def _commit(n: int, day: int, parent: int | None) -> CommitInfo:
    stamp = datetime.fromtimestamp(BASE + day * DAY, timezone.utc).isoformat()
    return CommitInfo(
        sha=f"{n:040x}",
        parents=(f"{parent:040x}",) if parent is not None else (),
        committed_ts=BASE + day * DAY,
        committed_at=stamp,
        authored_at=stamp,
        author="T <t@t>",
    )


def _chain(days: list[int]) -> list[CommitInfo]:
    return [_commit(i, d, i - 1 if i else None) for i, d in enumerate(days)]


AS_OF = datetime.fromtimestamp(BASE + 100 * DAY, timezone.utc)


def _never(_: str) -> bool:
    return False


def test_closed_window_spans_from_first_holding_commit_to_first_clean_one() -> None:
    chain = _chain([0, 10, 20, 69, 80])
    present = {chain[1].sha: frozenset({b"s"}), chain[2].sha: frozenset({b"s"})}
    result = windows_on_chain("refs/heads/main", chain, present, AS_OF, _never)
    (window,) = result[b"s"]
    assert window.opened.sha == chain[1].sha
    assert window.closed is not None and window.closed.sha == chain[3].sha
    assert window.days == 59.0


def test_open_window_counts_to_as_of() -> None:
    chain = _chain([0, 40])
    present = {chain[1].sha: frozenset({b"s"})}
    (window,) = windows_on_chain("HEAD", chain, present, AS_OF, _never)[b"s"]
    assert window.closed is None
    assert window.days == 60.0


def test_removed_then_readded_gives_two_windows() -> None:
    chain = _chain([0, 1, 2, 3, 4])
    s = frozenset({b"s"})
    present = {chain[1].sha: s, chain[3].sha: s}
    windows = windows_on_chain("main", chain, present, AS_OF, _never)[b"s"]
    assert [(w.opened.sha, w.closed.sha if w.closed else None) for w in windows] == [
        (chain[1].sha, chain[2].sha),
        (chain[3].sha, chain[4].sha),
    ]


def test_backwards_dates_are_reported_as_they_are() -> None:
    chain = _chain([10, 5])
    present = {chain[0].sha: frozenset({b"s"})}
    (window,) = windows_on_chain("main", chain, present, AS_OF, _never)[b"s"]
    assert window.days == -5.0


def test_boundary_flag_comes_from_the_opening_commit() -> None:
    chain = _chain([0, 1])
    present = {chain[0].sha: frozenset({b"s"})}
    (window,) = windows_on_chain("main", chain, present, AS_OF, {chain[0].sha}.__contains__)[b"s"]
    assert window.opened_at_boundary


def test_first_parent_chain_is_root_first_and_stops_at_missing_parent() -> None:
    commits = {c.sha: c for c in _chain([0, 1, 2])}
    del commits[f"{0:040x}"]
    chain = first_parent_chain(f"{2:040x}", commits)
    assert [c.sha for c in chain] == [f"{1:040x}", f"{2:040x}"]


def test_days_between_rounds_to_a_tenth() -> None:
    assert days_between(0, 1.5 * DAY + 1) == 1.5


def test_a_window_closed_before_as_of_is_flagged_neither_way() -> None:
    """The report writes both flags as JSON booleans: each must be False, not just falsy."""
    chain = _chain([0, 10, 20])
    present = {chain[1].sha: frozenset({b"s"})}
    (window,) = windows_on_chain("main", chain, present, AS_OF, _never)[b"s"]
    assert window.opened_after_as_of is False
    assert window.closed_after_as_of is False


def test_an_open_window_takes_its_boundary_flag_from_the_opening_commit() -> None:
    chain = _chain([0, 1])
    present = {c.sha: frozenset({b"s"}) for c in chain}
    (window,) = windows_on_chain("main", chain, present, AS_OF, {chain[0].sha}.__contains__)[b"s"]
    assert window.closed is None
    assert window.opened_at_boundary is True
