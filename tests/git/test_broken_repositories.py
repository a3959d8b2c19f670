"""Damaged repositories: scan what is readable, say what was not.

Every test damages a small, real repository the way disks, interrupted copies and careless
tools do, then scans it. The readable secrets must still be found, the loss must be listed,
and the exit code must say that the scan was incomplete (3) — never a traceback.

The planted tokens use a low-severity test rule and the scans run with `--fail-on high`, so
the findings themselves never decide the exit code: 0 means complete, 3 means incomplete.
"""

from __future__ import annotations

import json
import random
import string
import subprocess
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from git_builders import git_env
from matcher_support import matcher_for

from scanner.cli.app import main
from scanner.git.integrity import Integrity, check_integrity
from scanner.git.inventory import read_inventory
from scanner.git.log_parse import read_history
from scanner.git.refs import read_refs
from scanner.matches import fingerprint_of
from scanner.rules.pack import load_rules
from scanner.scan.blobscan import scan_blobs

AS_OF = "2025-12-31T00:00:00+00:00"
TEST_RULES = Path(__file__).parents[1] / "data" / "leakwindow-test-rules.toml"


@dataclass(frozen=True)
class Repo:
    path: Path
    tokens: dict[str, str]  # file name -> the token planted in it
    commits: list[str]  # oldest first: a.txt, then b.txt, then c.txt added


def _env(day: int) -> dict[str, str]:
    return git_env(f"2025-03-{day:02d}T09:00:00+00:00")


def git(repo: Path, *args: str, day: int = 1) -> str:
    done = subprocess.run(["git", *args], cwd=repo, env=_env(day), capture_output=True)
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout.decode().strip()


def _token(rng: random.Random) -> str:
    return "lwtest_" + "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(32))


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    """Three commits, each adding one file with one token; all objects loose."""
    path = tmp_path / "repo"
    path.mkdir()
    git(path, "init", "-q", "-b", "main", "--template=")
    rng = random.Random(6300)
    tokens = {name: _token(rng) for name in ("a.txt", "b.txt", "c.txt")}
    commits = []
    for day, (name, value) in enumerate(tokens.items(), start=1):
        (path / name).write_text(f"{value}\n")
        git(path, "add", name)
        git(path, "commit", "-q", "-m", f"add {name}", day=day)
        commits.append(git(path, "rev-parse", "HEAD"))
    return Repo(path, tokens, commits)


def _object_file(repo: Path, oid: str) -> Path:
    path = repo / ".git" / "objects" / oid[:2] / oid[2:]
    assert path.is_file(), "expected a loose object"
    path.chmod(0o644)
    return path


def corrupt_loose_blob(repo: Repo) -> None:
    oid = git(repo.path, "rev-parse", "HEAD:b.txt")
    _object_file(repo.path, oid).write_bytes(b"this is not a zlib stream")


def truncate_loose_blob_content(repo: Repo) -> None:
    """The header inflates fine, the content does not: cat-file dies half-way through."""
    oid = git(repo.path, "rev-parse", "HEAD:b.txt")
    path = _object_file(repo.path, oid)
    raw = zlib.decompress(path.read_bytes())
    compressed = zlib.compress(raw)
    path.write_bytes(compressed[: len(compressed) // 2])


def delete_blob(repo: Repo) -> None:
    _object_file(repo.path, git(repo.path, "rev-parse", "HEAD:b.txt")).unlink()


def dangling_ref(repo: Repo) -> None:
    ghost = repo.path / ".git" / "refs" / "heads" / "ghost"
    ghost.write_text("0123456789abcdef0123456789abcdef01234567\n")


def corrupt_middle_commit(repo: Repo) -> None:
    _object_file(repo.path, repo.commits[1]).write_bytes(b"garbage")


def corrupt_middle_tree(repo: Repo) -> None:
    tree = git(repo.path, "rev-parse", f"{repo.commits[1]}^{{tree}}")
    _object_file(repo.path, tree).write_bytes(b"garbage")


def truncate_pack(repo: Repo) -> None:
    """The first two commits packed, the pack cut short; the third commit stays loose."""
    objects = git(repo.path, "rev-list", "--objects", repo.commits[1]) + "\n"
    pack_dir = repo.path / ".git" / "objects" / "pack"
    subprocess.run(
        ["git", "pack-objects", "-q", str(pack_dir / "pack")],
        cwd=repo.path,
        input=objects.encode(),
        env=_env(1),
        check=True,
        capture_output=True,
    )
    git(repo.path, "prune-packed")
    (pack,) = pack_dir.glob("*.pack")
    pack.chmod(0o644)
    data = pack.read_bytes()
    pack.write_bytes(data[: len(data) * 2 // 3])


@dataclass(frozen=True)
class Case:
    damage: Callable[[Repo], None]
    lost: frozenset[str]  # files whose token cannot be found any more
    check: Callable[[Integrity, int], bool]  # (integrity, unreadable blob count) -> as expected


CASES = {
    "corrupt-loose-blob": Case(
        corrupt_loose_blob, frozenset({"b.txt"}), lambda i, b: len(i.unreadable_objects) == 1
    ),
    "blob-cut-mid-stream": Case(
        truncate_loose_blob_content, frozenset({"b.txt"}), lambda i, b: b == 1
    ),
    "missing-blob": Case(delete_blob, frozenset({"b.txt"}), lambda i, b: i.missing_blobs == 1),
    "dangling-ref": Case(
        dangling_ref, frozenset(), lambda i, b: i.unreadable_refs == ("refs/heads/ghost",)
    ),
    "corrupt-commit": Case(
        corrupt_middle_commit, frozenset(), lambda i, b: len(i.unreadable_objects) == 1
    ),
    "corrupt-tree": Case(
        corrupt_middle_tree, frozenset(), lambda i, b: len(i.unreadable_objects) == 1
    ),
    "truncated-pack": Case(
        truncate_pack, frozenset({"a.txt", "b.txt"}), lambda i, b: len(i.unreadable_objects) >= 4
    ),
}


def _scan(
    repo: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> tuple[int, dict[str, Any], str]:
    out = tmp_path / "report.json"
    args = ["scan", str(repo.path), "-f", "json", "-o", str(out), "--as-of", AS_OF]
    code = main([*args, "--rules", str(TEST_RULES), "--fail-on", "high"])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, json.loads(out.read_text()), err


def _found(report: dict[str, Any], repo: Repo) -> set[str]:
    fingerprints = {f["fingerprint"] for f in report["findings"]}
    return {
        name
        for name, value in repo.tokens.items()
        if fingerprint_of(value.encode()) in fingerprints
    }


def test_an_intact_repository_is_complete(
    repo: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, report, err = _scan(repo, tmp_path, capsys)
    assert _found(report, repo) == set(repo.tokens)
    assert code == 0
    assert "incomplete" not in err


@pytest.mark.parametrize("name", CASES)
def test_everything_readable_is_still_found(
    name: str, repo: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case = CASES[name]
    case.damage(repo)
    _, report, _ = _scan(repo, tmp_path, capsys)
    assert _found(report, repo) == set(repo.tokens) - case.lost


@pytest.mark.parametrize("name", CASES)
def test_what_could_not_be_read_is_accounted_for(name: str, repo: Repo) -> None:
    case = CASES[name]
    case.damage(repo)
    refs = read_refs(repo.path)
    inventory = read_inventory(repo.path)
    history = read_history(repo.path, inventory.commits)
    integrity = check_integrity(repo.path, refs, inventory, history)
    pack = load_rules(extra_files=[TEST_RULES])
    blobs = scan_blobs(repo.path, inventory.blob_sizes, matcher_for(pack), 1 << 20)
    assert case.check(integrity, blobs.stats.blobs_unreadable), integrity
    assert integrity.incomplete_reasons(blobs.stats.blobs_unreadable)
    assert integrity.partial_clone is False


@pytest.mark.parametrize("name", CASES)
def test_the_report_and_exit_code_say_incomplete(
    name: str, repo: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    CASES[name].damage(repo)
    code, report, err = _scan(repo, tmp_path, capsys)
    assert code == 3
    assert report["scan"]["incomplete"]
    assert all(f"incomplete scan: {reason}" in err for reason in report["scan"]["incomplete"])
    stats = report["scan"]["stats"]
    lost = stats["objects_unreadable"] + stats["blobs_unreadable"] + stats["blobs_missing"]
    assert lost + stats["refs_unreadable"] > 0


def test_salvaged_history_matches_git_log_on_an_intact_repository(repo: Repo) -> None:
    """The object-by-object reader gives exactly what the fast `git log` reader gives."""
    from scanner.git.salvage import salvage_history

    git(repo.path, "checkout", "-q", "-b", "side", repo.commits[0])
    (repo.path / "d").mkdir()
    (repo.path / "d" / "x.txt").write_text("x\n")
    git(repo.path, "add", ".")
    git(repo.path, "commit", "-q", "-m", "side", day=5)
    git(repo.path, "checkout", "-q", "main")
    git(repo.path, "merge", "-q", "--no-ff", "-m", "merge", "side", day=6)
    git(repo.path, "rm", "-q", "-r", "d", "a.txt")
    (repo.path / "a.txt").mkdir()  # a file replaced by a directory
    (repo.path / "a.txt" / "inner").write_text("inner\n")
    git(repo.path, "add", ".")
    git(repo.path, "commit", "-q", "-m", "reshape", day=7)
    inventory = read_inventory(repo.path)
    fast = read_history(repo.path, inventory.commits)
    slow = salvage_history(repo.path, inventory.commits)
    assert slow.commits == fast.commits
    assert {sha: sorted(c) for sha, c in slow.changes.items()} == {
        sha: sorted(c) for sha, c in fast.changes.items()
    }
    assert slow.referenced_blobs == fast.referenced_blobs
    assert set(slow.order) == set(fast.order)
    position = {sha: n for n, sha in enumerate(slow.order)}
    for sha, commit in slow.commits.items():
        assert all(position[parent] < position[sha] for parent in commit.parents)
    assert slow.unreadable == set()
