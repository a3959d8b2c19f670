r"""Keep regular expressions from backtracking for ever.

Python's `re` backtracks: `(a+)+$` takes exponential time on a run of `a`s that does not end
the way the pattern wants, `\w*\w*x` polynomial time, and a repository is free to contain
exactly such runs. Every regex that runs on what a repository holds is checked here before it
is used: a rule's `pattern` (on lines and regions of blobs), its `placeholders` (on the secret
it found), its `path_ignore` (on paths), a verify block's `live_body` and `invalid_body` (on a
provider's answer), and the package's own matching regexes (`tests/rules/test_regex_guard.py`
walks them all).

`check_pattern(pattern, subject)` asks `scanner.rules.regex_cost` for the worst case on texts of
`subject` characters, the longest text that regex is ever given in one call, and refuses:

- an attempt (the match tried at one start position) that can cost more than
  `ATTEMPT_STEPS` plus `STEPS_PER_BYTE` per character of the subject: exponential
  backtracking (`(a+)+`, `(?:a|a)*`, and with counted repeats `(\w{0,64}){0,64}` just as
  well), and polynomial backtracking of degree two or more over long texts (`\w*\w*x`,
  or bounded repeats whose product is too large). A single pass over the text per attempt is
  fine: that is what `\s*` or `[^"]{0,256}` cost.
- a repeat that can run over the whole subject and that later attempts, starting inside its
  run, can read again (`\S+"` on `key=key=key=…`, `[\w.-]+@`): a search quadratic in the
  subject, unless the subject is short enough for that to be cheap (`SEARCH_STEPS`).

A search tries every start position, so a call over n characters costs at most n attempts
of that bound; the model over-estimates (its bound for the built-in generic rules is about
a hundred times what they take on their worst inputs), and `scanner.detect.budget` stops a
blob whose matching still runs too long.

`pathological_inputs` builds the inputs that would expose a pattern that slipped through:
long runs of the characters a pattern repeats, its examples turned into near-misses, floods
of its keywords, and "pumped" texts that repeat each repeated part's text many times with a
byte after them that does not fit.
"""

from __future__ import annotations

import functools
import importlib
import re
from collections.abc import Iterable, Iterator
from typing import Any

_parser: Any = importlib.import_module("re._parser" if hasattr(re, "_parser") else "sre_parse")
_UNBOUNDED: int = int(
    importlib.import_module(
        "re._constants" if hasattr(re, "_constants") else "sre_constants"
    ).MAXREPEAT
)
_BYTES = frozenset(range(256))
_DIGITS = frozenset(range(0x30, 0x3A))
_WORD = frozenset(b for b in range(128) if chr(b).isalnum()) | {0x5F}
_SPACE = frozenset(b" \t\n\r\f\v")
_CATEGORIES: dict[str, frozenset[int]] = {
    "CATEGORY_DIGIT": _DIGITS,
    "CATEGORY_NOT_DIGIT": _BYTES - _DIGITS,
    "CATEGORY_WORD": _WORD,
    "CATEGORY_NOT_WORD": _BYTES - _WORD,
    "CATEGORY_SPACE": _SPACE,
    "CATEGORY_NOT_SPACE": _BYTES - _SPACE,
}
_REPEATS = ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT")
_RUN_BYTES = 64 * 1024  # length of a run of one repeated character
_NEAR_MISS_BYTES = 1 << 20
_PUMPED_BYTES = 4096  # pumped text per input: enough to expose more than linear work

# The longest text each kind of regex is given in one call.
RULE_SUBJECT = 10 << 20  # a line, or a chunk of a large blob (9 MiB and some context)
BODY_SUBJECT = 64 << 10  # a provider's answer: verification reads at most 64 KiB
PATH_SUBJECT = 1 << 20  # a path: git sets no limit, a crafted tree can hold very long ones
FILTER_SUBJECT = RULE_SUBJECT  # the package's own filters, on secrets and lines
MIN_SECRET_SUBJECT = 256  # placeholders: the longest secret the rule can capture, at least
MAX_PATTERN_CHARACTERS = 32 << 10  # a longer pattern is refused outright

ATTEMPT_STEPS = 10**8  # an attempt's bound, beyond one pass per byte (about 0.1-1 s)
STEPS_PER_BYTE = 256  # passes over the text an attempt may make
SEARCH_STEPS = 10**8  # a search that re-reads runs (subject²) is fine below this


def check_pattern(pattern: str | bytes, subject: int = RULE_SUBJECT) -> str | None:
    """Why `pattern` can backtrack too long on texts of `subject` characters, or None.

    The answer completes a sentence about the pattern ("'pattern' has a repeat inside a
    repeat …"); it quotes at most a few characters of literal text, never a whole secret.
    """
    # (imported here: the model costs 15 ms to import, and a cached pack never needs it)
    from scanner.rules.regex_cost import Unsupported, analyse, describe

    if len(pattern) > MAX_PATTERN_CHARACTERS:
        return f"is longer than {MAX_PATTERN_CHARACTERS} characters"
    try:
        analysis = analyse(pattern, subject)
    except re.error as exc:
        return f"is not a valid regular expression: {exc}"
    except (Unsupported, RecursionError) as exc:
        return str(exc) or "is nested too deeply"
    attempt = analysis.attempt.fixed + analysis.attempt.per_byte * subject
    if attempt > ATTEMPT_STEPS + STEPS_PER_BYTE * subject:
        reason = analysis.culprit() or "can backtrack through too many paths"
        return (
            f"{reason}, which can take more than 10^{len(str(ATTEMPT_STEPS)) - 1} steps at one "
            "position of a hostile text; bound the repeats or make the parts unambiguous"
        )
    if analysis.rescans and subject * subject > SEARCH_STEPS:
        repeat = describe(analysis.rescans[0])
        return (
            f"has a repeat ({repeat}) that can run over the rest of a long line and be read "
            "again from every later start position (quadratic); bound it, e.g. {1,256}, or "
            "begin the pattern with something the repeat cannot match"
        )
    return None


@functools.lru_cache(maxsize=1024)
def secret_subject(pattern: str) -> int:
    """How long a secret `pattern` can capture (the subject of its placeholders), rounded up
    to a power of two so that rules of one family share their placeholders' analysis."""
    try:
        longest = int(_parser.parse(pattern).getwidth()[1])
    except (re.error, RecursionError):
        return RULE_SUBJECT
    subject = MIN_SECRET_SUBJECT
    while subject < min(longest, RULE_SUBJECT):
        subject *= 2
    return min(subject, RULE_SUBJECT)


def repeated_bytes(pattern: str) -> list[bytes]:
    """One representative byte per character class the pattern repeats (for runs)."""
    try:
        tree = _parser.parse(pattern)
    except re.error:
        return []
    found: list[bytes] = []
    for node_op, value in walk_nodes(tree):
        if node_op in _REPEATS and value[1] > 1:
            firsts = _first_bytes(value[2])
            for choice in _representatives(firsts):
                if choice not in found:
                    found.append(choice)
    return found


def pathological_inputs(
    pattern: str,
    secret_group: int,
    keywords: Iterable[str],
    examples: Iterable[str],
    flood_bytes: int = _NEAR_MISS_BYTES,
    near_miss_bytes: int = _NEAR_MISS_BYTES,
) -> Iterator[tuple[str, bytes]]:
    """(name, content) pairs that would expose backtracking in `pattern`.

    Each repeated character as a long run on its own and right after each keyword (so a
    keyword prefilter lets it through); each example with its secret altered so that the
    pattern just fails, repeated to `near_miss_bytes` (a megabyte) on one line; and
    `flood_bytes` of keywords.
    """
    regex = re.compile(pattern.encode())
    keyword_bytes = [keyword.encode() for keyword in keywords]
    for choice in repeated_bytes(pattern):
        run = choice * _RUN_BYTES
        yield f"run of {choice!r}", run
        for keyword in keyword_bytes:
            yield f"{keyword!r} + run of {choice!r}", keyword + run + b"!"
    for number, example in enumerate(examples):
        miss = near_miss(regex, secret_group, example.encode())
        if miss is not None:
            line = miss + b" "
            repeated = line * (near_miss_bytes // len(line) + 1)
            yield f"example {number} near-miss x {near_miss_bytes} bytes", repeated
    for keyword in keyword_bytes:
        yield f"{keyword!r} x {flood_bytes} bytes", keyword * (flood_bytes // len(keyword) + 1)
    lead = keyword_bytes[0] + b" " if keyword_bytes else b""
    for name, text in pumped_inputs(pattern):
        lowered = text.lower()
        # (a keyword on the line, or the screen would never let the text reach the regex)
        yield name, text if any(k in lowered for k in keyword_bytes) else lead + text


def pumped_inputs(pattern: str, pumped_bytes: int = _PUMPED_BYTES) -> Iterator[tuple[str, bytes]]:
    """Per repeated part: a text that reaches it, then text it matches again and again (one
    per way of matching it, for a few ways), then a byte that fits nothing after it.

    The classic shape of an input that makes a backtracking matcher try every way of
    splitting the pumped text among the rounds (and the parts around them)."""
    try:
        tree = _parser.parse(pattern.encode())
    except (re.error, RecursionError):
        return
    seen: set[bytes] = set()
    witness = _Witness(tree)
    for before, body in witness.repeats(tree, b""):
        for variant in range(3):
            pump = witness.text(body, variant)
            if not pump:
                continue
            text = before + pump * max(1, pumped_bytes // len(pump)) + b"\x00"
            if text not in seen:
                seen.add(text)
                yield f"pumped repeat {len(seen)} (way {variant})", text


class _Witness:
    """Texts that a parsed pattern (or a part of it) matches, chosen simply."""

    def __init__(self, tree: Any) -> None:
        self._groups: dict[int, Any] = {}
        for name, value in walk_nodes(tree):
            if name == "SUBPATTERN" and value[0] is not None:
                self._groups[int(value[0])] = value[3]

    def repeats(self, items: Any, before: bytes) -> Iterator[tuple[bytes, Any]]:
        """(text that leads up to it, its body) for every part repeated more than once."""
        for op, value in items:
            name = str(op)
            if name in _REPEATS and value[1] > 1:
                yield before, value[2]
            for child in _children(name, value):
                if name not in ("ASSERT", "ASSERT_NOT"):
                    yield from self.repeats(child, before)
            before += self.text([(op, value)], 0)

    def text(self, items: Any, variant: int, depth: int = 0) -> bytes:
        if depth > 50:
            return b""
        out = bytearray()
        for op, value in items:
            name = str(op)
            if name == "LITERAL":
                out += bytes([value & 0xFF])
            elif name == "NOT_LITERAL":
                out += b"b" if value == ord("a") else b"a"
            elif name == "ANY":
                out += b"a"
            elif name == "IN":
                picks = _representatives(class_bytes(value)) or [b"a"]
                out += picks[variant % len(picks)]
            elif name == "SUBPATTERN":
                out += self.text(value[3], variant, depth + 1)
            elif name == "BRANCH":
                options = value[1]
                out += self.text(options[variant % len(options)], variant, depth + 1)
            elif name in _REPEATS:
                rounds = max(int(value[0]), 1) + (variant % 2 if value[1] > value[0] else 0)
                out += self.text(value[2], variant, depth + 1) * min(rounds, 64)
            elif name == "GROUPREF" and int(value) in self._groups:
                out += self.text(self._groups[int(value)], variant, depth + 1)
            elif name == "GROUPREF_EXISTS":
                out += self.text(value[1], variant, depth + 1)
        return bytes(out)


def near_miss(regex: re.Pattern[bytes], secret_group: int, example: bytes) -> bytes | None:
    """`example` with its secret changed as little as possible so that nothing matches."""
    found = regex.search(example)
    if found is None:
        return None
    start, end = found.span(secret_group)
    secret = example[start:end]
    middle = len(secret) // 2
    for altered in (
        secret[:-1] + b"\x00",  # the last character wrong
        secret[:-1],  # one character short
        secret[:middle] + b"\x00" + secret[middle + 1 :],  # a wrong character inside
        b"\x00" + secret[1:],  # the prefix broken
    ):
        candidate = example[:start] + altered + example[end:]
        if regex.search(candidate) is None:
            return candidate
    return None


# --- parse-tree helpers -----------------------------------------------------------------


def walk_nodes(tree: Iterable[Any]) -> Iterator[tuple[str, Any]]:
    """Every (op name, value) node of a parsed pattern, depth first."""
    for op, value in tree:
        name = str(op)
        yield name, value
        for child in _children(name, value):
            yield from walk_nodes(child)


def _children(name: str, value: Any) -> list[Any]:
    if name == "SUBPATTERN":
        return [value[3]]
    if name in _REPEATS:
        return [value[2]]
    if name == "BRANCH":
        return list(value[1])
    if name in ("ASSERT", "ASSERT_NOT"):
        return [value[1]]
    if name == "ATOMIC_GROUP":
        return [value]
    if name == "GROUPREF_EXISTS":
        return [branch for branch in value[1:] if branch is not None]
    return []


def _first_bytes(tree: Iterable[Any]) -> frozenset[int]:
    """Bytes a match of `tree` can begin with (over-approximated)."""
    found: set[int] = set()
    for op, value in tree:
        name = str(op)
        firsts, nullable = _first_of_node(name, value)
        found |= firsts
        if not nullable:
            return frozenset(found)
    return frozenset(found)


def _first_of_node(name: str, value: Any) -> tuple[frozenset[int], bool]:
    if name == "LITERAL":
        return frozenset({value}), False
    if name == "NOT_LITERAL":
        return _BYTES - {value}, False
    if name == "ANY":
        return _BYTES, False
    if name == "IN":
        return class_bytes(value), False
    if name == "SUBPATTERN":
        return _first_bytes(value[3]), _nullable(value[3])
    if name == "ATOMIC_GROUP":
        return _first_bytes(value), _nullable(value)
    if name in _REPEATS:
        return _first_bytes(value[2]), value[0] == 0 or _nullable(value[2])
    if name == "BRANCH":
        union: set[int] = set()
        for branch in value[1]:
            union |= _first_bytes(branch)
        return frozenset(union), any(_nullable(branch) for branch in value[1])
    if name in ("AT", "ASSERT", "ASSERT_NOT"):
        return frozenset(), True  # zero-width
    return _BYTES, True  # back-references and the rest: assume anything


def _nullable(tree: Any) -> bool:
    """Whether a parsed fragment (a SubPattern) can match the empty string."""
    return len(tree) == 0 or int(tree.getwidth()[0]) == 0


def class_bytes(items: Iterable[Any]) -> frozenset[int]:
    """The bytes a parsed character class (the items of an IN node) accepts."""
    chosen: set[int] = set()
    negate = False
    for op, value in items:
        name = str(op)
        if name == "NEGATE":
            negate = True
        elif name == "LITERAL":
            chosen.add(value)
        elif name == "RANGE":
            chosen.update(range(value[0], min(value[1], 255) + 1))
        elif name == "CATEGORY":
            chosen |= _CATEGORIES.get(str(value), _BYTES)
    return _BYTES - chosen if negate else frozenset(chosen)


def _representatives(values: frozenset[int]) -> list[bytes]:
    """A letter, a digit and a symbol from a byte set, as available (at most three)."""
    picks: list[bytes] = []
    for group in (range(0x61, 0x7B), range(0x41, 0x5B), range(0x30, 0x3A), range(0x20, 0x7F)):
        hit = next((v for v in group if v in values), None)
        if hit is not None and bytes([hit]) not in picks:
            picks.append(bytes([hit]))
        if len(picks) == 3:
            break
    return picks
