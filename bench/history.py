"""Time leakwindow's full-history scan against its peers and git's own floor on one repository.

Tools run round-robin (run 1 of each, then run 2 of each, ...) so that a slow patch of the
machine hurts them alike. Each row gives the median wall time, the CPU time (user + system,
the process and the children it waited for) and the peak RSS reported by `os.wait4`: the largest
single process of the tool's tree (its own, or a git child's), not their sum.

The floor is git producing the same information, each command to /dev/null: inflating every
object, and listing every commit's tree changes against each parent. Finally leakwindow's report
of the last run is checked against the manifest `make_history.py` wrote: every planted secret
found, with the expected windows, first commit and reachability. Exit 0 on PASS, 1 on FAIL.

    python bench/history.py /work/bench-data/big --runs 3
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from hashlib import sha256
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from peers import DEFAULT_VENV, ensure_peers

MAIN_REF = "refs/heads/main"
_TOKENISH = re.compile(r"[A-Za-z0-9_\-/+=.]{20,}")  # anything that could be a secret, in stderr

# Builds a tool's command line from (repository, report path).
ArgvBuilder = Callable[[Path, Path], list[str]]


@dataclass(frozen=True)
class Tool:
    name: str
    version: str
    argv: ArgvBuilder
    ok_exit_codes: frozenset[int] = frozenset({0})
    writes_report: bool = True


@dataclass(frozen=True)
class Measurement:
    seconds: float
    cpu_seconds: float
    max_rss_mb: float
    exit_code: int
    stderr_tail: str


@dataclass
class ToolResults:
    tool: Tool
    runs: list[Measurement] = field(default_factory=list)
    failure: str = ""
    last_report: Path | None = None

    @property
    def ok_runs(self) -> list[Measurement]:
        return [m for m in self.runs if m.exit_code in self.tool.ok_exit_codes]

    def median_seconds(self) -> float | None:
        runs = self.ok_runs
        return statistics.median(m.seconds for m in runs) if runs else None


# ----------------------------------------------------------------------------- measuring


def _redacted_tail(path: Path, lines: int = 4) -> str:
    """The last lines of a tool's stderr, with anything token-shaped masked."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    tail = [line for line in text.splitlines() if line.strip()][-lines:]
    return "\n".join(_TOKENISH.sub("<…>", line)[:200] for line in tail)


def measure(argv: list[str], stderr_path: Path, cwd: Path | None = None) -> Measurement:
    """Run one command to completion (stdout to /dev/null) and return its costs."""
    with open(os.devnull, "wb") as sink, open(stderr_path, "wb") as errors:
        started = time.perf_counter()
        process = subprocess.Popen(
            argv, stdout=sink, stderr=errors, stdin=subprocess.DEVNULL, cwd=cwd
        )
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    return Measurement(
        seconds=seconds,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        max_rss_mb=usage.ru_maxrss / 1024,  # Linux reports kilobytes
        exit_code=process.returncode,
        stderr_tail=_redacted_tail(stderr_path),
    )


def round_robin(tools: list[Tool], repo: Path, runs: int, workdir: Path) -> list[ToolResults]:
    """Run every tool `runs` times, alternating between tools; rotate who goes first."""
    results = [ToolResults(tool) for tool in tools]
    for run in range(runs):
        shift = run % len(results)
        for result in results[shift:] + results[:shift]:
            if result.failure:
                continue
            report = workdir / f"{result.tool.name}-{run}.json"
            stderr_path = workdir / f"{result.tool.name}-{run}.stderr"
            measurement = measure(result.tool.argv(repo, report), stderr_path)
            result.runs.append(measurement)
            print(
                f"  run {run + 1}/{runs}  {result.tool.name:<22} {measurement.seconds:8.2f} s"
                f"  {measurement.max_rss_mb:8.0f} MB  exit {measurement.exit_code}",
                flush=True,
            )
            if measurement.exit_code not in result.tool.ok_exit_codes:
                result.failure = f"exit {measurement.exit_code}: {measurement.stderr_tail}"
                continue
            if result.tool.writes_report:
                if result.last_report is not None and result.last_report != report:
                    result.last_report.unlink(missing_ok=True)  # reports hold secret values
                result.last_report = report
    return results


# ----------------------------------------------------------------------------- the tools


def leakwindow_tool(binary: Path, as_of: str | None, label: str = "leakwindow") -> Tool:
    help_text = subprocess.run(
        [str(binary), "scan", "--help"],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "250", "NO_COLOR": "1"},
        check=False,
    ).stdout
    cold = ["--no-cache"] if "--no-cache" in help_text else []
    clock = ["--as-of", as_of] if as_of else []
    # The leakwindow script's own interpreter knows which version it runs.
    python = binary.parent / "python"
    version = subprocess.run(
        [
            str(python if python.exists() else sys.executable),
            "-c",
            "import importlib.metadata as m; print(m.version('leakwindow'))",
        ],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()

    def argv(repo: Path, report: Path) -> list[str]:
        return [
            str(binary),
            "scan",
            str(repo),
            "--format",
            "json",
            "--output",
            str(report),
            "--exit-zero",
            *clock,
            *cold,
        ]

    name = label + (" --no-cache" if cold else "")
    return Tool(name, version or "?", argv, frozenset({0, 1}))


def peer_tools(venv_dir: Path) -> list[Tool]:
    tools: list[Tool] = []
    for status in ensure_peers(venv_dir):
        if status.binary is None:
            print(f"  {status.peer.name}: skipped, {status.problem}")
            continue
        builder = _PEER_ARGV[status.peer.name]
        tools.append(
            Tool(
                status.peer.name,
                status.version,
                _bind(builder, status.binary),
                _PEER_OK_CODES.get(status.peer.name, frozenset({0})),
            )
        )
    return tools


def _bind(builder: Callable[[Path, Path, Path], list[str]], binary: Path) -> ArgvBuilder:
    return lambda repo, report: builder(binary, repo, report)


def _gitleaks(binary: Path, repo: Path, report: Path) -> list[str]:
    # The report always goes to a real file: gitleaks run as root deletes a `-r /dev/null`.
    return [
        str(binary),
        "git",
        str(repo),
        "--report-format",
        "json",
        "--report-path",
        str(report),
        "--no-banner",
        "--exit-code",
        "0",
        "--log-level",
        "error",
    ]


def _betterleaks(binary: Path, repo: Path, report: Path) -> list[str]:
    return [
        str(binary),
        "git",
        str(repo),
        "--output",
        str(report),
        "--silent",  # the report file only: no findings rendered to stdout
        "--no-banner",
        "--exit-code",
        "0",
        "--log-level",
        "error",
    ]


def _kingfisher(binary: Path, repo: Path, report: Path) -> list[str]:
    return [
        str(binary),
        "--no-update-check",
        "--quiet",
        "scan",
        str(repo),
        "--git-history",
        "full",
        "--no-validate",
        "--format",
        "json",
        "--output",
        str(report),
    ]


_PEER_ARGV: dict[str, Callable[[Path, Path, Path], list[str]]] = {
    "gitleaks": _gitleaks,
    "betterleaks": _betterleaks,
    "kingfisher": _kingfisher,
}
_PEER_OK_CODES = {"kingfisher": frozenset({0, 200, 205})}  # 200/205: findings


def floor_tools(git_version: str) -> list[Tool]:
    def cat_file(repo: Path, _report: Path) -> list[str]:
        return ["git", "-C", str(repo), "cat-file", "--batch-all-objects", "--batch", "--unordered"]

    def log_raw(repo: Path, _report: Path) -> list[str]:
        return [
            "git",
            "-C",
            str(repo),
            "log",
            "--all",
            "--raw",
            "--no-abbrev",
            "-m",
            "--no-renames",
            "-z",
        ]

    return [
        Tool("floor: git cat-file", git_version, cat_file, writes_report=False),
        Tool("floor: git log --raw", git_version, log_raw, writes_report=False),
    ]


# ----------------------------------------------------------------------------- checking


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def load_any_json(path: Path) -> Any:
    """A JSON document, or a list of JSON Lines records."""
    text = path.read_text(errors="replace")
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return [json.loads(line) for line in text.splitlines() if line.strip()]


def count_findings(document: Any) -> int | None:
    """Findings in a report: a top-level list, or a `findings` list (Kingfisher, Betterleaks)."""
    if isinstance(document, list):
        return len(document)
    if isinstance(document, dict) and isinstance(document.get("findings"), list):
        return len(document["findings"])
    return None


def summarise_report(
    report: Path, manifest: dict[str, Any] | None, fingerprints: bool = False
) -> str:
    """'N findings; k/n planted values' for any tool's JSON report (by exact string value).

    With `fingerprints` (leakwindow's report), planted secrets are counted by fingerprint,
    and values found in clear are counted too: there should be none.
    """
    try:
        document = load_any_json(report)
    except (OSError, json.JSONDecodeError, UnicodeDecodeError):
        return "report unreadable"
    count = count_findings(document)
    summary = f"{count if count is not None else '?'} findings"
    if manifest:
        wanted = {fp for s in manifest["secrets"] for fp in s["fingerprints"]}
        seen = {sha256(text.encode()).hexdigest() for text in _strings(document)}
        if fingerprints:
            listed = {f.get("fingerprint") for f in document.get("findings", [])}
            summary += f"; {len(wanted & listed)}/{len(wanted)} planted fingerprints"
            summary += f", {len(wanted & seen)} values in clear"
        else:
            summary += f"; {len(wanted & seen)}/{len(wanted)} planted values in the report"
    return summary


def _point(value: dict[str, Any] | None) -> str | None:
    return value["sha"] if value else None


def check_report(report: dict[str, Any], manifest: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """Per planted secret, the list of ways leakwindow's report disagrees with the manifest."""
    by_fingerprint = {f["fingerprint"]: f for f in report.get("findings", [])}
    outcome: list[tuple[str, list[str]]] = []
    for secret in manifest["secrets"]:
        problems: list[str] = []
        expected_windows = [
            (_point(w["opened"]), _point(w["closed"]), w["days"]) for w in secret["windows"]
        ]
        for index, fingerprint in enumerate(secret["fingerprints"]):
            label = f"value {index + 1} ({fingerprint[:12]})"
            finding = by_fingerprint.get(fingerprint)
            if finding is None:
                problems.append(f"{label}: not found")
                continue
            windows = [
                (_point(w["opened"]), _point(w["closed"]), w["days"])
                for w in finding.get("windows", [])
                if w.get("ref") == MAIN_REF
            ]
            if not _same_windows(windows, expected_windows):
                problems.append(
                    f"{label}: windows {_show(windows)} != expected {_show(expected_windows)}"
                )
            first = (finding.get("first_commit") or {}).get("sha")
            if first != secret["first_commit"]["sha"]:
                problems.append(f"{label}: first_commit {first} != {secret['first_commit']['sha']}")
            if finding.get("in_head") != secret["in_head"]:
                problems.append(f"{label}: in_head {finding.get('in_head')} != {secret['in_head']}")
            reachable = set(finding.get("reachable_from", []))
            missing = set(secret["reachable_from_includes"]) - reachable
            extra = set(secret["not_reachable_from"]) & reachable
            if missing:
                problems.append(f"{label}: not reachable from {sorted(missing)}")
            if extra:
                problems.append(f"{label}: wrongly reachable from {sorted(extra)}")
        outcome.append((secret["name"], problems))
    return outcome


def _same_windows(
    found: list[tuple[str | None, str | None, float]],
    expected: list[tuple[str | None, str | None, float]],
) -> bool:
    if len(found) != len(expected):
        return False
    return all(
        a[:2] == b[:2] and abs(float(a[2]) - float(b[2])) <= 0.051
        for a, b in zip(sorted(found, key=str), sorted(expected, key=str), strict=True)
    )


def _show(windows: list[tuple[str | None, str | None, float]]) -> str:
    return "[" + ", ".join(f"{o and o[:8]}→{c and c[:8]} {d}d" for o, c, d in windows) + "]"


# ----------------------------------------------------------------------------- printing


def _fmt(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def print_table(results: list[ToolResults], leakwindow: ToolResults) -> None:
    lw_median = leakwindow.median_seconds()
    header = (
        f"{'tool':<24} {'version':<12} {'runs':>4} {'median s':>9} {'min s':>8} {'max s':>8}"
        f" {'cpu s':>8} {'peak RSS MB':>12} {'leakwindow/tool':>16}"
    )
    print(header)
    print("-" * len(header))
    for result in results:
        runs = result.ok_runs
        median = result.median_seconds()
        ratio = lw_median / median if lw_median and median else None
        if not runs:
            print(f"{result.tool.name:<24} {result.tool.version:<12}  FAILED {result.failure}")
            continue
        print(
            f"{result.tool.name:<24} {result.tool.version:<12} {len(runs):>4}"
            f" {_fmt(median):>9} {_fmt(min(m.seconds for m in runs)):>8}"
            f" {_fmt(max(m.seconds for m in runs)):>8}"
            f" {_fmt(statistics.median(m.cpu_seconds for m in runs), 1):>8}"
            f" {_fmt(max(m.max_rss_mb for m in runs), 0):>12}"
            f" {_fmt(ratio):>16}"
        )


def _round_seconds(result: ToolResults, index: int) -> float | None:
    """The tool's time in round `index`; None when it did not run or failed there."""
    if index >= len(result.runs):
        return None
    run = result.runs[index]
    ok = run.exit_code in result.tool.ok_exit_codes and run.seconds > 0
    return run.seconds if ok else None


def round_ratios(leakwindow: ToolResults, others: list[ToolResults]) -> list[float]:
    """leakwindow's time over the slowest of `others` in the same round (one peer, or the
    floor's two commands): a slow or fast spell of the machine weighs on both sides alike."""
    ratios: list[float] = []
    for index in range(len(leakwindow.runs)):
        mine = _round_seconds(leakwindow, index)
        theirs = [t for other in others if (t := _round_seconds(other, index)) is not None]
        if mine is not None and theirs:
            ratios.append(mine / max(theirs))
    return ratios


def _shown(ratios: list[float]) -> str:
    return " ".join(f"{ratio:.2f}x" for ratio in ratios)


def print_targets(results: list[ToolResults], leakwindow: ToolResults) -> None:
    """Issue 5's goals, as plain facts from this run."""
    by_name = {r.tool.name: r for r in results}
    lw = leakwindow.median_seconds()
    floors = [by_name[n].median_seconds() for n in by_name if n.startswith("floor:")]
    known_floors = [f for f in floors if f is not None]
    if lw is None:
        return
    print()
    if known_floors:
        floor = max(known_floors)
        print(f"leakwindow / floor (the larger git command, {floor:.2f} s) = {lw / floor:.2f}")
    goals = (("kingfisher", 0.6), ("gitleaks", 0.3))
    for name, limit in goals:
        peer = by_name.get(name)
        peer_median = peer.median_seconds() if peer else None
        if peer_median:
            ratio = lw / peer_median
            verdict = "met" if ratio <= limit else "not met"
            print(f"goal leakwindow <= {limit}x {name}: {ratio:.2f}x ({verdict})")
            print(f"     round by round: {_shown(round_ratios(leakwindow, [peer]))}")
    if known_floors:
        ratio = lw / max(known_floors)
        verdict = "met" if ratio <= 2 else "not met"
        print(f"goal leakwindow within 2x of the floor: {ratio:.2f}x ({verdict})")
        floor_tools = [by_name[n] for n in by_name if n.startswith("floor:")]
        print(f"     round by round: {_shown(round_ratios(leakwindow, floor_tools))}")
    rss = max(m.max_rss_mb for m in leakwindow.ok_runs)
    print(f"goal peak RSS under 1 GB: {rss:.0f} MB ({'met' if rss < 1024 else 'not met'})")


def print_comparison(leakwindow: ToolResults, other: ToolResults) -> None:
    """This build against the --compare build, timed in the same rounds."""
    mine, theirs = leakwindow.median_seconds(), other.median_seconds()
    if not mine or not theirs:
        return
    cpu_mine = statistics.median(m.cpu_seconds for m in leakwindow.ok_runs)
    cpu_theirs = statistics.median(m.cpu_seconds for m in other.ok_runs)
    print(
        f"this build / compare build: wall {mine / theirs:.3f}x ({mine:.2f} s vs {theirs:.2f} s), "
        f"cpu {cpu_mine / cpu_theirs:.3f}x"
    )
    print(f"     round by round: {_shown(round_ratios(leakwindow, [other]))}")


# ----------------------------------------------------------------------------- main


def _default_manifest(repo: Path) -> Path:
    return repo.parent / (repo.name + ".manifest.json")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Full-history scan benchmark.")
    parser.add_argument("repo", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--manifest", type=Path, help="default: REPO.manifest.json beside REPO")
    parser.add_argument("--skip-peers", action="store_true", help="only leakwindow and the floor")
    parser.add_argument("--peers-venv", type=Path, default=DEFAULT_VENV)
    parser.add_argument(
        "--leakwindow",
        type=Path,
        default=Path(sys.executable).parent / "leakwindow",
        help="the leakwindow to time (default: this venv's)",
    )
    parser.add_argument(
        "--compare",
        type=Path,
        help="another leakwindow (e.g. an older build's) timed in the same rounds",
    )
    args = parser.parse_args(argv)
    repo: Path = args.repo.resolve()
    if not (repo / ".git").exists() and not (repo / "HEAD").exists():
        parser.error(f"{repo} is not a git repository")
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if not args.leakwindow.exists():
        parser.error(f"no leakwindow at {args.leakwindow}")
    manifest_path: Path = args.manifest or _default_manifest(repo)
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else None
    if args.manifest and manifest is None:
        parser.error(f"no manifest at {manifest_path}")

    git_version = subprocess.run(["git", "--version"], capture_output=True, text=True, check=True)
    leakwindow = leakwindow_tool(args.leakwindow, manifest["as_of"] if manifest else None)
    tools = [leakwindow]
    if args.compare is not None:
        if not args.compare.exists():
            parser.error(f"no leakwindow at {args.compare}")
        tools.append(
            leakwindow_tool(args.compare, manifest["as_of"] if manifest else None, "compare")
        )
    if not args.skip_peers:
        tools += peer_tools(args.peers_venv.resolve())
    tools += floor_tools(git_version.stdout.split()[-1])

    print(f"repository {repo}  ({time.strftime('%Y-%m-%d %H:%M:%S %Z')}, {os.cpu_count()} cores)")
    if manifest:
        objects = manifest.get("objects", {})
        print(
            f"  {manifest['commits']:,} commits, {objects.get('blob_count', 0):,} blobs, "
            f"{objects.get('blob_bytes', 0) / 1e9:.2f} GB of blob content"
        )
    # Warm the page cache once, untimed, so the first tool does not pay for the disk.
    subprocess.run(floor_tools("")[0].argv(repo, repo), stdout=subprocess.DEVNULL, check=False)

    workdir = Path(tempfile.mkdtemp(prefix="leakwindow-bench-"))
    try:
        results = round_robin(tools, repo, args.runs, workdir)
        lw_results = results[0]
        print()
        print_table(results, lw_results)
        print_targets(results, lw_results)
        if args.compare is not None:
            print_comparison(lw_results, results[1])
        print()
        for result in results:
            if result.tool.writes_report and result.last_report:
                summary = summarise_report(result.last_report, manifest, result is results[0])
                print(f"{result.tool.name}: {summary}")
        return _verdict(lw_results, manifest)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)  # peers' reports hold the secret values


def _verdict(leakwindow: ToolResults, manifest: dict[str, Any] | None) -> int:
    print()
    if leakwindow.last_report is None:
        print(f"FAIL: leakwindow produced no report ({leakwindow.failure or 'no run'})")
        return 1
    if manifest is None:
        print("no manifest: planted secrets not checked")
        return 0
    report = json.loads(leakwindow.last_report.read_text())
    outcome = check_report(report, manifest)
    for name, problems in outcome:
        print(f"  {'ok  ' if not problems else 'BAD '} {name}")
        for problem in problems:
            print(f"         {problem}")
    failed = [name for name, problems in outcome if problems]
    if failed:
        print(f"FAIL: {len(failed)} of {len(outcome)} planted secrets wrong: {', '.join(failed)}")
        return 1
    print(f"PASS: leakwindow found all {len(outcome)} planted secrets with the expected windows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
