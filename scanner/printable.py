"""Text from a repository made safe to print: every control or bidi character spelled out.

Shared by every output (and by the hooks, which must not load the report formats for it)."""

from __future__ import annotations

import re

_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(value: object) -> str:
    """`value` as text with every control or bidi character spelled out as an escape.

    Paths and author names come from the repository: a hostile one must not move the
    cursor, restyle a CI log, start a fake line or hide a finding."""

    def spell(match: re.Match[str]) -> str:
        code = ord(match.group())
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _UNPRINTABLE.sub(spell, str(value))


def printable_lines(lines: list[str]) -> str:
    """The lines as one text, each made printable (their own newlines included)."""
    return "\n".join(printable(line) for line in lines)
