"""Python regex → a Hyperscan expression that matches at least everything the regex matches.

Hyperscan screens the content with every single-line rule's pattern at once; the rule's own
Python regex then runs only on the lines the screen reported. A screen that missed a match
would lose a finding, so the expression is not the rule's text handed to Hyperscan (whose
syntax differs from Python's in places: `{,3}` is a literal there, `\\Z` is refused) but is
rebuilt from Python's own parse of the pattern, construct by construct:

- literals and classes are spelled as explicit byte ranges (`\\w`, `\\s` and `\\d` with
  Python's bytes meanings), case-insensitivity as `(?i:...)` exactly where Python applies it;
- lookarounds and `\\A`/`\\Z` become empty, which can only widen the match set, except
  a lookahead that ends the pattern, or ends every alternative (`_branch`): its text is
  screened as if matched;
- `^`/`$` are compiled multi-line: a rule's regex runs on one line, where they hold at the
  line's ends;
- backreferences and conditionals are not translated: such a rule keeps keyword screening.

Widening is safe (the Python regex still decides); narrowing never happens by construction.
"""

from __future__ import annotations

import re
from typing import Any

from scanner.detect.rule_shape import sre_parser

_MAX_REPEAT_BOUND = 100  # counts above this are widened (see _repeat)


class Untranslatable(Exception):
    """The pattern uses a construct with no safe Hyperscan equivalent."""


# Python's bytes categories, spelled as byte ranges (Hyperscan's own differ at the edges).
_CATEGORIES: dict[str, str] = {
    "CATEGORY_DIGIT": r"\x30-\x39",
    "CATEGORY_WORD": r"\x30-\x39\x41-\x5a\x5f\x61-\x7a",
    "CATEGORY_SPACE": r"\x09-\x0d\x20",
}
_NEGATED_CATEGORIES: dict[str, str] = {
    "CATEGORY_NOT_DIGIT": "CATEGORY_DIGIT",
    "CATEGORY_NOT_WORD": "CATEGORY_WORD",
    "CATEGORY_NOT_SPACE": "CATEGORY_SPACE",
}


def _byte(value: int) -> str:
    if value > 0xFF:
        raise Untranslatable("a character beyond one byte")
    return f"\\x{value:02x}"


def _complement(ranges: str) -> str:
    """The byte ranges outside `ranges` (written as \\xHH-\\xHH pairs or single \\xHH)."""
    covered = [False] * 256
    for low, high in re.findall(r"\\x([0-9a-f]{2})(?:-\\x([0-9a-f]{2}))?", ranges):
        for value in range(int(low, 16), int(high or low, 16) + 1):
            covered[value] = True
    return _ranges_of([value for value in range(256) if not covered[value]])


def _ranges_of(values: list[int]) -> str:
    parts: list[str] = []
    index = 0
    while index < len(values):
        end = index
        while end + 1 < len(values) and values[end + 1] == values[end] + 1:
            end += 1
        low, high = values[index], values[end]
        parts.append(_byte(low) if low == high else f"{_byte(low)}-{_byte(high)}")
        index = end + 1
    return "".join(parts)


def _category(name: str) -> str:
    if name in _CATEGORIES:
        return _CATEGORIES[name]
    if name in _NEGATED_CATEGORIES:
        return _complement(_CATEGORIES[_NEGATED_CATEGORIES[name]])
    raise Untranslatable(f"category {name}")


def _class(items: Any) -> str:
    negate = False
    parts: list[str] = []
    for op, value in items:
        name = str(op)
        if name == "NEGATE":
            negate = True
        elif name == "LITERAL":
            parts.append(_byte(value))
        elif name == "RANGE":
            parts.append(f"{_byte(value[0])}-{_byte(value[1])}")
        elif name == "CATEGORY":
            parts.append(_category(str(value)))
        else:
            raise Untranslatable(f"class item {name}")
    if not parts:
        raise Untranslatable("an empty class")
    return f"[{'^' if negate else ''}{''.join(parts)}]"


def _repeat(low: int, high: int, body: str) -> str:
    """`body{low,high}`, widened where counts are large: big counted repeats make
    Hyperscan's compile slow (seconds for a PEM body) for no gain in a screen."""
    lowest = min(int(low), _MAX_REPEAT_BOUND)  # fewer repeats: still a superset
    if high == 0:
        return ""
    if high >= _MAX_REPEAT_BOUND:
        return f"(?:{body}){{{lowest},}}"
    if lowest == high:
        return f"(?:{body}){{{lowest}}}"
    return f"(?:{body}){{{lowest},{int(high)}}}"


def _sequence(items: Any, dotall: bool, may_cut: bool) -> tuple[str, bool]:
    """The items' expression, and whether it was cut short (what follows is dropped too)."""
    parts: list[str] = []
    for op, value in items:
        text, cut = _item(op, value, dotall, may_cut)
        parts.append(text)
        if cut:
            return "".join(parts), True
    return "".join(parts), False


def _cuts_to_something(branch: Any) -> bool:
    """Whether the alternative ends in a lookahead, and it and what precedes it cannot both
    match nothing (a screen that can match an empty string reports nonsense positions)."""
    if not branch:
        return False
    op, value = branch[-1]
    if str(op) != "ASSERT" or value[0] != 1:
        return False
    return bool(branch[:-1].getwidth()[0] + value[1].getwidth()[0] > 0)


def _ends_in_lookahead(items: Any) -> bool:
    """Whether the pattern's last item is a positive lookahead."""
    if not len(items):
        return False
    op, value = items[-1]
    return str(op) == "ASSERT" and value[0] == 1


def _item(op: Any, value: Any, dotall: bool, may_cut: bool) -> tuple[str, bool]:
    name = str(op)
    if name == "LITERAL":
        return _byte(value), False
    if name == "NOT_LITERAL":
        return f"[^{_byte(value)}]", False
    if name == "ANY":
        return (r"[\x00-\xff]" if dotall else r"[^\x0a]"), False
    if name == "IN":
        return _class(value), False
    if name == "AT":
        return _anchor(str(value)), False
    if name == "BRANCH":
        return _branch(value[1], dotall, may_cut)
    if name == "SUBPATTERN":
        _group, add_flags, del_flags, body = value
        inner_dotall = (dotall or bool(add_flags & re.DOTALL)) and not del_flags & re.DOTALL
        inner, cut = _sequence(body, inner_dotall, may_cut)
        if add_flags & re.IGNORECASE:
            return f"(?i:{inner})", cut
        if del_flags & re.IGNORECASE:
            return f"(?-i:{inner})", cut
        return f"(?:{inner})", cut
    if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
        low, high, body = value
        inner, _ = _sequence(body, dotall, may_cut=False)
        return _repeat(low, high, inner), False
    if name == "ATOMIC_GROUP":  # atomicity only narrows what matches: drop it
        inner, cut = _sequence(value, dotall, may_cut)
        return f"(?:{inner})", cut
    if name in ("ASSERT", "ASSERT_NOT"):  # lookarounds only narrow: drop them
        return "", False
    raise Untranslatable(f"construct {name}")


def _branch(branches: Any, dotall: bool, may_cut: bool) -> tuple[str, bool]:
    """Alternatives. When every one ends in a lookahead (`key=(?=[0-9a-f]{40})|(?=...NRAL)`),
    the lookaheads are what is selective: each alternative is matched through its lookahead's
    text and the rest of the pattern is dropped. That is still a superset for screening: the
    pattern's prefix up to the lookahead, then the lookahead's own match, both lie on the
    matched line; and without it, the alternatives here would match any 40 hex digits."""
    if may_cut and all(_cuts_to_something(branch) for branch in branches):
        texts = []
        for branch in branches:
            head, _ = _sequence(branch[:-1], dotall, may_cut=False)
            ahead, _ = _sequence(branch[-1][1][1], dotall, may_cut=False)
            texts.append(head + ahead)
        return "(?:" + "|".join(texts) + ")", True
    texts = []
    cut = False
    for branch in branches:
        text, branch_cut = _sequence(branch, dotall, may_cut)
        texts.append(text)
        cut = cut or branch_cut
    return "(?:" + "|".join(texts) + ")", cut


def _anchor(name: str) -> str:
    if name == "AT_BEGINNING":
        return "^"  # compiled multi-line: also at every line start, a superset
    if name == "AT_END":
        return "$"
    if name == "AT_BOUNDARY":
        return r"\b"
    if name == "AT_NON_BOUNDARY":
        return r"\B"
    if name in ("AT_BEGINNING_STRING", "AT_END_STRING"):
        return ""  # the regex runs on a line region: these hold at its ends; drop, a superset
    raise Untranslatable(f"anchor {name}")


def screening_expression(pattern: str) -> str:
    """A Hyperscan expression accepting every string `pattern` (a bytes regex) accepts.

    Raises Untranslatable for constructs with no safe equivalent.
    """
    parsed = sre_parser().parse(pattern.encode("utf-8"))
    flags = parsed.state.flags
    dotall = bool(flags & re.DOTALL)
    body, cut = _sequence(parsed, dotall, may_cut=True)
    if not cut and _ends_in_lookahead(parsed):
        # What the pattern must see after its match is as selective as the match: screen it
        # as matched text (`X(?=Y)` as `XY`). The screen then reports positions up to the
        # lookahead's width past the match: on the match's line for a single-line rule, and
        # within the reach of a multi-line one, which counts lookarounds (`rule_shape`).
        ahead, _ = _sequence(parsed[-1][1][1], dotall, may_cut=False)
        body += ahead
    if flags & re.IGNORECASE:
        body = f"(?i:{body})"
    # The expression is valid Python syntax too: make sure it cannot match an empty string
    # (Hyperscan would report zero-length hits, whose positions name no line).
    if sre_parser().parse(body.encode("ascii")).getwidth()[0] == 0:
        raise Untranslatable("the screen could match an empty string")
    return body
