"""Seeded generators of synthetic credentials shaped like real ones.

Fixtures and tests need tokens that a scanner's rules will recognise but that were never
issued by any provider. Every token is drawn from a caller-supplied `random.Random`, so the
same seed always yields the same token. Draws that look like placeholders (a run of four
identical characters, a word such as "example", low entropy) are thrown away and redrawn,
so rules that drop obvious fakes never drop a fixture's secret.
"""

from __future__ import annotations

import math
import random
import re
import string
import zlib
from collections import Counter
from collections.abc import Callable

BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
ALNUM = string.ascii_letters + string.digits
BASE64URL = ALNUM + "-_"
AWS_KEY_ID_ALPHABET = string.ascii_uppercase + "234567"
AWS_SECRET_ALPHABET = ALNUM + "/+"

OPENAI_MARKER = "T3BlbkFJ"  # base64 of "OpenAI"
GITHUB_PAT_PREFIX = "ghp_"
_GITHUB_RANDOM_LENGTH = 30
_GITHUB_CHECKSUM_LENGTH = 6

# Scanners treat these as signs of a documentation example or a placeholder.
_PLACEHOLDER_WORDS = re.compile(
    r"example|sample|dummy|fake|test|placeholder|redacted|changeme", re.IGNORECASE
)
_FOUR_IDENTICAL = re.compile(r"(.)\1{3}")
_MIN_BODY_ENTROPY = 3.5  # bits per character; a random 16-char alnum string averages ~3.8
_MAX_DRAWS = 1000


def shannon_entropy(text: str) -> float:
    """Shannon entropy of `text` in bits per character (0.0 for the empty string)."""
    if not text:
        return 0.0
    total = len(text)
    return -sum(count / total * math.log2(count / total) for count in Counter(text).values())


def base62_encode(number: int, width: int) -> str:
    """Encode a non-negative integer in base62 (0-9A-Za-z), left-padded with '0' to `width`."""
    digits = ""
    while number:
        number, remainder = divmod(number, 62)
        digits = BASE62[remainder] + digits
    return digits.rjust(width, "0")


def github_checksum(random_part: str) -> str:
    """The 6-character checksum GitHub appends: base62 of the CRC32 of the random part."""
    return base62_encode(zlib.crc32(random_part.encode("ascii")), _GITHUB_CHECKSUM_LENGTH)


def github_checksum_is_valid(token: str) -> bool:
    """True when a `ghp_` token's last 6 characters are the checksum of the 30 before them."""
    body = token.removeprefix(GITHUB_PAT_PREFIX)
    if body == token or len(body) != _GITHUB_RANDOM_LENGTH + _GITHUB_CHECKSUM_LENGTH:
        return False
    random_part = body[:_GITHUB_RANDOM_LENGTH]
    return body[_GITHUB_RANDOM_LENGTH:] == github_checksum(random_part)


def _draw(rng: random.Random, alphabet: str, length: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(length))


def _draw_edged(rng: random.Random, alphabet: str, length: int) -> str:
    """Like `_draw`, but the first and last characters are alphanumeric.

    Bodies that may contain '-', '_', '/' or '+' would otherwise sometimes end on a
    non-word character, and a rule anchored with `\\b` would then miss the token.
    """
    middle = _draw(rng, alphabet, length - 2)
    return rng.choice(ALNUM) + middle + rng.choice(ALNUM)


def _digits(rng: random.Random, length: int) -> str:
    return rng.choice("123456789") + _draw(rng, string.digits, length - 1)


def _xai(rng: random.Random) -> tuple[str, str]:
    body = _draw(rng, ALNUM, 80)
    return "xai-" + body, body


def _openai_project(rng: random.Random) -> tuple[str, str]:
    head = rng.choice(ALNUM) + _draw(rng, BASE64URL, 73)
    tail = _draw_edged(rng, BASE64URL, 74)
    return f"sk-proj-{head}{OPENAI_MARKER}{tail}", head + tail


def _anthropic(rng: random.Random) -> tuple[str, str]:
    body = rng.choice(ALNUM) + _draw(rng, BASE64URL, 92)
    return f"sk-ant-api03-{body}AA", body


def _aws_key_id(rng: random.Random) -> tuple[str, str]:
    body = _draw(rng, AWS_KEY_ID_ALPHABET, 16)
    return "AKIA" + body, body


def _aws_secret(rng: random.Random) -> tuple[str, str]:
    body = _draw_edged(rng, AWS_SECRET_ALPHABET, 40)
    return body, body


def _github_pat(rng: random.Random) -> tuple[str, str]:
    random_part = _draw(rng, BASE62, _GITHUB_RANDOM_LENGTH)
    return GITHUB_PAT_PREFIX + random_part + github_checksum(random_part), random_part


def _slack_bot(rng: random.Random) -> tuple[str, str]:
    team, bot = _digits(rng, rng.randint(10, 13)), _digits(rng, rng.randint(10, 13))
    secret = _draw(rng, BASE62, 24)
    return f"xoxb-{team}-{bot}-{secret}", secret


def _stripe_live(rng: random.Random) -> tuple[str, str]:
    body = _draw(rng, BASE62, rng.randint(24, 32))
    return "sk_live_" + body, body


def _generic_password(rng: random.Random) -> tuple[str, str]:
    body = _draw(rng, ALNUM, 16)
    return body, body


# Each generator returns (token, random body); the body is what the entropy check looks at,
# because fixed prefixes would otherwise lift a weak draw over the threshold.
_GENERATORS: dict[str, Callable[[random.Random], tuple[str, str]]] = {
    "xai": _xai,
    "openai-project": _openai_project,
    "anthropic": _anthropic,
    "aws-key-id": _aws_key_id,
    "aws-secret": _aws_secret,
    "github-pat": _github_pat,
    "slack-bot": _slack_bot,
    "stripe-live": _stripe_live,
    "generic-password": _generic_password,
}

KINDS: tuple[str, ...] = tuple(_GENERATORS)


def looks_like_placeholder(token: str, body: str) -> bool:
    """True when a draw resembles a placeholder a scanner would (rightly) ignore."""
    return (
        _FOUR_IDENTICAL.search(token) is not None
        or _PLACEHOLDER_WORDS.search(token) is not None
        or shannon_entropy(body) < _MIN_BODY_ENTROPY
    )


def make_token(kind: str, rng: random.Random) -> str:
    """Draw one synthetic token of `kind` from `rng`, redrawing placeholder-like results."""
    try:
        generate = _GENERATORS[kind]
    except KeyError:
        raise ValueError(f"unknown token kind {kind!r}; known: {', '.join(KINDS)}") from None
    for _ in range(_MAX_DRAWS):
        token, body = generate(rng)
        if not looks_like_placeholder(token, body):
            return token
    raise RuntimeError(f"could not draw a random-looking {kind} token")  # pragma: no cover


def seeded_rng(seed: int, scenario: str, secret_name: str) -> random.Random:
    """The generator for one named secret of one scenario.

    String seeds are hashed with SHA-512 by `random.Random`, so the stream does not depend on
    PYTHONHASHSEED or the platform; keying by secret name keeps each secret stable when a
    spec gains or loses another one.
    """
    return random.Random(f"leakwindow-fixture:{seed}:{scenario}:{secret_name}")
