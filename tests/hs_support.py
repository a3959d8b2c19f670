"""Hyperscan against Python's `re` on the same bytes: the comparisons the screening tests share.

A screening expression is right when every match Python's regex finds, run as the scanner runs
it (line by line for a single-line rule, over the whole text for a multi-line one), has a
Hyperscan hit at its end."""

from __future__ import annotations

import re
from typing import Any

import hyperscan

from scanner.detect.hs_expression import screening_expression
from scanner.detect.rule_shape import sre_parser

# How the scanner compiles a pattern's screening expression.
SCANNER_FLAGS = hyperscan.HS_FLAG_PREFILTER | hyperscan.HS_FLAG_MULTILINE


def compile_database(expressions: list[str], flags: int = SCANNER_FLAGS) -> Any:
    database = hyperscan.Database()
    database.compile(
        expressions=[expression.encode("ascii") for expression in expressions],
        ids=list(range(len(expressions))),
        elements=len(expressions),
        flags=[flags] * len(expressions),
    )
    return database


def hyperscan_ends(database: Any, text: bytes) -> dict[int, set[int]]:
    """End offsets of every hit, per expression id."""
    found: dict[int, set[int]] = {}

    def on_hit(expression: int, start: int, end: int, flags: int, context: Any) -> None:
        found.setdefault(expression, set()).add(end)

    database.scan(text, match_event_handler=on_hit)
    return found


def screened_ends(pattern: str, text: bytes) -> set[int]:
    """Where the pattern's screening expression, compiled as the scanner does, reports hits."""
    database = compile_database([screening_expression(pattern)])
    return hyperscan_ends(database, text).get(0, set())


def python_matches(regex: re.Pattern[bytes], text: bytes) -> list[tuple[int, int, int]]:
    """(end, line start, line end) of the regex's matches, run on each line as the scanner runs
    it (`finditer` from the line's start to its end)."""
    found: list[tuple[int, int, int]] = []
    line_start = 0
    for line in text.split(b"\n"):
        line_end = line_start + len(line)
        found.extend(
            (match.end(), line_start, line_end)
            for match in regex.finditer(text, line_start, line_end)
        )
        line_start = line_end + 1
    return found


def python_ends(regex: re.Pattern[bytes], text: bytes) -> set[int]:
    return {end for end, _, _ in python_matches(regex, text)}


def cuts_at_lookaheads(pattern: str) -> bool:
    """Whether the pattern ends in a lookahead or has alternatives that all end in one. The
    translation then matches through the lookaheads' text (and drops the rest of the pattern),
    so its hits end on the matched line but not necessarily where the match ends."""

    def walk(items: Any) -> bool:
        for op, value in items:
            name = str(op)
            inner: list[Any] = []
            if name == "BRANCH":
                branches = value[1]
                if all(b and str(b[-1][0]) == "ASSERT" and b[-1][1][0] == 1 for b in branches):
                    return True
                inner = list(branches)
            elif name == "SUBPATTERN":
                inner = [value[3]]
            elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
                inner = [value[2]]
            elif name == "ATOMIC_GROUP":
                inner = [value]
            if any(walk(items) for items in inner):
                return True
        return False

    parse: Any = sre_parser().parse  # parses bytes patterns too
    parsed = parse(pattern.encode("utf-8"))
    ends_in_lookahead = (
        bool(len(parsed)) and str(parsed[-1][0]) == "ASSERT" and parsed[-1][1][0] == 1
    )
    return ends_in_lookahead or walk(parsed)


def unscreened(pattern: str, text: bytes, reported: set[int]) -> list[tuple[int, int, int]]:
    """The Python matches (end, line start, line end) that the screen's hits do not cover: a
    hit must end where the match ends or, for a pattern cut at lookaheads, on its line."""
    exact = not cuts_at_lookaheads(pattern)
    return [
        (end, line_start, line_end)
        for end, line_start, line_end in python_matches(re.compile(pattern.encode("utf-8")), text)
        if not (end in reported if exact else any(line_start < hit <= line_end for hit in reported))
    ]


def unscreened_across_lines(pattern: str, text: bytes, reported: set[int]) -> list[int]:
    """For a multi-line rule (its regex runs on the whole text, not line by line): the ends of
    the Python matches with no hit at their end (or, cut at lookaheads, after their start)."""
    exact = not cuts_at_lookaheads(pattern)
    return [
        match.end()
        for match in re.finditer(pattern.encode("utf-8"), text)
        if not (match.end() in reported if exact else any(match.start() < h for h in reported))
    ]
