"""Regions: the parts of a content where one rule's regex runs, worked out from its hits.

A single-line rule's regex runs on each whole line that holds one of its hits (and, when its
pattern was screened, one of its keywords); a multi-line rule's within its pattern's reach of
each hit (a keyword's start, or where its screened pattern may end), overlapping stretches
merged. Running the regex on these regions instead of the whole content is what keeps common
keywords cheap.
"""

from __future__ import annotations

from collections.abc import Sequence

from scanner.detect.rule_shape import REGION_SLACK, RuleShape
from scanner.detect.screening import HIT_CAP, keyword_bytes, keyword_starts
from scanner.rules.pack import Rule

# Where to run a rule's regex: (start, end, limit), content[start:end]. A match ending after
# `limit` is an artefact of the cut (the regex saw an end of text that is not there). A plain
# tuple, not a NamedTuple: one is built per keyword line, and a NamedTuple's constructor made
# keyword-screened matching about a tenth slower.
Region = tuple[int, int, int]


def search_regions(
    rule: Rule,
    shape: RuleShape,
    hits: list[int],
    content: bytes,
    screened: bool,
) -> list[Region]:
    """Merged regions around `hits` where a match of the rule can lie, in content order.

    `screened`: the hits are where the rule's pattern may end, not keyword starts (a
    multi-line rule's region reaches its pattern's width both ways, so either will do).
    """
    size = len(content)
    if shape.single_line:
        keywords = keyword_bytes(rule)
        if len(hits) > HIT_CAP:  # too many to have been listed: every keyword line
            hits = keyword_starts(content.lower(), keywords, cap=None)
            screened = False
        # A line shorter than the shortest possible match cannot hold one.
        narrowest = shape.shortest
        regions = [r for r in _line_regions(content, hits) if r[1] - r[0] >= narrowest]
        if screened:
            regions = [r for r in regions if _holds_keyword(content[r[0] : r[1]], keywords)]
        return regions
    reach = shape.reach
    if reach is None or len(hits) > HIT_CAP:  # unbounded, or too many hits to list
        return [(0, size, size)]  # the whole content, once
    merged: list[tuple[int, int]] = []
    for start in sorted(hits):
        low, high = max(0, start - reach), min(size, start + reach)
        if merged and low <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], high))
        else:
            merged.append((low, high))
    # At a reach region's end the regex sees an artificial end of text; no match that
    # contains a keyword gets that far, so one that does is an artefact of the cut.
    return [(low, high, high if high == size else high - REGION_SLACK) for low, high in merged]


def _line_regions(content: bytes, starts: list[int]) -> list[Region]:
    """The whole lines holding hits, each once. A line region ends at a real newline, so
    nothing is cut there: its limit is its end."""
    regions: list[Region] = []
    for start in sorted(starts):
        if regions and start < regions[-1][1]:
            continue
        low = content.rfind(b"\n", 0, start) + 1
        high = content.find(b"\n", start)
        if high < 0:
            high = len(content)
        regions.append((low, high, high))
    return regions


def _holds_keyword(line: bytes, keywords: Sequence[bytes]) -> bool:
    lowered = line.lower()
    return any(keyword in lowered for keyword in keywords)
