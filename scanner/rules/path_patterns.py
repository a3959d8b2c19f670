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
whole paths), prefix and suffix lookups (`*.ext`, `name*`, `dir/file.*`) and one regular
expression for the remaining globs.
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


class _Affixes:
    """Literal prefixes (or suffixes) of a string: `lit*` is `startswith("lit")` and `*lit`
    is `endswith("lit")` under fnmatch, whatever `lit` holds, `/` included."""

    __slots__ = ("_items", "_lengths", "_suffix")

    def __init__(self, items: set[str], *, suffix: bool) -> None:
        self._items = frozenset(items)
        self._lengths = tuple(sorted({len(item) for item in items}))
        self._suffix = suffix

    def found_in(self, text: str) -> bool:
        for length in self._lengths:
            if length > len(text):
                break
            piece = text[len(text) - length :] if self._suffix else text[:length]
            if piece in self._items:
                return True
        return False


class PathPatterns:
    """A set of path patterns; `matches(path)` is true when any pattern matches `path`."""

    __slots__ = (
        "_directory_names",
        "_name_prefixes",
        "_name_regex",
        "_name_suffixes",
        "_names",
        "_path_prefixes",
        "_path_regex",
        "_path_suffixes",
        "_paths",
        "_prefixes",
        "patterns",
    )

    def __init__(self, patterns: Iterable[str]) -> None:
        self.patterns = tuple(patterns)
        directory_names: set[str] = set()
        prefixes: set[str] = set()  # `prefix/**`: the path itself or below it
        names: set[str] = set()
        paths: set[str] = set()
        affixes: dict[tuple[bool, bool], set[str]] = {
            (on_name, suffix): set() for on_name in (True, False) for suffix in (True, False)
        }
        globs: dict[bool, list[str]] = {True: [], False: []}
        for pattern in self.patterns:
            if pattern.endswith("/"):
                name = pattern[:-1]
                if "/" not in name:
                    directory_names.add(name)
                    continue
                pattern += "**"
            if pattern.endswith("/**"):
                prefixes.add(pattern[:-3])
                continue
            on_name = "/" not in pattern
            if _is_literal(pattern):
                (names if on_name else paths).add(pattern)
            elif pattern.startswith("*") and _is_literal(pattern[1:]):
                affixes[on_name, True].add(pattern[1:])
            elif pattern.endswith("*") and _is_literal(pattern[:-1]):
                affixes[on_name, False].add(pattern[:-1])
            else:
                globs[on_name].append(pattern)
        self._directory_names = frozenset(directory_names)
        self._prefixes = frozenset(prefixes)
        self._names = frozenset(names)
        self._paths = frozenset(paths)
        self._name_suffixes = _Affixes(affixes[True, True], suffix=True)
        self._name_prefixes = _Affixes(affixes[True, False], suffix=False)
        self._path_suffixes = _Affixes(affixes[False, True], suffix=True)
        self._path_prefixes = _Affixes(affixes[False, False], suffix=False)
        self._name_regex = _globs_regex(globs[True])
        self._path_regex = _globs_regex(globs[False])

    def __bool__(self) -> bool:
        return bool(self.patterns)

    def matches(self, path: str) -> bool:
        parts = path.split("/")
        name = parts[-1]
        if name in self._names or path in self._paths or path in self._prefixes:
            return True
        if self._name_suffixes.found_in(name) or self._name_prefixes.found_in(name):
            return True
        if self._path_suffixes.found_in(path) or self._path_prefixes.found_in(path):
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
