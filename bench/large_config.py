"""A scan under a large but allowed `.leakwindow.toml`: how much the path patterns cost.

    python bench/large_config.py [--patterns 10000] [--files 400] [--runs 5]
        [--old /path/to/old/venv/bin/leakwindow]

Builds a throwaway repository in which `--files` files each hold a synthetic key, in 20
commits that move them around (so the scan tests many (blob, path) pairs against the
config), and a `.leakwindow.toml` whose `[paths] exclude` lists `--patterns` patterns of
the kinds real configs use (directories, `prefix/**`, `*.ext`, file names, globs over
whole paths), none of which matches a key's path. Then it times `leakwindow scan --no-cache
--quiet --format json` as a whole process, median of `--runs`, alternating with `--old`
when given (the same repository, the same config), and checks that both report the same
number of findings.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scanner.demo import make_token


def git(repo: Path, *args: str) -> None:
    env = {"GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1", "PATH": "/usr/bin:/bin"}
    who = ["-c", "user.name=bench", "-c", "user.email=bench@example.invalid"]
    subprocess.run(["git", *who, *args], cwd=repo, check=True, capture_output=True, env=env)


def build(repo: Path, files: int, patterns: int) -> None:
    rng = random.Random(10)
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    for commit in range(20):
        for index in range(files):
            if commit == 0 or rng.random() < 0.2:
                folder = repo / f"src/pkg{index % 17}/mod{commit % 5}"
                folder.mkdir(parents=True, exist_ok=True)
                token = make_token("xai", random.Random(f"bench-config:{index}:{commit}"))
                (folder / f"settings_{index}.py").write_text(f'XAI_API_KEY = "{token}"\n')
        git(repo, "add", "-A")
        git(repo, "commit", "-qm", f"commit {commit}")
    kinds = (
        '"vendor{n}/"',
        '"third_party/lib{n}/**"',
        '"*.gen{n}"',
        '"fixture_{n}.json"',
        '"generated/dir{n}/file{n}.*"',
        '"docs/**/page{n}.md"',
    )
    lines = ",\n".join(kinds[n % len(kinds)].format(n=n) for n in range(patterns))
    (repo / ".leakwindow.toml").write_text(f"[paths]\nexclude = [\n{lines}\n]\n")


def run(program: str, repo: Path) -> tuple[float, int]:
    started = time.perf_counter()
    done = subprocess.run(
        [program, "scan", str(repo), "--no-cache", "--quiet", "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"{program} failed ({done.returncode}): {done.stderr.strip()[:500]}")
    return seconds, len(json.loads(done.stdout)["findings"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patterns", type=int, default=10_000)
    parser.add_argument("--files", type=int, default=400)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--new", default=str(Path(sys.executable).parent / "leakwindow"))
    parser.add_argument("--old", default=None)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="leakwindow-bench-config-"))
    try:
        repo = work / "repo"
        build(repo, args.files, args.patterns)
        size = (repo / ".leakwindow.toml").stat().st_size
        print(f"config: {args.patterns:,} patterns, {size:,} bytes; {args.files} key files")
        programs = {"new": args.new, **({"old": args.old} if args.old else {})}
        times: dict[str, list[float]] = {name: [] for name in programs}
        findings: dict[str, set[int]] = {name: set() for name in programs}
        for _ in range(args.runs):
            for name, program in programs.items():
                seconds, count = run(program, repo)
                times[name].append(seconds)
                findings[name].add(count)
        for name in programs:
            runs = ", ".join(f"{t:.2f}" for t in times[name])
            print(
                f"{name}: median {statistics.median(times[name]):.2f} s ({runs}); "
                f"findings {sorted(findings[name])}"
            )
        if args.old:
            ratio = statistics.median(times["new"]) / statistics.median(times["old"])
            print(f"new/old: {ratio:.3f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
