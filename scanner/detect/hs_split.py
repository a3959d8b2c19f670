"""A Hyperscan screen in two databases: the built-in rules', and a small one for one's own.

Compiling the ~700 built-in rules takes seconds; a rule file of one's own (`--rules`, a
config's `rules`) holds a handful. Screened together, every new or edited rule of one's own
would compile the whole pack again. Split, the built-in database depends on the built-in
rules alone, so the cache keeps it once for every set of extra rules (`screen_digest` names
it), and only the small database is compiled. A content is then scanned twice; the second
database is small and its scan cheap. A pack of built-in rules only, or of none, is one
database as before.
"""

from __future__ import annotations

import hashlib
import marshal
from collections.abc import Sequence

from scanner.detect.decoding import KeywordForms
from scanner.detect.hs_screening import HyperscanPrefilter
from scanner.detect.screening import HIT_CAP, Prefiltered, keyword_bytes
from scanner.rules.pack import Rule

_FORMAT = b"leakwindow-split-screen/1"


def shipped_count(rules: Sequence[Rule]) -> int:
    """How many of `rules`, from the first, are built-in (the loader puts them first)."""
    count = 0
    while count < len(rules) and rules[count].shipped:
        count += 1
    return count


def split_at(rules: Sequence[Rule]) -> int | None:
    """Where built-in rules end and one's own begin, or None when the screen is one
    database: no rule of one's own, or no built-in one."""
    count = shipped_count(rules)
    return count if 0 < count < len(rules) else None


def screen_digest(rules: Sequence[Rule]) -> str:
    """What a screening database of these rules is made of: each one's id, pattern,
    keywords and line mode (the cache's name for the built-in rules' database)."""
    made_of = [(rule.id, rule.pattern, rule.keywords, rule.multiline) for rule in rules]
    return hashlib.sha256(repr(made_of).encode()).hexdigest()


class SplitScreen:
    """Two Hyperscan screens, built-in rules first, answering as one: hits are keyed by the
    rule's index among all screened rules, decoding hints are pooled."""

    name = "hyperscan"

    def __init__(
        self,
        rules: Sequence[Rule],
        shipped: int,
        compiled: bytes | None,
        compiled_base: bytes | None,
        screen_patterns: bool,
    ) -> None:
        """`compiled`: a `serialized()` of a split screen of the same rules; else
        `compiled_base`, a `base_serialized()` of one with the same built-in part."""
        self._offset = shipped
        base_rules, own_rules = rules[:shipped], rules[shipped:]
        compiled_own = None
        if compiled is not None:
            compiled_base, compiled_own = _unpacked(compiled)
        base_forms, own_forms = _forms(base_rules, own_rules, compiled_own is None)
        self._base = HyperscanPrefilter(base_rules, base_forms, compiled_base, screen_patterns)
        self._own = HyperscanPrefilter(
            own_rules, own_forms, compiled_own, screen_patterns, hints=False
        )

    def serialized(self) -> bytes:
        return marshal.dumps((_FORMAT, self._base.serialized(), self._own.serialized()))

    def base_serialized(self) -> bytes:
        """The built-in rules' database alone, for the cache entry `screen_digest` names."""
        return self._base.serialized()

    def prefilter(self, content: bytes) -> Prefiltered:
        result = self._base.prefilter(content)
        own = self._own.prefilter(content)
        for index, places in own.hits.items():
            result.hits[index + self._offset] = places
        result.screened.update(index + self._offset for index in own.screened)
        if own.encoded_hint and not result.encoded_hint:  # the places the own screen saw
            result.base64_near, result.percent_at = own.base64_near, own.percent_at
        elif own.encoded_hint:
            result.base64_near = _pooled(result.base64_near, own.base64_near)
        result.encoded_hint = result.encoded_hint or own.encoded_hint
        return result


def _forms(
    base_rules: Sequence[Rule], own_rules: Sequence[Rule], compiling: bool
) -> tuple[KeywordForms, KeywordForms]:
    """Each database's keyword forms: the own one holds only those the built-in one lacks,
    so a hint is reported once. A loaded database needs none (its layout is saved)."""
    if not compiling:
        return KeywordForms([]), KeywordForms([])
    base = KeywordForms.of_keywords(kw for rule in base_rules for kw in keyword_bytes(rule))
    known = set(base.forms)
    own = KeywordForms.of_keywords(kw for rule in own_rules for kw in keyword_bytes(rule))
    return base, KeywordForms(form for form in own.forms if form not in known)


def _pooled(first: list[int] | None, second: list[int] | None) -> list[int] | None:
    """Both lists of places, or None ("look everywhere") when either is or they are too many."""
    if first is None or second is None or len(first) + len(second) > HIT_CAP:
        return None
    return sorted(first + second)


def _unpacked(compiled: bytes) -> tuple[bytes, bytes]:
    """The two databases of `serialized()`; ValueError when it is something else."""
    try:
        form, base, own = marshal.loads(compiled)
    except (EOFError, TypeError, ValueError):
        raise ValueError("not a saved split screen") from None
    if form != _FORMAT or not isinstance(base, bytes) or not isinstance(own, bytes):
        raise ValueError("not a saved split screen")
    return base, own
