"""Named heuristic filters, each dropping one kind of false positive.

Every function answers "should this candidate be dropped?" for one reason, so each can be
tested on its own and the reason can be reported.
"""

from __future__ import annotations

import math
import re
import string
from collections import Counter

ALLOW_MARKERS: tuple[bytes, ...] = (
    b"leakwindow:allow",
    b"pragma: allowlist secret",
    b"gitleaks:allow",
)
_NEXT_LINE_MARKER = b"pragma: allowlist nextline secret"

_PLACEHOLDER = re.compile(
    r"(?i)(example|sample|dummy|placeholder|redacted|changeme|change_me|your[_-]?(api[_-]?)?"
    r"(key|token|secret)|insert[_-]?|replace[_-]?me|<[^>]*>|\$\{|\{\{|%\(|\*{4,}|x{6,})"
)
_REPEATED_RUN = re.compile(r"(.)\1{5,}")
# AWS's own documentation keys: they are everywhere and never live.
_DOCUMENTED_EXAMPLES = frozenset(
    {"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}
)


def has_allow_marker(line: bytes, previous_line: bytes = b"") -> bool:
    """An inline marker on the line (or a detect-secrets nextline marker just above it)."""
    return any(marker in line for marker in ALLOW_MARKERS) or _NEXT_LINE_MARKER in previous_line


def is_placeholder(secret: str) -> bool:
    """Template variables, documentation values and obvious fill-ins."""
    return secret in _DOCUMENTED_EXAMPLES or _PLACEHOLDER.search(secret) is not None


def is_repeated_run(secret: str) -> bool:
    """Six or more of the same character in a row: typed by a human, not generated."""
    return _REPEATED_RUN.search(secret) is not None


# The runs detect-secrets' `is_sequential_string` looks for, compared case-insensitively.
# Kept here rather than imported: `import detect_secrets` costs 70-130 ms, more than a whole
# pre-commit run of `leakwindow staged`, and it was paid by every run that found a candidate.
_SEQUENCES: tuple[str, ...] = (
    string.ascii_uppercase * 2 + string.digits + "+/",  # base64 alphabet, letters first
    string.digits + string.ascii_uppercase * 2 + "+/",  # base64 alphabet, digits first
    (string.digits + string.ascii_uppercase) * 2,  # alphanumeric
    string.digits * 2,
    string.hexdigits.upper() * 2,
    string.ascii_uppercase + "=/",
)


def is_sequential(secret: str) -> bool:
    """A run of the alphabet or digits (detect-secrets' heuristic), e.g. 'abcdef0123456789'."""
    upper = secret.upper()
    return any(upper in sequence for sequence in _SEQUENCES)


def shannon_entropy(text: str) -> float:
    """Bits per character of the string's own character distribution."""
    if not text:
        return 0.0
    length = len(text)
    return -sum(count / length * math.log2(count / length) for count in Counter(text).values())


def is_low_entropy(secret: str, minimum: float | None) -> bool:
    return minimum is not None and shannon_entropy(secret) < minimum


def is_generic_noise(secret: str, line: str) -> bool:
    """detect-secrets' heuristics for keyword-context findings: UUIDs, ids (`user_id = …`),
    templated values (`{x}`, `<x>`, `${x}`) and `$`-prefixed references.

    Applied only to the generic assignment rules (provider tokens have exact shapes), and
    imported on the first such candidate, so pre-commit runs without one never pay for it.
    """
    from detect_secrets.filters import heuristic

    return (
        heuristic.is_potential_uuid(secret)
        or heuristic.is_templated_secret(secret)
        or heuristic.is_prefixed_with_dollar_sign(secret)
        or heuristic.is_likely_id_string(secret, line)
    )
