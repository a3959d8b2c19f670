"""What a rule's pattern can span, read from Python's own parse of it.

A single-line rule is tried only on the lines of its keyword hits, a multi-line one only
within its pattern's maximum width of a hit; a line shorter than the shortest possible match
is skipped. These answers are worked out once per rule (on its first hit) and cached on disk
with the Hyperscan database, because parsing ~300 patterns costs more than a pre-commit run.
"""

from __future__ import annotations

import functools
import re
import sys
from typing import Any, NamedTuple

from scanner.rules.pack import Rule
from scanner.rules.regex_guard import walk_nodes


def sre_parser() -> Any:
    """Python's own regex parser (the module moved in 3.11)."""
    if sys.version_info >= (3, 11):
        from re import _parser as sre_parse
    else:  # pragma: no cover
        import sre_parse
    return sre_parse


_UNBOUNDED = 1 << 16
REGION_SLACK = 16  # room for lookarounds and word boundaries at a region's edges
_WHITESPACE_RUN = 40  # a `\\s` repeated more than this is meant to span lines (PEM bodies)

# A RuleShape as the on-disk cache holds it (marshal takes plain tuples only).
SavedShape = tuple[bool, int, int | None]


class RuleShape(NamedTuple):
    """A rule's regex analysis. Single-line rules are tried on the lines of their hits that
    are at least `shortest` long (`reach` unused: None); multi-line rules within `reach` of
    a hit (None: unbounded; `shortest` unused: 0)."""

    single_line: bool
    shortest: int
    reach: int | None

    def saved(self) -> SavedShape:
        return (self.single_line, self.shortest, self.reach)


def shape_of(rule: Rule) -> RuleShape:
    return _shape_of_pattern(rule.pattern, rule.multiline)


# The analysis parses the pattern twice (0.5-1 s for the whole pack); a process that builds
# several matchers over the same rules (a pack cache miss per repository, the test suite)
# does it once per pattern.
@functools.lru_cache(maxsize=4096)
def _shape_of_pattern(pattern: str, multiline: bool) -> RuleShape:
    tree = sre_parser().parse(pattern.encode("utf-8"))
    shortest, widest = tree.getwidth()
    if not multiline and not _crosses(tree):
        return RuleShape(True, int(shortest), None)
    widest += _lookaround_reach(tree)
    return RuleShape(False, 0, None if widest >= _UNBOUNDED else int(widest) + REGION_SLACK)


def _lookaround_reach(tree: Any) -> int:
    """How far lookarounds can look past a match: the widest lookbehind before its start plus
    the widest lookahead after its end. Python's widths leave lookarounds out, and a region
    that cut one short would lose the match (a JSON Web Key whose `kty` follows its `d` by
    more than the match's own width)."""
    widest = {1: 0, -1: 0}  # by direction: ahead, behind
    for name, value in walk_nodes(tree):
        if name in ("ASSERT", "ASSERT_NOT"):
            direction, body = value
            widest[direction] = max(widest[direction], int(body.getwidth()[1]))
    return widest[1] + widest[-1]


def crosses_lines(pattern: str) -> bool:
    """Whether a pattern is written to match across a line break.

    Explicit constructs count: a newline literal, a class holding a newline or both `\\s`
    and `\\S` (`[\\s\\S]`), `.` under DOTALL, or `\\s` inside a repeat of more than 40
    (a PEM body). A short `\\s{0,5}` around `=` and negated classes are taken to stay on their
    line: single-line rules are looked for only on the lines of their keyword hits, which is
    what keeps common keywords cheap.
    """
    return _crosses(sre_parser().parse(pattern.encode("utf-8")))


def _crosses(tree: Any) -> bool:
    """crosses_lines over a parsed pattern."""

    def crossing_class(value: Any, repeat: int) -> bool:
        if any(str(o) == "NEGATE" for o, _ in value):
            return False
        kinds = {str(v) for o, v in value if str(o) == "CATEGORY"}
        literals = {v for o, v in value if str(o) == "LITERAL"}
        if 10 in literals or {"CATEGORY_SPACE", "CATEGORY_NOT_SPACE"} <= kinds:
            return True
        return "CATEGORY_SPACE" in kinds and repeat > _WHITESPACE_RUN

    def walk(items: Any, dotall: bool, repeat: int) -> bool:
        for op, value in items:
            name = str(op)
            if name == "LITERAL" and value == 10:
                return True
            if name == "ANY" and dotall:
                return True
            if name == "IN" and crossing_class(value, repeat):
                return True
            if name == "SUBPATTERN":
                inner_dotall = dotall or bool(value[1] & re.DOTALL)
                if walk(value[3], inner_dotall, repeat):
                    return True
            elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
                if walk(value[2], dotall, repeat * max(1, min(int(value[1]), 1 << 16))):
                    return True
            elif name == "BRANCH":
                if any(walk(branch, dotall, repeat) for branch in value[1]):
                    return True
            elif name in ("ASSERT", "ASSERT_NOT"):
                if walk(value[1], dotall, repeat):
                    return True
            elif name == "GROUPREF_EXISTS":
                if any(b is not None and walk(b, dotall, repeat) for b in value[1:]):
                    return True
            elif name == "ATOMIC_GROUP" and walk(value, dotall, repeat):
                return True
        return False

    return walk(tree, bool(tree.state.flags & re.DOTALL), 1)


def rule_is_single_line(rule: Rule) -> bool:
    return not (rule.multiline or crosses_lines(rule.pattern))
