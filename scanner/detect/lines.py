"""Lines of a content: where the line holding a position starts, and its number.

A match is reported by line and column, and an allow marker on its line (or the line above)
waives it. `LineIndex` answers those for the increasing positions one rule's regex yields,
without counting newlines from the top for each match.
"""

from __future__ import annotations

from typing import NamedTuple

from scanner.detect import filters


class LinePlace(NamedTuple):
    """The line holding a position: where it starts, and its 1-based number."""

    start: int
    number: int


def line_place(content: bytes, position: int) -> LinePlace:
    start = content.rfind(b"\n", 0, position) + 1
    return LinePlace(start, content.count(b"\n", 0, position) + 1)


class LineIndex:
    """Line starts, numbers and allow markers for increasing positions in one content.

    finditer yields positions in order, so each lookup continues from the last one: a long
    line with thousands of matches (a minified file, a dump of tokens) costs one pass over
    the content, not one per match. `locate` answers with the line's start and leaves its
    number in `line_number` (no tuple built per match: this runs for every match).
    """

    def __init__(self, content: bytes) -> None:
        self.content = content
        self._position = 0
        self._line_start = 0
        self.line_number = 1  # of the line holding the position last located
        self._lines: dict[int, bytes] = {}
        self._allowed: dict[int, bool] = {}

    def locate(self, position: int) -> int:
        """Where the line holding `position` starts (its number: `line_number`)."""
        if position < self._position:  # out of order: start again from the top
            self._position, self._line_start, self.line_number = 0, 0, 1
        content = self.content
        newlines = content.count(b"\n", self._position, position)
        if newlines:
            self._line_start = content.rfind(b"\n", self._position, position) + 1
            self.line_number += newlines
        self._position = position
        return self._line_start

    def text(self, line_start: int) -> bytes:
        """The line starting at `line_start`, without its newline (sliced once per line)."""
        line = self._lines.get(line_start)
        if line is None:
            content = self.content
            line_end = content.find(b"\n", line_start)
            line = content[line_start : len(content) if line_end < 0 else line_end]
            self._lines[line_start] = line
        return line

    def allowed(self, line_start: int) -> bool:
        """Whether the line starting at `line_start` (or the one above it) waives findings."""
        cached = self._allowed.get(line_start)
        if cached is None:
            previous = previous_line(self.content, line_start)
            cached = filters.has_allow_marker(self.text(line_start), previous)
            self._allowed[line_start] = cached
        return cached


def previous_line(content: bytes, line_start: int) -> bytes:
    """The line above the one starting at `line_start`, without its newline."""
    if line_start == 0:
        return b""
    return content[content.rfind(b"\n", 0, line_start - 1) + 1 : line_start - 1]
