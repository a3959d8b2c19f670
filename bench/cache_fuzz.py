"""Differential fuzzer of the incremental cache.

A tiny repository goes through random operations: commits that add and remove synthetic
secrets (plain and base64-encoded), branches, checkouts, merges, rebases, resets, amends,
cherry-picks, tags, deleted branches and tags (objects left dangling), gc, prune, repack, a
loose blob taken away for a step (an incomplete scan, exit 3),
commits fetched through an alternate (the repository is a `clone --reference` of an object
pool that fetches from upstream first), damaged cache files and cache directories rolled
back to an earlier step. After every step the repository is scanned twice in this process,
as `leakwindow scan --format json` scans it (the scan service, then the command line's exit
policy): with the cache, and with `--no-cache`. The two
reports must agree on everything but the counters of cache work (blobs read, bytes, time):
every finding (fingerprints, rules, windows, locations, first commits, reachable_from,
in_head, dangling), the refs and HEAD, the engine, the integrity lines, the other stats, and
the exit code. Any difference is a bug; the run stops at the first and prints the steps that
led to it, which `--seed` and `--steps` replay exactly.

    python bench/cache_fuzz.py --steps 20000 --seed 1      # 80 runs of 250 steps, 2 at a time
    python bench/cache_fuzz.py --steps 60 --seed 6 --run-length 60   # replay one run

tests/cache/test_cache_fuzz.py runs 400 steps in the test suite.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import io
import json
import multiprocessing
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from scanner.demo import make_token
from scanner.report.exit_policy import BlockingPolicy
from scanner.scan.service import scan_repository

AS_OF = "2026-06-30T00:00:00+00:00"
START = 1_767_225_600  # 2026-01-01T00:00:00Z; every git command advances the clock a minute
FILES = ("app.py", "config/settings.py", "deploy/env.sh", "docs/README.md", "k8s/secret.yaml")
SECRET_KINDS = ("xai", "github-pat", "slack-bot", "stripe-live")
FILLER = (
    "import os",
    "def handler(event):",
    "    return {'status': 200}",
    "TIMEOUT = 30",
    "# TODO: tidy this up",
    'HOST = "api.internal.invalid"',
    "retries = 3",
)
# Counters of the cache's own work: these differ by design between the two scans.
WORK_STATS = frozenset(
    {
        "blobs_scanned",
        "bytes_scanned",
        "blobs_skipped",
        "blobs_skipped_binary",
        "blobs_skipped_size",
        "blobs_lfs_pointers",
        "blobs_cached",
    }
)
WORK_FIELDS = frozenset({"seconds", "phases", "cache"})


class Difference(AssertionError):
    """The cached scan and the scan without the cache disagree."""


@dataclass
class Step:
    number: int
    operation: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.number:>6} {self.operation} {self.detail}".rstrip()


@dataclass
class Outcome:
    steps: int = 0
    seconds: float = 0.0
    operations: Counter[str] = field(default_factory=Counter)
    findings_seen: int = 0  # steps whose reports had at least one finding
    exit_codes: Counter[int] = field(default_factory=Counter)
    # How the cached scan answered (the report's scan.cache): from the saved result, the
    # saved history as it was or extended with new objects, or by reading everything.
    answers: Counter[str] = field(default_factory=Counter)


class Lab:
    """The scanned repository, its upstream and its object pool, and its cache root."""

    def __init__(self, root: Path, rng: random.Random, engine: str) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.rng = rng
        self.engine = engine
        self.origin = root / "origin"
        self.pool = root / "pool.git"
        self.repo = root / "repo"
        self.cache = root / "cache"
        self.clock = START
        self.secrets = [make_token(kind, rng) for kind in SECRET_KINDS]
        self.rollbacks: list[Path] = []
        self.copies = 0
        self.lost: tuple[Path, Path] | None = None  # a loose object taken away, and where
        self.baselines = self._write_baselines()
        self.env = {
            **os.environ,
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_AUTHOR_NAME": "Fuzz",
            "GIT_AUTHOR_EMAIL": "fuzz@example.invalid",
            "GIT_COMMITTER_NAME": "Fuzz",
            "GIT_COMMITTER_EMAIL": "fuzz@example.invalid",
            "GIT_EDITOR": "true",
            "GIT_TERMINAL_PROMPT": "0",
        }

    # --- git -----------------------------------------------------------------------------

    def git(
        self, repo: Path, *args: str, check: bool = True, input_text: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        self.clock += 60
        stamp = f"@{self.clock} +0000"
        env = {**self.env, "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}
        done = subprocess.run(
            ["git", "-C", str(repo), "-c", "gc.auto=0", "-c", "maintenance.auto=false", *args],
            env=env,
            input=input_text,
            capture_output=True,
            text=True,
        )
        if check and done.returncode != 0:
            raise RuntimeError(f"git {' '.join(args)} failed: {done.stderr.strip()}")
        return done

    def refs(self, prefix: str) -> list[str]:
        listing = self.git(self.repo, "for-each-ref", "--format=%(refname:short)", prefix)
        return sorted(listing.stdout.split())

    def commits(self, limit: int = 12) -> list[str]:
        listing = self.git(self.repo, "rev-list", f"--max-count={limit}", "--all")
        return listing.stdout.split()

    def set_up(self) -> None:
        self.origin.mkdir()
        self.git(self.origin, "init", "-q", "-b", "main")
        self._write(self.origin, "app.py", "print('hello')\n")
        self.git(self.origin, "add", "-A")
        self.git(self.origin, "commit", "-qm", "initial")
        self.git(self.root, "clone", "-q", "--bare", str(self.origin), str(self.pool))
        self.git(self.root, "clone", "-q", "--reference", str(self.pool), str(self.origin), "repo")

    # --- content -------------------------------------------------------------------------

    def _write(self, repo: Path, name: str, text: str) -> None:
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)

    def _content(self, name: str) -> str:
        lines = [f"# {name}"]
        lines += self.rng.sample(FILLER, self.rng.randint(1, 4))
        for number, secret in enumerate(self.secrets):
            if self.rng.random() < 0.18:
                lines.append(f'TOKEN_{number} = "{secret}"')
        if self.rng.random() < 0.06:
            encoded = base64.b64encode(f"XAI_API_KEY={self.secrets[0]}".encode()).decode()
            lines.append(f"data:\n  key: {encoded}")
        return "\n".join(lines) + "\n"

    def _change_files(self, repo: Path) -> str:
        changed = []
        for name in self.rng.sample(FILES, self.rng.randint(1, 2)):
            if (repo / name).exists() and self.rng.random() < 0.2:
                (repo / name).unlink()
                changed.append(f"-{name}")
            else:
                self._write(repo, name, self._content(name))
                changed.append(name)
        self.git(repo, "add", "-A")
        return " ".join(changed)

    def _write_baselines(self) -> list[Path]:
        """A leakwindow baseline accepting one secret, and a detect-secrets one (sha1)."""
        ours = self.root / "baseline.json"
        fingerprint = hashlib.sha256(self.secrets[1].encode()).hexdigest()
        document = {"schema": "leakwindow.baseline/1", "secrets": [{"fingerprint": fingerprint}]}
        ours.write_text(json.dumps(document))
        theirs = self.root / "secrets.baseline"
        sha1 = hashlib.sha1(self.secrets[2].encode(), usedforsecurity=False).hexdigest()
        entry = {"type": "x", "filename": "app.py", "hashed_secret": sha1}
        theirs.write_text(json.dumps({"results": {"app.py": [entry]}}))
        return [ours, theirs]

    # --- operations ----------------------------------------------------------------------

    def commit(self) -> str:
        changed = self._change_files(self.repo)
        self.git(self.repo, "commit", "-qm", "change", "--allow-empty")
        return changed

    def upstream_commit(self) -> str:
        changed = self._change_files(self.origin)
        self.git(self.origin, "commit", "-qm", "upstream change", "--allow-empty")
        return changed

    def pool_fetch(self) -> str:
        # Keep what the pool fetched under refs of its own, as object pools do, so that no
        # object a borrower relies on ever becomes unreachable in the pool.
        name = f"refs/pool/{self.clock}"
        self.git(self.pool, "fetch", "-q", str(self.origin), f"+refs/heads/*:{name}/*")
        return name

    def fetch(self) -> str:
        self.git(self.repo, "fetch", "-q", "origin")
        how = self.rng.choice(["fetch only", "merge --ff-only", "reset --hard"])
        if how == "merge --ff-only":
            self.git(self.repo, "merge", "-q", "--ff-only", "origin/main", check=False)
        elif how == "reset --hard":
            self.git(self.repo, "reset", "-q", "--hard", "origin/main")
        return how

    def branch(self) -> str:
        name = f"b{self.rng.randrange(6)}"
        start = self.rng.choice(self.commits())
        self.git(self.repo, "branch", "-f", name, start, check=False)
        return f"{name} at {start[:8]}"

    def checkout(self) -> str:
        branches = self.refs("refs/heads/")
        if self.rng.random() < 0.15:
            target = self.rng.choice(self.commits())
            self.git(self.repo, "checkout", "-q", "-f", "--detach", target)
            return f"detached at {target[:8]}"
        target = self.rng.choice(branches) if branches else "main"
        self.git(self.repo, "checkout", "-q", "-f", target, check=False)
        return target

    def merge(self) -> str:
        others = self.refs("refs/heads/") + self.refs("refs/remotes/")
        if not others:
            return "nothing to merge"
        other = self.rng.choice(others)
        done = self.git(
            self.repo, "merge", "-q", "--no-ff", "-X", "theirs", "-m", "merge", other, check=False
        )
        if done.returncode != 0:
            self.git(self.repo, "merge", "--abort", check=False)
            self.git(self.repo, "reset", "-q", "--hard")
            return f"{other} (conflict, aborted)"
        return other

    def rebase(self) -> str:
        others = self.refs("refs/heads/")
        if not others:
            return "nothing to rebase onto"
        onto = self.rng.choice(others)
        done = self.git(self.repo, "rebase", "-q", onto, check=False)
        if done.returncode != 0:
            self.git(self.repo, "rebase", "--abort", check=False)
            self.git(self.repo, "reset", "-q", "--hard")
            return f"onto {onto} (conflict, aborted)"
        return f"onto {onto}"

    def reset(self) -> str:
        back = self.rng.randint(1, 3)
        done = self.git(self.repo, "reset", "-q", "--hard", f"HEAD~{back}", check=False)
        return f"HEAD~{back}" + ("" if done.returncode == 0 else " (too far)")

    def amend(self) -> str:
        changed = self._change_files(self.repo)
        self.git(self.repo, "commit", "-q", "--amend", "--no-edit", "--allow-empty", check=False)
        return changed

    def cherry_pick(self) -> str:
        pick = self.rng.choice(self.commits())
        done = self.git(self.repo, "cherry-pick", "-X", "theirs", pick, check=False)
        if done.returncode != 0:
            self.git(self.repo, "cherry-pick", "--abort", check=False)
            self.git(self.repo, "reset", "-q", "--hard")
            return f"{pick[:8]} (failed, aborted)"
        return pick[:8]

    def tag(self) -> str:
        name = f"t{self.rng.randrange(6)}"
        target = self.rng.choice(self.commits())
        if self.rng.random() < 0.5:
            self.git(self.repo, "tag", "-f", "-a", "-m", "release", name, target)
            return f"annotated {name} at {target[:8]}"
        self.git(self.repo, "tag", "-f", name, target)
        return f"{name} at {target[:8]}"

    def delete_ref(self) -> str:
        current = self.git(self.repo, "symbolic-ref", "-q", "--short", "HEAD", check=False).stdout
        branches = [b for b in self.refs("refs/heads/") if b != current.strip()]
        candidates = [("branch", b) for b in branches] + [
            ("tag", t) for t in self.refs("refs/tags/")
        ]
        if not candidates:
            return "nothing to delete"
        kind, name = self.rng.choice(candidates)
        self.git(self.repo, kind, "-D" if kind == "branch" else "-d", name)
        return f"{kind} {name}"

    def gc(self) -> str:
        how = self.rng.choice([["gc", "-q"], ["gc", "-q", "--prune=now"]])
        if how[-1] == "--prune=now":
            self.git(self.repo, "reflog", "expire", "--expire=now", "--all")
        self.git(self.repo, *how)
        return " ".join(how)

    def prune(self) -> str:
        self.git(self.repo, "reflog", "expire", "--expire=now", "--all")
        self.git(self.repo, "prune", "--expire=now")
        return "reflog expire + prune"

    def repack(self) -> str:
        how = self.rng.choice([["-d"], ["-a", "-d"], ["-a", "-d", "-l"], ["-A", "-d"]])
        self.git(self.repo, "repack", "-q", *how)
        return " ".join(how)

    def _cache_files(self) -> list[Path]:
        return sorted(p for p in (self.cache / "repos").rglob("*") if p.is_file())

    def corrupt_cache(self) -> str:
        files = self._cache_files()
        if not files:
            return "no cache yet"
        target = self.rng.choice(files)
        data = target.read_bytes()
        damage = self.rng.choice(["truncate", "flip", "garbage", "delete", "empty", "shape"])
        if damage == "truncate":
            target.write_bytes(data[: self.rng.randrange(max(1, len(data)))])
        elif damage == "flip" and data:
            spoiled = bytearray(data)
            for _ in range(self.rng.randint(1, 4)):
                spoiled[self.rng.randrange(len(spoiled))] ^= 1 << self.rng.randrange(8)
            target.write_bytes(bytes(spoiled))
        elif damage == "garbage":
            target.write_bytes(self.rng.randbytes(self.rng.randint(1, 300)))
        elif damage == "delete":
            target.unlink()
        elif damage == "empty":
            target.write_bytes(b"")
        else:  # valid JSON or marshal data of another shape
            target.write_bytes(b'{"format": 2}' if target.suffix == ".json" else b"\xfb0")
        return f"{damage} {target.name}"

    def keep_cache(self) -> None:
        """Keep a copy of the cache directory now, for a later rollback."""
        if self.rng.random() < 0.05 and (self.cache / "repos").is_dir():
            self.copies += 1
            copy = self.root / f"cache-copy-{self.copies}"
            shutil.copytree(self.cache / "repos", copy)
            self.rollbacks.append(copy)
            if len(self.rollbacks) > 3:
                shutil.rmtree(self.rollbacks.pop(0))

    def rollback_cache(self) -> str:
        if not self.rollbacks:
            return "no copy yet"
        copy = self.rng.choice(self.rollbacks)
        shutil.rmtree(self.cache / "repos", ignore_errors=True)
        shutil.copytree(copy, self.cache / "repos")
        return copy.name

    def lose_object(self) -> str:
        """Take a loose blob away for one step: a damaged repository (the blob is missing,
        the scan incomplete: exit 3 when nothing else fails). `restore` puts it back before
        the next operation, which might need it."""
        objects = self.repo / ".git" / "objects"
        loose = {p.parent.name + p.name: p for p in objects.glob("[0-9a-f][0-9a-f]/*")}
        if not loose:
            return "no loose object"
        listing = self.git(
            self.repo,
            "cat-file",
            "--batch-check=%(objecttype) %(objectname)",
            input_text="".join(f"{oid}\n" for oid in sorted(loose)),
        ).stdout
        blobs = sorted(line.split()[1] for line in listing.splitlines() if line.startswith("blob "))
        if not blobs:
            return "no loose blob"
        oid = self.rng.choice(blobs)
        aside = self.root / "lost"
        aside.mkdir(exist_ok=True)
        loose[oid].rename(aside / oid)
        self.lost = (loose[oid], aside / oid)
        return oid[:8]

    def restore(self) -> bool:
        """Put a lost object back; whether there was one."""
        if self.lost is None:
            return False
        original, aside = self.lost
        aside.rename(original)
        self.lost = None
        return True

    def nothing(self) -> str:
        return ""

    # --- scans ---------------------------------------------------------------------------

    def scan(self, options: Options, cached: bool) -> tuple[int, dict[str, Any]]:
        """One scan as `leakwindow scan --format json` runs it (the scan service, then the
        command line's exit policy), in this process and without forking."""
        errors = io.StringIO()  # the cache's one-line notes
        with contextlib.redirect_stderr(errors):
            report, *_ = scan_repository(
                self.repo,
                as_of=datetime.fromisoformat(AS_OF),
                all_branches=options.all_branches,
                engine=self.engine,
                baseline_file=options.baseline,
                use_cache=cached,
                cache_dir=self.cache if cached else None,
                parallel=False,
            )
        code = BlockingPolicy().report_exit_code(report)
        return code, report


@dataclass(frozen=True)
class Options:
    all_branches: bool = False
    baseline: Path | None = None

    def __str__(self) -> str:
        parts = ["--all-branches"] if self.all_branches else []
        parts += [f"--baseline {self.baseline.name}"] if self.baseline else []
        return " ".join(parts)


# Operations that leave the repository as it was: the scan without the cache would give the
# report it gave after the step before (with the same options), so it is not run again.
CACHE_ONLY = frozenset({"corrupt-cache", "rollback-cache", "nothing"})


OPERATIONS: dict[str, tuple[int, Callable[[Lab], str]]] = {
    "commit": (30, Lab.commit),
    "upstream-commit": (6, Lab.upstream_commit),
    "pool-fetch": (5, Lab.pool_fetch),
    "fetch": (6, Lab.fetch),
    "branch": (6, Lab.branch),
    "checkout": (6, Lab.checkout),
    "merge": (5, Lab.merge),
    "rebase": (3, Lab.rebase),
    "reset": (4, Lab.reset),
    "amend": (3, Lab.amend),
    "cherry-pick": (2, Lab.cherry_pick),
    "tag": (4, Lab.tag),
    "delete-ref": (5, Lab.delete_ref),
    "gc": (2, Lab.gc),
    "prune": (3, Lab.prune),
    "repack": (3, Lab.repack),
    "corrupt-cache": (4, Lab.corrupt_cache),
    "rollback-cache": (2, Lab.rollback_cache),
    "lose-object": (2, Lab.lose_object),
    "nothing": (3, Lab.nothing),
}


def comparable(code: int, report: dict[str, Any]) -> dict[str, Any]:
    """What both scans must agree on: the report without the counters of cache work."""
    scan = {k: v for k, v in report["scan"].items() if k not in WORK_FIELDS}
    scan["stats"] = {k: v for k, v in scan["stats"].items() if k not in WORK_STATS}
    return {
        "exit": code,
        "scan": scan,
        "findings": report["findings"],
        "summary": report.get("summary"),
    }


def _differences(cached: dict[str, Any], cold: dict[str, Any]) -> Iterator[str]:
    for key in sorted(cached.keys() | cold.keys()):
        if cached.get(key) != cold.get(key):
            if isinstance(cached.get(key), dict) and isinstance(cold.get(key), dict):
                for inner in _differences(cached[key], cold[key]):
                    yield f"{key}.{inner}"
            else:
                mine, theirs = (json.dumps(side.get(key))[:600] for side in (cached, cold))
                yield f"{key}: cached {mine} != cold {theirs}"


def run(
    steps: int,
    seed: int,
    root: Path,
    engine: str = "python",
    progress: Callable[[Step], None] | None = None,
) -> Outcome:
    """Run `steps` random steps from `seed` in a lab under `root`; Difference on the first
    disagreement, naming the steps that led to it."""
    rng = random.Random(f"cache-fuzz:{seed}")
    lab = Lab(root, rng, engine)
    lab.set_up()
    names = list(OPERATIONS)
    weights = [OPERATIONS[name][0] for name in names]
    outcome = Outcome()
    history: list[Step] = []
    cold: dict[str, Any] | None = None
    cold_code, cold_options = 0, Options()
    started = time.monotonic()
    # Every operation once, in a random order, then at random: a short run covers them all.
    tour = rng.sample(names, len(names))
    for number in range(1, steps + 1):
        name = tour[number - 1] if number <= len(tour) else rng.choices(names, weights)[0]
        restored = lab.restore()
        step = Step(number, name, OPERATIONS[name][1](lab))
        history.append(step)
        options = Options(
            all_branches=rng.random() < 0.2,
            baseline=rng.choice(lab.baselines) if rng.random() < 0.1 else None,
        )
        if str(options):
            step.detail = f"{step.detail} [{options}]"
        cached_code, cached = lab.scan(options, cached=True)
        unchanged = name in CACHE_ONLY and not restored and options == cold_options
        if cold is None or not unchanged:
            cold_code, cold = lab.scan(options, cached=False)
            cold_options = options
        expected = comparable(cold_code, cold)
        found = comparable(cached_code, cached)
        if found != expected:
            lines = "\n".join(f"  {line}" for line in _differences(found, expected))
            replay = "\n".join(f"  {s}" for s in history[-25:])
            raise Difference(
                f"seed {seed}, step {number}: the cached scan differs from --no-cache\n"
                f"{lines}\nlast steps:\n{replay}"
            )
        lab.keep_cache()
        outcome.answers[cached["scan"].get("cache", "not said")] += 1
        outcome.operations[name] += 1
        outcome.exit_codes[cold_code] += 1
        outcome.findings_seen += bool(cold["findings"])
        if progress is not None:
            progress(step)
    outcome.steps = steps
    outcome.seconds = time.monotonic() - started
    return outcome


def _one_run(seed: int, steps: int, engine: str, keep: bool) -> tuple[int, Outcome | str]:
    """One run in a lab of its own (in a worker process): its outcome, or the difference."""
    root = Path(tempfile.mkdtemp(prefix=f"leakwindow-cache-fuzz-{seed}-"))
    try:
        return seed, run(steps, seed, root / "lab", engine)
    except Difference as difference:
        keep = True
        return seed, f"{difference}\n  (lab kept in {root})"
    finally:
        if not keep:
            shutil.rmtree(root, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2000, help="steps in all")
    parser.add_argument("--seed", type=int, default=1, help="seed of the first run")
    parser.add_argument(
        "--run-length",
        type=int,
        default=250,
        help="steps per run (a fresh repository each; seeds SEED, SEED+1, ...): a step costs "
        "more as the history grows, since the scan without the cache reads every blob",
    )
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--engine", choices=("python", "hyperscan", "auto"), default="python")
    parser.add_argument("--keep", action="store_true", help="keep the lab directories")
    args = parser.parse_args(argv)
    lengths = [args.run_length] * (args.steps // args.run_length)
    if args.steps % args.run_length:
        lengths.append(args.steps % args.run_length)
    started = time.monotonic()
    total = Outcome()
    differences: list[str] = []
    with multiprocessing.get_context("fork").Pool(args.jobs) as pool:
        jobs = [
            pool.apply_async(_one_run, (args.seed + number, length, args.engine, args.keep))
            for number, length in enumerate(lengths)
        ]
        for job in jobs:
            seed, outcome = job.get()
            if isinstance(outcome, str):
                differences.append(outcome)
                print(f"seed {seed}: DIFFERENCE", file=sys.stderr, flush=True)
                continue
            total.steps += outcome.steps
            total.seconds += outcome.seconds
            total.findings_seen += outcome.findings_seen
            for counter, more in (
                (total.operations, outcome.operations),
                (total.exit_codes, outcome.exit_codes),
                (total.answers, outcome.answers),
            ):
                counter.update(more)
            print(f"seed {seed}: {outcome.steps} steps, no difference", file=sys.stderr, flush=True)
    wall = time.monotonic() - started
    for difference in differences:
        print(f"DIFFERENCE\n{difference}")
    print(
        f"{total.steps} steps in {len(lengths)} runs of up to {args.run_length} "
        f"(seeds {args.seed}-{args.seed + len(lengths) - 1}), engine {args.engine}: "
        f"{len(differences)} run(s) with a difference; {wall:.0f} s wall, "
        f"{total.seconds / max(1, total.steps) * 1000:.0f} ms per step in a run"
    )
    print(f"  steps with findings: {total.findings_seen}; exit codes: {dict(total.exit_codes)}")
    print("  cached answers: " + ", ".join(f"{k} {v}" for k, v in total.answers.most_common()))
    print("  operations: " + ", ".join(f"{k} {v}" for k, v in total.operations.most_common()))
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
