"""The confidence of one match: its rule's grade, lowered when a generic value looks harmless.

A provider rule's match keeps its rule's grade (the format is the evidence). A generic rule
reads a secret-ish name and a value, and the value's shape is most of the evidence: a random
value is what the rule says, but a value that is exactly a hex digest or a UUID is often one
(a commit id, a checksum, a record id), so it is reported `low` rather than dropped. The grade
is a function of the rule and the secret only, so a match rebuilt from a cache grades the same.
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


def grade(rule: Rule, secret: bytes) -> Confidence:
    """How sure a match of `rule` capturing `secret` is to be a credential."""
    if rule.family == "generic" and _IDENTIFIER_SHAPED.fullmatch(secret):
        return "low"
    return rule.confidence
