"""Severity: the four levels a rule declares, and their order (most severe first).

Rules, finding order, reports and the blocking policy all rank severities from here; a
module that needs only the names and the order imports nothing else (the commit hook's
start-up path reads it).
"""

from __future__ import annotations

from typing import Literal, TypeGuard

Severity = Literal["critical", "high", "medium", "low"]
SEVERITIES: tuple[Severity, ...] = ("critical", "high", "medium", "low")
LOWEST: Severity = SEVERITIES[-1]


def is_severity(value: object) -> TypeGuard[Severity]:
    """True when `value` names one of the four levels."""
    return value in SEVERITIES


def rank(severity: str) -> int:
    """0 for the most severe level, larger for less severe ones; ValueError for a name that
    is not a severity (every rule's severity was checked when the rule was loaded)."""
    return SEVERITIES.index(severity)


def at_least(severity: str, threshold: str) -> bool:
    """True when `severity` is `threshold` or more severe than it."""
    return rank(severity) <= rank(threshold)
