"""Worst-case backtracking cost of a regular expression, read from Python's own parse of it.

Python's `re` backtracks. A search tries each start position in turn (an *attempt*); an
attempt follows the pattern's choices (which alternative, how many rounds of a repeat) depth
first and backs up when the rest fails. Its worst case is the number of paths it can follow
on one text. `analyse(pattern, subject)` bounds, for texts of at most `subject` characters:

- `attempt`: the steps of one attempt (a step is a byte read or given back, or a choice);
- `rescans`: the long repeats whose run later attempts can read again (a search quadratic in
  the run's length).

The model, bottom up. Each part of a pattern gets: the bytes a match can start with
(`first`) and consist of (`chars`); `ext`, the bytes right after a shorter match that a longer
match of the same part goes on with (for `\\w{2,5}` any word byte, for `ab(?:c|)` just `c`);
`mult`, how many ways it can match one and the same text; `spread`, how many different lengths
it can match from one start. A repeat counts its rounds with their bounds (an unbounded one
as many as fit in `subject`): a bound is no protection when the repeated part is ambiguous,
since 64 rounds of a part that can end in 65 places make 65^64 paths. Rounds are unambiguous
when the body matches one way, cannot match nothing, and its `ext` misses its `first` (where
one round could have gone on, the next cannot start).

Top down, each part is told what may follow it: the bytes the rest can start with, and
whether the rest may end the match at once (then the part's first end is a success and it is
never backed into). Of the ends a part reaches on one text, all but the longest are followed
by a byte of its `ext`, so at most `mult × spread` paths leave it alive when `ext` meets what
follows, and `mult` otherwise. Then:

- a sequence costs its first part, plus the rest once per path alive out of it;
- alternatives cost, for the worst next byte, every alternative that byte can enter;
- a repeat costs one round per path alive out of the previous round into another round: one
  path gives a linear cost, two or more the exponential cost of `(a+)+`, `(?:a|a)*` or
  `(\\w{0,64}){0,64}`; several paths alive into a following part that can read the same text
  multiply (`\\w*\\w*x`: the polynomial cost, of degree the number of such parts);
- lookarounds and atomic groups cost their own search at each visit and leave one path;
  a backreference matches one way; anything else is refused (`Unsupported`).

Across start positions: when an attempt fails after a long run of a repeat, the attempts that
start inside the run read it again if the part of the pattern before the repeat can match text
made only of the repeat's bytes (`\\S+"` on a line of `key=key=…`): a search quadratic in
the run. A pattern anchored at the start of the text, and a repeat that ends the match (its
runs succeed and the search moves past them), are exempt.

Everything is an upper bound: byte sets are over-approximated (a case-insensitive part holds
both cases; every character above U+00FF is one symbol), so the model can only call a pattern
costlier than it is. It follows the engine's documented behaviour, not its source: the
per-blob time budget (`scanner.detect.budget`) backs it up.
"""

from __future__ import annotations

import functools
import importlib
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

_parser: Any = importlib.import_module("re._parser" if hasattr(re, "_parser") else "sre_parse")
_constants: Any = importlib.import_module(
    "re._constants" if hasattr(re, "_constants") else "sre_constants"
)
UNBOUNDED: int = int(_constants.MAXREPEAT)
MAX_NESTING = 60  # deeper patterns are refused (the model and the parser both recurse)
# Flags as plain ints: `int & re.IGNORECASE` goes through the enum machinery, slowly.
_IGNORECASE, _DOTALL, _MULTILINE = int(re.IGNORECASE), int(re.DOTALL), int(re.MULTILINE)
_ASCII, _LOCALE = int(re.ASCII), int(re.LOCALE)
_PREFIX = 8  # positions kept to tell alternatives apart (`access…` and `api…`)

# Text patterns: a character above U+00FF is one of three symbols by its category (word,
# space, neither), except the few that a case-insensitive match equates with a Latin-1
# letter ('K' and the Kelvin sign, 'ÿ' and 'Ÿ'), which get a symbol per letter.
_BEYOND_WORD = 1 << 256
_BEYOND_SPACE = 1 << 257
_BEYOND_REST = 1 << 258
_CASE_PARTNERS: dict[str, tuple[int, ...]] = {  # Latin-1 letters -> their partners beyond
    "Ii": (0x130, 0x131),
    "Kk": (0x212A,),
    "Ss": (0x17F,),
    "\u00b5": (0x39C, 0x3BC),
    "\u00c5\u00e5": (0x212B,),
    "\u00df": (0x1E9E,),
    "\u00ff": (0x178,),
}
_PARTNER_SYMBOL = {
    partner: 1 << (259 + index)
    for index, partners in enumerate(_CASE_PARTNERS.values())
    for partner in partners
}
_LETTERS_OF_SYMBOL = {
    1 << (259 + index): sum(1 << ord(letter) for letter in letters)
    for index, letters in enumerate(_CASE_PARTNERS)
}
ANY_BYTE = (1 << (259 + len(_CASE_PARTNERS))) - 1
_NEWLINE = 1 << 10
_LOWER = sum(1 << c for c in range(0x61, 0x7B))
_UPPER = sum(1 << c for c in range(0x41, 0x5B))
_CATEGORY_PROBES = {
    "CATEGORY_DIGIT": r"\d",
    "CATEGORY_NOT_DIGIT": r"\D",
    "CATEGORY_SPACE": r"\s",
    "CATEGORY_NOT_SPACE": r"\S",
    "CATEGORY_WORD": r"\w",
    "CATEGORY_NOT_WORD": r"\W",
}
_LATIN1_LETTERS = sum(1 << c for c in range(256) if chr(c).isalpha())
# Per Latin-1 letter: its other cases in Latin-1 and its partners' symbol beyond.
_TEXT_FOLD = {
    c: sum(
        1 << ord(other)
        for other in {chr(c), chr(c).lower(), chr(c).upper(), chr(c).casefold()}
        if len(other) == 1 and ord(other) < 256
    )
    | sum(symbol for symbol, letters in _LETTERS_OF_SYMBOL.items() if letters >> c & 1)
    for c in range(256)
    if chr(c).isalpha()
}
# Characters standing for the three category symbols when a category is probed: a letter and
# an Arabic digit (word), an em space, and a snowman (neither); and every case partner.
_BEYOND_LATIN1 = (
    ("\u0101", _BEYOND_WORD),
    ("\u0663", _BEYOND_WORD),
    ("\u2003", _BEYOND_SPACE),
    ("\u2603", _BEYOND_REST),
    *((chr(partner), symbol) for partner, symbol in _PARTNER_SYMBOL.items()),
)


class Unsupported(ValueError):
    """The pattern uses a construct the model does not judge (or is nested too deeply)."""


@dataclass(frozen=True)
class Follow:
    """What may come after a part: the bytes the rest can start with, and whether the rest
    may end the match right there (so that reaching the part's end is a success)."""

    bytes: int
    accept: bool


_END = Follow(0, True)
_NOTHING = Follow(0, False)


@dataclass(eq=False, slots=True)
class Part:
    """One node of the analysed pattern, with its bottom-up attributes."""

    kind: str  # atom, literal (a run), sequence, alternation, repeat, anchor, look, atomic, backref
    parts: tuple[Part, ...] = ()
    first: int = 0
    chars: int = 0
    last: int = 0  # bytes a match can end with
    ext: int = 0
    nullable: bool = True
    clean: bool = True  # can match nothing without a test that may fail (anchor, lookaround)
    shortest: int = 0
    longest: float = 0.0
    mult: float = 1.0
    spread: float = 1.0  # different lengths it can match from one start on one text
    masks: tuple[int, ...] = ()  # literal runs: each character's bytes
    prefix: tuple[int, ...] = ()  # the bytes of each of the first positions every match has
    # the known beginnings of its matches, one per way it can start (alternatives, up to 64)
    heads: tuple[tuple[int, ...], ...] = ()
    # alternations: per option that may share a text with others, it and those others
    alike: tuple[tuple[int, tuple[int, ...]], ...] = ()
    least: int = 0  # repeats: bounds and the rounds that fit in the subject
    most: int = 0
    rounds: int = 0
    possessive: bool = False
    anchored: bool = False  # anchors: `^`/`\A`, only at the start of the text
    after_newline: bool = False  # anchors: `^` under MULTILINE
    label: str = ""  # atoms, anchors, backreferences: how they are shown (see `describe`)
    values: tuple[int, ...] = ()  # literal runs: the characters (shown shortened)


@dataclass
class Analysis:
    """The bounds for one pattern and subject length: an attempt's steps (`Steps`), the
    repeats later attempts can read again, and the construct that costs most (for messages)."""

    attempt: Steps
    rescans: list[Part] = field(default_factory=list)
    # the costliest construct: (its cost, "rounds" or "overlap", the parts involved)
    blame: tuple[float, str, tuple[Part, ...]] = (0.0, "", ())

    def culprit(self) -> str:
        """What makes the attempt costly, in words (empty when nothing stands out)."""
        _, kind, parts = self.blame
        if kind == "rounds":
            body, repeat = parts
            if _holds_variable_repeat(body):
                return (
                    f"has a repeat inside a repeat ({describe(body)} inside {describe(repeat)})"
                    " whose rounds can split the same text in many ways"
                )
            return (
                f"repeats alternatives that can match the same text ({describe(repeat)}), "
                "so the rounds multiply"
            )
        if kind == "overlap":
            first, then = parts
            return (
                "has repeats that can match the same text one after another "
                f"({describe(first)} then {describe(then)}): each place the first can end "
                "is tried with the rest"
            )
        return ""


@functools.lru_cache(maxsize=2048)
def analyse(pattern: str | bytes, subject: int) -> Analysis:
    """Bound the cost of `pattern` on texts of at most `subject` characters (remembered:
    rule packs repeat their placeholders, and tests load the pack many times).

    Raises re.error for an invalid pattern and Unsupported for one the model cannot judge.
    """
    try:
        tree = _parser.parse(pattern)
    except RecursionError:
        raise Unsupported("is nested too deeply") from None
    widths = list(getattr(tree.state, "groupwidths", []))
    builder = _Builder(subject, isinstance(pattern, str), widths)
    root = builder.sequence(tree, int(tree.state.flags), 0)
    return _Cost(subject).run(root)


def describe(part: Part) -> str:
    """A short rendering of a part, for messages (long literals shortened)."""
    return _render(part, 60)[:60]


def _render(part: Part, room: int) -> str:
    kind = part.kind
    if kind in ("literal", "atom") and part.values:
        # a rule written for one leaked key holds that key: a message must not repeat it
        shown = "".join(_literal_label(value) for value in part.values[:6])
        return shown if len(part.values) <= 6 else shown[:3] + "…"
    if kind == "sequence":
        pieces = []
        for piece in part.parts:
            pieces.append(_render(piece, room))
            room -= len(pieces[-1])
            if room <= 0:
                break
        return "".join(pieces)
    if kind == "alternation":
        return "(" + "|".join(_render(option, room) for option in part.parts[:8]) + ")"
    if kind == "repeat":
        body = _render(part.parts[0], room)
        if part.parts[0].kind == "sequence":
            body = f"(?:{body})"
        return body + _suffix(part.least, part.most)
    if kind == "atomic":
        return f"(?>{_render(part.parts[0], room)})"
    return part.label


# --- building: parse tree -> parts with bottom-up attributes -----------------------------


class _Builder:
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
            return self._anchor(str(value), bool(flags & _MULTILINE))
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
        if flags & _IGNORECASE:
            masks = tuple(self._fold(_symbol(value), flags) for value in values)
        else:
            masks = tuple(1 << value if value < 256 else _symbol(value) for value in values)
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
            mask = ANY_BYTE & ~self._fold(_symbol(int(value)), flags)
            label = "[^…]"
        elif name == "ANY":
            mask = ANY_BYTE if flags & _DOTALL else ANY_BYTE & ~_NEWLINE
            label = "."
        else:
            mask = self._class(value, flags)
            label = "[…]"
        return self._atom_part(self._fold(mask, flags), label)

    def _class(self, items: Iterable[Any], flags: int) -> int:
        mask = 0
        negate = False
        for op, value in items:
            name = op.name
            if name == "NEGATE":
                negate = True
            elif name == "LITERAL":
                mask |= _symbol(int(value))
            elif name == "RANGE":
                mask |= _range(int(value[0]), int(value[1]))
            elif name == "CATEGORY":
                mask |= self._category(str(value), flags)
            else:
                mask = ANY_BYTE  # an item this model does not know: it may be anything
        mask = self._fold(mask, flags)
        return ANY_BYTE & ~mask if negate else mask

    def _category(self, name: str, flags: int) -> int:
        if not self._text and flags & _LOCALE:
            return ANY_BYTE
        probe = _CATEGORY_PROBES.get(name)
        if probe is None:
            return ANY_BYTE
        return _category_mask(probe, self._text, bool(flags & _ASCII))

    def _fold(self, mask: int, flags: int) -> int:
        """Both cases of every letter, for a case-insensitive part (text patterns also fold
        Latin-1 letters, and the few letters beyond it that equal one, like the Kelvin sign)."""
        if not flags & _IGNORECASE:
            return mask
        if not self._text or flags & _ASCII:
            return mask | ((mask & _LOWER) >> 32) | ((mask & _UPPER) << 32)
        for symbol, letters in _LETTERS_OF_SYMBOL.items():
            if mask & symbol:
                mask |= letters
        for bit in _bits(mask & _LATIN1_LETTERS):
            mask |= _TEXT_FOLD[bit]
        return mask

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
                node.mult = _power(body.mult * body.spread, rounds)
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


def rounds_are_unambiguous(body: Part) -> bool:
    """Whether repeated rounds of `body` can split a text only one way."""
    return body.mult == 1 and not body.nullable and not body.ext & body.first


# --- costing: top down, with what may follow each part ------------------------------------

# The parts an attempt has matched before reaching a part: per enclosing sequence, its parts
# and how many of them come first (a chain, not a copied tuple: sequences can be long).
_Before = tuple[tuple[tuple[Part, ...], int], ...]


class Steps(NamedTuple):
    """A cost of `fixed + per_byte × n` steps, n being the bytes the part reads (at most the
    subject). A product of two per-byte terms (n²) is kept as per-byte × subject, so a
    super-linear cost shows as a per-byte factor about as large as the subject."""

    fixed: float
    per_byte: float


_ONE = Steps(1.0, 0.0)


class _Cost:
    def __init__(self, subject: int) -> None:
        self._subject = float(subject)
        self._analysis = Analysis(attempt=Steps(0.0, 0.0))

    def run(self, root: Part) -> Analysis:
        self._analysis.attempt = self._cost(root, _END, ())
        return self._analysis

    def _times(self, count: Steps, cost: Steps) -> Steps:
        """`count` paths (fixed + per byte) each paying `cost`."""
        return Steps(
            _mul(count.fixed, cost.fixed),
            _mul(count.per_byte, cost.fixed)
            + _mul(count.fixed, cost.per_byte)
            + _mul(_mul(count.per_byte, cost.per_byte), self._subject),
        )

    def _bounded(self, part: Part, cost: Steps) -> Steps:
        """A part that reads a bounded length pays its per-byte cost once, as a fixed one."""
        if cost.per_byte and part.longest < self._subject:
            return Steps(cost.fixed + _mul(cost.per_byte, part.longest), 0.0)
        return cost

    def _blame(self, cost: Steps, kind: str, *parts: Part) -> None:
        total = cost.fixed + _mul(cost.per_byte, self._subject)
        if total > self._analysis.blame[0]:
            self._analysis.blame = (total, kind, parts)

    def _cost(self, part: Part, follow: Follow, before: _Before) -> Steps:
        kind = part.kind
        if kind in ("atom", "literal", "anchor"):
            return _ONE
        if kind == "backref":
            return self._bounded(part, Steps(1.0, 1.0))
        if kind == "sequence":
            return self._sequence(part, follow, before)
        if kind == "alternation":
            return self._alternatives(part, follow, before)
        if kind == "repeat":
            return self._bounded(
                part, self._repeat(part, _END if part.possessive else follow, before)
            )
        # look, atomic: their own search at each visit, then one path out
        inner = self._cost(part.parts[0], _END, before)
        return Steps(inner.fixed + 1, inner.per_byte)

    def _sequence(self, part: Part, follow: Follow, before: _Before) -> Steps:
        follows: list[Follow] = []
        after = follow
        for piece in reversed(part.parts):
            follows.append(after)
            after = Follow(
                piece.first | (after.bytes if piece.nullable else 0), piece.clean and after.accept
            )
        follows.reverse()
        return self._chain(part.parts, follows, 0, before)

    def _chain(
        self, parts: tuple[Part, ...], follows: list[Follow], start: int, before: _Before
    ) -> Steps:
        """Parts `start`… of a sequence, entered on one path."""
        fixed, own_path, re_read = 0.0, 0.0, 0.0
        earlier = step = _ONE  # paths alive before the latest ambiguous part, and through it
        source: int | None = None  # the part that let `step` paths through, when known
        for index in range(start, len(parts)):
            piece, after = parts[index], follows[index]
            if source is not None and _apart(parts, follows, source, index):
                # From each path into it, the part's ends are distinct places and the rest
                # cannot read past the next one: together they read the text once.
                rest = self._chain(parts, follows, index, before)
                per_path = _plus(self._times(step, Steps(rest.fixed, 0.0)), Steps(0, rest.per_byte))
                paid = self._times(earlier, per_path)
                if earlier == _ONE:
                    return Steps(fixed + paid.fixed, max(own_path, paid.per_byte) + re_read)
                return Steps(fixed + paid.fixed, own_path + re_read + paid.per_byte)
            alive = self._times(earlier, step)
            cost = self._cost(piece, after, (*before, (parts, index)))
            if alive == _ONE:
                # One path: the parts read the text one after another, never the same bytes.
                fixed += cost.fixed
                own_path = max(own_path, cost.per_byte)
            else:
                paid = self._times(alive, cost)
                self._blame(paid, "overlap", parts[index - 1], piece)
                fixed += paid.fixed
                re_read += paid.per_byte
            through = exits(piece, after, self._subject)
            if source is not None and piece.heads and not piece.nullable:
                # Paths from several ends of the part before must each begin this one: two
                # of its matches cannot start closer than its known beginnings allow.
                step = _gated(step, parts[source], _period(piece.heads))
                source = None
            elif through != _ONE:
                earlier, step, source = alive, through, index
            elif step != _ONE:
                source = None  # the paths go on through parts that read one way
        return Steps(fixed, own_path + re_read)

    def _alternatives(self, part: Part, follow: Follow, before: _Before) -> Steps:
        options = part.parts
        costs = [self._cost(option, follow, before) for option in options]
        always = Steps(float(len(options)), 0.0)  # each alternative is tried
        worst = Steps(0.0, 0.0)
        for option, cost in zip(options, costs, strict=True):
            if option.nullable:
                always = _plus(always, cost)  # entered whatever comes next
            else:
                worst = _larger(worst, cost)
        # Past their first bytes, only alternatives whose known beginnings agree go on
        # together: the worst is one of them with all those it agrees with.
        for _, alike in part.alike:
            together = Steps(0.0, 0.0)
            for other in alike:
                if not options[other].nullable:
                    together = _plus(together, costs[other])
            worst = _larger(worst, together)
        return _plus(always, worst)

    def _repeat(self, part: Part, follow: Follow, before: _Before) -> Steps:
        self._check_rescan(part, follow, before)
        if part.most == 0:
            return _ONE
        body = part.parts[0]
        unbounded = part.longest >= self._subject
        if body.kind == "atom":  # one byte per round: read greedily, given back one by one
            passes = 1.0 if follow.accept else 2.0
            return Steps(1.0, passes) if unbounded else Steps(1 + passes * part.rounds, 0.0)
        inner = self._cost(body, Follow(body.first | follow.bytes, follow.accept), before)
        if part.rounds <= 1:
            return Steps(inner.fixed + 1, inner.per_byte)
        again = exits(body, Follow(body.first, False), self._subject)
        if again == _ONE or (follow.accept and part.least <= 1):
            # One path through the rounds (or the first one succeeds): they read the text
            # one after another.
            if unbounded and body.shortest > 0:
                return Steps(inner.fixed + 1, inner.per_byte + inner.fixed / body.shortest)
            return Steps(_mul(part.rounds, inner.fixed) + 1, inner.per_byte)
        each = inner.fixed + _mul(inner.per_byte, min(body.longest, self._subject))
        ways = again.fixed + _mul(again.per_byte, min(body.longest, self._subject))
        cost = Steps(each * _geometric(ways, part.rounds) + 1, 0.0)
        self._blame(cost, "rounds", body, part)
        return cost

    def _check_rescan(self, part: Part, follow: Follow, before: _Before) -> None:
        """Note a repeat that can run over the whole subject and that attempts starting
        inside its run can read again."""
        if part.longest < self._subject:
            return
        body = part.parts[0]
        if follow.accept and part.least * body.longest <= 256:
            return  # its runs end the match; a failing attempt reads only a few bytes
        if all(_within(piece, part.chars) for parts, count in before for piece in parts[:count]):
            self._analysis.rescans.append(part)


def _apart(parts: tuple[Part, ...], follows: list[Follow], source: int, index: int) -> bool:
    r"""Whether the paths alive out of the part before `index` (their only source: it
    matches one way, so they end at distinct places) lead into a rest that cannot read past
    a later end: either the bytes at the shorter ends never occur in the rest after its
    first byte (`\.[a-z]+` after `[^@]+` ending at dots), or the part is a repeat ending only after
    whole rounds, whose last bytes the rest cannot read (`[a-z]*` after `(?:[a-z]+/)+`)."""
    if source != index - 1:
        return False
    previous = parts[source]
    if previous.mult != 1:
        return False
    rest = parts[index:]
    markers = previous.ext & follows[source].bytes
    if not markers & _inner_chars(rest):
        return True
    if previous.kind != "repeat" or not rounds_are_unambiguous(previous.parts[0]):
        return False
    body = previous.parts[0]
    rest_chars = 0
    for piece in rest:
        rest_chars |= piece.chars
    return not body.ext & follows[source].bytes and not rest_chars & body.last


def exits(part: Part, follow: Follow, subject: float) -> Steps:
    """Paths that leave `part` alive into what follows (at most): its `mult`, times one per
    length it can reach when a shorter match can be followed by what follows (for a repeat
    of unambiguous rounds that end only after whole rounds: one per number of rounds)."""
    if follow.accept:
        return _ONE
    if not part.ext & follow.bytes:
        return Steps(part.mult, 0.0)
    if part.kind == "alternation":
        # Ends at different lengths come from one option, or from options that agree.
        each = [exits(option, follow, subject) for option in part.parts]
        worst = functools.reduce(_larger, each, Steps(0.0, 0.0))
        for _, alike in part.alike:
            worst = _larger(worst, functools.reduce(_plus, (each[i] for i in alike)))
        return worst
    ends = part.spread
    if part.kind == "repeat" and part.parts:
        body = part.parts[0]
        if rounds_are_unambiguous(body) and not body.ext & follow.bytes:
            ends = min(ends, float(part.rounds - part.least + 1))
    if part.longest >= subject and ends > subject / 2:
        return Steps(part.mult, part.mult)  # one end per byte read
    return Steps(part.mult * ends, 0.0)


def _inner_chars(parts: tuple[Part, ...]) -> int:
    """Bytes a sequence of parts can read after its first byte (over-approximated)."""
    head = parts[0]
    chars = 0
    if head.kind == "atom":
        tail = parts[1:]
    elif head.kind == "literal":
        tail = parts[1:]
        for mask in head.masks[1:]:
            chars |= mask
    else:
        tail = parts
    for piece in tail:
        chars |= piece.chars
    return chars


def _period(heads: tuple[tuple[int, ...], ...]) -> int:
    """The least distance at which two matches can start, from their known beginnings:
    one beginning shifted onto another must agree wherever they overlap."""
    least = min(len(head) for head in heads)
    for first in heads:
        for shift in range(1, len(first)):
            if shift >= least:
                break
            for second in heads:
                tail = first[shift:]
                if all(a & b for a, b in zip(tail, second, strict=False)):
                    least = shift
                    break
    return max(least, 1)


def _gated(step: Steps, source: Part, period: int) -> Steps:
    """Paths through `source` that can also pass a literal of that period right after it."""
    if step.per_byte:
        return Steps(step.fixed, min(step.per_byte, source.mult / period))
    return Steps(min(step.fixed, source.mult * (source.spread / period + 1)), 0.0)


def _mul(first: float, second: float) -> float:
    """A product where nothing times anything (even an endless count) is nothing."""
    return 0.0 if first == 0 or second == 0 else first * second


def _larger(first: Steps, second: Steps) -> Steps:
    return Steps(max(first.fixed, second.fixed), max(first.per_byte, second.per_byte))


def _plus(first: Steps, second: Steps) -> Steps:
    return Steps(first.fixed + second.fixed, first.per_byte + second.per_byte)


def _within(part: Part, allowed: int) -> bool:
    """Whether `part` can match some text made only of `allowed` bytes, away from the start
    of the text (so that an attempt can begin inside a run of those bytes)."""
    kind = part.kind
    if kind == "atom":
        return bool(part.chars & allowed)
    if kind == "literal":
        return all(mask & allowed for mask in part.masks)
    if kind == "anchor":
        return not part.anchored and (not part.after_newline or bool(allowed & _NEWLINE))
    if kind == "sequence":
        return all(_within(piece, allowed) for piece in part.parts)
    if kind == "alternation":
        return any(_within(option, allowed) for option in part.parts)
    if kind == "repeat":
        return part.least == 0 or _within(part.parts[0], allowed)
    if kind == "atomic":
        return _within(part.parts[0], allowed)
    return True  # lookarounds, backreferences: assume they can


# --- helpers -----------------------------------------------------------------------------


def _symbol(value: int) -> int:
    if value < 256:
        return 1 << value
    if value in _PARTNER_SYMBOL:
        return _PARTNER_SYMBOL[value]
    char = chr(value)
    if re.fullmatch(r"\w", char):
        return _BEYOND_WORD
    return _BEYOND_SPACE if char.isspace() else _BEYOND_REST


def _range(low: int, high: int) -> int:
    mask = 0
    if low <= 255:
        mask = (1 << (min(high, 255) + 1)) - (1 << low)
    if high > 255:
        mask |= _BEYOND_WORD | _BEYOND_SPACE | _BEYOND_REST
        mask |= sum(symbol for partner, symbol in _PARTNER_SYMBOL.items() if low <= partner <= high)
    return mask


@functools.cache
def _category_mask(probe: str, text_mode: bool, ascii_only: bool) -> int:
    flags = re.ASCII if ascii_only and text_mode else 0
    mask = 0
    if text_mode:
        regex = re.compile(probe, flags)
        for value in range(256):
            if regex.fullmatch(chr(value)):
                mask |= 1 << value
        for char, symbol in _BEYOND_LATIN1:
            if regex.fullmatch(char):
                mask |= symbol
    else:
        binary = re.compile(probe.encode())
        for value in range(256):
            if binary.fullmatch(bytes([value])):
                mask |= 1 << value
    return mask


def _bits(mask: int) -> Iterator[int]:
    while mask:
        lowest = mask & -mask
        yield lowest.bit_length() - 1
        mask ^= lowest


def _power(base: float, exponent: int) -> float:
    if base <= 1 or exponent <= 0:
        return 1.0
    if exponent * math.log(base) > 700:
        return math.inf
    return float(base**exponent)


def _geometric(ratio: float, count: int) -> float:
    """1 + ratio + ratio² + … (count terms)."""
    if ratio <= 1:
        return float(count)
    return (_power(ratio, count) - 1) / (ratio - 1)


def _suffix(least: int, most: int) -> str:
    named = {(0, UNBOUNDED): "*", (1, UNBOUNDED): "+", (0, 1): "?"}
    if (least, most) in named:
        return named[(least, most)]
    if least == most:
        return f"{{{least}}}"
    return f"{{{least},{'' if most >= UNBOUNDED else most}}}"


def compatible(first: Part, second: Part) -> bool:
    """Whether two parts may match texts of which one starts the other (their known first
    positions agree)."""
    return all(mine & theirs for mine, theirs in zip(first.prefix, second.prefix, strict=False))


def _holds_variable_repeat(part: Part) -> bool:
    if part.kind == "repeat" and part.least != part.most and part.parts[0].longest > 0:
        return True
    return any(_holds_variable_repeat(piece) for piece in part.parts)


def _alike(options: list[Part]) -> tuple[tuple[int, tuple[int, ...]], ...]:
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
            found.append((index, others))
    return tuple(found)


def _same_text_ways(options: list[Part]) -> float:
    """Ways alternatives that start alike can match one text: those whose lengths overlap
    (`[a-z]{2,}` and `[a-z]` never match the same text)."""
    return max(
        sum(option.mult for option in options if option.shortest <= length <= option.longest)
        for length in {option.shortest for option in options}
    )


def _literal_label(value: int) -> str:
    char = chr(value)
    if char.isalnum():
        return char
    if char.isprintable() and value < 128:
        return re.escape(char)
    return f"\\x{value:02x}" if value < 256 else "…"
