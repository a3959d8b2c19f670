"""Time leakwindow's rescans against its cold scan: unchanged repository, then one new commit.

Works on a throwaway mirror clone of REPO (objects hard-linked, so it is quick and REPO is never
touched). Each round: a cold scan with the cache (it fills the cache), three rescans of the
unchanged repository, then three times "add one commit to main, rescan". Prints the medians
and each rescan's share of the cold scan; checks every rescan reports the cold scan's findings
(plus nothing else: the added commits hold no secret).

    python bench/rescan.py /work/bench-data/big
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_GIT_ENV = {
    "GIT_AUTHOR_NAME": "Bench",
    "GIT_AUTHOR_EMAIL": "bench@example.invalid",
    "GIT_COMMITTER_NAME": "Bench",
    "GIT_COMMITTER_EMAIL": "bench@example.invalid",
}


def _git(repo: Path, *args: str, stdin: bytes | None = None) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args],
        input=stdin,
        capture_output=True,
        check=True,
        env={**os.environ, **_GIT_ENV},
    )
    return done.stdout.decode().strip()


def _scan(leakwindow: str, repo: Path, report: Path, cache: bool) -> float:
    argv = [leakwindow, "scan", str(repo), "--format", "json", "-o", str(report), "--quiet"]
    if not cache:
        argv.append("--no-cache")
    started = time.perf_counter()
    code = subprocess.run(argv, check=False).returncode
    seconds = time.perf_counter() - started
    if code not in (0, 1):
        raise SystemExit(f"leakwindow exited {code}")
    return seconds


def _fingerprints(report: Path) -> set[str]:
    return {finding["fingerprint"] for finding in json.loads(report.read_text())["findings"]}


def _add_commit(repo: Path, number: int) -> None:
    """One commit on main adding a small clean file (plumbing: the mirror has no worktree)."""
    blob = _git(repo, "hash-object", "-w", "--stdin", stdin=f"note {number}\n".encode())
    head = _git(repo, "rev-parse", "refs/heads/main")
    tree = _git(repo, "rev-parse", "refs/heads/main^{tree}")
    listing = _git(repo, "ls-tree", tree)
    entries = f"{listing}\n100644 blob {blob}\tbench-note-{number}.txt\n"
    new_tree = _git(repo, "mktree", stdin=entries.encode())
    commit = _git(repo, "commit-tree", new_tree, "-p", head, "-m", f"bench note {number}")
    _git(repo, "update-ref", "refs/heads/main", commit)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Rescan benchmark.")
    parser.add_argument("repo", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    beside = Path(sys.executable).parent / "leakwindow"  # the one installed with this Python
    parser.add_argument(
        "--leakwindow", default=str(beside) if beside.exists() else shutil.which("leakwindow")
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="lw-rescan-") as scratch:
        mirror = Path(scratch) / "repo.git"
        subprocess.run(["git", "clone", "-q", "--mirror", str(args.repo), str(mirror)], check=True)
        report = Path(scratch) / "report.json"
        colds = [_scan(args.leakwindow, mirror, report, cache=False) for _ in range(args.runs)]
        expected = _fingerprints(report)
        _scan(args.leakwindow, mirror, report, cache=True)  # fills the cache
        same: list[float] = []
        for _ in range(args.runs):
            same.append(_scan(args.leakwindow, mirror, report, cache=True))
            if _fingerprints(report) != expected:
                print("FAIL: an unchanged rescan reported different findings")
                return 1
        added: list[float] = []
        for number in range(args.runs):
            _add_commit(mirror, number)
            added.append(_scan(args.leakwindow, mirror, report, cache=True))
            if _fingerprints(report) != expected:
                print("FAIL: a rescan after one new commit reported different findings")
                return 1
    cold = statistics.median(colds)
    rows = [
        ("cold scan (--no-cache)", colds, None),
        ("rescan, unchanged", same, 0.05),
        ("rescan, one new commit", added, 0.10),
    ]
    print(f"{'scan':28s} {'median s':>9s} {'runs':>22s} {'of cold':>8s}  goal")
    for name, times, goal in rows:
        median = statistics.median(times)
        share = median / cold
        runs = " ".join(f"{t:.2f}" for t in times)
        verdict = "" if goal is None else f"< {goal:.0%}: {'met' if share < goal else 'not met'}"
        print(f"{name:28s} {median:9.2f} {runs:>22s} {share:8.1%}  {verdict}")
    print("findings identical in every rescan: yes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
