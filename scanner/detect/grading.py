"""The confidence of one match: its rule's grade, lowered when a generic value looks harmless.

A provider rule's match keeps its rule's grade (the format is the evidence). A generic rule
reads a secret-ish name and a value, and the value's shape is most of the evidence. `classify`
names that shape. A random, base64 or hex value is what the rule says: the name already
excludes digests (`*_hash`, `*_sha256`, `checksum`, `*_id`…), and a bare hex string under a
secret's name is as a rule a key (`secrets.token_hex()` as Flask's docs advise, Rails'
`secret_key_base`, 32-hex API keys, 40-hex OAuth tokens; measured on ten real packages, this
added test values and no false positive). A value holding a UUID is often a record, request or
lock id under a token's name (an idempotency `client_token`, an `update_token`), so it is `low`
there; under a name that says secret, password or key (`client_secret`, Heroku's `api_key`) it
keeps the rule's grade. That needs the name, which only the match has: the matcher grades a
generic match as it finds it (`grade(rule, secret, name)`) and the match carries its grade,
through the caches too. The shapes the rules' filters drop (words, paths, URLs, templates,
placeholders) are graded `low` whatever the name, should one get through. A rule bound to
credential files reports every stored password, and a weak one (`pass123`) is as often a
throwaway as a real account's: `medium` rather than its rule's `high`. The grade is a function
of the rule and the secret (and, for a UUID, the name), so a match rebuilt from a cache grades
the same.
"""

from __future__ import annotations

import re
from typing import Literal

from scanner.confidence import Confidence
from scanner.matches import Match
from scanner.rules.pack import GENERIC_FAMILY, Rule

ValueKind = Literal[
    "placeholder", "template", "url", "path", "uuid", "hex", "word", "base64", "random"
]
# The kinds that keep a generic rule's grade; every other kind is graded `low`.
_SECRET_SHAPED: frozenset[ValueKind] = frozenset({"base64", "random", "hex"})

_PLACEHOLDER = re.compile(
    rb"(?i)^(?:x{4,}|\*{4,}|\.{3,}|change_?me|your[_-]?[a-z_-]*|placeholder|redacted|todo)$"
)
# What a stored password is made of: lowercase, uppercase, digits, anything else.
_CHARACTER_KINDS = tuple(
    re.compile(kind) for kind in (rb"[a-z]", rb"[A-Z]", rb"[0-9]", rb"[^A-Za-z0-9]")
)
_WEAK_BELOW = 10  # characters: shorter stored passwords are weak whatever they hold
_ONE_KIND_BELOW = 16  # characters: shorter ones made of a single kind are weak too
_TEMPLATE = re.compile(
    rb"^(?:<[^<>]*>|\{[^{}]*\}|\[[^\[\]]*\]|\([^()]*\)|%[A-Za-z_][A-Za-z0-9_]*%|\$[A-Za-z_{(].*)$"
    rb"|\$\{[A-Za-z_][A-Za-z0-9_.:-]*\}|\{\{[ \t]*[A-Za-z_.$]"
)
_URL = re.compile(rb"^[A-Za-z][A-Za-z0-9+.-]{1,15}://")
_PATH = re.compile(rb"^(?:\.{0,2}/|~/|[A-Za-z]:\\)[^\s]*$")
# A UUID anywhere: a value holding one is as often a record id as a token.
_UUID = re.compile(rb"(?i:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})")
# A digest's lengths, in one case: how md5/sha1/sha256/sha512 (and `token_hex`) print.
_HEX = re.compile(
    rb"[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64}|[0-9a-f]{128}|[0-9A-F]{32}|[0-9A-F]{40}|[0-9A-F]{64}"
)
# Lowercase words and phrases, or CamelCase with a few digits and a symbol: typed by a person.
_WORD = re.compile(
    rb"^_{0,2}[a-z]+(?:[-_. ][a-z]+)*_{0,2}$"
    rb"|^[A-Z]{0,3}[a-z]+(?:[A-Z]{1,3}[a-z]+)*[0-9]{0,6}[!@#$%^&*.?]{0,2}$"
    # a type written as a string: `"List[V1LocalObjectReference]"` in generated API models
    rb"|^[A-Z][A-Za-z]+\[[A-Za-z0-9_.]+(?:, ?[A-Za-z0-9_.\[\]]+)*\]$"
)
# A key that says it holds a secret, a password or a key, not merely a token: under such a
# name a UUID is a credential (`client_secret`, `HEROKU_API_KEY`), under `*_token` as often
# an idempotency or lock id.
_SECRET_NAME = re.compile(
    rb"(?i)secret|passw|passphrase|pwd|credential|api[_.-]?key|apikey"
    rb"|(?:private|access|auth|master|signing|encryption)[_.-]?key"
)
_BASE64 = re.compile(rb"^(?:[A-Za-z0-9+/]{4}){3,}(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$")


def classify(secret: bytes) -> ValueKind:
    """The shape of a generic value, the most harmless reading first."""
    if _PLACEHOLDER.match(secret):
        return "placeholder"
    if _TEMPLATE.search(secret):
        return "template"
    if _URL.match(secret):
        return "url"
    if _PATH.match(secret):
        return "path"
    if _UUID.search(secret):
        return "uuid"
    if _HEX.fullmatch(secret):
        return "hex"
    if _WORD.match(secret):
        return "word"
    if _BASE64.match(secret) and (secret.endswith(b"=") or b"+" in secret or b"/" in secret):
        return "base64"
    return "random"


def grade(rule: Rule, secret: bytes, name: bytes = b"") -> Confidence:
    """How sure a match of `rule` capturing `secret` is to be a credential; `name` is the
    matched text before the secret (the key it is assigned to), where the matcher has it."""
    if rule.family == GENERIC_FAMILY:
        kind = classify(secret)
        if kind not in _SECRET_SHAPED and not (kind == "uuid" and names_a_secret(name)):
            return "low"
    if rule.files and rule.confidence == "high" and is_weak(secret):
        return "medium"
    return rule.confidence


def match_grade(rule: Rule, match: Match) -> Confidence:
    """A match's grade: the one the matcher gave it from its name, else from rule and secret."""
    return match.confidence or grade(rule, match.secret)


def names_a_secret(name: bytes) -> bool:
    """Whether the key a value is assigned to says secret, password or key (not just token)."""
    return _SECRET_NAME.search(name) is not None


def is_weak(secret: bytes) -> bool:
    """A password a person chose and could guess: short, or all letters or all digits."""
    if len(secret) < _WEAK_BELOW:
        return True
    kinds = sum(1 for kind in _CHARACTER_KINDS if kind.search(secret))
    return kinds < 2 and len(secret) < _ONE_KIND_BELOW
