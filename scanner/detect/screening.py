"""Screening: where in a content each rule's regex is worth running, found cheaply first.

A screen lists, per rule, the offsets of its hits (keyword starts, or where its pattern may
end) and whether encoded spans are worth decoding. This module holds that result and the
engine that needs nothing installed: `bytes.find` of every rule's keywords in the lowercased
content. The Hyperscan engine (`hs_screening`) gives the same lines by construction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from scanner.rules.pack import Rule

HIT_CAP = 2000  # more keyword hits than this for one rule: scan the whole content once


@dataclass
class Prefiltered:
    """Hits per rule (offsets) and whether decoding is worth trying."""

    hits: dict[int, list[int]] = field(default_factory=dict)
    # Rules whose hits are where their screening pattern may end (not keyword starts): a
    # line there is tried only if it holds a keyword too.
    screened: set[int] = field(default_factory=set)
    encoded_hint: bool = False
    # Where percent-encoding hints (`%2D`, `%3A`, ...) were seen, per hint: percent runs are
    # found around them. None: not listed (look for them in the content).
    percent_at: list[list[int]] | None = None
    # Where keywords' base64 forms were seen (Hyperscan), so only the runs around them are
    # examined; None means "look at every base64 run" (the Python engine, or too many seen).
    base64_near: list[int] | None = None


def keyword_bytes(rule: Rule) -> list[bytes]:
    return [keyword.encode("utf-8") for keyword in rule.keywords]


class PythonPrefilter:
    """Keyword positions found with `bytes.find` over the lowercased content."""

    name = "python"

    def __init__(self, rules: Sequence[Rule]) -> None:
        self._keywords = [keyword_bytes(rule) for rule in rules]

    def prefilter(self, content: bytes) -> Prefiltered:
        lowered = content.lower()
        result = Prefiltered()
        for index, keywords in enumerate(self._keywords):
            starts = keyword_starts(lowered, keywords)
            if starts:
                result.hits[index] = starts
        # Without Hyperscan, always let the decoder look: each span is still checked for a
        # keyword's encoded form, which is what decides (and keeps both engines identical).
        result.encoded_hint = True
        return result


def keyword_starts(
    lowered: bytes, keywords: Sequence[bytes], cap: int | None = HIT_CAP
) -> list[int]:
    """Offsets of the keywords' occurrences in already-lowercased content: every one, or a
    few more than `cap` (enough to tell that there are too many to list)."""
    starts: list[int] = []
    most = len(lowered) if cap is None else cap
    for keyword in keywords:
        if keyword not in lowered:
            continue
        position = lowered.find(keyword)
        while position >= 0 and len(starts) <= most:
            starts.append(position)
            position = lowered.find(keyword, position + 1)
    return starts
