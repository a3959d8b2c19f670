"""Diff two trees the way `git log --raw` does, reading trees one object at a time.

The salvage path cannot ask git for a commit's changes when a tree on the way is damaged,
so it compares trees itself, tolerating what it cannot read: an unreadable subtree is taken
to hold what the old tree held there (the scan cannot know better, and assuming a removal
would invent windows that close and reopen).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeAlias

from scanner.git.history import History
from scanner.git.process import ObjectReader

# Modes as git writes them in a tree object; `git log --raw` pads them to six digits.
GITLINK_MODE = "160000"
_TREE_MODE = "40000"

# A tree as the scan sees it: its id, or (where a subtree could not be read and the
# parent's content stands in for it) an explicit {name: (mode, node)} mapping.
Node: TypeAlias = "str | dict[str, tuple[str, Node]]"
Entries: TypeAlias = "dict[str, tuple[str, Node]]"


class TreeDiffer:
    """Tree-to-tree diffs in the shape `git log --raw` gives, reading trees as needed."""

    def __init__(self, reader: ObjectReader, history: History) -> None:
        self._reader = reader
        self._history = history
        self._cache: dict[str, Entries] = {}

    def entries(self, node: Node | None) -> Entries | None:
        if node is None:
            return {}
        if isinstance(node, dict):
            return node
        cached = self._cache.get(node)
        if cached is None:
            found = self._reader.read(node)
            if found is None or found.kind != "tree":
                self._history.unreadable.add(node)
                return None
            cached = _parse_tree(found.content, len(node) // 2)
            self._cache[node] = cached
        return cached

    def diff(
        self, old: Node | None, new: Node | None, prefix: str, changes: list[tuple[str, str | None]]
    ) -> Node | None:
        """Append the changes from `old` to `new`; return the tree that stands for `new`.

        Directories are compared from an explicit stack, not by recursion: a damaged
        repository may hold a tree thousands of directories deep.
        """
        opened = self._open(old, new, prefix)
        if not isinstance(opened, _Comparison):
            return opened
        stack = [opened]
        while True:
            comparison = stack[-1]
            if not comparison.names:  # done: hand what stands for it to its parent
                stack.pop()
                effective = comparison.effective()
                if not stack:
                    return effective
                stack[-1].settle(comparison.name, comparison.new, effective)
                continue
            name = comparison.names.pop()
            path = comparison.prefix + name
            before = comparison.old_entries.get(name)
            after = comparison.new_entries.get(name)
            if after is None:
                self._remove(before, path, changes)
                continue
            mode, target = after
            if mode == _TREE_MODE:
                if before is not None and before[0] != _TREE_MODE:
                    self._remove(before, path, changes)
                    before = None
                inner = self._open(before[1] if before else None, target, path + "/", name)
                if isinstance(inner, _Comparison):
                    stack.append(inner)
                else:
                    comparison.settle(name, target, inner)
                continue
            if before == after:
                continue
            if before is not None and before[0] == _TREE_MODE:
                self._remove(before, path, changes)
            if mode == GITLINK_MODE:
                self._history.gitlinks.add(path)
                changes.append((path, None))  # a submodule is not followed: nothing there
            else:
                assert isinstance(target, str)
                changes.append((path, target))
                self._history.referenced_blobs.add(target)

    def _open(
        self, old: Node | None, new: Node | None, prefix: str, name: str = ""
    ) -> _Comparison | Node | None:
        """The comparison of two directories, or what stands for `new` when there is
        nothing to compare (the same tree, or an unreadable one: assumed unchanged)."""
        if isinstance(old, str) and old == new:
            return new
        new_entries = self.entries(new)
        if new_entries is None:
            return old
        old_entries = self.entries(old) or {}
        assert new is not None
        return _Comparison(name, prefix, new, old_entries, new_entries)

    def _remove(
        self, entry: tuple[str, Node] | None, path: str, changes: list[tuple[str, str | None]]
    ) -> None:
        """Everything under a removed entry is gone (depth first, in name order)."""
        pending = [(path, entry)]
        while pending:
            where, removed = pending.pop()
            if removed is None:
                continue
            mode, target = removed
            if mode == _TREE_MODE:
                children = sorted((self.entries(target) or {}).items(), reverse=True)
                pending.extend((f"{where}/{name}", child) for name, child in children)
            else:
                changes.append((where, None))


@dataclass
class _Comparison:
    """Two versions of one directory being compared, and what stands for the new one."""

    name: str  # in the parent directory
    prefix: str  # the directory's path, with its trailing slash
    new: Node
    old_entries: Entries
    new_entries: Entries
    names: list[str] = field(default_factory=list)  # still to compare, the last one first
    standing_in: Entries = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.names = sorted(self.old_entries.keys() | self.new_entries.keys(), reverse=True)

    def settle(self, name: str, target: Node, effective: Node | None) -> None:
        """A subdirectory compared: where its tree could not be read, what stands for it."""
        if effective != target:
            self.standing_in[name] = (_TREE_MODE, effective if effective is not None else {})

    def effective(self) -> Node:
        if not self.standing_in:
            return self.new
        return {**self.new_entries, **self.standing_in}


def _parse_tree(raw: bytes, oid_bytes: int) -> Entries:
    entries: Entries = {}
    position = 0
    while position < len(raw):
        space = raw.find(b" ", position)
        nul = raw.find(b"\0", space)
        if space < 0 or nul < 0 or nul + 1 + oid_bytes > len(raw):
            break  # a truncated tree: keep the entries read so far
        mode = raw[position:space].decode("ascii", "replace")
        name = raw[space + 1 : nul].decode("utf-8", "backslashreplace")
        oid = raw[nul + 1 : nul + 1 + oid_bytes].hex()
        entries[name] = (mode, oid)
        position = nul + 1 + oid_bytes
    return entries
