"""Turn a rule's Python regex into a looser pattern Hyperscan can screen content with.

Two loosenings, each of which can only add matches, so screening never loses a finding and
the exact Python regex still decides:
- every lookaround assertion is removed (Hyperscan cannot run them);
- every counted repeat `{m,n}` becomes `*` (m = 0) or `+`, and lazy marks are dropped.
  Hyperscan 5.4 as bundled with python-hyperscan 0.9 was seen to miss real matches of
  patterns like `\\(["'][A-Z]{0,40}SECRET` a few lines into a file (and so was its own
  "prefilter" mode); unbounded repeats did not show the problem. The equivalence tests
  compare the screened engine with the plain-Python one on real text and on every example.
"""

from __future__ import annotations

import re

_LOOKAROUNDS = ("(?=", "(?!", "(?<=", "(?<!")
_COUNTED = re.compile(r"\{(\d*),?(\d*)\}")


def _after_quantifier(out: list[str]) -> bool:
    """Whether the last emitted token is a quantifier (not an escaped or literal char)."""
    return len(out) >= 1 and not (len(out[-1]) == 2 and out[-1].startswith("\\"))


def _group_end(pattern: str, start: int) -> int | None:
    """Index just past the group opening at `start` (respecting escapes and classes)."""
    depth = 0
    index = start
    in_class = False
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            if char == "]":
                in_class = False
        elif char == "[":
            in_class = True
            if pattern.startswith("[]", index) or pattern.startswith("[^]", index):
                index += 2 if pattern[index + 1] == "]" else 3
                continue
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return index + 1
        index += 1
    return None


def without_lookarounds(pattern: str) -> str | None:
    """`pattern` with every lookahead and lookbehind removed; None when that is not possible
    (conditionals or back-references, which depend on groups and cannot be loosened)."""
    if "(?(" in pattern or "(?P=" in pattern:
        return None
    out: list[str] = []
    index = 0
    in_class = False
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            nxt = pattern[index + 1 : index + 2]
            if nxt.isdigit() and not in_class and nxt != "0":
                return None  # a back-reference
            out.append(pattern[index : index + 2])
            index += 2
            continue
        if in_class:
            out.append(char)
            if char == "]":
                in_class = False
            index += 1
            continue
        if char == "[":
            in_class = True
            out.append(char)
            index += 1
            if pattern.startswith("^", index):
                out.append("^")
                index += 1
            if pattern.startswith("]", index):
                out.append("]")
                index += 1
            continue
        if char == "{" and _COUNTED.match(pattern, index):
            counted = _COUNTED.match(pattern, index)
            assert counted is not None
            minimum = int(counted.group(1) or 0)
            out.append("*" if minimum == 0 else "+")
            index = counted.end()
            if pattern.startswith("?", index) or pattern.startswith("+", index):
                index += 1  # a lazy or possessive mark on the repeat
            continue
        if char in "*+?" and out and out[-1] in ("*", "+", "?") and _after_quantifier(out):
            index += 1  # `*?` / `+?` / `??`: laziness does not change what can match
            continue
        if char == "(" and pattern.startswith(_LOOKAROUNDS, index):
            end = _group_end(pattern, index)
            if end is None:
                return None
            # A quantifier right after an assertion would now apply to what precedes it.
            if end < len(pattern) and pattern[end] in "*+?{":
                return None
            index = end
            continue
        out.append(char)
        index += 1
    return "".join(out)
