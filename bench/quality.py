"""Detection quality: precision and recall per rule family, leakwindow next to its peers.

Builds the labelled corpus (`quality_corpus.py`), then scans it with leakwindow (history mode,
on the corpus's git repository), gitleaks (`gitleaks dir` on the plain copy) and detect-secrets
(`detect-secrets scan --all-files`, every default plugin). The peers run from their own venv
(`bench/.venv-peers`, see `peers.py`), never as project dependencies.

Scoring, the same for every tool: one reported unit is a (file, line) a tool flags, and for
leakwindow a (file, line, fingerprint), since leakwindow says which value it found. A unit is a
true positive when it lies within the line span of a planted secret (for leakwindow: and its
fingerprint is that secret's sha256), otherwise a false positive. A planted secret counts as
found when at least one true unit hits it. Precision = TP units / all units; recall = secrets
found / secrets planted. Units are attributed to the family of the secret they hit, or else to
the family of the file they are in (shared decoys have their own row, with no secrets).

    python bench/quality.py [--out DIR] [--skip-peers] [--rules id,id] [--markdown FILE]

Peer reports hold the synthetic values in clear; they are written to a private temporary
folder and deleted. Nothing printed here carries a value: only paths, lines and rule ids.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from peers import DEFAULT_VENV, PEERS, Peer, ensure_venv, install, locate_binary
from quality_corpus import DECOY_FAMILY, DEFAULT_SEED, Corpus, build_corpus

AS_OF = "2026-01-01T00:00:00Z"
_TIMEOUT = 1200
DETECT_SECRETS = Peer("detect-secrets", "detect-secrets", "detect_secrets", "detect-secrets", ())


@dataclass(frozen=True)
class Unit:
    """One thing a tool reports: a file line, with leakwindow's fingerprint and rules."""

    path: str
    line: int
    fingerprint: str | None = None
    rules: tuple[str, ...] = ()


@dataclass
class ToolRun:
    name: str
    version: str
    units: list[Unit] = field(default_factory=list)
    seconds: float = 0.0
    problem: str = ""  # why the tool produced no report


# ------------------------------------------------------------------------------ running


def _run(argv: Sequence[str], cwd: Path | None = None, stdout: Path | None = None) -> str:
    """Run a tool to completion; return a one-line problem or ''."""
    try:
        with open(stdout or os.devnull, "wb") as sink:
            completed = subprocess.run(
                list(argv),
                cwd=cwd,
                stdout=sink,
                stderr=subprocess.PIPE,
                stdin=subprocess.DEVNULL,
                timeout=_TIMEOUT,
                check=False,
            )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"{argv[0]}: {exc.__class__.__name__}"
    if completed.returncode not in (0, 1):
        lines = completed.stderr.decode("utf-8", "replace").strip().splitlines()
        return f"exit {completed.returncode}: {lines[-1][:160] if lines else 'no output'}"
    return ""


def _leakwindow_argv() -> list[str]:
    script = Path(sys.executable).parent / "leakwindow"
    if script.exists():
        return [str(script)]
    found = shutil.which("leakwindow")
    return [found] if found else [sys.executable, "-m", "scanner.entry"]


def run_leakwindow(corpus: Corpus, workdir: Path) -> ToolRun:
    from importlib.metadata import version

    run = ToolRun("leakwindow", version("leakwindow"))
    report = workdir / "leakwindow.json"
    argv = [*_leakwindow_argv(), "scan", str(corpus.repo), "--format", "json"]
    argv += ["--output", str(report), "--as-of", AS_OF, "--exit-zero", "--quiet"]
    started = time.perf_counter()
    run.problem = _run(argv)
    run.seconds = time.perf_counter() - started
    if not run.problem:
        data = json.loads(report.read_text())
        for finding in data["findings"]:
            for location in finding["locations"]:
                run.units.append(
                    Unit(
                        location["path"],
                        location["line"],
                        finding["fingerprint"],
                        tuple(finding["rules"]),
                    )
                )
    return run


def _relative(path: str, root: Path) -> str:
    candidate = Path(path)
    if candidate.is_absolute():
        return candidate.relative_to(root).as_posix()
    text = candidate.as_posix()
    prefix = root.as_posix().rstrip("/") + "/"
    return text[len(prefix) :] if text.startswith(prefix) else text.removeprefix("./")


def run_gitleaks(binary: Path, version: str, plain: Path, workdir: Path) -> ToolRun:
    run = ToolRun("gitleaks", version)
    # A real report file: gitleaks run as root deletes a `--report-path /dev/null`.
    report = workdir / "gitleaks.json"
    argv = [str(binary), "dir", str(plain), "--report-format", "json"]
    argv += ["--report-path", str(report), "--no-banner", "--exit-code", "0"]
    argv += ["--log-level", "error"]
    started = time.perf_counter()
    run.problem = _run(argv)
    run.seconds = time.perf_counter() - started
    if not run.problem:
        for leak in json.loads(report.read_text() or "[]"):
            run.units.append(Unit(_relative(leak["File"], plain), int(leak["StartLine"])))
    return run


def run_detect_secrets(executable: Path, version: str, plain: Path, workdir: Path) -> ToolRun:
    run = ToolRun("detect-secrets", version)
    report = workdir / "detect-secrets.json"
    started = time.perf_counter()
    run.problem = _run([str(executable), "scan", "--all-files", "."], cwd=plain, stdout=report)
    run.seconds = time.perf_counter() - started
    if not run.problem:
        results: dict[str, list[dict[str, Any]]] = json.loads(report.read_text())["results"]
        for filename, entries in results.items():
            for entry in entries:
                run.units.append(Unit(_relative(filename, plain), int(entry["line_number"])))
    return run


def _tool_version(argv: Sequence[str]) -> str:
    try:
        completed = subprocess.run(
            list(argv), capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    words = (completed.stdout or completed.stderr).split()
    return words[-1] if words else "?"


def peer_runners(venv: Path) -> tuple[list[Callable[[Path, Path], ToolRun]], list[str]]:
    """Runners for gitleaks and detect-secrets (installed into `venv` when missing)."""
    runners: list[Callable[[Path, Path], ToolRun]] = []
    problems: list[str] = []
    problem = ensure_venv(venv)
    if problem:
        return runners, [problem]
    gitleaks = next(p for p in PEERS if p.name == "gitleaks")
    binary = locate_binary(venv, gitleaks)
    if binary is None:
        problem = install(venv, gitleaks)
        binary = locate_binary(venv, gitleaks)
    if binary is None:
        problems.append(f"gitleaks unavailable: {problem or 'no binary after install'}")
    else:
        gitleaks_binary = binary
        gl_version = _tool_version([str(binary), "version"])
        runners.append(lambda plain, work: run_gitleaks(gitleaks_binary, gl_version, plain, work))
    detect = venv / "bin" / "detect-secrets"
    if not detect.exists():
        problem = install(venv, DETECT_SECRETS)
    if not detect.exists():
        problems.append(f"detect-secrets unavailable: {problem or 'no script after install'}")
    else:
        ds_version = _tool_version([str(detect), "--version"])
        runners.append(lambda plain, work: run_detect_secrets(detect, ds_version, plain, work))
    return runners, problems


# ------------------------------------------------------------------------------ scoring


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
    family: str
    kind: str  # the decoy kind, "other value on a secret's line", or "unlabelled line"
    imitates: str | None  # the rule a decoy was shaped after


@dataclass
class Score:
    tool: str
    families: dict[str, Tally]
    overall: Tally
    false_positives: list[FalsePositive]
    missed: list[dict[str, Any]]


class Labels:
    """Index of the corpus labels by file, for line lookups."""

    def __init__(self, labels: dict[str, Any]) -> None:
        self.raw = labels
        self.files: dict[str, str] = labels["files"]
        self.decoy_files: dict[str, str] = labels["decoy_files"]
        self.secrets: list[dict[str, Any]] = labels["secrets"]
        self.secrets_by_path: dict[str, list[int]] = defaultdict(list)
        for index, secret in enumerate(self.secrets):
            self.secrets_by_path[secret["path"]].append(index)
        self.decoys_by_path: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for decoy in labels["decoys"]:
            self.decoys_by_path[decoy["path"]].append(decoy)

    def secrets_at(self, path: str, line: int) -> list[int]:
        return [
            i
            for i in self.secrets_by_path.get(path, [])
            if self.secrets[i]["line"] <= line <= self.secrets[i]["end_line"]
        ]

    def decoy_at(self, path: str, line: int) -> dict[str, Any] | None:
        for decoy in self.decoys_by_path.get(path, []):
            if decoy["line"] <= line <= decoy["end_line"]:
                return decoy
        return None


def _fingerprints(secret: dict[str, Any]) -> set[str]:
    return {secret["sha256"], secret.get("sha256_in_place", secret["sha256"])}


def score(tool: str, units: Iterable[Unit], labels: Labels) -> Score:
    families: dict[str, Tally] = defaultdict(Tally)
    for secret in labels.secrets:
        families[secret["family"]].secrets += 1
    found: set[int] = set()
    false_positives: list[FalsePositive] = []
    distinct = {(u.path, u.line, u.fingerprint): u for u in units}
    for key in sorted(distinct, key=lambda k: (k[0], k[1], k[2] or "")):
        unit = distinct[key]
        at_line = labels.secrets_at(unit.path, unit.line)
        hits = [
            i
            for i in at_line
            if unit.fingerprint is None or unit.fingerprint in _fingerprints(labels.secrets[i])
        ]
        if hits:
            found.update(hits)
            families[labels.secrets[hits[0]]["family"]].tp += 1
            continue
        family = labels.files.get(unit.path, DECOY_FAMILY)
        families[family].fp += 1
        decoy = labels.decoy_at(unit.path, unit.line)
        if decoy is not None:
            kind, imitates = decoy["kind"], decoy.get("rule")
        elif unit.path in labels.decoy_files:
            kind, imitates = labels.decoy_files[unit.path], None
        elif at_line:
            kind, imitates = "other value on a secret's line", None
        else:
            kind, imitates = "unlabelled line", None
        false_positives.append(FalsePositive(unit, family, kind, imitates))
    for index in found:
        families[labels.secrets[index]["family"]].found += 1
    overall = Tally(
        secrets=sum(t.secrets for t in families.values()),
        found=sum(t.found for t in families.values()),
        tp=sum(t.tp for t in families.values()),
        fp=sum(t.fp for t in families.values()),
    )
    missed = [labels.secrets[i] for i in range(len(labels.secrets)) if i not in found]
    return Score(tool, dict(families), overall, false_positives, missed)


# ----------------------------------------------------------------------------- printing


def _ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def family_table(scores: Sequence[Score], families: Sequence[str]) -> list[str]:
    head = "| family | secrets |" + "".join(f" {s.tool} P | {s.tool} R |" for s in scores)
    rule = "|---|---:|" + "---:|---:|" * len(scores)
    rows = [head, rule]
    for family in [*families, DECOY_FAMILY, "overall"]:
        tallies = [
            s.overall if family == "overall" else s.families.get(family, Tally()) for s in scores
        ]
        secrets = tallies[0].secrets if tallies else 0
        cells = "".join(
            f" {_ratio(t.precision)} ({t.tp}/{t.fp}) | {_ratio(t.recall)} ({t.found}) |"
            for t in tallies
        )
        name = f"**{family}**" if family == "overall" else family
        rows.append(f"| {name} | {secrets} |{cells}")
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


def leakwindow_details(score_: Score, labels: Labels) -> list[str]:
    lines = ["", "leakwindow false negatives by rule (contexts):"]
    missed: dict[str, Counter[str]] = defaultdict(Counter)
    for secret in score_.missed:
        missed[secret["rule"]][secret["context"]] += 1
    for rule_id in sorted(missed):
        contexts = ", ".join(f"{c} x{n}" for c, n in sorted(missed[rule_id].items()))
        lines.append(f"  {rule_id}: {sum(missed[rule_id].values())} ({contexts})")
    if not missed:
        lines.append("  none")
    lines += ["", "leakwindow false positives by reporting rule (decoy kind, imitated rule):"]
    grouped: dict[str, Counter[str]] = defaultdict(Counter)
    for fp in score_.false_positives:
        what = fp.kind + (f" of {fp.imitates}" if fp.imitates else "")
        grouped[",".join(fp.unit.rules)][f"{what} in {fp.unit.path}"] += 1
    for rules in sorted(grouped):
        for what, count in sorted(grouped[rules].items()):
            lines.append(f"  {rules}: {what}" + (f" x{count}" if count > 1 else ""))
    if not grouped:
        lines.append("  none")
    survey = labels.raw.get("filter_survey", {})
    dropped = {rule_id: g for rule_id, g in survey.items() if g["dropped"]}
    lines += [
        "",
        "filter survey: random tokens the rule's regex accepts but its own filters drop "
        "(an estimate of how often a real token would be missed):",
    ]
    for rule_id, g in sorted(
        dropped.items(), key=lambda kv: -kv[1]["dropped"] / kv[1]["structural"]
    ):
        share = g["dropped"] / g["structural"]
        lines.append(f"  {rule_id}: {g['dropped']}/{g['structural']} ({share:.1%})")
    if not survey:
        lines.append("  not run")
    elif not dropped:
        lines.append("  none")
    short = labels.raw["rules_short_of_tokens"]
    lines.append(f"rules with fewer tokens than asked: {', '.join(short) if short else 'none'}")
    return lines


def report(runs: Sequence[ToolRun], scores: Sequence[Score], labels: Labels) -> list[str]:
    """The whole report as Markdown (tables as tables, lists in code blocks)."""
    raw = labels.raw
    tools = "; ".join(
        f"{r.name} {r.version} ({r.seconds:.1f} s)" + (f" FAILED: {r.problem}" if r.problem else "")
        for r in runs
    )
    out = [
        "```",
        f"Corpus: {len(raw['rules'])} rules, {len(raw['secrets'])} planted secrets, "
        f"{len(raw['decoys'])} decoy lines + {len(raw['decoy_files'])} decoy files, "
        f"{len(raw['files'])} files, seed {raw['seed']}, commit {raw['head'][:12]}",
        f"Tools: {tools}",
        "```",
        "",
        "Cells: precision (TP units/FP units) | recall (secrets found).",
        "",
        *family_table(scores, raw["families"]),
        "",
        *decoy_table(scores, labels),
    ]
    lw = next((s for s in scores if s.tool == "leakwindow"), None)
    if lw is not None:
        out += ["", "```", *leakwindow_details(lw, labels)[1:], "```"]
    return out


# --------------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="keep the corpus and labels here")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--rules", default="", help="comma-separated rule ids (default: all)")
    parser.add_argument("--skip-peers", action="store_true", help="score leakwindow only")
    parser.add_argument("--peers-venv", type=Path, default=DEFAULT_VENV)
    parser.add_argument("--markdown", type=Path, help="also write the report to this file")
    parser.add_argument(
        "--survey-draws",
        type=int,
        default=100,
        help="random tokens per rule example for the filter survey (0: skip)",
    )
    args = parser.parse_args(argv)
    scratch = Path(tempfile.mkdtemp(prefix="leakwindow-quality-"))
    try:
        root = args.out.resolve() if args.out else scratch / "corpus"
        rule_ids = [r for r in args.rules.split(",") if r] or None
        corpus = build_corpus(
            root, seed=args.seed, rule_ids=rule_ids, survey_draws=args.survey_draws
        )
        labels = Labels(corpus.labels)
        reports = scratch / "reports"
        reports.mkdir()
        runs = [run_leakwindow(corpus, reports)]
        if not args.skip_peers:
            runners, problems = peer_runners(args.peers_venv.resolve())
            for problem in problems:
                print(f"peer skipped: {problem}", file=sys.stderr)
            runs += [runner(corpus.plain, reports) for runner in runners]
        scores = [score(r.name, r.units, labels) for r in runs if not r.problem]
        lines = report(runs, scores, labels)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)  # peer reports hold values in clear
    text = "\n".join(lines)
    print(text)
    if args.markdown:
        args.markdown.write_text(text + "\n")
    return 0 if all(not r.problem for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
