"""The Hyperscan screen: one database finds every rule's hits in a single pass.

It holds each single-line rule's pattern (as a superset expression, `hs_expression`), the
keywords of the other rules, the keywords' base64 forms and the percent-encoding hints. The
database takes seconds to compile, so it can be serialized for the on-disk cache
(`scanner.cache.rule_pack`) and loaded again. Builds known to miss real matches are probed
once and then screen by keywords only.
"""

from __future__ import annotations

import functools
import itertools
import marshal
import re
from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple

from scanner.detect.decoding import PERCENT_HINTS, KeywordForms
from scanner.detect.screening import HIT_CAP, Prefiltered, keyword_bytes
from scanner.rules.assignment import ASSIGNMENT, screening_stand_in
from scanner.rules.pack import Rule

_BASE64_FORM = -1  # expression owners below zero: decoding hints and shared keywords
_PERCENT_HINT = -2
_KEYWORD = -3
_PATTERN_ENTRY = 1  # a database entry that is a rule's screening expression
_EVENT_CAP = 1 << 16  # Hyperscan reports collected as they come, before the capped rescan


class Entry(NamedTuple):
    """One expression of the database: what it is (a kind above) and its payload (a rule
    index for a pattern entry, else the literal bytes)."""

    kind: int
    payload: Any


class HyperscanPrefilter:
    """One Hyperscan database screens for every rule at once.

    A rule is screened by its own pattern, rebuilt from Python's parse into an expression that
    matches a superset (`hs_expression`): the screen reports where a match may end, and the
    Python regex then runs only there: on those lines (holding a keyword, as with keyword
    screening) for a single-line rule, within the pattern's reach of those ends for a
    multi-line one. Rules whose pattern cannot be translated safely, and every rule when
    `screen_patterns` is off (a pre-commit hook, where compiling ~300 patterns costs more than
    the scan) are screened by their keywords. The keywords' base64 forms (where to look for
    encoded secrets) and percent-encoding hints are in the same database.
    """

    name = "hyperscan"

    def __init__(
        self,
        rules: Sequence[Rule],
        forms: KeywordForms,
        compiled: bytes | None,
        screen_patterns: bool,
        hints: bool = True,
    ) -> None:
        """`compiled` is `serialized()` of a database built from the same rules (a cache).
        `hints=False` leaves the percent-encoding hints out: the second database of a split
        screen (`hs_split`), whose first one holds them."""
        import hyperscan

        self._rules = rules
        self._forms = forms
        self._hints = PERCENT_HINTS if hints else ()
        if compiled is not None:
            self._load(compiled)
            return
        expressions: dict[int, str] = {}
        if screen_patterns and screening_is_sound():
            for index, rule in enumerate(rules):
                expression = _screening_expression(rule)
                if expression is not None:
                    expressions[index] = expression
        while True:
            entries = self._layout(frozenset(expressions))
            try:
                self._database = _compile(entries, expressions)
                return
            except hyperscan.error:
                if not expressions:
                    raise
            # Some pattern is beyond this Hyperscan build: find which, screen them by keyword.
            for index in list(expressions):
                try:
                    _compile([Entry(_PATTERN_ENTRY, index)], expressions)
                except hyperscan.error:
                    del expressions[index]

    def _layout(self, pattern_rules: frozenset[int]) -> list[Entry]:
        """Expression ids in order: what each one is and whom its hits go to.

        `pattern_rules` are screened by their pattern alone, the others by their keywords.
        """
        entries: list[Entry] = []
        self._pattern_rules = pattern_rules
        self._owner: list[int] = []  # expression id -> rule index (>= 0) or a kind (< 0)
        self._length: list[int] = []  # a keyword literal's length (its hit's start)
        # Each distinct keyword is one literal, whatever the number of rules sharing it
        # ("token" has a dozen): one callback per occurrence, then fanned out to its rules.
        self._rules_of: list[list[int]] = []
        literal_of: dict[bytes, int] = {}
        for index, rule in enumerate(self._rules):
            if index in pattern_rules:
                entries.append(Entry(_PATTERN_ENTRY, index))
                self._owner.append(index)
                self._length.append(0)
                self._rules_of.append([])
                continue
            for keyword in keyword_bytes(rule):
                literal = literal_of.get(keyword)
                if literal is None:
                    literal = literal_of[keyword] = len(entries)
                    entries.append(Entry(_KEYWORD, keyword))
                    self._owner.append(_KEYWORD)
                    self._length.append(len(keyword))
                    self._rules_of.append([])
                if index not in self._rules_of[literal]:
                    self._rules_of[literal].append(index)
        for form in self._forms.forms:
            entries.append(Entry(_BASE64_FORM, form))
            self._owner.append(_BASE64_FORM)
            self._length.append(len(form))
            self._rules_of.append([])
        self._first_hint = len(entries)
        for hint in self._hints:
            entries.append(Entry(_PERCENT_HINT, hint))
            self._owner.append(_PERCENT_HINT)
            self._length.append(len(hint))
            self._rules_of.append([])
        return entries

    def serialized(self) -> bytes:
        """The layout and the database, for the on-disk cache. The layout is saved, not
        worked out again on load: with ~700 rules and their keywords' encoded forms that was
        25 ms of a 200 ms pre-commit run under cProfile."""
        import hyperscan

        layout = marshal.dumps(
            (
                sorted(self._pattern_rules),
                self._owner,
                self._length,
                self._rules_of,
                self._first_hint,
            )
        )
        return len(layout).to_bytes(8, "big") + layout + bytes(hyperscan.dumpb(self._database))

    def _load(self, compiled: bytes) -> None:
        """The layout and database of `serialized()`; ValueError when they do not fit these
        rules (the cache then compiles again)."""
        size = int.from_bytes(compiled[:8], "big")
        pattern, owner, length, rules_of, first_hint = marshal.loads(compiled[8 : 8 + size])
        # (max() over chained lists: C-level loops, since this runs in every hook)
        rules = len(self._rules)
        fits = (
            len(owner) == len(length) == len(rules_of) == first_hint + len(self._hints)
            and max(owner, default=-1) < rules
            and max(itertools.chain(pattern, *rules_of), default=-1) < rules
        )
        if not fits:
            raise ValueError("a saved screening layout of other rules")
        self._pattern_rules = frozenset(pattern)
        self._owner, self._length, self._rules_of = owner, length, rules_of
        self._first_hint = first_hint
        self._database = _load_database(compiled[8 + size :])

    def prefilter(self, content: bytes) -> Prefiltered:
        # Most contents give a handful of hits: collect them with the cheapest callback and
        # sort them out afterwards. A content with very many is scanned again with the
        # capped bookkeeping below, so memory stays bounded.
        events: list[tuple[int, int]] = []
        collect = events.append

        def on_event(expression: int, start: int, end: int, flags: int, context: Any) -> bool:
            collect((expression, end))
            return len(events) > _EVENT_CAP  # True stops the scan

        import hyperscan

        try:
            self._database.scan(content, match_event_handler=on_event)
        except hyperscan.ScanTerminated:
            return self._prefilter_capped(content)
        if not events:
            return Prefiltered()
        return self._sort_out(iter(events))

    def _prefilter_capped(self, content: bytes) -> Prefiltered:
        kept: list[tuple[int, int]] = []
        counts: dict[int, int] = {}

        def on_event(expression: int, start: int, end: int, flags: int, context: Any) -> None:
            count = counts.get(expression, 0)
            if count <= HIT_CAP + 1:  # one past the cap says "too many" downstream
                counts[expression] = count + 1
                kept.append((expression, end))

        self._database.scan(content, match_event_handler=on_event)
        return self._sort_out(iter(kept))

    def _sort_out(self, events: Iterator[tuple[int, int]]) -> Prefiltered:
        """Hits per rule and decoding hints from (expression, end offset) events."""
        result = Prefiltered(base64_near=[], percent_at=[[] for _ in PERCENT_HINTS])
        first_hint = self._first_hint
        owner = self._owner
        length = self._length
        near = result.base64_near
        assert near is not None
        seen: dict[int, list[int]] = {}
        screened: dict[int, list[int]] = {}
        for expression, end in events:
            kind = owner[expression]
            if kind >= 0:  # a rule's pattern may end at end - 1: note that line
                ends = screened.get(kind)
                if ends is None:
                    screened[kind] = [max(end - 1, 0)]
                elif len(ends) <= HIT_CAP:
                    ends.append(max(end - 1, 0))
            elif kind == _KEYWORD:
                starts = seen.get(expression)
                if starts is None:
                    seen[expression] = [end - length[expression]]
                elif len(starts) <= HIT_CAP:
                    starts.append(end - length[expression])
            else:
                result.encoded_hint = True
                if kind == _BASE64_FORM:
                    if result.base64_near is not None:
                        if len(near) < HIT_CAP:
                            near.append(end - 1)
                        else:  # too many to list: let the decoder look at every base64 run
                            result.base64_near = None
                elif kind == _PERCENT_HINT and result.percent_at is not None:
                    listed = result.percent_at[expression - first_hint]
                    if len(listed) < HIT_CAP:
                        listed.append(end - 3)
                    else:  # too many to list: let the decoder find them itself
                        result.percent_at = None

        hits = result.hits
        for literal, starts in seen.items():
            for index in self._rules_of[literal]:
                existing = hits.get(index)
                if existing is None:
                    hits[index] = list(starts)
                else:
                    existing.extend(starts)
        for index, ends in screened.items():
            hits[index] = ends
            result.screened.add(index)
        return result


# Hyperscan builds known to miss real matches of ordinary patterns. Vectorscan 5.4.12
# (python-hyperscan 0.7.23 to at least 0.9.1) misses this one when other text comes first.
# If a build fails any probe, rules are screened by keywords (exact, only slower).
_KNOWN_REGRESSIONS: tuple[tuple[str, bytes, int], ...] = (
    (r"""\([ \t]{0,4}["][A-Z]{0,40}SECRET""", b'import os\n\ndefine("SECRET_KEY", "x");', 25),
)


@functools.cache
def screening_is_sound() -> bool:
    """Whether this Hyperscan build passes the known-regression probes (checked once)."""
    ends: list[int] = []
    sound = True
    from scanner.detect.hs_expression import screening_expression

    for pattern, text, end in _KNOWN_REGRESSIONS:
        probe = _compile([Entry(_PATTERN_ENTRY, 0)], {0: screening_expression(pattern)})
        ends.clear()
        probe.scan(text, match_event_handler=lambda *hit: ends.append(hit[2]))
        sound = sound and end in ends
    return sound


def _screening_expression(rule: Rule) -> str | None:
    """The rule's pattern as a Hyperscan screening expression, or None to screen by keyword.

    The shared assignment grammar (`{assign}`) is screened as a run of the bytes it can hold:
    a superset that keeps the database as cheap to build as the rules' own parts."""
    # Loaded here: only a compile needs it, and a cached database (every hook run) does not.
    from scanner.detect.hs_expression import Untranslatable, screening_expression

    pattern = rule.pattern.replace(ASSIGNMENT, screening_stand_in())
    try:  # (an expression that could match an empty string is refused too)
        return screening_expression(pattern)
    except (Untranslatable, re.error):
        return None


def _literal_expression(literal: bytes) -> str:
    return "".join(f"\\x{byte:02x}" for byte in literal)


def _compile(entries: list[Entry], expressions: dict[int, str]) -> Any:
    import hyperscan

    texts: list[bytes] = []
    flags: list[int] = []
    caseless = hyperscan.HS_FLAG_CASELESS
    for kind, payload in entries:
        if kind == _PATTERN_ENTRY:
            texts.append(expressions[payload].encode("ascii"))
            # Multi-line: `^` and `$` then hold at every line's ends, as in a line region.
            flags.append(hyperscan.HS_FLAG_PREFILTER | hyperscan.HS_FLAG_MULTILINE)
        elif kind == _KEYWORD:
            texts.append(_literal_expression(payload).encode("ascii"))
            flags.append(caseless)
        elif kind == _BASE64_FORM:
            texts.append(_literal_expression(payload).encode("ascii"))
            flags.append(0)
        else:
            texts.append(_literal_expression(payload).encode("ascii"))
            flags.append(caseless)
    database = hyperscan.Database()
    database.compile(
        expressions=texts, ids=list(range(len(texts))), elements=len(texts), flags=flags
    )
    return database


def _load_database(blob: bytes) -> Any:
    import hyperscan

    database = hyperscan.loadb(blob, hyperscan.HS_MODE_BLOCK)
    database.scratch = hyperscan.Scratch(database)  # loadb leaves it without one
    return database


def hyperscan_available() -> bool:
    try:
        import hyperscan  # noqa: F401
    except ImportError:
        return False
    return True
