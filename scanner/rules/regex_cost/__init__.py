"""Worst-case backtracking cost of a regular expression, read from Python's own parse of it.

Python's `re` backtracks. A search tries each start position in turn (an *attempt*); an
attempt follows the pattern's choices (which alternative, how many rounds of a repeat) depth
first and backs up when the rest fails. Its worst case is the number of paths it can follow
on one text. `analyse(pattern, subject)` bounds, for texts of at most `subject` characters:

- `attempt`: the steps of one attempt (a step is a byte read or given back, or a choice);
- `rescans`: the long repeats whose run later attempts can read again (a search quadratic in
  the run's length).

Everything is an upper bound: byte sets are over-approximated (a case-insensitive part holds
both cases; every character above U+00FF is one symbol), so the model can only call a pattern
costlier than it is. It follows the engine's documented behaviour, not its source: the
per-blob time budget (`scanner.detect.budget`) backs it up.

Callers import from here. Modules, each importing only those listed before it: `char_sets`
(byte sets as bit masks), `steps` (step counts that may be endless), `parts` (the analysed
pattern's nodes), `analysis` (the result, and how it is told in words), `build` (the parse
tree to parts, bottom up) and `cost` (the bounds, top down).
"""

from __future__ import annotations

import functools

from scanner.rules.regex_cost.analysis import Analysis, describe
from scanner.rules.regex_cost.build import build_parts
from scanner.rules.regex_cost.cost import bound_costs
from scanner.rules.regex_cost.parts import Unsupported
from scanner.rules.regex_cost.steps import Steps

__all__ = ["Analysis", "Steps", "Unsupported", "analyse", "describe"]


@functools.lru_cache(maxsize=2048)
def analyse(pattern: str | bytes, subject: int) -> Analysis:
    """Bound the cost of `pattern` on texts of at most `subject` characters (remembered:
    rule packs repeat their placeholders, and tests load the pack many times).

    Raises re.error for an invalid pattern and Unsupported for one the model cannot judge.
    """
    return bound_costs(build_parts(pattern, subject), subject)
