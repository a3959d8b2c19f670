"""Content → matches: keyword prefilter, regex extraction, then the heuristic filters.

Two prefilter engines give identical results by construction (the same keyword semantics and
the same extraction regexes): Hyperscan when it is installed, plain `bytes.find` otherwise.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from scanner import filters
from scanner.checksums import CHECKSUMS
from scanner.decoding import PERCENT_HINTS, KeywordForms
from scanner.model import Match
from scanner.rules import Rule, RulePack

_KEYWORD = 0
_BASE64_FORM = -1  # literal owners below zero are decoding hints, not rules
_PERCENT_HINT = -2
_HIT_CAP = 2000  # more keyword hits than this for one rule: scan the whole content once


@dataclass
class Prefiltered:
    """Keyword hits per rule (start offsets) and whether decoding is worth trying."""

    hits: dict[int, list[int]] = field(default_factory=dict)
    encoded_hint: bool = False
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


def keyword_starts(lowered: bytes, keywords: Sequence[bytes]) -> list[int]:
    """Offsets of every occurrence of the keywords (capped) in already-lowercased content."""
    starts: list[int] = []
    for keyword in keywords:
        if keyword not in lowered:
            continue
        position = lowered.find(keyword)
        while position >= 0 and len(starts) <= _HIT_CAP:
            starts.append(position)
            position = lowered.find(keyword, position + 1)
    return starts


class _HyperscanPrefilter:
    """One literal Hyperscan database: every rule keyword (reported with its positions), the
    keywords' base64 forms (where to look for encoded secrets) and percent-encoding hints.

    Rule patterns themselves are not compiled into Hyperscan: with the python-hyperscan 0.9
    build, counted repeats such as `["'][A-Z]{0,40}SECRET` were seen to miss real matches a
    few lines into a file, and a screen that can miss would lose findings. Literals are
    exact; the Python regex decides around each keyword hit.
    """

    name = "hyperscan"

    def __init__(
        self, rules: Sequence[Rule], forms: KeywordForms, compiled: bytes | None = None
    ) -> None:
        """`compiled` is `serialized()` of a database built from the same rules (a cache)."""
        import hyperscan

        literals: list[bytes] = []
        flags: list[int] = []
        self._owner: list[int] = []  # literal id -> _KEYWORD, or a decoding hint (< 0)
        self._length: list[int] = []
        # Each distinct keyword is one literal, whatever the number of rules sharing it
        # ("token" has a dozen): one callback per occurrence, then fanned out to its rules.
        self._rules_of: list[list[int]] = []
        literal_of: dict[bytes, int] = {}
        caseless = hyperscan.HS_FLAG_CASELESS
        for index, rule in enumerate(rules):
            for keyword in _keyword_bytes(rule):
                literal = literal_of.get(keyword)
                if literal is None:
                    literal = literal_of[keyword] = len(literals)
                    literals.append(keyword)
                    flags.append(caseless)
                    self._owner.append(_KEYWORD)
                    self._length.append(len(keyword))
                    self._rules_of.append([])
                if index not in self._rules_of[literal]:
                    self._rules_of[literal].append(index)
        for form in forms.forms:
            literals.append(form)
            flags.append(0)
            self._owner.append(_BASE64_FORM)
            self._length.append(len(form))
            self._rules_of.append([])
        for hint in PERCENT_HINTS:
            literals.append(hint)
            flags.append(caseless | hyperscan.HS_FLAG_SINGLEMATCH)
            self._owner.append(_PERCENT_HINT)
            self._length.append(len(hint))
            self._rules_of.append([])
        if compiled is not None:
            self._literals = _load_database(compiled)
            return
        self._literals = hyperscan.Database()
        self._literals.compile(
            expressions=literals,
            ids=list(range(len(literals))),
            elements=len(literals),
            flags=flags,
            literal=True,
        )

    def serialized(self) -> bytes:
        import hyperscan

        return bytes(hyperscan.dumpb(self._literals))

    def prefilter(self, content: bytes) -> Prefiltered:
        result = Prefiltered(base64_near=[])
        owner = self._owner
        length = self._length
        near = result.base64_near
        assert near is not None
        seen: dict[int, list[int]] = {}

        def on_literal(literal_id: int, start: int, end: int, flags: int, context: Any) -> None:
            kind = owner[literal_id]
            if kind < 0:
                result.encoded_hint = True
                if kind == _BASE64_FORM and len(near) <= _HIT_CAP:
                    near.append(end - 1)
                return
            starts = seen.get(literal_id)
            if starts is None:
                seen[literal_id] = [end - length[literal_id]]
            elif len(starts) <= _HIT_CAP:
                starts.append(end - length[literal_id])

        self._literals.scan(content, match_event_handler=on_literal)
        hits = result.hits
        for literal_id, starts in seen.items():
            for index in self._rules_of[literal_id]:
                existing = hits.get(index)
                if existing is None:
                    hits[index] = list(starts)
                else:
                    existing.extend(starts)
        return result


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


def _parser() -> Any:
    if sys.version_info >= (3, 11):
        from re import _parser as sre_parse
    else:  # pragma: no cover
        import sre_parse
    return sre_parse


_WHITESPACE_RUN = 40  # a `\\s` repeated more than this is meant to span lines (PEM bodies)


def crosses_lines(pattern: str) -> bool:
    """Whether a pattern is written to match across a line break.

    Explicit constructs count: a newline literal, a class holding a newline or both `\\s`
    and `\\S` (`[\\s\\S]`), `.` under DOTALL, or `\\s` inside a repeat of more than 40
    (a PEM body). A short `\\s{0,5}` around `=` and negated classes are taken to stay on their
    line: single-line rules are looked for only on the lines of their keyword hits, which is
    what keeps common keywords cheap.
    """
    tree = _parser().parse(pattern.encode("utf-8"))

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
    shortest, _ = _parser().parse(rule.pattern.encode("utf-8")).getwidth()
    return int(shortest)


def match_reach(rule: Rule) -> int | None:
    """How far from a keyword hit a match can extend (its maximum width), or None if unbounded.

    A match is looked for only within this distance of an occurrence of one of the rule's
    keywords: exact for rules whose matches contain their keyword.
    """
    _, widest = _parser().parse(rule.pattern.encode("utf-8")).getwidth()
    if widest >= _UNBOUNDED:
        return None
    return int(widest) + _WINDOW_SLACK


GENERIC_FAMILY = "generic"
KEY_MATERIAL_FAMILY = "private-keys"


def _overlaps(first: tuple[int, int], second: tuple[int, int]) -> bool:
    return first[0] < second[1] and second[0] < first[1]


class Matcher:
    """Finds rule matches in one piece of content."""

    def __init__(
        self,
        pack: RulePack,
        engine: str = "auto",
        compiled_prefilter: bytes | None = None,
    ) -> None:
        """`compiled_prefilter`: a `compiled_prefilter()` of a Hyperscan matcher for the same
        pack, matching code and Hyperscan version (the on-disk cache keys on all three)."""
        self.pack = pack
        self._forms = KeywordForms(kw for rule in pack.rules for kw in _keyword_bytes(rule))
        if engine == "auto":
            engine = "hyperscan" if hyperscan_available() else "python"
        if engine == "hyperscan":
            self._prefilter: _PythonPrefilter | _HyperscanPrefilter = _HyperscanPrefilter(
                pack.rules, self._forms, compiled_prefilter
            )
        elif engine == "python":
            self._prefilter = _PythonPrefilter(pack.rules)
        else:
            raise ValueError(f"unknown matching engine {engine!r}")
        self.engine = self._prefilter.name
        self._rules = pack.rules
        # Per-rule regex analysis happens on a rule's first keyword hit: parsing ~300
        # patterns up front costs more than a whole pre-commit run, and a small staged change
        # hits only a few rules.
        self._reach: dict[int, int | None] = {}
        self._narrowest: dict[int, int] = {}
        self._single_line: dict[int, bool] = {}

    def compiled_prefilter(self) -> bytes | None:
        """The Hyperscan database as bytes, for an on-disk cache; None for the Python engine."""
        if isinstance(self._prefilter, _HyperscanPrefilter):
            return self._prefilter.serialized()
        return None

    def scan(self, content: bytes, path: str | None = None, decode: bool = True) -> list[Match]:
        """Every (rule, secret, position) that survives the filters, in content order.

        Encoded spans (base64, percent) are decoded and scanned too; their matches carry the
        encoding and the position of the encoded span.
        """
        screened = self._prefilter.prefilter(content)
        matches = self._extract_all(content, path, screened)
        if decode and screened.encoded_hint:
            plain = {m.secret for m in matches}
            matches.extend(
                self._scan_decoded(
                    content, path, plain, depth=1, screened_near=screened.base64_near
                )
            )
        unique = {(m.rule_id, m.secret, m.line, m.column): m for m in matches}
        return sorted(unique.values(), key=lambda m: (m.line, m.column, m.rule_id))

    def _scan_plain(self, content: bytes, path: str | None) -> list[Match]:
        return self._extract_all(content, path, self._prefilter.prefilter(content))

    def _extract_all(self, content: bytes, path: str | None, screened: Prefiltered) -> list[Match]:
        matches: list[Match] = []
        generic: list[Match] = []
        claimed: list[tuple[int, int]] = []  # spans a provider rule's pattern took, kept or not
        for index, starts in screened.hits.items():
            rule = self._rules[index]
            if path is not None and any(p.search(path) for p in rule.path_ignore):
                continue
            is_generic = rule.family == GENERIC_FAMILY
            # One line index per rule: its windows come in order, so lookups only move forward.
            lines = _LineIndex(content)
            for window_start, window_end, limit in self._windows(index, starts, content):
                found = self._extract(
                    rule, lines, window_start, window_end, limit, None if is_generic else claimed
                )
                (generic if is_generic else matches).extend(found)
        # A generic assignment rule is a fallback: when a provider's pattern matched the same
        # text (even a look-alike its filters rejected), the provider rule has the last word.
        matches.extend(
            match
            for match in generic
            if not any(
                _overlaps((match.offset, match.offset + len(match.secret)), span)
                for span in claimed
            )
        )
        return matches

    def _windows(self, index: int, starts: list[int], content: bytes) -> list[tuple[int, int, int]]:
        """Merged regions around keyword hits where a match of the rule can lie.

        Each is (start, end, limit): matches ending after `limit` are artefacts of the cut.
        A line window ends at a real newline, so nothing is cut there.
        """
        size = len(content)
        if index not in self._single_line:
            rule = self._rules[index]
            self._single_line[index] = rule_is_single_line(rule)
        if len(starts) > _HIT_CAP:
            return [(0, size, size)]  # too many hits to list: the whole content, once
        if self._single_line[index]:
            narrowest = self._narrowest.get(index)
            if narrowest is None:
                narrowest = self._narrowest[index] = shortest_match(self._rules[index])
            # A line shorter than the shortest possible match cannot hold one.
            return [
                (low, high, high)
                for low, high in _line_windows(content, starts)
                if high - low >= narrowest
            ]
        if index not in self._reach:
            self._reach[index] = match_reach(self._rules[index])
        reach = self._reach[index]
        if reach is None or len(starts) > _HIT_CAP:
            return [(0, size, size)]
        merged: list[tuple[int, int]] = []
        for start in sorted(starts):
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
    ) -> list[Match]:
        from scanner.decoding import MAX_DEPTH, encoded_spans

        found: list[Match] = []
        near = screened_near if depth == 1 else None
        for span in encoded_spans(content, self._forms, near):
            inner = self._scan_plain(span.text, path)
            if depth < MAX_DEPTH:
                inner.extend(self._scan_decoded(span.text, path, plain, depth + 1, None))
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
