"""A cached rescan answers for the object database as it is now.

Objects can arrive without the repository's own object store changing (fetched into an
alternate: `clone --reference`, `--shared`, object pools), leave it (`git prune`, `gc
--prune=now`), or a repository can hold files git itself ignores (a `.pack` without its
`.idx`). A cache file can also be damaged. In every case a cached rescan must say what a
`--no-cache` scan says, with the same exit code, and never fail.

These tests drive the command line over real repositories built with git and find cache
files wherever a version of leakwindow keeps them, so they also run against the code from
at commit e5329f8 (`PYTHONPATH=<old checkout>`), where each of them fails.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cache_support import framed_like, payload_of
from git_builders import PYTHON_ENGINE
from scenario_support import build, finding_for, scan_json

from scanner.demo import make_token

KEY = make_token("github-pat", random.Random("test-cache-objects"))
IDENTITY = ("-c", "user.name=T", "-c", "user.email=t@t.test")


@pytest.fixture
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "xdg"
    monkeypatch.setenv("XDG_CACHE_HOME", str(root))
    return root / "leakwindow"


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *IDENTITY, *args], capture_output=True, text=True
    )
    assert done.returncode == 0, f"git {args}: {done.stderr}"
    return done.stdout


def _commit(repo: Path, name: str, text: str) -> None:
    (repo / name).write_text(text)
    _git(repo, "add", name)
    _git(repo, "commit", "-qm", f"write {name}")


def _same_as_a_cold_scan(
    repo: Path, tmp_path: Path, *extra: str, answers: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Two cached rescans (the second answers from what the first saved) against a scan
    without the cache: same findings, same commit count, same exit code. `answers`: how the
    cache must have answered each (the report's scan.cache)."""
    code, cold = scan_json(repo, tmp_path, *PYTHON_ENGINE, "--no-cache", *extra)
    for number in range(2):
        warm_code, warm = scan_json(repo, tmp_path, *PYTHON_ENGINE, *extra)
        assert warm["findings"] == cold["findings"]
        assert warm["scan"]["stats"]["commits"] == cold["scan"]["stats"]["commits"]
        assert warm["scan"]["incomplete"] == cold["scan"]["incomplete"]
        assert warm_code == code
        if answers:
            assert warm["scan"].get("cache") == answers[number]
    return cold


def _cache_files(repo: Path, own_cache: Path, suffix: str) -> list[Path]:
    """The repository's cache files ending in `suffix`, in the repository (old) or in the
    user's cache root (new)."""
    places = [repo / ".git" / "leakwindow", own_cache / "repos"]
    return [
        path
        for place in places
        if place.is_dir()
        for path in place.rglob(f"*{suffix}")
        if path.is_file()
    ]


@pytest.mark.parametrize("clone_option", ["--reference", "--shared"])
def test_a_commit_fetched_through_an_alternate_is_seen_by_the_rescan(
    tmp_path: Path, own_cache: Path, clone_option: str
) -> None:
    origin = tmp_path / "origin"
    origin.mkdir()
    _git(origin, "init", "-q", "-b", "main")
    _commit(origin, "app.py", "print('hello')\n")
    pool = tmp_path / "pool.git"
    _git(tmp_path, "clone", "-q", "--bare", str(origin), str(pool))
    clone = tmp_path / "clone"
    source = str(pool) if clone_option == "--shared" else str(origin)
    reference = [clone_option] if clone_option == "--shared" else [clone_option, str(pool)]
    _git(tmp_path, "clone", "-q", *reference, source, str(clone))
    assert (clone / ".git" / "objects" / "info" / "alternates").is_file()
    code, _ = scan_json(clone, tmp_path, *PYTHON_ENGINE)
    assert code == 0
    _commit(origin, "settings.py", f'TOKEN = "{KEY}"\n')
    # The pool fetches first (as an object pool's maintenance does): the clone's own fetch
    # then finds every object already there and adds none to the clone's store.
    _git(pool, "-c", "fetch.unpackLimit=1", "fetch", "-q", str(origin), "+main:main")
    objects_before = sorted(os.listdir(clone / ".git" / "objects"))
    if clone_option == "--shared":
        _git(clone, "fetch", "-q", "origin")
    else:
        _git(clone, "fetch", "-q", str(pool), "+main:refs/remotes/origin/main")
    _git(clone, "merge", "-q", "--ff-only", "origin/main")
    assert sorted(os.listdir(clone / ".git" / "objects")) == objects_before
    # Found in the alternate's new objects: the saved history is extended, not read again.
    cold = _same_as_a_cold_scan(clone, tmp_path, answers=("extended history", "saved result"))
    assert finding_for(cold, KEY)["in_head"] is True


@pytest.mark.parametrize(
    "removal",
    [
        ("reflog", "expire", "--expire=now", "--all"),
        ("gc", "-q", "--prune=now"),
    ],
)
def test_pruned_objects_leave_no_stale_finding_and_no_false_unreadable(
    tmp_path: Path, own_cache: Path, removal: tuple[str, ...]
) -> None:
    fx = build("rewritten", tmp_path)  # the token survives only in dangling objects
    code, before = scan_json(fx.path, tmp_path, *PYTHON_ENGINE)
    assert code == 1
    assert finding_for(before, fx.secrets["github"])["dangling"] is True
    _commit(fx.path, "later.py", "print('later')\n")  # so the rescan extends the snapshot
    _git(fx.path, *removal)
    _git(fx.path, "reflog", "expire", "--expire=now", "--all")
    _git(fx.path, "prune", "--expire=now")
    cold = _same_as_a_cold_scan(fx.path, tmp_path, answers=("full read", "saved result"))
    assert cold["findings"] == []


def test_a_stray_pack_without_its_index_does_not_break_a_rescan(
    tmp_path: Path, own_cache: Path
) -> None:
    fx = build("incident", tmp_path)
    scan_json(fx.path, tmp_path, *PYTHON_ENGINE)
    _commit(fx.path, "again.py", f'KEY = "{fx.secrets["xai"]}"\n')
    stray = fx.path / ".git" / "objects" / "pack" / f"pack-{'ab' * 20}.pack"
    stray.parent.mkdir(exist_ok=True)
    stray.write_bytes(b"PACK\x00\x00\x00\x02\x00\x00\x00\x00")  # git ignores it: no .idx
    cold = _same_as_a_cold_scan(fx.path, tmp_path)
    assert finding_for(cold, fx.secrets["xai"])["in_head"] is True


def test_an_inconsistent_saved_result_is_not_used(tmp_path: Path, own_cache: Path) -> None:
    fx = build("multi-secret", tmp_path)
    scan_json(fx.path, tmp_path, *PYTHON_ENGINE)
    (saved,) = _cache_files(fx.path, own_cache, "result.json")
    original = saved.read_bytes()
    document = json.loads(payload_of(original))
    opened = document["result"]["opened_ts"]
    shortened = next(name for name, times in opened.items() if times)
    opened[shortened] = opened[shortened][:-1]  # one window without its opening time
    saved.write_bytes(framed_like(original, json.dumps(document).encode()))
    _same_as_a_cold_scan(fx.path, tmp_path)


@pytest.mark.parametrize(
    "damage", ["truncated", "flipped", "garbage", "other-shape", "empty", "directory"]
)
@pytest.mark.parametrize("suffix", ["result.json", "history.bin", "history-base.bin", ".sqlite"])
def test_a_damaged_cache_file_costs_time_not_the_answer(
    tmp_path: Path, own_cache: Path, suffix: str, damage: str
) -> None:
    fx = build("merged-feature-branch", tmp_path)
    _, first = scan_json(fx.path, tmp_path, *PYTHON_ENGINE)
    introduced = first["findings"][0]["first_commit"]["sha"].encode()  # in every file but one
    (target,) = _cache_files(fx.path, own_cache, suffix)
    content = target.read_bytes()
    target.unlink()
    if damage == "directory":
        target.mkdir()
    else:
        target.write_bytes(
            {
                "truncated": content[: len(content) // 2],
                "flipped": _flipped(content, introduced),
                "garbage": bytes(random.Random(suffix).randrange(256) for _ in range(500)),
                # well framed, of another shape: {} / a set
                "other-shape": framed_like(content, b"{}" if suffix == "result.json" else b"\xfb0"),
                "empty": b"",
            }[damage]
        )
    if suffix != "result.json":  # (the saved result serves an unchanged repository only)
        _commit(fx.path, "later.py", f'KEY = "{KEY}"\n')
    _same_as_a_cold_scan(fx.path, tmp_path)


def _flipped(content: bytes, commit: bytes) -> bytes:
    """One bit changed inside a commit id the file holds (elsewhere when it holds none), so
    that the file still parses and says something else: a bad disk, a torn write."""
    at = content.find(commit)
    at = at + 7 if at >= 0 else len(content) * 2 // 3
    changed = content[at] ^ 0x01  # '0'<->'1', 'a'<->'`'... hex stays ASCII
    changed = changed if chr(changed) in "0123456789abcdef" else content[at] ^ 0x02
    return content[:at] + bytes([changed]) + content[at + 1 :]


def test_another_repository_at_the_same_path_inherits_nothing(tmp_path: Path) -> None:
    cache_root = tmp_path / "cache"
    first = build("rewritten", tmp_path)
    code, report = scan_json(first.path, tmp_path, *PYTHON_ENGINE, "--cache-dir", str(cache_root))
    assert code == 1 and report["findings"]
    shutil.rmtree(first.path)
    first.path.mkdir()
    _git(first.path, "init", "-q", "-b", "main")
    _commit(first.path, "app.py", "print('another project')\n")
    _same_as_a_cold_scan(first.path, tmp_path, "--cache-dir", str(cache_root))


@pytest.mark.parametrize("blind_to", ["every new object", "new blobs"])
def test_objects_the_extension_did_not_see_mean_a_full_read(
    tmp_path: Path, own_cache: Path, monkeypatch: pytest.MonkeyPatch, blind_to: str
) -> None:
    """Defence in depth: should finding new objects ever miss some (a store it does not
    know of), a ref tip outside the extended history, or a blob a new commit names outside
    the inventory, still sends the scan to a full read."""
    import scanner.scan.incremental

    fx = build("incident", tmp_path)
    scan_json(fx.path, tmp_path, *PYTHON_ENGINE)
    _commit(fx.path, "again.py", f'KEY = "{fx.secrets["xai"]}"\n')
    commits = set(_git(fx.path, "rev-list", "--all").split())
    finds = scanner.scan.incremental.new_object_ids

    def blind(*args: Any) -> set[str] | None:
        found = finds(*args)
        if blind_to == "every new object" or found is None:
            return set()
        return found & commits

    monkeypatch.setattr(scanner.scan.incremental, "new_object_ids", blind)
    cold = _same_as_a_cold_scan(fx.path, tmp_path, answers=("full read", "saved result"))
    assert finding_for(cold, fx.secrets["xai"])["in_head"] is True
