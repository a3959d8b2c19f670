"""Detection quality: precision and recall per family and per syntax family, next to peers.

Builds the labelled corpus (`quality_corpus.py`: positives written from the providers'
documented formats, not from the rule pack), then scans it with leakwindow (history mode, on
the corpus's git repository), gitleaks (`gitleaks dir` on the plain copy) and detect-secrets
(`detect-secrets scan --all-files`, every default plugin). The peers run from their own venv
(`bench/.venv-peers`, see `peers.py`), never as project dependencies. Scoring is the same for
every tool, by reported (file, line): see `quality_score.py`.

    python bench/quality.py [--out DIR] [--seed N] [--tokens N] [--skip-peers] [--markdown FILE]

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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from peers import DEFAULT_VENV, PEERS, Peer, ensure_venv, install, locate_binary
from quality_corpus import DEFAULT_SEED, DEFAULT_TOKENS, Corpus, build_corpus
from quality_score import (
    DECOY_FAMILY,
    Labels,
    Score,
    Unit,
    confidence_table,
    coverage_table,
    cut_table,
    decoy_table,
    leakwindow_details,
    rule_grades,
    score,
    surest,
)

AS_OF = "2026-01-01T00:00:00Z"
_TIMEOUT = 1200
DETECT_SECRETS = Peer("detect-secrets", "detect-secrets", "detect_secrets", "detect-secrets", ())


@dataclass
class ToolRun:
    name: str
    version: str
    units: list[Unit] = field(default_factory=list)
    seconds: float = 0.0
    problem: str = ""  # why the tool produced no report
    confidence_source: str = "the findings' own"


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
        grades = rule_grades()
        for finding in data["findings"]:
            if "confidence" not in finding:
                run.confidence_source = "the surest grade its rules declare: findings carry none"
            confidence = finding.get("confidence") or surest(finding["rules"], grades)
            for location in finding["locations"]:
                run.units.append(
                    Unit(
                        location["path"],
                        location["line"],
                        finding["fingerprint"],
                        tuple(finding["rules"]),
                        confidence,
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


# ----------------------------------------------------------------------------- printing


def report(runs: Sequence[ToolRun], scores: Sequence[Score], labels: Labels) -> list[str]:
    """The whole report as Markdown (tables as tables, lists in code blocks)."""
    raw = labels.raw
    tools = "; ".join(
        f"{r.name} {r.version} ({r.seconds:.1f} s)" + (f" FAILED: {r.problem}" if r.problem else "")
        for r in runs
    )
    providers = {s["provider"] for s in raw["secrets"]}
    out = [
        "```",
        f"Corpus: {len(raw['secrets'])} planted secrets ({len(raw['formats'])} token formats, "
        f"{len(providers)} providers, {len(raw['syntaxes'])} syntax families), "
        f"{len(raw['decoys'])} decoys + {len(raw['decoy_files'])} decoy files, "
        f"{len(raw['files'])} files, seed {raw['seed']}, commit {raw['head'][:12]}",
        f"Tools: {tools}",
        "```",
        "",
        "Cells: precision (TP units/FP units) | recall (secrets found).",
        "",
        "### By family",
        "",
        *cut_table(scores, "family", [*raw["families"], DECOY_FAMILY], "by_family"),
        "",
        "### By syntax family",
        "",
        *cut_table(scores, "syntax", raw["syntaxes"], "by_syntax"),
        "",
        "### Providers with and without a rule",
        "",
        *coverage_table(scores),
        "",
        "### False positives by decoy kind",
        "",
        *decoy_table(scores, labels),
    ]
    lw_run = next((r for r in runs if r.name == "leakwindow" and not r.problem), None)
    lw = next((s for s in scores if s.tool == "leakwindow"), None)
    if lw is not None and lw_run is not None:
        exact = f"{lw.exact_value} of {lw.overall.tp} true units report the planted value itself"
        out += [
            "",
            "### leakwindow",
            "",
            *confidence_table(lw_run.units, labels, lw_run.confidence_source),
        ]
        out += [""]
        out += ["```", exact, "", *leakwindow_details(lw), "```"]
    return out


# --------------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="keep the corpus and labels here")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--tokens", type=int, default=DEFAULT_TOKENS, help="tokens per format")
    parser.add_argument("--skip-peers", action="store_true", help="score leakwindow only")
    parser.add_argument("--peers-venv", type=Path, default=DEFAULT_VENV)
    parser.add_argument("--markdown", type=Path, help="also write the report to this file")
    args = parser.parse_args(argv)
    scratch = Path(tempfile.mkdtemp(prefix="leakwindow-quality-"))
    try:
        root = args.out.resolve() if args.out else scratch / "corpus"
        corpus = build_corpus(root, seed=args.seed, tokens=args.tokens)
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
