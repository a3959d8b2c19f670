"""A rule's hit in a blob, and how a secret is named without being shown (fingerprint,
baseline digests, preview): all the pre-commit hook needs, kept apart from the history types in
`scanner.model` so the hook does not pay for building them."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from scanner.confidence import Confidence


def fingerprint_of(secret: bytes) -> str:
    """Lowercase hex sha256 of the secret's bytes: the identity of a finding."""
    return hashlib.sha256(secret).hexdigest()


@dataclass(frozen=True)
class SecretDigests:
    """What baselines name a secret by: sha256 (our fingerprint) and sha1 (detect-secrets')."""

    sha256: str
    sha1: str


def digests_of(secret: bytes) -> SecretDigests:
    sha1 = hashlib.sha1(secret, usedforsecurity=False).hexdigest()
    return SecretDigests(fingerprint_of(secret), sha1)


_PEM_LABEL = re.compile(r"-----BEGIN ([A-Z0-9 #]{1,40})-----")


def preview_of(secret: bytes) -> str:
    """A redacted preview that identifies a secret to a human without revealing it.

    Keeps a recognisable prefix (at most 6 characters, and never more than a quarter of the
    secret) and the total length. Every PEM block starts alike (`-----B…`), so a key names its
    type and the first digits of its fingerprint instead: `[RSA PRIVATE KEY 3f9a0c1e](1679
    chars)` tells nine keys apart.
    """
    text = secret.decode("utf-8", "replace")
    pem = _PEM_LABEL.match(text)
    if pem is not None:
        return f"[{pem.group(1)} {fingerprint_of(secret)[:8]}]({len(text)} chars)"
    keep = min(6, len(text) // 4)
    return f"{text[:keep]}…({len(text)} chars)"


# Where a match sits, as a rescan saves it: rule id, offset, length, line, column, and the
# grade the matcher gave it (Match.confidence).
Position = tuple[str, int, int, int, int, Confidence | None]


@dataclass(frozen=True)
class Match:
    """One rule hit inside one blob's content."""

    rule_id: str
    secret: bytes
    line: int
    column: int
    decoded: str | None = None  # e.g. "base64" when found inside a decoded span
    # Where the secret starts in the scanned text, when that is enough to find it again
    # (not for decoded spans or giant blobs matched in chunks): lets a rescan skip matching.
    offset: int = field(default=-1, compare=False, repr=False)
    # The grade, when the matcher decided it from more than the rule and the secret (the name a
    # generic value is assigned to); None: grade from those two (`scanner.detect.grading`).
    confidence: Confidence | None = field(default=None, compare=False)
