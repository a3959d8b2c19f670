"""Which rules a file's name calls for: the `files` of rules bound to credential files.

A rule with `files = [".netrc", "_netrc"]` reads only files with one of those names (the last
path component, compared case-insensitively; `*` and `?` globs allowed, e.g. `*.ppk`). Such
files are rare, and the question is asked of every path a history holds, so the names are
sorted once into an exact-name lookup, a suffix lookup (`*.ext`) and one regex for any other
glob: the answer for an ordinary path is a dict miss and a few string slices.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Sequence

from scanner.rules.pack import Rule

_MAGIC = frozenset("*?[")


def file_name(path: str) -> str:
    """The path's last component, lowercased: what a rule's `files` are compared with."""
    return path[path.rfind("/") + 1 :].lower()


class FileRules:
    """The rules bound to file names, indexed by those names.

    `rules_for(path)` gives the positions (in the sequence given) of the rules that read a
    file at `path`; empty for nearly every path."""

    __slots__ = ("_by_name", "_by_suffix", "_globs", "_suffix_lengths", "rules")

    def __init__(self, rules: Sequence[Rule]) -> None:
        self.rules = tuple(rules)
        by_name: dict[str, list[int]] = {}
        by_suffix: dict[str, list[int]] = {}
        globs: list[tuple[str, re.Pattern[str], int]] = []
        for index, rule in enumerate(self.rules):
            for pattern in rule.files:
                pattern = pattern.lower()
                if not _MAGIC.intersection(pattern):
                    by_name.setdefault(pattern, []).append(index)
                elif pattern.startswith("*") and not _MAGIC.intersection(pattern[1:]):
                    by_suffix.setdefault(pattern[1:], []).append(index)
                else:  # tried only on names that start with its literal head
                    head = re.split(r"[*?\[]", pattern, maxsplit=1)[0]
                    globs.append((head, re.compile(fnmatch.translate(pattern)), index))
        self._by_name = {name: tuple(found) for name, found in by_name.items()}
        self._by_suffix = {suffix: tuple(found) for suffix, found in by_suffix.items()}
        self._suffix_lengths = tuple(sorted({len(suffix) for suffix in by_suffix}))
        self._globs = tuple(globs)

    def __bool__(self) -> bool:
        return bool(self.rules)

    def rules_for(self, path: str) -> tuple[int, ...]:
        if not self.rules:
            return ()
        name = file_name(path)
        found = self._by_name.get(name, ())
        for length in self._suffix_lengths:
            if length >= len(name):  # `*.sql` wants a name before the suffix
                break
            more = self._by_suffix.get(name[-length:])
            if more:
                found = (*found, *more)
        for head, glob, index in self._globs:
            if name.startswith(head) and glob.match(name):
                found = (*found, index)
        return tuple(sorted(set(found))) if len(found) > 1 else found


def reads_file(rule: Rule, path: str) -> bool:
    """Whether a rule bound to file names reads the file at `path` (True for a rule bound to
    none: it reads every file)."""
    if not rule.files:
        return True
    name = file_name(path)
    return any(fnmatch.fnmatchcase(name, pattern.lower()) for pattern in rule.files)


def example_path(files: Iterable[str]) -> str | None:
    """A path a rule bound to `files` reads, for proving its examples: its first name, with
    each glob character replaced (`*.sql` → `example.sql`); None for an unbound rule."""
    for pattern in files:
        return re.sub(r"\[[^\]]*\]", "x", pattern).replace("*", "example").replace("?", "x")
    return None
