"""The analysed pattern's nodes (`Part`), what may follow one (`Follow`), and the questions
both the building and the costing ask of them.

A part carries bottom-up attributes: the bytes a match can start with (`first`), consist of
(`chars`) and end with (`last`); `ext`, the bytes right after a shorter match that a longer
match of the same part goes on with (for `\\w{2,5}` any word byte, for `ab(?:c|)` just `c`);
`mult`, how many ways it can match one and the same text; `spread`, how many different lengths
it can match from one start.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from typing import Any, NamedTuple

_constants: Any = importlib.import_module(
    "re._constants" if hasattr(re, "_constants") else "sre_constants"
)
UNBOUNDED: int = int(_constants.MAXREPEAT)


class Unsupported(ValueError):
    """The pattern uses a construct the model does not judge (or is nested too deeply)."""


class Follow(NamedTuple):
    """What may come after a part: the bytes the rest can start with, and whether the rest
    may end the match right there (so that reaching the part's end is a success)."""

    bytes: int
    accept: bool


END = Follow(0, True)


class Alike(NamedTuple):
    """An option of an alternation that may share a text with others: it and those others
    (indexes into the options, itself included)."""

    option: int
    others: tuple[int, ...]


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
    alike: tuple[Alike, ...] = ()
    least: int = 0  # repeats: bounds and the rounds that fit in the subject
    most: int = 0
    rounds: int = 0
    possessive: bool = False
    anchored: bool = False  # anchors: `^`/`\A`, only at the start of the text
    after_newline: bool = False  # anchors: `^` under MULTILINE
    label: str = ""  # atoms, anchors, backreferences: how they are shown (see `describe`)
    values: tuple[int, ...] = ()  # literal runs: the characters (shown shortened)


def rounds_are_unambiguous(body: Part) -> bool:
    """Whether repeated rounds of `body` can split a text only one way."""
    return body.mult == 1 and not body.nullable and not body.ext & body.first


def compatible(first: Part, second: Part) -> bool:
    """Whether two parts may match texts of which one starts the other (their known first
    positions agree)."""
    return all(mine & theirs for mine, theirs in zip(first.prefix, second.prefix, strict=False))
