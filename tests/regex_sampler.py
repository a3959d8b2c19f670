"""Random texts a regex could match, drawn by walking Python's own parse of the pattern.

Hypothesis' `from_regex` does this too, but takes seconds for some of the pack's patterns;
this walk costs microseconds a sample, so a test can draw many for each of hundreds of rules.
Lookarounds and anchors are left out of the walk (they add no text), so a sample may not
match: callers keep the samples the regex really matches.
"""

from __future__ import annotations

import random
from typing import Any

from scanner.detect.rule_shape import sre_parser
from scanner.rules.regex_guard import class_bytes

_PRINTABLE = [byte for byte in range(0x20, 0x7F)] + [0x09, 0x0A]
_PRINTABLE_SET = frozenset(_PRINTABLE)
_MOST_REPEATS = 40  # an unbounded repeat is drawn up to this many times past its minimum
_IGNORECASE = 2  # re.IGNORECASE in the parser's flags


class RegexSampler:
    """Draws texts for one pattern (a str pattern, parsed as bytes as the scanner runs it)."""

    def __init__(self, pattern: str, rng: random.Random) -> None:
        self._tree = sre_parser().parse(pattern.encode("utf-8"))
        self._rng = rng
        self._groups: dict[int, bytes] = {}

    def sample(self) -> bytes:
        self._groups = {}
        return self._walk(self._tree, self._tree.state.flags & _IGNORECASE != 0)

    def _walk(self, items: Any, caseless: bool) -> bytes:
        return b"".join(self._node(str(op), value, caseless) for op, value in items)

    def _node(self, op: str, value: Any, caseless: bool) -> bytes:
        rng = self._rng
        if op == "LITERAL":
            char = bytes([value])
            return char.swapcase() if caseless and rng.random() < 0.5 else char
        if op == "NOT_LITERAL":
            return bytes([rng.choice([b for b in _PRINTABLE if b != value])])
        if op == "ANY":
            return bytes([rng.choice([b for b in _PRINTABLE if b != 0x0A])])
        if op == "IN":
            return bytes([rng.choice(self._class(value))])
        if op == "BRANCH":
            return self._walk(rng.choice(value[1]), caseless)
        if op == "SUBPATTERN":
            group, add_flags, del_flags, items = value
            inner = (caseless or add_flags & _IGNORECASE != 0) and not del_flags & _IGNORECASE
            text = self._walk(items, inner)
            if group is not None:
                self._groups[group] = text
            return text
        if op in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, high, items = value
            top = min(high, low + _MOST_REPEATS)
            return b"".join(self._walk(items, caseless) for _ in range(rng.randint(low, top)))
        if op == "ATOMIC_GROUP":
            return self._walk(value, caseless)
        if op == "GROUPREF":
            return self._groups.get(value, b"")
        if op == "GROUPREF_EXISTS":
            group, yes, no = value
            branch = yes if group in self._groups else no
            return self._walk(branch, caseless) if branch is not None else b""
        return b""  # AT (anchors), ASSERT, ASSERT_NOT: zero width

    def _class(self, items: Any) -> list[int]:
        printable = [byte for byte in sorted(class_bytes(items)) if byte in _PRINTABLE_SET]
        return printable or [0x20]
