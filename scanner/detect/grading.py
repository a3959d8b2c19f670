"""The confidence of one match: its rule's grade, lowered when a generic value looks harmless.

A provider rule's match keeps its rule's grade (the format is the evidence). A generic rule
reads a secret-ish name and a value, and the value's shape is most of the evidence: a random
value is what the rule says, but a value that is exactly a hex digest or a UUID is often one
(a commit id, a checksum, a record id), so it is reported `low` rather than dropped. A rule
bound to credential files reports every stored password, and a weak one (`pass123`) is as
often a throwaway as a real account's: `medium` rather than its rule's `high`. The grade is a
function of the rule and the secret only, so a match rebuilt from a cache grades the same.
"""

from __future__ import annotations

import re

from scanner.confidence import Confidence
from scanner.rules.pack import Rule

# Shapes that are as often an identifier or a checksum as a credential.
_IDENTIFIER_SHAPED = re.compile(
    rb"(?:[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64}|[0-9a-f]{128}|[0-9A-F]{32}|[0-9A-F]{40}|[0-9A-F]{64})"
    rb"|(?i:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
)
# What a stored password is made of: lowercase, uppercase, digits, anything else.
_CHARACTER_KINDS = tuple(
    re.compile(kind) for kind in (rb"[a-z]", rb"[A-Z]", rb"[0-9]", rb"[^A-Za-z0-9]")
)
_WEAK_BELOW = 10  # characters: shorter stored passwords are weak whatever they hold
_ONE_KIND_BELOW = 16  # characters: shorter ones made of a single kind are weak too


def grade(rule: Rule, secret: bytes) -> Confidence:
    """How sure a match of `rule` capturing `secret` is to be a credential."""
    if rule.family == "generic" and _IDENTIFIER_SHAPED.fullmatch(secret):
        return "low"
    if rule.files and rule.confidence == "high" and is_weak(secret):
        return "medium"
    return rule.confidence


def is_weak(secret: bytes) -> bool:
    """A password a person chose and could guess: short, or all letters or all digits."""
    if len(secret) < _WEAK_BELOW:
        return True
    kinds = sum(1 for kind in _CHARACTER_KINDS if kind.search(secret))
    return kinds < 2 and len(secret) < _ONE_KIND_BELOW
