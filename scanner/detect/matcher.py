"""Content → matches: screening, regex extraction, then the heuristic filters.

A single-line rule's regex runs on each line that holds one of its keywords and could hold a
match; a multi-line rule's around its keyword hits (`regions`). Two screening engines pick
those places and give identical results by construction: Hyperscan when it is installed
(every rule's pattern, translated to match a superset, in one database: `hs_screening`),
plain `bytes.find` of keywords otherwise (`screening`). The Matcher ties them together and
applies the filters to what the regexes extract.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from scanner.detect import filters
from scanner.detect.budget import BlobTimedOut, Deadline
from scanner.detect.checksums import CHECKSUMS
from scanner.detect.decoding import KeywordForms
from scanner.detect.file_rules import file_matches
from scanner.detect.grading import grade
from scanner.detect.hs_screening import HyperscanPrefilter, hyperscan_available
from scanner.detect.hs_split import SplitScreen, split_at
from scanner.detect.key_material import canonical_key
from scanner.detect.lines import LineIndex, line_place
from scanner.detect.regions import search_regions
from scanner.detect.rule_shape import RuleShape, SavedShape, shape_of
from scanner.detect.screening import Prefiltered, PythonPrefilter, keyword_bytes
from scanner.matches import Match
from scanner.rules.file_names import FileRules
from scanner.rules.pack import GENERIC_FAMILY, KEY_MATERIAL_FAMILY, Rule, RulePack

_REGIONS_PER_CHECK = 64  # regions tried between two looks at the time budget


class Span(NamedTuple):
    """Offsets of a secret a provider rule's pattern took: content[start:end]."""

    start: int
    end: int


class Matcher:
    """Finds rule matches in one piece of content."""

    def __init__(
        self,
        pack: RulePack,
        engine: str = "auto",
        compiled_prefilter: bytes | None = None,
        screen_patterns: bool = True,
        shapes: dict[int, SavedShape] | None = None,
        forms: list[bytes] | None = None,
        compiled_base: bytes | None = None,
    ) -> None:
        """`compiled_prefilter`: a `compiled_prefilter()` of a Hyperscan matcher for the same
        pack, matching code, Hyperscan version and `screen_patterns` (the on-disk cache keys
        on all four). `screen_patterns=False` screens by keywords only: a database that
        compiles in milliseconds, for small inputs such as a staged change. `shapes`: the
        `rule_shapes()` of a matcher for the same pack and matching code (also cached), and
        `forms` its `keyword_forms()` (the same, with the decoding code). `compiled_base`: a
        `compiled_base()` of a matcher whose built-in rules are the same (`hs_split`), used
        when `compiled_prefilter` is not given."""
        self.pack = pack
        # Rules bound to credential files read only those files (scan's `path`, or
        # scan_file), so they stay out of the screen that every content goes through.
        self._rules = tuple(rule for rule in pack.rules if not rule.files)
        self._file_rules = FileRules([rule for rule in pack.rules if rule.files])
        # Per-rule regex analysis happens on a rule's first keyword hit: parsing ~300
        # patterns up front costs more than a whole pre-commit run, and a small staged change
        # hits only a few rules.
        self._shapes: dict[int, RuleShape] = (
            {index: RuleShape(*shape) for index, shape in shapes.items()} if shapes else {}
        )
        self._forms = (
            KeywordForms(forms)
            if forms is not None
            else KeywordForms.of_keywords(kw for rule in self._rules for kw in keyword_bytes(rule))
        )
        if engine == "auto":
            engine = "hyperscan" if hyperscan_available() else "python"
        shipped = split_at(self._rules) if engine == "hyperscan" else None
        if shipped is not None:
            self._prefilter: PythonPrefilter | HyperscanPrefilter | SplitScreen = SplitScreen(
                self._rules, shipped, compiled_prefilter, compiled_base, screen_patterns
            )
        elif engine == "hyperscan":
            self._prefilter = HyperscanPrefilter(
                self._rules,
                self._forms,
                compiled_prefilter,
                screen_patterns,
            )
        elif engine == "python":
            self._prefilter = PythonPrefilter(self._rules)
        else:
            raise ValueError(f"unknown matching engine {engine!r}")
        self.engine = self._prefilter.name

    def rule_shapes(self) -> dict[int, SavedShape]:
        """Every rule's regex analysis, for an on-disk cache: the blob workers of a history
        scan would each parse the patterns of every rule that gets a hit (~0.1 s of CPU per
        worker)."""
        for index in range(len(self._rules)):
            self._shape(index)
        return {index: shape.saved() for index, shape in self._shapes.items()}

    def keyword_forms(self) -> list[bytes]:
        """The keywords' encoded forms, for the on-disk cache."""
        return self._forms.forms

    def _shape(self, index: int) -> RuleShape:
        shape = self._shapes.get(index)
        if shape is None:
            shape = self._shapes[index] = shape_of(self._rules[index])
        return shape

    def compiled_prefilter(self) -> bytes | None:
        """The Hyperscan database as bytes, for an on-disk cache; None for the Python engine."""
        if isinstance(self._prefilter, (HyperscanPrefilter, SplitScreen)):
            return self._prefilter.serialized()
        return None

    def compiled_base(self) -> bytes | None:
        """The built-in rules' database alone when the screen is split (`hs_split`), for
        the cache entry shared by every set of one's own rules; else None."""
        if isinstance(self._prefilter, SplitScreen):
            return self._prefilter.base_serialized()
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
        if path is not None and self._file_rules:
            found.extend(self.scan_file(content, path))
        try:
            screened = self._prefilter.prefilter(content)
            if not screened.hits and not screened.encoded_hint:
                return _in_order(found)  # most contents: nothing to look at
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

    def reads_file(self, path: str) -> bool:
        """Whether rules bound to credential files read a file at `path` (a name lookup)."""
        return bool(self._file_rules.rules_for(path))

    def scan_file(self, content: bytes, *paths: str) -> list[Match]:
        """What the rules bound to the names of `paths` (one blob committed under them) find
        in the content; nothing for a path that is no credential file's. These rules are not
        part of `scan` without a path (scanner.detect.file_rules)."""
        bound = self._file_rules.rules
        wanted = {
            index
            for path in paths
            for index in self._file_rules.rules_for(path)
            if not any(pattern.search(path) for pattern in bound[index].path_ignore)
        }
        return file_matches([bound[index] for index in sorted(wanted)], content) if wanted else []

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
        claimed: list[Span] = []  # spans a provider rule's pattern took, kept or not
        countdown = _REGIONS_PER_CHECK
        try:
            for index, starts in screened.hits.items():
                if deadline is not None:
                    deadline.check()
                rule = self._rules[index]
                if path is not None and any(p.search(path) for p in rule.path_ignore):
                    continue
                is_generic = rule.family == GENERIC_FAMILY
                # One line index per rule: its regions come in order, so lookups only move
                # forward.
                lines = LineIndex(content)
                regions = search_regions(
                    rule,
                    self._shape(index),
                    starts,
                    content,
                    index in screened.screened,
                )
                own = None if is_generic else claimed
                into = generic if is_generic else matches
                for region_start, region_end, limit in regions:
                    countdown -= 1
                    if not countdown:  # (a check costs more than counting down to it)
                        countdown = _REGIONS_PER_CHECK
                        if deadline is not None:
                            deadline.check()
                    into.extend(self._extract(rule, lines, region_start, region_end, limit, own))
        except BlobTimedOut:
            raise BlobTimedOut(_settled(matches, generic, claimed)) from None
        return _settled(matches, generic, claimed)

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
                line = line_place(content, span.start)
                column = span.start - line.start + 1
                for match in inner:
                    if match.secret in plain:
                        continue  # already found as is; the encoded copy adds nothing
                    found.append(
                        Match(
                            match.rule_id,
                            match.secret,
                            line.number,
                            column,
                            decoded=span.encoding,
                            confidence=match.confidence,
                        )
                    )
        except BlobTimedOut:
            raise BlobTimedOut(found) from None  # (a span cut short is left out whole)
        return found

    def _extract(
        self,
        rule: Rule,
        lines: LineIndex,
        start: int,
        end: int,
        limit: int,
        claimed: list[Span] | None = None,
    ) -> Iterable[Match]:
        for found in rule.regex.finditer(lines.content, start, end):
            if found.end() > limit:
                continue
            secret = found.group(rule.secret_group)
            if not secret:
                continue
            position = found.start(rule.secret_group)
            if claimed is not None:
                claimed.append(Span(position, found.end(rule.secret_group)))
            line_start = lines.locate(position)
            line_number = lines.line_number
            line = lines.text(line_start)
            if lines.allowed(line_start):
                continue
            if secret_is_dropped(rule, secret):
                continue
            if rule.family == GENERIC_FAMILY and filters.is_generic_noise(
                secret.decode("utf-8", "replace"), line.decode("utf-8", "replace")
            ):
                continue
            offset = position
            # a key block is one secret however it was pasted, whichever rule found it (a
            # private-key rule, or a provider's: a GCP service account file)
            if rule.family == KEY_MATERIAL_FAMILY or secret.startswith(b"-----BEGIN "):
                canonical = canonical_key(secret)
                if canonical != secret:  # not the text at `offset`: a rescan matches again
                    secret, offset = canonical, -1
            yield Match(
                rule_id=rule.id,
                secret=secret,
                line=line_number,
                column=position - line_start + 1,
                offset=offset,
                # a generic value's grade can hang on its name, which only the match holds
                confidence=(
                    grade(rule, secret, lines.content[found.start() : position])
                    if rule.family == GENERIC_FAMILY
                    else None
                ),
            )


def secret_is_dropped(rule: Rule, secret: bytes) -> bool:
    """The secret-level filters: placeholders, runs, sequences, entropy, checksums."""
    text = secret.decode("utf-8", "replace")
    key_material = rule.family == KEY_MATERIAL_FAMILY
    if filters.is_placeholder(text):
        return True
    # Encoded key blocks legitimately hold runs ("AAAAAA" in OpenSSH's header); their
    # patterns are exact enough not to need the run and sequence heuristics.
    if not (key_material or rule.allow_repeated_runs) and filters.is_repeated_run(text):
        return True
    if any(pattern.search(text) for pattern in rule.placeholders):
        return True
    if filters.is_low_entropy(text, rule.min_entropy, hex_limit=rule.family == GENERIC_FAMILY):
        return True
    if rule.checksum is not None and not CHECKSUMS[rule.checksum](text):
        return True
    return not key_material and len(text) >= 8 and filters.is_sequential(text)


def _settled(matches: list[Match], generic: list[Match], claimed: list[Span]) -> list[Match]:
    """Provider matches, then the generic ones no provider pattern claimed: a generic
    assignment rule is a fallback, and when a provider's pattern matched the same text (even
    a look-alike its filters rejected), the provider rule has the last word."""
    return matches + [
        match
        for match in generic
        if not any(
            _overlaps(match.offset, match.offset + len(match.secret), span) for span in claimed
        )
    ]


def _overlaps(start: int, end: int, span: Span) -> bool:
    return start < span.end and span.start < end


def _in_order(matches: list[Match]) -> list[Match]:
    unique = {(m.rule_id, m.secret, m.line, m.column): m for m in matches}
    return sorted(unique.values(), key=lambda m: (m.line, m.column, m.rule_id))
