"""The path patterns of `.leakwindow.toml` (`[paths] exclude` and `noise`), compiled once.

What a pattern means, for a repository path such as `src/app/settings.py`:
- `name/` (no other slash): a directory called exactly `name` at any depth;
- `dir/sub/` (a slash inside too): the same as `dir/sub/**`;
- `prefix/**`: the path `prefix` itself or anything below it (`prefix` taken literally);
- no slash: an fnmatch glob on the file name (the last component), e.g. `*.lock`;
- anything else: an fnmatch glob on the whole path (its `*` also crosses `/`).

Every (blob, path) pair that holds a match is tested against every pattern, and a repository
may ship thousands of patterns. Trying each with fnmatch made a 200,000-pattern config stall
a scan for more than ten minutes (fnmatch's cache of compiled patterns holds 32,768), so the
patterns are sorted once into set lookups (literal names, directory names, prefixes and
whole paths), suffix lookups (`*.ext`) and one regular expression for the remaining globs.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable

_MAGIC = frozenset("*?[")


def _is_literal(text: str) -> bool:
    return not _MAGIC.intersection(text)


def _globs_regex(globs: list[str]) -> re.Pattern[str] | None:
    """One expression that matches a string exactly when fnmatchcase matches one of `globs`
    (fnmatchcase is `re.match` of fnmatch.translate; each translation ends in `\\Z`)."""
    if not globs:
        return None
    return re.compile("|".join(f"(?:{fnmatch.translate(glob)})" for glob in globs))


class PathPatterns:
    """A set of path patterns; `matches(path)` is true when any pattern matches `path`."""

    __slots__ = (
        "_directory_names",
        "_name_regex",
        "_name_suffixes",
        "_names",
        "_path_regex",
        "_paths",
        "_prefixes",
        "_suffix_lengths",
        "patterns",
    )

    def __init__(self, patterns: Iterable[str]) -> None:
        self.patterns = tuple(patterns)
        directory_names: set[str] = set()
        prefixes: set[str] = set()
        names: set[str] = set()
        suffixes: set[str] = set()
        paths: set[str] = set()
        name_globs: list[str] = []
        path_globs: list[str] = []
        for pattern in self.patterns:
            if pattern.endswith("/"):
                name = pattern[:-1]
                if "/" not in name:
                    directory_names.add(name)
                    continue
                pattern += "**"
            if pattern.endswith("/**"):
                prefixes.add(pattern[:-3])
            elif "/" not in pattern:
                if _is_literal(pattern):
                    names.add(pattern)
                elif pattern.startswith("*") and _is_literal(pattern[1:]):
                    suffixes.add(pattern[1:])
                else:
                    name_globs.append(pattern)
            elif _is_literal(pattern):
                paths.add(pattern)
            else:
                path_globs.append(pattern)
        self._directory_names = frozenset(directory_names)
        self._prefixes = frozenset(prefixes)
        self._names = frozenset(names)
        self._name_suffixes = frozenset(suffixes)
        self._suffix_lengths = tuple(sorted({len(suffix) for suffix in suffixes}))
        self._paths = frozenset(paths)
        self._name_regex = _globs_regex(name_globs)
        self._path_regex = _globs_regex(path_globs)

    def __bool__(self) -> bool:
        return bool(self.patterns)

    def matches(self, path: str) -> bool:
        parts = path.split("/")
        name = parts[-1]
        if name in self._names or path in self._paths or path in self._prefixes:
            return True
        for length in self._suffix_lengths:
            if length <= len(name) and name[len(name) - length :] in self._name_suffixes:
                return True
        if self._directory_names and not self._directory_names.isdisjoint(parts[:-1]):
            return True
        if self._prefixes:
            end = -1
            while (end := path.find("/", end + 1)) != -1:
                if path[:end] in self._prefixes:
                    return True
        if self._name_regex is not None and self._name_regex.match(name):
            return True
        return self._path_regex is not None and self._path_regex.match(path) is not None
