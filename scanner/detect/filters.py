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

# A template is the whole value (`<your-key>`) or a reference to a name (`${VAR}`,
# `{{ var }}`, `%(var)s`), never any bracket or `${` inside random text: a generated salt
# (WordPress's has `<`, `>`, `{` and `$` in its alphabet) holds those by chance.
_PLACEHOLDER = re.compile(
    r"(?i)(example|sample|dummy|placeholder|redacted|changeme|change_me|your[_-]?(api[_-]?)?"
    r"(key|token|secret)|insert[_-]?|replace[_-]?me|^<[^<>]*>$|\$\{[a-z_][a-z0-9_.:-]*\}"
    r"|\{\{[ \t]*[a-z_.$]|%\([a-z_]|\*{4,}|x{6,})"
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


# detect-secrets' heuristics (`is_sequential_string` and three of the four behind
# `is_generic_noise`), written out here rather than imported: `import detect_secrets` pulls in
# requests, urllib3, ssl and email, 110-150 ms of CPU. A pre-commit run of `leakwindow staged`
# paid it on its first candidate, and a history scan paid it in every blob worker (a sixth of
# the CPU of a flask-sized scan). tests/detect/test_filters.py checks each against
# detect-secrets itself.
#
# The runs `is_sequential_string` looks for, compared case-insensitively.
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


# A hex string can carry at most 4 bits a character, and a random 32-hex key falls below a
# limit meant for base64-like values (3.4) about one time in four: detect-secrets holds hex to
# 3.0 (HexHighEntropyString) for that reason, and so do the generic rules, from 32 digits
# (`token_hex(16)`) up: shorter hex under a key's name is mostly an id (a .NET
# `publicKeyToken`, a span id). A provider rule's limit is its own: some set it above 4 to
# leave hex digests out.
HEX_ENTROPY_LIMIT = 3.0
HEX_LIMIT_FROM = 32  # digits
_HEX_DIGITS = frozenset("0123456789abcdef")
_HEX_DIGITS_UPPER = frozenset("0123456789ABCDEF")


def is_low_entropy(secret: str, minimum: float | None, *, hex_limit: bool = False) -> bool:
    """Below `minimum` bits a character; with `hex_limit`, a hex value of HEX_LIMIT_FROM
    digits or more is held to at most HEX_ENTROPY_LIMIT instead."""
    if minimum is None:
        return False
    if hex_limit and len(secret) >= HEX_LIMIT_FROM and minimum > HEX_ENTROPY_LIMIT:
        letters = set(secret)  # (only here: this runs for every candidate secret)
        if letters <= _HEX_DIGITS or letters <= _HEX_DIGITS_UPPER:
            minimum = HEX_ENTROPY_LIMIT
    return shannon_entropy(secret) < minimum


# Before the value: a name that ends in `_id` or `_ids`, or a line that opens with `id`, `myid`
# or `userid` (plural too), followed by something that is neither a letter nor a digit.
_ID_NAME = re.compile(r"(?:^(?:id|myid|userid)|_id)s?[^a-z0-9]", re.IGNORECASE)


def is_generic_noise(secret: str, line: str) -> bool:
    """detect-secrets' heuristics for keyword-context findings: ids (`user_id = …`),
    templated values (`{x}`, `<x>`, `${x}`) and `$`-prefixed references.

    Applied only to the generic assignment rules: provider tokens have exact shapes. Unlike
    detect-secrets, a UUID is kept: Heroku, Consul, Vault and others issue tokens of that
    shape, so under a secret's name it is a finding, graded low (scanner.detect.grading).
    """
    return (
        _is_templated(secret)
        or secret.startswith("$")  # `${x}` too
        or _follows_an_id_name(secret, line)
    )


def _is_templated(secret: str) -> bool:
    if not secret:
        return True  # nothing to report
    return secret[0] + secret[-1] in ("{}", "<>")


def _follows_an_id_name(secret: str, line: str) -> bool:
    at = line.find(secret)
    return at >= 0 and _ID_NAME.search(line, 0, at) is not None
