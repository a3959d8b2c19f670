"""The commit graph a history scan works on, whichever way it was read.

The fast path (scanner.git.log_parse) and the salvage path (scanner.git.salvage) both fill
a History; the saved-history cache stores one and an incremental rescan extends it with the
new commits. Commits come parents first, so presence can be computed in one pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from scanner.model import CommitInfo


@dataclass
class History:
    """The commit graph, in an order where parents come before children."""

    commits: dict[str, CommitInfo] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)
    # sha -> [(path, new blob or None when deleted)] against the first parent
    changes: dict[str, list[tuple[str, str | None]]] = field(default_factory=dict)
    gitlinks: set[str] = field(default_factory=set)
    referenced_blobs: set[str] = field(default_factory=set)
    unreadable: set[str] = field(default_factory=set)  # commits and trees that could not be read
    salvaged: bool = False  # rebuilt object by object because `git log` could not read it


def merge_histories(first: History, second: History) -> History:
    """`first` extended by the commits of `second` it lacks (parents stay before children:
    `second`'s commits only have parents in `second` or in `first`)."""
    for sha in second.order:
        if sha in first.commits:
            continue
        first.commits[sha] = second.commits[sha]
        first.order.append(sha)
        if sha in second.changes:
            first.changes[sha] = second.changes[sha]
    first.gitlinks |= second.gitlinks
    first.referenced_blobs |= second.referenced_blobs
    first.unreadable |= second.unreadable
    first.salvaged = first.salvaged or second.salvaged
    return first


def parents_first(commits: dict[str, CommitInfo]) -> list[str]:
    """A topological order of the read commits: every parent before its children."""
    order: list[str] = []
    done: set[str] = set()
    for start in commits:
        if start in done:
            continue
        stack: list[tuple[str, bool]] = [(start, False)]
        while stack:
            sha, expanded = stack.pop()
            if expanded:
                order.append(sha)
                continue
            if sha in done:
                continue
            done.add(sha)
            stack.append((sha, True))
            for parent in commits[sha].parents:
                if parent in commits and parent not in done:
                    stack.append((parent, False))
    return order
