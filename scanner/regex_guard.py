"""Keep rule patterns from backtracking for ever.

Python's `re` backtracks: a pattern such as `(a+)+$` takes exponential time on a run of
`a`s that does not end the way the pattern wants, and a repository is free to contain
exactly such a run. `check_pattern` rejects the shapes that cause it (a repeat inside an
unbounded repeat, alternatives under an unbounded repeat that can start the same way), and
`pathological_inputs` builds the inputs that would expose one that slipped through: long
runs of the characters a pattern repeats, and a megabyte of near-misses.

The analysis reads the parse tree of Python's own regex compiler.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable, Iterator
from typing import Any

_parser: Any = importlib.import_module("re._parser" if hasattr(re, "_parser") else "sre_parse")
_UNBOUNDED: int = int(
    importlib.import_module(
        "re._constants" if hasattr(re, "_constants") else "sre_constants"
    ).MAXREPEAT
)
_BYTES = frozenset(range(256))
_DIGITS = frozenset(range(0x30, 0x3A))
_WORD = frozenset(b for b in range(128) if chr(b).isalnum()) | {0x5F}
_SPACE = frozenset(b" \t\n\r\f\v")
_CATEGORIES: dict[str, frozenset[int]] = {
    "CATEGORY_DIGIT": _DIGITS,
    "CATEGORY_NOT_DIGIT": _BYTES - _DIGITS,
    "CATEGORY_WORD": _WORD,
    "CATEGORY_NOT_WORD": _BYTES - _WORD,
    "CATEGORY_SPACE": _SPACE,
    "CATEGORY_NOT_SPACE": _BYTES - _SPACE,
}
_REPEATS = ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT")
# Only a repeated group can hold a nested repeat or alternatives; without one (or a verbose
# pattern, where a quantifier may stand apart from its group) a pattern needs no analysis.
_MAY_NEST = re.compile(r"\)[*+{]|\(\?[a-zA-Z-]*x")
_RUN_BYTES = 64 * 1024  # length of a run of one repeated character
_NEAR_MISS_BYTES = 1 << 20


def check_pattern(pattern: str) -> str | None:
    """What makes `pattern` liable to catastrophic backtracking, or None when it is safe.

    Rejected: an unbounded repeat (`*`, `+`, `{n,}`) whose body holds another repeat of
    variable length, like `(a+)+` or `(\\w*)*`; and an unbounded repeat over alternatives
    that can begin with the same character or match nothing, like `(?:a|a)*` or `(a|ab)+`.
    Bounded repeats such as `[A-Za-z0-9]{40}` or `(?:\\.[a-z]{2,6}){1,3}` are fine.
    """
    if not _MAY_NEST.search(pattern):
        return None  # no group is repeated: nothing can nest (and parsing costs start-up time)
    try:
        tree = _parser.parse(pattern)
    except re.error as exc:
        return f"is not a valid regular expression: {exc}"
    for low_high, body in _repeat_bodies(tree):
        unbounded = low_high[1] >= _UNBOUNDED
        inner = next(_variable_repeats(body, unbounded_only=not unbounded), None)
        if inner is not None:
            return (
                f"has a repeat inside a repeat ({_describe(inner)} inside "
                f"{_describe(body)}), which can backtrack exponentially; bound the inner "
                "repeat and the outer one, or make the parts unambiguous"
            )
        if unbounded and _ambiguous_alternatives(body):
            return (
                "repeats alternatives that can match the same text without bound "
                f"({_describe(body)}), which can backtrack exponentially; make the "
                "alternatives start differently or bound the repeat"
            )
    return None


def repeated_bytes(pattern: str) -> list[bytes]:
    """One representative byte per character class the pattern repeats (for runs)."""
    try:
        tree = _parser.parse(pattern)
    except re.error:
        return []
    found: list[bytes] = []
    for node_op, value in _walk(tree):
        if node_op in _REPEATS and value[1] > 1:
            firsts = _first_bytes(value[2])
            for choice in _representatives(firsts):
                if choice not in found:
                    found.append(choice)
    return found


def pathological_inputs(
    pattern: str,
    secret_group: int,
    keywords: Iterable[str],
    examples: Iterable[str],
    flood_bytes: int = _NEAR_MISS_BYTES,
) -> Iterator[tuple[str, bytes]]:
    """(name, content) pairs that would expose backtracking in `pattern`.

    Each repeated character as a long run on its own and right after each keyword (so a
    keyword prefilter lets it through); each example with its secret altered so that the
    pattern just fails, repeated to a megabyte on one line; and `flood_bytes` of keywords.
    """
    regex = re.compile(pattern.encode())
    keyword_bytes = [keyword.encode() for keyword in keywords]
    for choice in repeated_bytes(pattern):
        run = choice * _RUN_BYTES
        yield f"run of {choice!r}", run
        for keyword in keyword_bytes:
            yield f"{keyword!r} + run of {choice!r}", keyword + run + b"!"
    for number, example in enumerate(examples):
        miss = near_miss(regex, secret_group, example.encode())
        if miss is not None:
            line = miss + b" "
            yield f"example {number} near-miss x 1 MB", line * (_NEAR_MISS_BYTES // len(line) + 1)
    for keyword in keyword_bytes:
        yield f"{keyword!r} x {flood_bytes} bytes", keyword * (flood_bytes // len(keyword) + 1)


def near_miss(regex: re.Pattern[bytes], secret_group: int, example: bytes) -> bytes | None:
    """`example` with its secret changed as little as possible so that nothing matches."""
    found = regex.search(example)
    if found is None:
        return None
    start, end = found.span(secret_group)
    secret = example[start:end]
    middle = len(secret) // 2
    for altered in (
        secret[:-1] + b"\x00",  # the last character wrong
        secret[:-1],  # one character short
        secret[:middle] + b"\x00" + secret[middle + 1 :],  # a wrong character inside
        b"\x00" + secret[1:],  # the prefix broken
    ):
        candidate = example[:start] + altered + example[end:]
        if regex.search(candidate) is None:
            return candidate
    return None


# --- parse-tree helpers -----------------------------------------------------------------


def _walk(tree: Iterable[Any]) -> Iterator[tuple[str, Any]]:
    """Every (op name, value) node of a parsed pattern, depth first."""
    for op, value in tree:
        name = str(op)
        yield name, value
        for child in _children(name, value):
            yield from _walk(child)


def _children(name: str, value: Any) -> list[Any]:
    if name == "SUBPATTERN":
        return [value[3]]
    if name in _REPEATS:
        return [value[2]]
    if name == "BRANCH":
        return list(value[1])
    if name in ("ASSERT", "ASSERT_NOT"):
        return [value[1]]
    if name == "ATOMIC_GROUP":
        return [value]
    if name == "GROUPREF_EXISTS":
        return [branch for branch in value[1:] if branch is not None]
    return []


def _repeat_bodies(tree: Iterable[Any]) -> Iterator[tuple[tuple[int, int], Any]]:
    """((min, max), body) of every repeat that can run its body more than once."""
    for name, value in _walk(tree):
        if name in _REPEATS and value[1] > 1:
            yield (value[0], value[1]), value[2]


def _variable_repeats(body: Any, unbounded_only: bool) -> Iterator[Any]:
    """Repeats inside `body` that can match text of more than one length."""
    for name, value in _walk(body):
        if name not in _REPEATS or value[0] == value[1] or value[2].getwidth()[1] == 0:
            continue
        if value[1] >= _UNBOUNDED or not unbounded_only:
            yield [(name, value)]


def _ambiguous_alternatives(body: Any) -> bool:
    """Alternatives in `body` that may start alike, or may match nothing.

    Python's parser turns `a|b` into the class `[ab]` and `a|ab` into `a(?:|b)`; a class
    naming the same character twice, or an alternative that matches nothing, is what is
    left of such alternatives.
    """
    for name, value in _walk(body):
        if name == "IN" and _repeats_an_item(value):
            return True
        if name != "BRANCH":
            continue
        seen: set[int] = set()
        for branch in value[1]:
            if _nullable(branch):
                return True
            firsts = _fold(_first_bytes(branch))
            if seen & firsts:
                return True
            seen |= firsts
    return False


def _repeats_an_item(items: list[Any]) -> bool:
    listed = [(str(op), value) for op, value in items]
    return len(set(map(repr, listed))) != len(listed)


def _first_bytes(tree: Iterable[Any]) -> frozenset[int]:
    """Bytes a match of `tree` can begin with (over-approximated)."""
    found: set[int] = set()
    for op, value in tree:
        name = str(op)
        firsts, nullable = _first_of_node(name, value)
        found |= firsts
        if not nullable:
            return frozenset(found)
    return frozenset(found)


def _first_of_node(name: str, value: Any) -> tuple[frozenset[int], bool]:
    if name == "LITERAL":
        return frozenset({value}), False
    if name == "NOT_LITERAL":
        return _BYTES - {value}, False
    if name == "ANY":
        return _BYTES, False
    if name == "IN":
        return _class_bytes(value), False
    if name == "SUBPATTERN":
        return _first_bytes(value[3]), _nullable(value[3])
    if name == "ATOMIC_GROUP":
        return _first_bytes(value), _nullable(value)
    if name in _REPEATS:
        return _first_bytes(value[2]), value[0] == 0 or _nullable(value[2])
    if name == "BRANCH":
        union: set[int] = set()
        for branch in value[1]:
            union |= _first_bytes(branch)
        return frozenset(union), any(_nullable(branch) for branch in value[1])
    if name in ("AT", "ASSERT", "ASSERT_NOT"):
        return frozenset(), True  # zero-width
    return _BYTES, True  # back-references and the rest: assume anything


def _nullable(tree: Any) -> bool:
    """Whether a parsed fragment (a SubPattern) can match the empty string."""
    return len(tree) == 0 or int(tree.getwidth()[0]) == 0


def _class_bytes(items: Iterable[Any]) -> frozenset[int]:
    chosen: set[int] = set()
    negate = False
    for op, value in items:
        name = str(op)
        if name == "NEGATE":
            negate = True
        elif name == "LITERAL":
            chosen.add(value)
        elif name == "RANGE":
            chosen.update(range(value[0], min(value[1], 255) + 1))
        elif name == "CATEGORY":
            chosen |= _CATEGORIES.get(str(value), _BYTES)
    return _BYTES - chosen if negate else frozenset(chosen)


def _fold(values: frozenset[int]) -> frozenset[int]:
    """Case-fold ASCII letters, so `(?i)` patterns are judged conservatively."""
    return frozenset(v + 32 if 0x41 <= v <= 0x5A else v for v in values)


def _representatives(values: frozenset[int]) -> list[bytes]:
    """A letter, a digit and a symbol from a byte set, as available (at most three)."""
    picks: list[bytes] = []
    for group in (range(0x61, 0x7B), range(0x41, 0x5B), range(0x30, 0x3A), range(0x20, 0x7F)):
        hit = next((v for v in group if v in values), None)
        if hit is not None and bytes([hit]) not in picks:
            picks.append(bytes([hit]))
        if len(picks) == 3:
            break
    return picks


def _describe(tree: Any) -> str:
    """A short rendering of a parsed fragment, for messages."""
    return _render(tree)[:60]


def _render(tree: Iterable[Any]) -> str:
    parts: list[str] = []
    literal = ""
    for op, value in tree:
        name = str(op)
        if name == "LITERAL":
            literal += chr(value)
            continue
        parts.append(_literal_text(literal))
        literal = ""
        if name == "ANY":
            parts.append(".")
        elif name == "IN":
            parts.append("[…]")
        elif name == "SUBPATTERN":
            parts.append(f"({_render(value[3])})")
        elif name == "BRANCH":
            parts.append("(" + "|".join(_render(branch) for branch in value[1]) + ")")
        elif name in _REPEATS:
            low, high = value[0], value[1]
            suffix = {(0, _UNBOUNDED): "*", (1, _UNBOUNDED): "+", (0, 1): "?"}.get(
                (low, high), f"{{{low},{'' if high >= _UNBOUNDED else high}}}"
            )
            parts.append(f"{_render(value[2])}{suffix}")
        else:
            parts.append("…")
    parts.append(_literal_text(literal))
    return "".join(parts)


def _literal_text(literal: str) -> str:
    """Literal text of a pattern, shortened: a rule written for one leaked key holds that key,
    and an error message must not repeat it."""
    shown = literal if len(literal) <= 6 else literal[:3] + "…"
    return re.escape(shown).replace("\\…", "…")
