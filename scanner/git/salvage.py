"""Rebuild a damaged repository's history object by object.

`git log` stops at the first commit or tree it cannot read, and a scan that stopped there
would miss everything behind it. This path reads each commit and tree on its own, keeps
everything readable and lists what was not, and gives the same History the fast path gives
on an intact repository.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from scanner.git.commit_object import CommitObject, parse_commit
from scanner.git.history import History, parents_first
from scanner.git.inventory import shallow_boundary
from scanner.git.process import ObjectReader
from scanner.git.tree_diff import Node, TreeDiffer


def salvage_history(repo: Path, tips: Iterable[str]) -> History:
    """Rebuild the History that `read_history` gives, reading one object at a time.

    An unreadable commit ends the walk along that line (its children keep it as a parent,
    like a missing parent at a shallow boundary). An unreadable tree is taken to hold what
    the first parent's tree held there: the scan cannot know better, and assuming a removal
    would invent windows that close and reopen.
    """
    history = History(salvaged=True)
    grafted = shallow_boundary(repo)
    with ObjectReader(repo) as reader:
        trees: dict[str, str] = {}
        for commit in _read_commits(reader, tips, grafted, history):
            history.commits[commit.info.sha] = commit.info
            trees[commit.info.sha] = commit.tree
        history.order = parents_first(history.commits)
        differ = TreeDiffer(reader, history)
        roots: dict[str, Node | None] = {}
        for sha in history.order:
            parents = history.commits[sha].parents
            base = roots.get(parents[0]) if parents else None
            changes: list[tuple[str, str | None]] = []
            roots[sha] = differ.diff(base, trees[sha], "", changes)
            if changes:
                history.changes[sha] = changes
    return history


def _read_commits(
    reader: ObjectReader, tips: Iterable[str], grafted: set[str], history: History
) -> Iterator[CommitObject]:
    """Every readable commit reachable from `tips`; the unreadable ones go to `history`."""
    seen: set[str] = set()
    stack = list(tips)
    while stack:
        sha = stack.pop()
        if sha in seen:
            continue
        seen.add(sha)
        found = reader.read(sha)
        parsed = parse_commit(sha, found.content) if found and found.kind == "commit" else None
        if parsed is None:
            history.unreadable.add(sha)
            continue
        info = parsed.info
        if sha in grafted:  # a shallow boundary: git itself shows it without parents
            info = info._replace(parents=())
        stack.extend(info.parents)
        yield CommitObject(info, parsed.tree)
