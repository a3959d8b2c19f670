"""A history read in full: every object listed, every commit parsed, every blob not known
clean matched.

This is what a scan does without a saved history, or when the saved one cannot serve. Its
two halves overlap: the history reachable from refs is parsed in a thread from the start,
while the object inventory is read and its blobs go to the workers.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scanner.detect.matcher import Matcher
from scanner.git.history import History, merge_histories
from scanner.git.integrity import check_integrity
from scanner.git.inventory import read_inventory
from scanner.git.log_parse import read_history
from scanner.git.refs import Head, RefListing
from scanner.scan.options import HistoryRead, ScanOptions
from scanner.scan.workers import finish_matching, not_known_clean, start_matching


def read_whole_history(
    repo: Path,
    listing: RefListing,
    head: Head,
    matcher: Matcher,
    options: ScanOptions,
    progress: Callable[[str, int, int], None] | None,
) -> HistoryRead:
    """Read the object inventory and the history, and match every blob not known clean.

    The history reachable from refs is parsed in a thread from the start; the inventory
    (every object, reachable or not) is read meanwhile and decides what the blob workers,
    one child process per core, get.
    """
    tips = sorted({ref.commit for ref in listing.refs} | ({head.commit} if head.commit else set()))
    reachable = _ThreadResult(read_history, repo, tips) if tips else None
    inventory = read_inventory(repo)
    to_scan = not_known_clean(inventory.blob_sizes, options.cache)
    pending = start_matching(repo, to_scan, matcher, options, progress)
    history = _complete_history(repo, reachable, tips, inventory.commits)
    blobs = finish_matching(pending, to_scan, options)
    return HistoryRead(
        inventory=inventory,
        history=history,
        blobs=blobs,
        blobs_cached=len(inventory.blob_sizes) - len(to_scan),
        integrity=check_integrity(repo, listing, inventory, history),
        cache_answer="full read",
        already_saved=False,
        base=None,
    )


class _ThreadResult:
    """Run `read_history` in a thread; `get()` returns its History or re-raises its error."""

    def __init__(self, work: Callable[[Path, list[str]], History], repo: Path, tips: list[str]):
        self._box: dict[str, Any] = {}

        def run() -> None:
            try:
                self._box["value"] = work(repo, tips)
            except BaseException as exc:  # re-raised in the caller's thread
                self._box["error"] = exc

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()

    def get(self) -> History:
        self._thread.join()
        if "error" in self._box:
            raise self._box["error"]
        value: History = self._box["value"]
        return value


def _complete_history(
    repo: Path, reachable: _ThreadResult | None, tips: list[str], all_commits: list[str]
) -> History:
    """The reachable history from the thread, plus the commits no ref reaches (a rewrite's
    leftovers), parsed in a second, small pass. A salvaged (damaged) history is redone
    from every commit so nothing readable is lost."""
    if not all_commits:
        return History()
    history = reachable.get() if reachable is not None else None
    if history is None or history.salvaged:
        return read_history(repo, all_commits)
    rest = [sha for sha in all_commits if sha not in history.commits]
    if not rest:
        return history
    # `^tip` stops the walk where the reachable history (already parsed) begins.
    leftovers = read_history(repo, [*rest, *(f"^{sha}" for sha in tips)])
    return merge_histories(history, leftovers)
