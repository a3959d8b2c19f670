"""Confidence and context: how sure a finding is to be a real credential, the order of the
grades, and the kinds of file (test, docs, example) whose findings rank after the others.

A provider's token with its prefix, or a checksum that holds, is `high`; a random value under a
secret-ish name is `medium`; a value that is also shaped like something harmless (a UUID under
a token's name, a word, a path) is `low`. Grades rank and gate findings (`--min-confidence`); they
never drop one. Like `scanner.severity`, this imports nothing else (the hook reads it).
"""

from __future__ import annotations

from typing import Literal, TypeGuard

Confidence = Literal["high", "medium", "low"]
PathContext = Literal["test", "docs", "example"]
CONFIDENCES: tuple[Confidence, ...] = ("high", "medium", "low")
DEFAULT_MIN_CONFIDENCE: Confidence = "medium"


def is_confidence(value: object) -> TypeGuard[Confidence]:
    """True when `value` names one of the three grades."""
    return value in CONFIDENCES


def confidence_rank(confidence: str) -> int:
    """0 for `high`, larger for less sure grades; ValueError for a name that is not a grade."""
    return CONFIDENCES.index(confidence)


def at_least_as_sure(confidence: str, threshold: str) -> bool:
    """True when `confidence` is `threshold` or surer."""
    return confidence_rank(confidence) <= confidence_rank(threshold)


def surest(grades: list[Confidence]) -> Confidence:
    """The surest of the grades (a finding is as sure as its surest match); `low` for none."""
    return min(grades, key=confidence_rank, default="low")
