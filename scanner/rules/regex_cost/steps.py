"""Step counts and their arithmetic, where a count may be endless.

A cost is `fixed + per_byte × n` steps (`Steps`), n being the bytes a part reads. Counts grow
as powers (64 rounds of a part that can end in 65 places make 65^64 paths), so a power too
large for a float is `math.inf` rather than an overflow, and nothing times an endless count is
still nothing.
"""

from __future__ import annotations

import math
from typing import NamedTuple


class Steps(NamedTuple):
    """A cost of `fixed + per_byte × n` steps, n being the bytes the part reads (at most the
    subject). A product of two per-byte terms (n²) is kept as per-byte × subject, so a
    super-linear cost shows as a per-byte factor about as large as the subject."""

    fixed: float
    per_byte: float


ONE = Steps(1.0, 0.0)


def mul(first: float, second: float) -> float:
    """A product where nothing times anything (even an endless count) is nothing."""
    return 0.0 if first == 0 or second == 0 else first * second


def larger(first: Steps, second: Steps) -> Steps:
    return Steps(max(first.fixed, second.fixed), max(first.per_byte, second.per_byte))


def plus(first: Steps, second: Steps) -> Steps:
    return Steps(first.fixed + second.fixed, first.per_byte + second.per_byte)


def power(base: float, exponent: int) -> float:
    if base <= 1 or exponent <= 0:
        return 1.0
    if exponent * math.log(base) > 700:
        return math.inf
    return float(base**exponent)


def geometric(ratio: float, count: int) -> float:
    """1 + ratio + ratio² + … (count terms)."""
    if ratio <= 1:
        return float(count)
    return (power(ratio, count) - 1) / (ratio - 1)
