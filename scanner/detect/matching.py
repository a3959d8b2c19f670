"""Content → matches: screening, regex extraction, then the heuristic filters.

A single-line rule's regex runs on each line that holds one of its keywords and could hold a
match; a multi-line rule's around its keyword hits. Two screening engines pick those places
and give identical results by construction: Hyperscan when it is installed (every rule's
pattern, translated to match a superset, in one database), plain `bytes.find` of keywords
otherwise.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from scanner.detect import filters
from scanner.detect.budget import BlobTimedOut, Deadline
from scanner.detect.checksums import CHECKSUMS
from scanner.detect.decoding import PERCENT_HINTS, KeywordForms
from scanner.detect.hs_expression import Untranslatable, screening_expression, sre_parser
from scanner.model import Match
from scanner.rules.pack import GENERIC_FAMILY, KEY_MATERIAL_FAMILY, Rule, RulePack

_BASE64_FORM = -1  # expression owners below zero: decoding hints and shared keywords
_PERCENT_HINT = -2
_KEYWORD = -3
_PATTERN_ENTRY = 1  # a database entry that is a rule's screening expression
_HIT_CAP = 2000  # more keyword hits than this for one rule: scan the whole content once
_WINDOWS_PER_CHECK = 64  # windows tried between two looks at the time budget
_EVENT_CAP = 1 << 16  # Hyperscan reports collected as they come, before the capped rescan


@dataclass
class Prefiltered:
    """Hits per rule (offsets) and whether decoding is worth trying."""

    hits: dict[int, list[int]] = field(default_factory=dict)
    # Rules whose hits are where their screening pattern may end (not keyword starts): a
    # line there is tried only if it holds a keyword too.
    screened: set[int] = field(default_factory=set)
    # Multi-line rules: where their screening pattern may end; only keyword windows holding
    # one of these are tried (a rule absent here has no gate).
    gates: dict[int, list[int]] = field(default_factory=dict)
    encoded_hint: bool = False
    # Where percent-encoding hints (`%2D`, `%3A`, ...) were seen, per hint: percent runs are
    # found around them. None: not listed (look for them in the content).
    percent_at: list[list[int]] | None = None
    # Where keywords' base64 forms were seen (Hyperscan), so only the runs around them are
    # examined; None means "look at every base64 run" (the Python engine).
    base64_near: list[int] | None = None


def _keyword_bytes(rule: Rule) -> list[bytes]:
    return [keyword.encode("utf-8") for keyword in rule.keywords]


class _PythonPrefilter:
    """Keyword positions found with `bytes.find` over the lowercased content."""

    name = "python"

    def __init__(self, rules: Sequence[Rule]) -> None:
        self._keywords = [_keyword_bytes(rule) for rule in rules]

    def prefilter(self, content: bytes) -> Prefiltered:
        lowered = content.lower()
        result = Prefiltered()
        for index, keywords in enumerate(self._keywords):
            starts = keyword_starts(lowered, keywords)
            if starts:
                result.hits[index] = starts
        # Without Hyperscan, always let the decoder look: each span is still checked for a
        # keyword's encoded form, which is what decides (and keeps both engines identical).
        result.encoded_hint = True
        return result


def keyword_starts(
    lowered: bytes, keywords: Sequence[bytes], cap: int | None = _HIT_CAP
) -> list[int]:
    """Offsets of the keywords' occurrences in already-lowercased content: every one, or a
    few more than `cap` (enough to tell that there are too many to list)."""
    starts: list[int] = []
    most = len(lowered) if cap is None else cap
    for keyword in keywords:
        if keyword not in lowered:
            continue
        position = lowered.find(keyword)
        while position >= 0 and len(starts) <= most:
            starts.append(position)
            position = lowered.find(keyword, position + 1)
    return starts


class _HyperscanPrefilter:
    """One Hyperscan database screens for every rule at once.

    A single-line rule is screened by its own pattern, rebuilt from Python's parse into an
    expression that matches a superset (`hs_expression`): the screen reports where a match
    may end, and the Python regex then runs only on those lines (and only where a keyword is,
    as with keyword screening), so the lines tried are the same as the Python engine's that
    can hold a match. Multi-line rules, rules whose pattern cannot be translated safely, and
    every rule when `screen_patterns` is off (a pre-commit hook, where compiling ~300 patterns
    costs more than the scan) are screened by their keywords. The keywords' base64 forms
    (where to look for encoded secrets) and percent-encoding hints are in the same database.
    """

    name = "hyperscan"

    def __init__(
        self,
        rules: Sequence[Rule],
        forms: KeywordForms,
        compiled: bytes | None,
        screen_patterns: bool,
        single_line: Callable[[int], bool],
    ) -> None:
        """`compiled` is `serialized()` of a database built from the same rules (a cache).
        `single_line(index)`: whether rule `index` is single-line (the Matcher's memoised
        analysis, so a compile does not parse each pattern a second time)."""
        import hyperscan

        self._rules = rules
        self._forms = forms
        if compiled is not None:
            header, _, database = compiled.partition(b"\n")
            lines, _, gated = header.partition(b";")
            self._layout(_indices(lines), _indices(gated))
            self._database = _load_database(database)
            return
        expressions: dict[int, str] = {}
        multi_line: set[int] = set()
        if screen_patterns and screening_is_sound():
            for index, rule in enumerate(rules):
                expression = _screening_expression(rule)
                if expression is not None:
                    expressions[index] = expression
                    if not single_line(index):
                        multi_line.add(index)
        while True:
            single = frozenset(index for index in expressions if index not in multi_line)
            entries = self._layout(single, frozenset(expressions) - single)
            try:
                self._database = _compile(entries, expressions)
                return
            except hyperscan.error:
                if not expressions:
                    raise
            # Some pattern is beyond this Hyperscan build: find which, screen them by keyword.
            for index in list(expressions):
                try:
                    _compile([(_PATTERN_ENTRY, index)], expressions)
                except hyperscan.error:
                    del expressions[index]

    def _layout(
        self, pattern_rules: frozenset[int], gated_rules: frozenset[int]
    ) -> list[tuple[int, Any]]:
        """Expression ids in order: what each one is and whom its hits go to.

        `pattern_rules` (single-line) are screened by their pattern alone; `gated_rules`
        (multi-line) by their keywords, and a keyword's window is tried only if the rule's
        pattern may end inside it.
        """
        entries: list[tuple[int, Any]] = []
        self._pattern_rules = pattern_rules
        self._gated_rules = gated_rules
        self._owner: list[int] = []  # expression id -> rule index (>= 0) or a kind (< 0)
        self._length: list[int] = []  # a keyword literal's length (its hit's start)
        # Each distinct keyword is one literal, whatever the number of rules sharing it
        # ("token" has a dozen): one callback per occurrence, then fanned out to its rules.
        self._rules_of: list[list[int]] = []
        literal_of: dict[bytes, int] = {}
        for index, rule in enumerate(self._rules):
            if index in pattern_rules or index in gated_rules:
                entries.append((_PATTERN_ENTRY, index))
                self._owner.append(index)
                self._length.append(0)
                self._rules_of.append([])
                if index in pattern_rules:
                    continue
            for keyword in _keyword_bytes(rule):
                literal = literal_of.get(keyword)
                if literal is None:
                    literal = literal_of[keyword] = len(entries)
                    entries.append((_KEYWORD, keyword))
                    self._owner.append(_KEYWORD)
                    self._length.append(len(keyword))
                    self._rules_of.append([])
                if index not in self._rules_of[literal]:
                    self._rules_of[literal].append(index)
        for form in self._forms.forms:
            entries.append((_BASE64_FORM, form))
            self._owner.append(_BASE64_FORM)
            self._length.append(len(form))
            self._rules_of.append([])
        self._first_hint = len(entries)
        for hint in PERCENT_HINTS:
            entries.append((_PERCENT_HINT, hint))
            self._owner.append(_PERCENT_HINT)
            self._length.append(len(hint))
            self._rules_of.append([])
        return entries

    def serialized(self) -> bytes:
        import hyperscan

        header = f"{_listed(self._pattern_rules)};{_listed(self._gated_rules)}".encode()
        return header + b"\n" + bytes(hyperscan.dumpb(self._database))

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
            if count <= _HIT_CAP + 1:  # one past the cap says "too many" downstream
                counts[expression] = count + 1
                kept.append((expression, end))

        self._database.scan(content, match_event_handler=on_event)
        return self._sort_out(iter(kept))

    def _sort_out(self, events: Iterator[tuple[int, int]]) -> Prefiltered:
        """Hits per rule, gates, decoding hints from (expression, end offset) events."""
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
                elif len(ends) <= _HIT_CAP:
                    ends.append(max(end - 1, 0))
            elif kind == _KEYWORD:
                starts = seen.get(expression)
                if starts is None:
                    seen[expression] = [end - length[expression]]
                elif len(starts) <= _HIT_CAP:
                    starts.append(end - length[expression])
            else:
                result.encoded_hint = True
                if kind == _BASE64_FORM and len(near) <= _HIT_CAP:
                    near.append(end - 1)
                elif kind == _PERCENT_HINT and result.percent_at is not None:
                    listed = result.percent_at[expression - first_hint]
                    if len(listed) < _HIT_CAP:
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
            if index in self._gated_rules:
                if len(ends) <= _HIT_CAP:  # (past the cap: no gate, every keyword window)
                    result.gates[index] = sorted(ends)
            else:
                hits[index] = ends
                result.screened.add(index)
        # A gated rule whose pattern never matched cannot match near its keywords either.
        for index in self._gated_rules:
            if index in hits and index not in screened:
                del hits[index]
        return result


def _indices(listed: bytes) -> frozenset[int]:
    return frozenset(int(index) for index in listed.split(b",") if index)


def _listed(indices: frozenset[int]) -> str:
    return ",".join(str(index) for index in sorted(indices))


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
    for pattern, text, end in _KNOWN_REGRESSIONS:
        probe = _compile([(_PATTERN_ENTRY, 0)], {0: screening_expression(pattern)})
        ends.clear()
        probe.scan(text, match_event_handler=lambda *hit: ends.append(hit[2]))
        sound = sound and end in ends
    return sound


def _screening_expression(rule: Rule) -> str | None:
    """The rule's pattern as a Hyperscan screening expression, or None to screen by keyword."""
    try:  # (an expression that could match an empty string is refused too)
        return screening_expression(rule.pattern)
    except (Untranslatable, re.error):
        return None


def _literal_expression(literal: bytes) -> str:
    return "".join(f"\\x{byte:02x}" for byte in literal)


def _compile(entries: list[tuple[int, Any]], expressions: dict[int, str]) -> Any:
    import hyperscan

    texts: list[bytes] = []
    flags: list[int] = []
    caseless = hyperscan.HS_FLAG_CASELESS
    for kind, payload in entries:
        if kind == _PATTERN_ENTRY:
            texts.append(expressions[payload].encode("ascii"))
            # Multi-line: `^` and `$` then hold at every line's ends, as in a line window.
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


def _line_bounds(content: bytes, position: int) -> tuple[int, int, int]:
    """Start offset, end offset and 1-based number of the line holding `position`."""
    start = content.rfind(b"\n", 0, position) + 1
    end = content.find(b"\n", position)
    if end < 0:
        end = len(content)
    return start, end, content.count(b"\n", 0, position) + 1


class _LineIndex:
    """Line starts, numbers and allow markers for increasing positions in one content.

    finditer yields positions in order, so each lookup continues from the last one: a long
    line with thousands of matches (a minified file, a dump of tokens) costs one pass over
    the content, not one per match.
    """

    def __init__(self, content: bytes) -> None:
        self.content = content
        self._position = 0
        self._line_start = 0
        self._line_number = 1
        self._lines: dict[int, bytes] = {}
        self._allowed: dict[int, bool] = {}

    def locate(self, position: int) -> tuple[int, int]:
        """(start offset, 1-based number) of the line holding `position`."""
        if position < self._position:  # out of order: start again from the top
            self._position, self._line_start, self._line_number = 0, 0, 1
        content = self.content
        newlines = content.count(b"\n", self._position, position)
        if newlines:
            self._line_start = content.rfind(b"\n", self._position, position) + 1
            self._line_number += newlines
        self._position = position
        return self._line_start, self._line_number

    def text(self, line_start: int) -> bytes:
        """The line starting at `line_start`, without its newline (sliced once per line)."""
        line = self._lines.get(line_start)
        if line is None:
            content = self.content
            line_end = content.find(b"\n", line_start)
            line = content[line_start : len(content) if line_end < 0 else line_end]
            self._lines[line_start] = line
        return line

    def allowed(self, line_start: int) -> bool:
        """Whether the line starting at `line_start` (or the one above it) waives findings."""
        cached = self._allowed.get(line_start)
        if cached is None:
            previous = _previous_line(self.content, line_start)
            cached = filters.has_allow_marker(self.text(line_start), previous)
            self._allowed[line_start] = cached
        return cached


def _settled(
    matches: list[Match], generic: list[Match], claimed: list[tuple[int, int]]
) -> list[Match]:
    """Provider matches, then the generic ones no provider pattern claimed: a generic
    assignment rule is a fallback, and when a provider's pattern matched the same text (even
    a look-alike its filters rejected), the provider rule has the last word."""
    return matches + [
        match
        for match in generic
        if not any(
            _overlaps((match.offset, match.offset + len(match.secret)), span) for span in claimed
        )
    ]


def _in_order(matches: list[Match]) -> list[Match]:
    unique = {(m.rule_id, m.secret, m.line, m.column): m for m in matches}
    return sorted(unique.values(), key=lambda m: (m.line, m.column, m.rule_id))


def _holds_any(positions: list[int], low: int, high: int) -> bool:
    """Whether some position lies in [low, high) (`positions` sorted)."""
    at = bisect.bisect_left(positions, low)
    return at < len(positions) and positions[at] < high


def _holds_keyword(line: bytes, keywords: Sequence[bytes]) -> bool:
    lowered = line.lower()
    return any(keyword in lowered for keyword in keywords)


def _line_windows(content: bytes, starts: list[int]) -> list[tuple[int, int]]:
    """The whole lines holding keyword hits (a window ends at its line's newline)."""
    merged: list[tuple[int, int]] = []
    for start in sorted(starts):
        if merged and start < merged[-1][1]:
            continue
        low = content.rfind(b"\n", 0, start) + 1
        high = content.find(b"\n", start)
        merged.append((low, len(content) if high < 0 else high))
    return merged


def _previous_line(content: bytes, line_start: int) -> bytes:
    if line_start == 0:
        return b""
    return content[content.rfind(b"\n", 0, line_start - 1) + 1 : line_start - 1]


def secret_is_dropped(rule: Rule, secret: bytes) -> bool:
    """The secret-level filters: placeholders, runs, sequences, entropy, checksums."""
    text = secret.decode("utf-8", "replace")
    key_material = rule.family == KEY_MATERIAL_FAMILY
    if filters.is_placeholder(text):
        return True
    # Encoded key blocks legitimately hold runs ("AAAAAA" in OpenSSH's header); their
    # patterns are exact enough not to need the run and sequence heuristics.
    if not key_material and filters.is_repeated_run(text):
        return True
    if any(pattern.search(text) for pattern in rule.placeholders):
        return True
    if filters.is_low_entropy(text, rule.min_entropy):
        return True
    if rule.checksum is not None and not CHECKSUMS[rule.checksum](text):
        return True
    return not key_material and len(text) >= 8 and filters.is_sequential(text)


_UNBOUNDED = 1 << 16
_WINDOW_SLACK = 16  # room for lookarounds and word boundaries at a window's edges


_WHITESPACE_RUN = 40  # a `\\s` repeated more than this is meant to span lines (PEM bodies)


def crosses_lines(pattern: str) -> bool:
    """Whether a pattern is written to match across a line break.

    Explicit constructs count: a newline literal, a class holding a newline or both `\\s`
    and `\\S` (`[\\s\\S]`), `.` under DOTALL, or `\\s` inside a repeat of more than 40
    (a PEM body). A short `\\s{0,5}` around `=` and negated classes are taken to stay on their
    line: single-line rules are looked for only on the lines of their keyword hits, which is
    what keeps common keywords cheap.
    """
    tree = sre_parser().parse(pattern.encode("utf-8"))

    def crossing_class(value: Any, repeat: int) -> bool:
        if any(str(o) == "NEGATE" for o, _ in value):
            return False
        kinds = {str(v) for o, v in value if str(o) == "CATEGORY"}
        literals = {v for o, v in value if str(o) == "LITERAL"}
        if 10 in literals or {"CATEGORY_SPACE", "CATEGORY_NOT_SPACE"} <= kinds:
            return True
        return "CATEGORY_SPACE" in kinds and repeat > _WHITESPACE_RUN

    def walk(items: Any, dotall: bool, repeat: int) -> bool:
        for op, value in items:
            name = str(op)
            if name == "LITERAL" and value == 10:
                return True
            if name == "ANY" and dotall:
                return True
            if name == "IN" and crossing_class(value, repeat):
                return True
            if name == "SUBPATTERN":
                inner_dotall = dotall or bool(value[1] & re.DOTALL)
                if walk(value[3], inner_dotall, repeat):
                    return True
            elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
                if walk(value[2], dotall, repeat * max(1, min(int(value[1]), 1 << 16))):
                    return True
            elif name == "BRANCH":
                if any(walk(branch, dotall, repeat) for branch in value[1]):
                    return True
            elif name in ("ASSERT", "ASSERT_NOT"):
                if walk(value[1], dotall, repeat):
                    return True
            elif name == "GROUPREF_EXISTS":
                if any(b is not None and walk(b, dotall, repeat) for b in value[1:]):
                    return True
            elif name == "ATOMIC_GROUP" and walk(value, dotall, repeat):
                return True
        return False

    return walk(tree, bool(tree.state.flags & re.DOTALL), 1)


def rule_is_single_line(rule: Rule) -> bool:
    return not (rule.multiline or crosses_lines(rule.pattern))


def shortest_match(rule: Rule) -> int:
    """The fewest bytes a match of the rule can span (lookarounds count as zero)."""
    shortest, _ = sre_parser().parse(rule.pattern.encode("utf-8")).getwidth()
    return int(shortest)


def match_reach(rule: Rule) -> int | None:
    """How far from a keyword hit a match can extend (its maximum width), or None if unbounded.

    A match is looked for only within this distance of an occurrence of one of the rule's
    keywords: exact for rules whose matches contain their keyword.
    """
    _, widest = sre_parser().parse(rule.pattern.encode("utf-8")).getwidth()
    if widest >= _UNBOUNDED:
        return None
    return int(widest) + _WINDOW_SLACK


def _overlaps(first: tuple[int, int], second: tuple[int, int]) -> bool:
    return first[0] < second[1] and second[0] < first[1]


# A rule's regex analysis: (single-line, shortest match, reach). Single-line rules are tried
# on the lines of their hits that are at least the shortest match long (reach unused: None);
# multi-line rules within `reach` of a hit (None: unbounded; shortest match unused: 0).
RuleShape = tuple[bool, int, int | None]


class Matcher:
    """Finds rule matches in one piece of content."""

    def __init__(
        self,
        pack: RulePack,
        engine: str = "auto",
        compiled_prefilter: bytes | None = None,
        screen_patterns: bool = True,
        shapes: dict[int, RuleShape] | None = None,
        forms: list[bytes] | None = None,
    ) -> None:
        """`compiled_prefilter`: a `compiled_prefilter()` of a Hyperscan matcher for the same
        pack, matching code, Hyperscan version and `screen_patterns` (the on-disk cache keys
        on all four). `screen_patterns=False` screens by keywords only: a database that
        compiles in milliseconds, for small inputs such as a staged change. `shapes`: the
        `rule_shapes()` of a matcher for the same pack and matching code (also cached), and
        `forms` its `keyword_forms()` (the same, with the decoding code)."""
        self.pack = pack
        self._rules = pack.rules
        # Per-rule regex analysis happens on a rule's first keyword hit: parsing ~300
        # patterns up front costs more than a whole pre-commit run, and a small staged change
        # hits only a few rules.
        self._shapes: dict[int, RuleShape] = shapes if shapes is not None else {}
        self._forms = (
            KeywordForms(forms)
            if forms is not None
            else KeywordForms.of_keywords(kw for rule in pack.rules for kw in _keyword_bytes(rule))
        )
        if engine == "auto":
            engine = "hyperscan" if hyperscan_available() else "python"
        if engine == "hyperscan":
            self._prefilter: _PythonPrefilter | _HyperscanPrefilter = _HyperscanPrefilter(
                pack.rules,
                self._forms,
                compiled_prefilter,
                screen_patterns,
                single_line=lambda index: self._shape(index)[0],
            )
        elif engine == "python":
            self._prefilter = _PythonPrefilter(pack.rules)
        else:
            raise ValueError(f"unknown matching engine {engine!r}")
        self.engine = self._prefilter.name

    def rule_shapes(self) -> dict[int, RuleShape]:
        """Every rule's regex analysis, for an on-disk cache: the blob workers of a history
        scan would each parse the patterns of every rule that gets a hit (~0.1 s of CPU per
        worker)."""
        for index in range(len(self._rules)):
            self._shape(index)
        return self._shapes

    def keyword_forms(self) -> list[bytes]:
        """The keywords' encoded forms, for the on-disk cache."""
        return self._forms.forms

    def _shape(self, index: int) -> RuleShape:
        shape = self._shapes.get(index)
        if shape is None:
            rule = self._rules[index]
            if rule_is_single_line(rule):
                shape = (True, shortest_match(rule), None)
            else:
                shape = (False, 0, match_reach(rule))
            self._shapes[index] = shape
        return shape

    def compiled_prefilter(self) -> bytes | None:
        """The Hyperscan database as bytes, for an on-disk cache; None for the Python engine."""
        if isinstance(self._prefilter, _HyperscanPrefilter):
            return self._prefilter.serialized()
        return None

    def scan(
        self,
        content: bytes,
        path: str | None = None,
        decode: bool = True,
        deadline: Deadline | None = None,
    ) -> list[Match]:
        """Every (rule, secret, position) that survives the filters, in content order.

        Encoded spans (base64, percent) are decoded and scanned too; their matches carry the
        encoding and the position of the encoded span. Past `deadline`, a BlobTimedOut carries
        the matches found so far (see scanner.detect.budget).
        """
        found: list[Match] = []
        try:
            screened = self._prefilter.prefilter(content)
            if not screened.hits and not screened.encoded_hint:
                return []  # most contents: nothing to look at
            if deadline is not None:
                deadline.start()
            found.extend(self._extract_all(content, path, screened, deadline))
            if decode and screened.encoded_hint:
                plain = {m.secret for m in found}
                found.extend(
                    self._scan_decoded(
                        content,
                        path,
                        plain,
                        depth=1,
                        screened_near=screened.base64_near,
                        percent_at=screened.percent_at,
                        deadline=deadline,
                    )
                )
            return _in_order(found)
        except BlobTimedOut as timeout:
            raise BlobTimedOut(_in_order([*found, *timeout.matches])) from None

    def _scan_plain(
        self, content: bytes, path: str | None, deadline: Deadline | None = None
    ) -> list[Match]:
        return self._extract_all(content, path, self._prefilter.prefilter(content), deadline)

    def _extract_all(
        self,
        content: bytes,
        path: str | None,
        screened: Prefiltered,
        deadline: Deadline | None = None,
    ) -> list[Match]:
        matches: list[Match] = []
        generic: list[Match] = []
        claimed: list[tuple[int, int]] = []  # spans a provider rule's pattern took, kept or not
        countdown = _WINDOWS_PER_CHECK
        try:
            for index, starts in screened.hits.items():
                if deadline is not None:
                    deadline.check()
                rule = self._rules[index]
                if path is not None and any(p.search(path) for p in rule.path_ignore):
                    continue
                is_generic = rule.family == GENERIC_FAMILY
                # One line index per rule: its windows come in order, so lookups only move
                # forward.
                lines = _LineIndex(content)
                windows = self._windows(index, starts, content, index in screened.screened)
                gate = screened.gates.get(index)
                if gate is not None:
                    windows = [w for w in windows if _holds_any(gate, w[0], w[1])]
                own = None if is_generic else claimed
                into = generic if is_generic else matches
                for window_start, window_end, limit in windows:
                    countdown -= 1
                    if not countdown:  # (a check costs more than counting down to it)
                        countdown = _WINDOWS_PER_CHECK
                        if deadline is not None:
                            deadline.check()
                    into.extend(self._extract(rule, lines, window_start, window_end, limit, own))
        except BlobTimedOut:
            raise BlobTimedOut(_settled(matches, generic, claimed)) from None
        return _settled(matches, generic, claimed)

    def _windows(
        self, index: int, hits: list[int], content: bytes, screened: bool
    ) -> list[tuple[int, int, int]]:
        """Merged regions around hits where a match of the rule can lie.

        Each is (start, end, limit): matches ending after `limit` are artefacts of the cut.
        A line window ends at a real newline, so nothing is cut there. A single-line rule is
        tried on each line that holds one of its keywords (with a screening hit, when its
        pattern was screened); a multi-line rule around its keyword hits.
        """
        size = len(content)
        single_line, narrowest, reach = self._shape(index)
        if single_line:
            keywords = _keyword_bytes(self._rules[index])
            if len(hits) > _HIT_CAP:  # too many to have been listed: every keyword line
                hits = keyword_starts(content.lower(), keywords, cap=None)
                screened = False
            # A line shorter than the shortest possible match cannot hold one.
            windows = [
                (low, high, high)
                for low, high in _line_windows(content, hits)
                if high - low >= narrowest
            ]
            if screened:
                windows = [w for w in windows if _holds_keyword(content[w[0] : w[1]], keywords)]
            return windows
        if reach is None or len(hits) > _HIT_CAP:  # unbounded, or too many hits to list
            return [(0, size, size)]  # the whole content, once
        merged: list[tuple[int, int]] = []
        for start in sorted(hits):
            low, high = max(0, start - reach), min(size, start + reach)
            if merged and low <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], high))
            else:
                merged.append((low, high))
        # At a reach window's end the regex sees an artificial end of text; no match that
        # contains a keyword gets that far, so one that does is an artefact of the cut.
        return [(low, high, high if high == size else high - _WINDOW_SLACK) for low, high in merged]

    def _scan_decoded(
        self,
        content: bytes,
        path: str | None,
        plain: set[bytes],
        depth: int,
        screened_near: list[int] | None = None,
        percent_at: list[list[int]] | None = None,
        deadline: Deadline | None = None,
    ) -> list[Match]:
        from scanner.detect.decoding import MAX_DEPTH, encoded_spans

        found: list[Match] = []
        near = screened_near if depth == 1 else None
        hints = percent_at if depth == 1 else None
        try:
            for span in encoded_spans(content, self._forms, near, percent_at=hints):
                if deadline is not None:
                    deadline.check()
                inner = self._scan_plain(span.text, path, deadline)
                if depth < MAX_DEPTH:
                    inner.extend(
                        self._scan_decoded(span.text, path, plain, depth + 1, None, None, deadline)
                    )
                if not inner:
                    continue
                _, _, line = _line_bounds(content, span.start)
                column = span.start - (content.rfind(b"\n", 0, span.start) + 1) + 1
                for match in inner:
                    if match.secret in plain:
                        continue  # already found as is; the encoded copy adds nothing
                    found.append(
                        Match(match.rule_id, match.secret, line, column, decoded=span.encoding)
                    )
        except BlobTimedOut:
            raise BlobTimedOut(found) from None  # (a span cut short is left out whole)
        return found

    def _extract(
        self,
        rule: Rule,
        lines: _LineIndex,
        start: int,
        end: int,
        limit: int,
        claimed: list[tuple[int, int]] | None = None,
    ) -> Iterable[Match]:
        for found in rule.regex.finditer(lines.content, start, end):
            if found.end() > limit:
                continue
            secret = found.group(rule.secret_group)
            if not secret:
                continue
            position = found.start(rule.secret_group)
            if claimed is not None:
                claimed.append((position, found.end(rule.secret_group)))
            line_start, line_number = lines.locate(position)
            line = lines.text(line_start)
            if lines.allowed(line_start):
                continue
            if secret_is_dropped(rule, secret):
                continue
            if rule.family == GENERIC_FAMILY and filters.is_generic_noise(
                secret.decode("utf-8", "replace"), line.decode("utf-8", "replace")
            ):
                continue
            yield Match(
                rule_id=rule.id,
                secret=secret,
                line=line_number,
                column=position - line_start + 1,
                offset=position,
            )
