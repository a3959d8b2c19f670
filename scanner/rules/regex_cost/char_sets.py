"""Byte sets as bit masks: which bytes a piece of a pattern can start with, end with or read.

Bit n stands for byte (or Latin-1 character) n. A text pattern can also match characters
above U+00FF: each is one of three symbols by its category (word, space, neither), except the
few that a case-insensitive match equates with a Latin-1 letter ('K' and the Kelvin sign, 'ÿ'
and 'Ÿ'), which get a symbol per letter. A set is an over-approximation: folding cases or
meeting a class item the model does not know only adds bytes.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from typing import Any

# Flags as plain ints: `int & re.IGNORECASE` goes through the enum machinery, slowly.
IGNORECASE, DOTALL, MULTILINE = int(re.IGNORECASE), int(re.DOTALL), int(re.MULTILINE)
ASCII, LOCALE = int(re.ASCII), int(re.LOCALE)

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
NEWLINE = 1 << 10
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


def char_bit(value: int) -> int:
    """The bit of one character: its own below 256, its symbol above."""
    if value < 256:
        return 1 << value
    if value in _PARTNER_SYMBOL:
        return _PARTNER_SYMBOL[value]
    char = chr(value)
    if re.fullmatch(r"\w", char):
        return _BEYOND_WORD
    return _BEYOND_SPACE if char.isspace() else _BEYOND_REST


def fold(mask: int, flags: int, text_mode: bool) -> int:
    """Both cases of every letter, for a case-insensitive part (text patterns also fold
    Latin-1 letters, and the few letters beyond it that equal one, like the Kelvin sign)."""
    if not flags & IGNORECASE:
        return mask
    if not text_mode or flags & ASCII:
        return mask | ((mask & _LOWER) >> 32) | ((mask & _UPPER) << 32)
    for symbol, letters in _LETTERS_OF_SYMBOL.items():
        if mask & symbol:
            mask |= letters
    for bit in _bits(mask & _LATIN1_LETTERS):
        mask |= _TEXT_FOLD[bit]
    return mask


def class_mask(items: Iterable[Any], flags: int, text_mode: bool) -> int:
    """The bytes of a character class (`[...]`, the items of an IN node), folded."""
    mask = 0
    negate = False
    for op, value in items:
        name = op.name
        if name == "NEGATE":
            negate = True
        elif name == "LITERAL":
            mask |= char_bit(int(value))
        elif name == "RANGE":
            mask |= _range(int(value[0]), int(value[1]))
        elif name == "CATEGORY":
            mask |= _category(str(value), flags, text_mode)
        else:
            mask = ANY_BYTE  # an item this model does not know: it may be anything
    mask = fold(mask, flags, text_mode)
    return ANY_BYTE & ~mask if negate else mask


def _category(name: str, flags: int, text_mode: bool) -> int:
    if not text_mode and flags & LOCALE:
        return ANY_BYTE
    probe = _CATEGORY_PROBES.get(name)
    if probe is None:
        return ANY_BYTE
    return _category_mask(probe, text_mode, bool(flags & ASCII))


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
