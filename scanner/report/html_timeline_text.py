"""How wide a piece of timeline text will be, and cutting text to the room it has.

The timeline is SVG, where text never wraps and nothing stops a long title from running over
the bars next to it. The page cannot measure text before it is drawn (it has no script for
layout, and must read without one), so widths are estimated here from character classes.
The estimates follow DejaVu Sans, the widest of the usual sans-serif faces (what Chromium
uses on a Linux desktop), rounded up: with narrower faces the text only has more room.
"""

from __future__ import annotations

# Advance widths in ems, by character class (DejaVu Sans Book, rounded up).
_NARROW = frozenset("iljIJ.,:;'!| ")
_SLIM = frozenset('ft()[]{}-/\\r`"*_?')
_WIDE = frozenset("mwMW%@…")
_BROAD = frozenset("ABCDGHKNOQRUVXZ&#+<=>^~×")
_BOLD_FACTOR = 1.12  # bold DejaVu Sans is about a tenth wider
_MONO_EM = 0.62  # DejaVu Sans Mono: every character 0.6 em
ELLIPSIS = "…"


def _char_em(char: str) -> float:
    if not char.isascii():
        return 1.0  # an unknown glyph: assume a full em
    if char in _NARROW:
        return 0.32
    if char in _SLIM:
        return 0.5
    if char in _WIDE:
        return 1.0
    if char in _BROAD:
        return 0.86
    return 0.7 if char.isupper() else 0.65


def text_width(text: str, size: float, *, bold: bool = False, mono: bool = False) -> float:
    """Estimated width in SVG units of `text` at font size `size`."""
    if mono:
        return len(text) * _MONO_EM * size
    ems = sum(_char_em(char) for char in text)
    return ems * size * (_BOLD_FACTOR if bold else 1.0)


def fit_end(text: str, room: float, size: float, *, bold: bool = False, mono: bool = False) -> str:
    """`text`, cut at the end with an ellipsis to fit `room` (a title keeps its start)."""
    if text_width(text, size, bold=bold, mono=mono) <= room:
        return text
    for keep in range(len(text) - 1, 0, -1):
        cut = text[:keep].rstrip() + ELLIPSIS
        if text_width(cut, size, bold=bold, mono=mono) <= room:
            return cut
    return ELLIPSIS


def fit_start(text: str, room: float, size: float, *, mono: bool = False) -> str:
    """`text`, cut at the start with an ellipsis to fit `room` (a path keeps its file name
    and line number, the part that tells two findings apart)."""
    if text_width(text, size, mono=mono) <= room:
        return text
    for skip in range(1, len(text)):
        cut = ELLIPSIS + text[skip:]
        if text_width(cut, size, mono=mono) <= room:
            return cut
    return ELLIPSIS
