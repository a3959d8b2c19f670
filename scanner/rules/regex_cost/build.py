"""From Python's parse of a pattern to parts with their bottom-up attributes.

Each part gets the bytes a match can start with, consist of and end with, `ext`, `mult` and
`spread` (see `parts`), from those of the parts inside it. A repeat counts its rounds with
their bounds (an unbounded one as many as fit in `subject`): a bound is no protection when the
repeated part is ambiguous, since 64 rounds of a part that can end in 65 places make 65^64
paths. Rounds are unambiguous when the body matches one way, cannot match nothing, and its
`ext` misses its `first` (where one round could have gone on, the next cannot start).
"""

from __future__ import annotations

import functools
import importlib
import math
import re
from collections.abc import Iterable
from typing import Any

from scanner.rules.regex_cost.char_sets import (
    ANY_BYTE,
    DOTALL,
    IGNORECASE,
    MULTILINE,
    NEWLINE,
    char_bit,
    class_mask,
    fold,
)
from scanner.rules.regex_cost.parts import (
    UNBOUNDED,
    Alike,
    Part,
    Unsupported,
    compatible,
    rounds_are_unambiguous,
)
from scanner.rules.regex_cost.steps import power

_parser: Any = importlib.import_module("re._parser" if hasattr(re, "_parser") else "sre_parse")
MAX_NESTING = 60  # deeper patterns are refused (the model and the parser both recurse)
_PREFIX = 8  # positions kept to tell alternatives apart (`access…` and `api…`)


def build_parts(pattern: str | bytes, subject: int) -> Part:
    """The parts of `pattern`, for texts of at most `subject` characters.

    Raises re.error for an invalid pattern and Unsupported for one the model cannot judge.
    """
    try:
        tree = _parser.parse(pattern)
    except RecursionError:
        raise Unsupported("is nested too deeply") from None
    widths = list(getattr(tree.state, "groupwidths", []))
    builder = PartBuilder(subject, isinstance(pattern, str), widths)
    return builder.sequence(tree, int(tree.state.flags), 0)


class PartBuilder:
    """Builds the parts of one parsed pattern (it remembers groups for backreferences)."""

    def __init__(self, subject: int, text_mode: bool, widths: list[Any]) -> None:
        self._subject = subject
        self._text = text_mode
        self._widths = widths
        self._groups: dict[int, Part] = {}

    def sequence(self, items: Iterable[Any], flags: int, depth: int) -> Part:
        if depth > MAX_NESTING:
            raise Unsupported("is nested too deeply")
        parts: list[Part] = []
        run: list[int] = []  # literal characters in a row become one part (keyword lists)
        for op, value in getattr(items, "data", items):  # (the list under a SubPattern)
            name = op.name
            if name == "LITERAL":
                run.append(value)
                continue
            if run:
                parts.append(self._literal_run(run, flags))
                run = []
            parts.append(self._item(name, value, flags, depth))
        if run:
            parts.append(self._literal_run(run, flags))
        return self._concatenate(parts)

    def _item(self, name: str, value: Any, flags: int, depth: int) -> Part:
        if name in ("LITERAL", "NOT_LITERAL", "ANY", "IN"):
            return self._atom(name, value, flags)
        if name == "SUBPATTERN":
            group, add, remove, body = value
            inner = self.sequence(body, (flags | add) & ~remove, depth + 1)
            if group is not None:
                self._groups[group] = inner
            return inner
        if name == "BRANCH":
            return self._alternation([self.sequence(b, flags, depth + 1) for b in value[1]])
        if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, high, body = value
            inner = self.sequence(body, flags, depth + 1)
            return self._repeat(inner, int(low), int(high), name == "POSSESSIVE_REPEAT")
        if name == "AT":
            return self._anchor(str(value), bool(flags & MULTILINE))
        if name in ("ASSERT", "ASSERT_NOT"):
            inner = self.sequence(value[1], flags, depth + 1)
            return Part("look", (inner,), nullable=True, clean=False, label="(?…)")
        if name == "ATOMIC_GROUP":
            return self._atomic(self.sequence(value, flags, depth + 1))
        if name == "GROUPREF":
            return self._backref(int(value))
        if name == "GROUPREF_EXISTS":
            yes = self.sequence(value[1], flags, depth + 1)
            no = self.sequence(value[2], flags, depth + 1) if value[2] is not None else None
            return self._alternation([yes, no if no is not None else self._concatenate([])])
        raise Unsupported(f"uses a construct the guard does not know ({name})")

    # atoms

    def _literal_run(self, values: list[int], flags: int) -> Part:
        if flags & IGNORECASE:
            masks = tuple(fold(char_bit(value), flags, self._text) for value in values)
        else:
            masks = tuple(1 << value if value < 256 else char_bit(value) for value in values)
        if len(masks) == 1:
            atom = self._atom_part(masks[0], "")
            atom.values = (values[0],)
            return atom
        chars = 0
        for mask in masks:
            chars |= mask
        return Part(
            "literal",
            first=masks[0],
            chars=chars,
            last=masks[-1],
            nullable=False,
            clean=False,
            shortest=len(masks),
            longest=float(len(masks)),
            masks=masks,
            prefix=masks[:_PREFIX],
            heads=(masks[:_PREFIX],),
            values=tuple(values),
        )

    def _atom_part(self, mask: int, label: str) -> Part:
        return Part(
            "atom",
            first=mask,
            chars=mask,
            last=mask,
            nullable=False,
            clean=False,
            shortest=1,
            longest=1.0,
            prefix=(mask,),
            heads=((mask,),),
            label=label,
        )

    def _atom(self, name: str, value: Any, flags: int) -> Part:
        if name == "NOT_LITERAL":
            mask = ANY_BYTE & ~fold(char_bit(int(value)), flags, self._text)
            label = "[^…]"
        elif name == "ANY":
            mask = ANY_BYTE if flags & DOTALL else ANY_BYTE & ~NEWLINE
            label = "."
        else:
            mask = class_mask(value, flags, self._text)
            label = "[…]"
        return self._atom_part(fold(mask, flags, self._text), label)

    # structure

    def _spread(self, shortest: int, longest: float) -> float:
        return min(longest - shortest, float(self._subject)) + 1

    def _concatenate(self, parts: list[Part]) -> Part:
        if len(parts) == 1:
            return parts[0]
        node = Part("sequence", tuple(parts))
        spread = 1.0
        for part in parts:
            overlap = node.ext & part.first
            node.mult *= part.mult * (min(spread, part.spread) if overlap else 1)
            node.ext = (
                part.ext
                | (node.ext if part.nullable else 0)
                | ((node.chars | part.chars) if overlap else 0)
            )
            node.first |= part.first if node.nullable else 0
            node.last = part.last | (node.last if part.nullable else 0)
            node.chars |= part.chars
            node.nullable = node.nullable and part.nullable
            node.clean = node.clean and part.clean
            node.shortest += part.shortest
            node.longest += part.longest
            spread = min(spread * part.spread, self._spread(node.shortest, node.longest))
        node.spread = spread
        prefix: tuple[int, ...] = ()
        for part in parts:
            prefix += part.prefix
            fixed = part.shortest == part.longest == len(part.prefix)
            if not fixed or len(prefix) >= _PREFIX:
                break
        node.prefix = prefix[:_PREFIX]
        for part in parts:
            if part.longest > 0:  # (zero-width lookarounds and anchors come first)
                node.heads = part.heads
                break
        return node

    def _alternation(self, options: list[Part]) -> Part:
        overlapping: set[int] = set()  # options a text (or a longer one) may share with another
        mult = max([option.mult for option in options] or [1.0])
        alike = _alike(options)
        for index, others in alike:
            overlapping.add(index)
            mult = max(mult, _same_text_ways([options[other] for other in others]))
        empty_ways = sum(option.mult for option in options if option.nullable)
        node = Part(
            "alternation",
            tuple(options),
            mult=max(mult, empty_ways),
            nullable=any(option.nullable for option in options),
            clean=any(option.clean for option in options),
            shortest=min(option.shortest for option in options),
            longest=max(option.longest for option in options),
            alike=alike,
        )
        for index, option in enumerate(options):
            node.first |= option.first
            node.chars |= option.chars
            node.last |= option.last
            node.ext |= option.ext
            if index in overlapping:  # a shorter match of one may start a longer one of another
                node.ext |= option.chars
        if node.nullable:
            node.ext |= node.first  # matching nothing, or going on into an alternative
        # On one text, ends at different lengths come from one option or from options
        # whose beginnings agree.
        ends = max(option.spread for option in options)
        for _, others in alike:
            ends = max(ends, sum(options[other].spread for other in others))
        node.spread = min(ends, self._spread(node.shortest, node.longest))
        heads = [head for option in options for head in option.heads]
        if all(option.heads for option in options) and len(heads) <= 64:
            node.heads = tuple(heads)
        shortest_prefix = min(len(option.prefix) for option in options)
        node.prefix = tuple(
            functools.reduce(lambda mask, option: mask | option.prefix[position], options, 0)
            for position in range(shortest_prefix)
        )
        return node

    def _repeat(self, body: Part, least: int, most: int, possessive: bool) -> Part:
        subject = self._subject
        fit = subject // body.shortest if body.shortest > 0 else subject + 1
        rounds = max(0, min(most, fit))
        longest = math.inf if most >= UNBOUNDED else most * body.longest
        node = Part(
            "repeat",
            (body,),
            first=body.first if most > 0 else 0,
            chars=body.chars if most > 0 else 0,
            last=body.last if most > 0 else 0,
            nullable=least == 0 or body.nullable,
            clean=least == 0 or body.clean,
            shortest=least * body.shortest,
            longest=longest,
            least=least,
            most=most,
            rounds=rounds,
            possessive=possessive,
        )
        if most == 1:
            node.mult = body.mult + (1 if least == 0 and body.nullable else 0)
            node.ext = body.ext | (body.first if least == 0 else 0)
        elif most > 1:
            if rounds_are_unambiguous(body):
                node.ext = body.ext | (body.first if most > least else 0)
            else:
                node.mult = power(body.mult * body.spread, rounds)
                node.ext = body.ext | body.chars
        node.spread = self._spread(node.shortest, node.longest)
        if possessive:
            node.mult, node.ext, node.spread = 1.0, 0, 1.0  # one way from a start, no going back
        return node

    def _anchor(self, code: str, multiline: bool) -> Part:
        at_start = code in ("AT_BEGINNING", "AT_BEGINNING_STRING")
        return Part(
            "anchor",
            clean=False,
            anchored=at_start and not (multiline and code == "AT_BEGINNING"),
            after_newline=multiline and code == "AT_BEGINNING",
            label={"AT_BEGINNING": "^", "AT_END": "$", "AT_BOUNDARY": "\\b"}.get(code, "\\…"),
        )

    def _atomic(self, body: Part) -> Part:
        return Part(
            "atomic",
            (body,),
            first=body.first,
            chars=body.chars,
            last=body.last,
            nullable=body.nullable,
            clean=body.clean,
            shortest=body.shortest,
            longest=body.longest,
        )

    def _backref(self, group: int) -> Part:
        width = self._widths[group] if group < len(self._widths) else None
        shortest, longest = (int(width[0]), float(width[1])) if width else (0, math.inf)
        target = self._groups.get(group)
        chars = target.chars if target is not None else ANY_BYTE
        return Part(
            "backref",
            first=chars,
            chars=chars,
            last=chars,
            nullable=shortest == 0,
            clean=False,
            shortest=shortest,
            longest=min(longest, float(self._subject)),
            label=f"\\{group}",
        )


def _alike(options: list[Part]) -> tuple[Alike, ...]:
    """Per option that shares a first byte and agreeing known beginnings with others: it and
    those others (the options that may go on together on one text)."""
    firsts = [option.first for option in options]
    found = []
    for index, option in enumerate(options):
        mine = firsts[index]
        if not mine:
            continue
        others = tuple(
            other
            for other, theirs in enumerate(firsts)
            if theirs & mine and (other == index or compatible(option, options[other]))
        )
        if len(others) > 1:
            found.append(Alike(index, others))
    return tuple(found)


def _same_text_ways(options: list[Part]) -> float:
    """Ways alternatives that start alike can match one text: those whose lengths overlap
    (`[a-z]{2,}` and `[a-z]` never match the same text)."""
    return max(
        sum(option.mult for option in options if option.shortest <= length <= option.longest)
        for length in {option.shortest for option in options}
    )
