"""Score scanners' reports against the quality corpus's labels, and print the tables.

One reported unit is a (file, line) a tool flags, the same for every tool (leakwindow's
fingerprint and rules are kept for the details, not for the verdict). A unit is a true
positive when it lies within the line span of a planted secret, otherwise a false positive; a
planted secret counts as found when a true unit hits it. Precision = true units / all units;
recall = secrets found / secrets planted. Both are cut by family and by syntax family (a false
positive counts for the syntax and family of the decoy or file it is in), and recall by provider
kind, so a provider without a rule shows as the zero it is.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

DECOY_FAMILY = "decoys"
CONFIDENCES = ("high", "medium", "low")


def rule_grades() -> dict[str, str]:
    """Each rule's declared confidence, from the installed pack (empty if it has none)."""
    from scanner.rules.pack import load_rules

    return {r.id: str(getattr(r, "confidence", "")) for r in load_rules().rules}


def surest(rules: Sequence[str], grades: dict[str, str]) -> str | None:
    """The surest grade among a finding's rules (a stand-in while findings carry none)."""
    known = [grades[r] for r in rules if grades.get(r) in CONFIDENCES]
    return min(known, key=CONFIDENCES.index) if known else None


@dataclass(frozen=True)
class Unit:
    """One thing a tool reports: a file line, with leakwindow's fingerprint and rules."""

    path: str
    line: int
    fingerprint: str | None = None
    rules: tuple[str, ...] = ()
    confidence: str | None = None


@dataclass
class Tally:
    secrets: int = 0
    found: int = 0
    tp: int = 0
    fp: int = 0

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.found / self.secrets if self.secrets else None


@dataclass(frozen=True)
class FalsePositive:
    unit: Unit
    kind: str  # the decoy kind, or "unlabelled line"
    syntax: str


@dataclass
class Score:
    tool: str
    by_family: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    by_syntax: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    by_kind: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    covered: dict[bool, Tally] = field(default_factory=lambda: defaultdict(Tally))
    overall: Tally = field(default_factory=Tally)
    false_positives: list[FalsePositive] = field(default_factory=list)
    missed: list[dict[str, Any]] = field(default_factory=list)
    exact_value: int = 0  # true units whose fingerprint is the planted value's sha256


class Labels:
    """Index of the corpus labels by file, for line lookups."""

    def __init__(self, labels: dict[str, Any]) -> None:
        self.raw = labels
        self.files: dict[str, dict[str, str]] = labels["files"]
        self.decoy_files: dict[str, str] = labels["decoy_files"]
        self.secrets: list[dict[str, Any]] = labels["secrets"]
        self.by_path: dict[str, list[int]] = defaultdict(list)
        for index, secret in enumerate(self.secrets):
            self.by_path[secret["path"]].append(index)
        self.decoys_by_path: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for decoy in labels["decoys"]:
            self.decoys_by_path[decoy["path"]].append(decoy)

    def secrets_at(self, path: str, line: int) -> list[int]:
        return [
            i
            for i in self.by_path.get(path, [])
            if self.secrets[i]["line"] <= line <= self.secrets[i]["end_line"]
        ]

    def decoy_at(self, path: str, line: int) -> dict[str, Any] | None:
        for decoy in self.decoys_by_path.get(path, []):
            if decoy["line"] <= line <= decoy["end_line"]:
                return decoy
        return None


def score(tool: str, units: Iterable[Unit], labels: Labels) -> Score:
    result = Score(tool)
    for secret in labels.secrets:
        for tally in _tallies(result, secret):
            tally.secrets += 1
    found: set[int] = set()
    by_line: dict[tuple[str, int], list[Unit]] = defaultdict(list)
    for unit in units:
        by_line[(unit.path, unit.line)].append(unit)
    for (path, line), same_line in sorted(by_line.items()):
        hits = labels.secrets_at(path, line)
        if hits:
            found.update(hits)
            for tally in _tallies(result, labels.secrets[hits[0]]):
                tally.tp += 1
            wanted = {labels.secrets[i]["sha256"] for i in hits}
            result.exact_value += any(u.fingerprint in wanted for u in same_line)
            continue
        file = labels.files.get(path, {"family": DECOY_FAMILY, "syntax": "outside the corpus"})
        decoy = labels.decoy_at(path, line)
        syntax = decoy.get("syntax", file["syntax"]) if decoy else file["syntax"]
        for tally in (result.by_family[file["family"]], result.by_syntax[syntax], result.overall):
            tally.fp += 1
        kind = decoy["kind"] if decoy else labels.decoy_files.get(path, "unlabelled line")
        result.false_positives.extend(FalsePositive(u, kind, syntax) for u in same_line[:1])
    for index in found:
        for tally in _tallies(result, labels.secrets[index]):
            tally.found += 1
    result.missed = [s for i, s in enumerate(labels.secrets) if i not in found]
    return result


def _tallies(result: Score, secret: dict[str, Any]) -> list[Tally]:
    return [
        result.by_family[secret["family"]],
        result.by_syntax[secret["syntax"]],
        result.by_kind[secret["kind"]],
        result.covered[bool(secret["covered"])],
        result.overall,
    ]


# ----------------------------------------------------------------------------- printing


def _ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def _cells(tally: Tally) -> str:
    precision = f"{_ratio(tally.precision)} ({tally.tp}/{tally.fp})"
    return f" {precision} | {_ratio(tally.recall)} ({tally.found}) |"


def cut_table(scores: Sequence[Score], title: str, keys: Sequence[str], attr: str) -> list[str]:
    head = f"| {title} | secrets |" + "".join(f" {s.tool} P | {s.tool} R |" for s in scores)
    rows = [head, "|---|---:|" + "---:|---:|" * len(scores)]
    for key in [*keys, "overall"]:
        tallies = [
            s.overall if key == "overall" else getattr(s, attr).get(key, Tally()) for s in scores
        ]
        name = f"**{key}**" if key == "overall" else key
        rows.append(f"| {name} | {tallies[0].secrets} |" + "".join(_cells(t) for t in tallies))
    return rows


def coverage_table(scores: Sequence[Score]) -> list[str]:
    rows = [
        "| providers | secrets |" + "".join(f" {s.tool} R |" for s in scores),
        "|---|---:|" + "---:|" * len(scores),
    ]
    for covered, name in (
        (True, "all other providers"),
        (False, "the issue's list of providers with no rule"),
    ):
        tallies = [s.covered.get(covered, Tally()) for s in scores]
        cells = "".join(f" {_ratio(t.recall)} ({t.found}) |" for t in tallies)
        rows.append(f"| {name} | {tallies[0].secrets} |{cells}")
    return rows


def decoy_table(scores: Sequence[Score], labels: Labels) -> list[str]:
    planted: Counter[str] = Counter(d["kind"] for d in labels.raw["decoys"])
    for kind in labels.decoy_files.values():
        planted[kind] += 1
    per_tool = [Counter(fp.kind for fp in s.false_positives) for s in scores]
    kinds = sorted(set(planted) | {k for c in per_tool for k in c})
    rows = [
        "| decoy kind | planted |" + "".join(f" {s.tool} FP |" for s in scores),
        "|---|---:|" + "---:|" * len(scores),
    ]
    for kind in kinds:
        rows.append(
            f"| {kind} | {planted.get(kind, '')} |" + "".join(f" {c[kind]} |" for c in per_tool)
        )
    return rows


def confidence_table(units: Sequence[Unit], labels: Labels, source: str) -> list[str]:
    """leakwindow's precision and recall at each --min-confidence (`source`: where the grades
    come from, the findings or their rules' declared grades)."""
    if not any(u.confidence for u in units):
        return ["leakwindow findings carry no confidence: no cut by --min-confidence"]
    rows = [f"Cut by confidence ({source}):", "", "| --min-confidence | P | R |", "|---|---:|---:|"]
    for index, level in enumerate(CONFIDENCES):
        kept = [u for u in units if u.confidence in CONFIDENCES[: index + 1]]
        tally = score("leakwindow", kept, labels).overall
        rows.append(f"| {level} |{_cells(tally)}")
    return rows


def leakwindow_details(result: Score) -> list[str]:
    lines = ["leakwindow recall by token kind, where below 1 (found/planted; syntaxes missed):"]
    missed_syntax: dict[str, Counter[str]] = defaultdict(Counter)
    for secret in result.missed:
        missed_syntax[secret["kind"]][secret["syntax"]] += 1
    for kind in sorted(missed_syntax, key=lambda k: (result.by_kind[k].recall or 0, k)):
        tally = result.by_kind[kind]
        where = ", ".join(f"{s} x{n}" for s, n in sorted(missed_syntax[kind].items()))
        lines.append(f"  {kind}: {tally.found}/{tally.secrets} ({where})")
    if not missed_syntax:
        lines.append("  none")
    lines += ["", "leakwindow false positives by rules and decoy kind (count, syntaxes):"]
    grouped: Counter[str] = Counter()
    syntaxes: dict[str, set[str]] = defaultdict(set)
    for fp in result.false_positives:
        key = f"{','.join(fp.unit.rules)}: {fp.kind}"
        grouped[key] += 1
        syntaxes[key].add(fp.syntax)
    for key, count in sorted(grouped.items()):
        lines.append(f"  {key} x{count} ({', '.join(sorted(syntaxes[key]))})")
    if not grouped:
        lines.append("  none")
    return lines
