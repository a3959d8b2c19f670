"""scan-many on a set of repositories of mixed sizes, next to a sequential loop of `scan`.

    python bench/many.py /work/bench-data/many                 # build the set, then measure
    python bench/many.py /work/bench-data/many --big-from /work/bench-data/flaskish

The set (built once, reused on the next run): `--big` repositories of the 5,500-commit kind
(`make_history.py --commits 5500 --target-bytes 1.7e8`, or copies of `--big-from`), `--medium`
of 1,000 commits and the rest of 50-150 commits, 200 in all by default. Then, each with its own
fresh cache directory (the rule pack and Hyperscan database compiled once beforehand, so no
variant pays for that):

1. a sequential loop of `leakwindow scan REPO -f json -o FILE --quiet`, one process each;
2. `leakwindow scan-many` with 1 worker, then with 2 workers (a local cluster);
3. the 2-worker run again into the same output directory, nothing changed (the warm rerun);

and prints repositories per minute and MB/s (bytes the scans read, from the reports) side by
side, the warm rerun as a share of the cold one, and per-repository costs for the estimate in
docs/scan-many.md. Every scan-many report is checked against the sequential one (same
fingerprints and windows).
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_history

AS_OF = "2026-01-01T00:00:00+00:00"


@dataclass(frozen=True)
class Timed:
    name: str
    seconds: float
    repositories: int
    bytes_read: int

    def line(self) -> str:
        per_minute = self.repositories / self.seconds * 60
        rate = self.bytes_read / self.seconds / 1e6
        return (
            f"{self.name:<28} {self.seconds:8.1f} s {per_minute:10.1f} repos/min {rate:8.2f} MB/s"
        )


def leakwindow_command() -> list[str]:
    return [sys.executable, "-c", "from scanner.entry import run; run()"]


def build_set(dest: Path, total: int, big: int, medium: int, big_from: Path | None) -> list[Path]:
    """The repositories under `dest` (built when missing), biggest first."""
    sources = make_history.stdlib_sources()
    make_history.stdlib_sources = lambda root=None: sources  # read the stdlib once
    repos = []
    for number in range(total):
        kind = "big" if number < big else "medium" if number < big + medium else "small"
        path = dest / f"{kind}-{number:03d}"
        repos.append(path)
        if (path / ".git").is_dir() or (path / "HEAD").is_file():
            continue
        shutil.rmtree(path, ignore_errors=True)
        print(f"  building {path.name}", file=sys.stderr, flush=True)
        if kind == "big" and big_from is not None:
            subprocess.run(
                ["git", "clone", "-q", "--no-hardlinks", "--mirror", str(big_from), str(path)],
                check=True,
            )
        elif kind == "big":
            make_history.build_history(path, 5500, 1.7e8, number + 1, quiet=True)
        elif kind == "medium":
            make_history.build_history(
                path, 1000, 1.5e7, number + 1, repack=False, quiet=True, checkout=False
            )
        else:
            commits = 50 + (number * 37) % 101
            make_history.build_history(
                path, commits, 4e5, number + 1, repack=False, quiet=True, checkout=False
            )
    return repos


def fresh_cache(root: Path, name: str, warm_repo: Path) -> dict[str, str]:
    """An environment with a cache directory of its own, the rule pack and matcher already
    compiled into it (one scan of a small repository)."""
    cache = root / f"cache-{name}"
    shutil.rmtree(cache, ignore_errors=True)
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    subprocess.run(
        [*leakwindow_command(), "scan", str(warm_repo), "-q", "--no-cache", "-f", "json"],
        env=env,
        stdout=subprocess.DEVNULL,
        check=False,
    )
    return env


def essence(report: dict[str, Any]) -> list[Any]:
    return sorted(
        (f["fingerprint"], [(w["ref"], w["opened"]["sha"], w["days"]) for w in f["windows"]])
        for f in report["findings"]
    )


def sequential(repos: list[Path], out: Path, env: dict[str, str]) -> tuple[Timed, dict[str, Any]]:
    out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    for number, repo in enumerate(repos):
        subprocess.run(
            [
                *leakwindow_command(),
                "scan",
                str(repo),
                "-q",
                "-f",
                "json",
                "-o",
                str(out / f"{number:03d}.json"),
                "--as-of",
                AS_OF,
            ],
            env=env,
            stderr=subprocess.DEVNULL,
            check=False,
        )
    seconds = time.monotonic() - started
    reports = {
        str(repo): json.loads((out / f"{number:03d}.json").read_text())
        for number, repo in enumerate(repos)
    }
    read = sum(r["scan"]["stats"]["bytes_scanned"] for r in reports.values())
    return Timed("sequential `scan` loop", seconds, len(repos), read), reports


def scan_many(
    name: str, repos: list[Path], out: Path, workers: int, env: dict[str, str], read: int
) -> tuple[Timed, dict[str, Any]]:
    listing = out.parent / f"{out.name}.txt"
    listing.write_text("".join(f"{repo}\n" for repo in repos))
    started = time.monotonic()
    subprocess.run(
        [
            *leakwindow_command(),
            "scan-many",
            "--repos",
            str(listing),
            "-o",
            str(out),
            "--workers",
            str(workers),
            "--as-of",
            AS_OF,
            "--quiet",
        ],
        env=env,
        check=False,
    )
    seconds = time.monotonic() - started
    index = json.loads((out / "index.json").read_text())
    return Timed(name, seconds, len(repos), read), index


def check_same(index: dict[str, Any], out: Path, single: dict[str, Any]) -> int:
    """How many repositories' scan-many reports differ from their single scans."""
    differ = 0
    for entry in index["repositories"]:
        if entry["status"] != "ok":
            differ += 1
            continue
        report = json.loads((out / entry["report"]).read_text())
        if essence(report) != essence(single[entry["source"]]):
            differ += 1
    return differ


def _costs(index: dict[str, Any], kind: str) -> list[float]:
    return [
        float(entry["seconds"])
        for entry in index["repositories"]
        if Path(entry["source"]).name.startswith(kind)
    ]


def _median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dest", type=Path, help="where the repositories are (built if missing)")
    parser.add_argument("--repositories", type=int, default=200)
    parser.add_argument("--big", type=int, default=4, help="5,500-commit repositories")
    parser.add_argument("--medium", type=int, default=16, help="1,000-commit repositories")
    parser.add_argument("--big-from", type=Path, help="copy this repository for the big ones")
    args = parser.parse_args(argv)
    repos = build_set(args.dest, args.repositories, args.big, args.medium, args.big_from)
    work = Path(tempfile.mkdtemp(prefix="leakwindow-bench-many-"))
    try:
        warm_repo = repos[-1]
        env = fresh_cache(work, "sequential", warm_repo)
        loop, single = sequential(repos, work / "sequential", env)
        rows = [loop]
        differ = {}
        cold: dict[str, Any] = {}
        for workers in (1, 2):
            env = fresh_cache(work, f"many-{workers}", warm_repo)
            out = work / f"many-{workers}"
            timed, index = scan_many(
                f"scan-many, {workers} worker(s)", repos, out, workers, env, loop.bytes_read
            )
            rows.append(timed)
            differ[workers] = check_same(index, out, single)
            cold = index
        rerun, index = scan_many(
            "scan-many, 2, warm rerun", repos, work / "many-2", 2, env, loop.bytes_read
        )
        reused = sum(1 for entry in index["repositories"] if entry.get("reused"))
        rows.append(rerun)
        megabytes = loop.bytes_read / 1e6
        print(f"{len(repos)} repositories, {megabytes:.0f} MB read by the scans")
        for row in rows:
            print(row.line())
        share = rerun.seconds / rows[2].seconds * 100
        print(f"warm rerun: {reused}/{len(repos)} reused, {share:.1f}% of the cold 2-worker run")
        print(f"reports differing from the sequential scans: {differ}")
        print("seconds per repository (task time on a worker), median and max:")
        for kind in ("big", "medium", "small"):
            cold_costs, warm_costs = _costs(cold, kind), _costs(index, kind)
            if cold_costs:
                print(
                    f"  {kind:<7} cold {_median(cold_costs):7.2f} {max(cold_costs):7.2f}"
                    f"   warm {_median(warm_costs):6.2f} {max(warm_costs):6.2f}"
                )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
