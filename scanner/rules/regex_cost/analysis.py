"""The result of analysing one pattern, and how it is told in words.

`Analysis` holds the bounds the costing found; `culprit` and `describe` turn the costliest
construct and a part into the few words a refusal message quotes. A rule written for one
leaked key holds that key, so a message shows at most a few characters of any literal.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from scanner.rules.regex_cost.parts import UNBOUNDED, Part
from scanner.rules.regex_cost.steps import Steps


class Blame(NamedTuple):
    """The construct that costs most so far: its cost, its kind and the parts involved
    ("rounds": a repeat's body and the repeat, whose rounds multiply; "overlap": two parts
    one after another that can read the same text)."""

    cost: float
    kind: str
    parts: tuple[Part, ...]


class Analysis(NamedTuple):
    """The bounds for one pattern and subject length: an attempt's steps (`Steps`), the
    repeats later attempts can read again, and the construct that costs most (for messages)."""

    attempt: Steps
    rescans: tuple[Part, ...] = ()
    blame: Blame = Blame(0.0, "", ())

    def culprit(self) -> str:
        """What makes the attempt costly, in words (empty when nothing stands out)."""
        kind, parts = self.blame.kind, self.blame.parts
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


def _suffix(least: int, most: int) -> str:
    named = {(0, UNBOUNDED): "*", (1, UNBOUNDED): "+", (0, 1): "?"}
    if (least, most) in named:
        return named[(least, most)]
    if least == most:
        return f"{{{least}}}"
    return f"{{{least},{'' if most >= UNBOUNDED else most}}}"


def _literal_label(value: int) -> str:
    char = chr(value)
    if char.isalnum():
        return char
    if char.isprintable() and value < 128:
        return re.escape(char)
    return f"\\x{value:02x}" if value < 256 else "…"


def _holds_variable_repeat(part: Part) -> bool:
    if part.kind == "repeat" and part.least != part.most and part.parts[0].longest > 0:
        return True
    return any(_holds_variable_repeat(piece) for piece in part.parts)
