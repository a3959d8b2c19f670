"""Content → matches: keyword prefilter, regex extraction, then the heuristic filters.

Two prefilter engines give identical results by construction (the same keyword semantics and
the same extraction regexes): Hyperscan when it is installed, plain `bytes.find` otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from scanner import filters
from scanner.checksums import CHECKSUMS
from scanner.model import Match
from scanner.rules import Rule, RulePack


class _PythonPrefilter:
    """Candidate rules are those with a keyword in the lowercased content."""

    name = "python"

    def __init__(self, rules: Sequence[Rule]) -> None:
        self._rules = rules

    def candidates(self, content: bytes) -> list[Rule]:
        lowered = content.lower()
        return [rule for rule in self._rules if any(kw.encode() in lowered for kw in rule.keywords)]


class _HyperscanPrefilter:
    """All keywords of all rules in one caseless literal Hyperscan database."""

    name = "hyperscan"

    def __init__(self, rules: Sequence[Rule]) -> None:
        import hyperscan

        self._rules = rules
        literals: list[bytes] = []
        self._owner: list[int] = []
        for index, rule in enumerate(rules):
            for keyword in rule.keywords:
                literals.append(keyword.encode())
                self._owner.append(index)
        flags = hyperscan.HS_FLAG_CASELESS | hyperscan.HS_FLAG_SINGLEMATCH
        self._db = hyperscan.Database()
        self._db.compile(
            expressions=literals,
            ids=list(range(len(literals))),
            elements=len(literals),
            flags=[flags] * len(literals),
            literal=True,
        )

    def candidates(self, content: bytes) -> list[Rule]:
        hit: set[int] = set()

        def on_match(literal_id: int, start: int, end: int, flags: int, context: Any) -> None:
            hit.add(self._owner[literal_id])

        self._db.scan(content, match_event_handler=on_match)
        return [self._rules[index] for index in sorted(hit)]


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


def _previous_line(content: bytes, line_start: int) -> bytes:
    if line_start == 0:
        return b""
    return content[content.rfind(b"\n", 0, line_start - 1) + 1 : line_start - 1]


def secret_is_dropped(rule: Rule, secret: bytes) -> bool:
    """The secret-level filters: placeholders, runs, sequences, entropy, checksums."""
    text = secret.decode("utf-8", "replace")
    if filters.is_placeholder(text) or filters.is_repeated_run(text):
        return True
    if any(pattern.search(text) for pattern in rule.placeholders):
        return True
    if filters.is_low_entropy(text, rule.min_entropy):
        return True
    if rule.checksum is not None and not CHECKSUMS[rule.checksum](text):
        return True
    return len(text) >= 8 and filters.is_sequential(text)


class Matcher:
    """Finds rule matches in one piece of content."""

    def __init__(self, pack: RulePack, engine: str = "auto") -> None:
        self.pack = pack
        if engine == "auto":
            engine = "hyperscan" if hyperscan_available() else "python"
        if engine == "hyperscan":
            self._prefilter: _PythonPrefilter | _HyperscanPrefilter = _HyperscanPrefilter(
                pack.rules
            )
        elif engine == "python":
            self._prefilter = _PythonPrefilter(pack.rules)
        else:
            raise ValueError(f"unknown matching engine {engine!r}")
        self.engine = self._prefilter.name

    def scan(self, content: bytes, path: str | None = None, decode: bool = True) -> list[Match]:
        """Every (rule, secret, position) that survives the filters, in content order.

        Encoded spans (base64, percent) are decoded and scanned too; their matches carry the
        encoding and the position of the encoded span.
        """
        matches = self._scan_plain(content, path)
        if decode:
            plain = {m.secret for m in matches}
            matches.extend(self._scan_decoded(content, path, plain, depth=1))
        unique = {(m.rule_id, m.secret, m.line, m.column): m for m in matches}
        return sorted(unique.values(), key=lambda m: (m.line, m.column, m.rule_id))

    def _scan_plain(self, content: bytes, path: str | None) -> list[Match]:
        matches: list[Match] = []
        for rule in self._prefilter.candidates(content):
            if path is not None and any(p.search(path) for p in rule.path_ignore):
                continue
            matches.extend(self._extract(rule, content))
        return matches

    def _scan_decoded(
        self, content: bytes, path: str | None, plain: set[bytes], depth: int
    ) -> list[Match]:
        from scanner.decoding import MAX_DEPTH, encoded_spans

        found: list[Match] = []
        for span in encoded_spans(content):
            inner = self._scan_plain(span.text, path)
            if depth < MAX_DEPTH:
                inner.extend(self._scan_decoded(span.text, path, plain, depth + 1))
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

    def _extract(self, rule: Rule, content: bytes) -> Iterable[Match]:
        for found in rule.regex.finditer(content):
            secret = found.group(rule.secret_group)
            if not secret:
                continue
            position = found.start(rule.secret_group)
            line_start, line_end, line_number = _line_bounds(content, position)
            line = content[line_start:line_end]
            if filters.has_allow_marker(line, _previous_line(content, line_start)):
                continue
            if secret_is_dropped(rule, secret):
                continue
            yield Match(
                rule_id=rule.id,
                secret=secret,
                line=line_number,
                column=position - line_start + 1,
            )
