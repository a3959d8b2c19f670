"""The incremental cache is the user's, not the scanned repository's.

A tarball or a pull request controls every byte under its `.git`: a cache kept there could
mark a key's blob "clean", replay an empty saved result or a snapshot without the matching
blobs, or plant links where the cache writes. These tests plant exactly that and check that
it changes nothing, that the cache files the user keeps are private (0600 in 0700
directories) and keep no second digest of a secret, and that a cache root inside the
repository is refused (or, for the default one, not used).

They drive the command line over real repositories and find the cache files wherever a
version of leakwindow keeps them, so they also run against the code of commit e5329f8
(`PYTHONPATH=<old checkout>`), where each of them fails.
"""

from __future__ import annotations

import hashlib
import json
import marshal
import os
import sqlite3
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cache_support import payload_of
from git_builders import PYTHON_ENGINE
from scenario_support import build, finding_for, scan_json

PLANTED = Path(".git") / "leakwindow"  # where caches lived up to commit e5329f8


@pytest.fixture
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache root of this test's own, so the files found in it are this test's."""
    root = tmp_path / "xdg"
    monkeypatch.setenv("XDG_CACHE_HOME", str(root))
    return root / "leakwindow"


def _repository_cache_files(repo: Path, own_cache: Path) -> list[Path]:
    """Every per-repository cache file, in the repository (old) or the user's root (new)."""
    places = [repo / PLANTED, own_cache / "repos"]
    return sorted(path for place in places if place.is_dir() for path in place.rglob("*"))


def _one(paths: list[Path], suffix: str) -> Path:
    found = [path for path in paths if path.name.endswith(suffix) and path.is_file()]
    assert len(found) == 1, found
    return found[0]


def _blob_ids(repo: Path) -> list[str]:
    listing = subprocess.run(
        ["git", "-C", str(repo), "cat-file", "--batch-all-objects", "--batch-check"],
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    return [line.split()[0] for line in listing.splitlines() if line.split()[1] == "blob"]


def test_clean_verdicts_planted_in_the_repository_hide_nothing(
    tmp_path: Path, own_cache: Path
) -> None:
    # Any scan gives the verdict key every user of the same version and rules has.
    decoy = build("incident", tmp_path)
    scan_json(decoy.path, tmp_path, *PYTHON_ENGINE)
    databases = [p for p in _repository_cache_files(decoy.path, own_cache) if p.suffix == ".sqlite"]
    keys = {
        key
        for database in databases
        for (key,) in sqlite3.connect(database).execute("SELECT DISTINCT scan_key FROM clean_blobs")
    }
    assert keys
    victim = build("never-removed", tmp_path)
    forged = victim.path / PLANTED / "cache.sqlite"
    forged.parent.mkdir()
    with sqlite3.connect(forged) as db:
        db.execute(
            "CREATE TABLE clean_blobs (scan_key TEXT, oid TEXT, PRIMARY KEY (scan_key, oid))"
        )
        db.executemany(
            "INSERT INTO clean_blobs VALUES (?, ?)",
            [(key, oid) for key in keys for oid in _blob_ids(victim.path)],
        )
    code, report = scan_json(victim.path, tmp_path, *PYTHON_ENGINE)
    assert code == 1
    finding_for(report, victim.secrets["anthropic"])


def test_a_saved_result_planted_in_the_repository_hides_nothing(
    tmp_path: Path, own_cache: Path
) -> None:
    victim = build("never-removed", tmp_path)
    _, cold = scan_json(victim.path, tmp_path, *PYTHON_ENGINE)
    genuine = _one(_repository_cache_files(victim.path, own_cache), "result.json")
    document: dict[str, Any] = json.loads(payload_of(genuine.read_bytes()))
    for name in ("findings", "opened_ts", "sha1s"):
        if name in document["result"]:
            document["result"][name] = type(document["result"][name])()
    planted = victim.path / PLANTED / "cache-result.json"
    planted.parent.mkdir(exist_ok=True)
    planted.write_text(json.dumps(document))
    code, report = scan_json(victim.path, tmp_path, *PYTHON_ENGINE)
    assert code == 1
    assert report["findings"] == cold["findings"]


def test_a_history_snapshot_planted_in_the_repository_hides_nothing(
    tmp_path: Path, own_cache: Path
) -> None:
    victim = build("never-removed", tmp_path)
    _, cold = scan_json(victim.path, tmp_path, *PYTHON_ENGINE)
    files = _repository_cache_files(victim.path, own_cache)
    _one(files, "result.json").unlink()  # so that the rescan goes through the snapshot
    genuine = _one(files, "history.bin")
    main = list(marshal.loads(payload_of(genuine.read_bytes())))
    saved = list(main[4])
    saved[6], saved[8] = [], {}  # no blob matched, no position to read a secret from
    main[4] = tuple(saved)
    planted = victim.path / PLANTED
    planted.mkdir(exist_ok=True)
    (planted / "cache-history.bin").write_bytes(marshal.dumps(tuple(main)))
    bulk = _one(files, "history-base.bin")
    if bulk.parent != planted:
        (planted / "cache-history-base.bin").write_bytes(payload_of(bulk.read_bytes()))
    code, report = scan_json(victim.path, tmp_path, *PYTHON_ENGINE)
    assert code == 1
    assert report["findings"] == cold["findings"]


def test_links_planted_where_the_cache_writes_are_not_followed(
    tmp_path: Path, own_cache: Path
) -> None:
    fx = build("incident", tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    planted = fx.path / PLANTED
    planted.mkdir()
    names = ("cache-result", "cache-history", "cache-history-base", "cache")
    for name in names:
        (outside / f"{name}.txt").write_text(f"the user's own {name} file\n")
        (planted / f"{name}.tmp").symlink_to(outside / f"{name}.txt")
        (planted / f"{name}.sqlite-journal").symlink_to(outside / f"{name}.txt")
    before = sorted(os.listdir(planted))
    for extra in ((), ("--cache-dir", str(tmp_path / "elsewhere"))):
        for _ in range(2):
            code, _ = scan_json(fx.path, tmp_path, *PYTHON_ENGINE, *extra)
            assert code == 1
    for name in names:
        assert (outside / f"{name}.txt").read_text() == f"the user's own {name} file\n"
    assert sorted(os.listdir(planted)) == before  # nothing written into the repository


def test_cache_files_are_private_and_keep_no_sha1_of_a_secret(
    tmp_path: Path, own_cache: Path
) -> None:
    fx = build("multi-secret", tmp_path)
    scan_json(fx.path, tmp_path, *PYTHON_ENGINE)
    scan_json(fx.path, tmp_path, *PYTHON_ENGINE, "--all-branches")  # a second saved result
    files = [path for path in _repository_cache_files(fx.path, own_cache) if path.is_file()]
    assert files
    for path in files:
        for part in (path, path.parent):
            info = part.stat()
            assert stat.S_IMODE(info.st_mode) & 0o077 == 0, part
            assert info.st_uid == os.getuid(), part
        stored = path.read_bytes()
        for secret in fx.secrets.values():
            sha1 = hashlib.sha1(secret.encode(), usedforsecurity=False)
            assert sha1.hexdigest().encode() not in stored, path.name
            assert sha1.digest() not in stored, path.name
            assert secret.encode() not in stored, path.name


@pytest.mark.parametrize("inside", ["worktree", "git-dir", "link-to-git-dir"])
def test_a_cache_dir_inside_the_scanned_repository_is_refused(
    tmp_path: Path, own_cache: Path, capsys: pytest.CaptureFixture[str], inside: str
) -> None:
    fx = build("incident", tmp_path)
    chosen = {
        "worktree": fx.path / "cache",
        "git-dir": fx.path / ".git" / "lw-cache",
        "link-to-git-dir": tmp_path / "link" / "cache",
    }[inside]
    (tmp_path / "link").symlink_to(fx.path / ".git")
    capsys.readouterr()
    code, _ = _scan_without_report(fx.path, tmp_path, "--cache-dir", str(chosen))
    assert code == 2
    error = capsys.readouterr().err.strip().splitlines()
    assert len(error) == 1, error
    assert "--cache-dir" in error[0] and "inside the scanned repository" in error[0]
    assert not chosen.exists()


def test_a_default_cache_root_inside_the_repository_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fx = build("multi-secret", tmp_path)
    _, cold = scan_json(fx.path, tmp_path, *PYTHON_ENGINE, "--no-cache")
    monkeypatch.setenv("XDG_CACHE_HOME", str(fx.path / ".cache"))  # e.g. a CI cache step
    capsys.readouterr()
    for _ in range(2):
        code, report = scan_json(fx.path, tmp_path, *PYTHON_ENGINE)
        assert code == 1
        assert report["findings"] == cold["findings"]
        assert report["scan"]["stats"]["blobs_cached"] == 0
    notes = [
        line
        for line in capsys.readouterr().err.splitlines()
        if "cache" in line and line.startswith("leakwindow:")
    ]
    assert notes and all("inside the scanned repository" in line for line in notes)
    assert not (fx.path / ".cache").exists()  # no rule pack, matcher or scan cache there


def _scan_without_report(repo: Path, tmp_path: Path, *extra: str) -> tuple[int, Path]:
    from scanner.cli.app import main

    out = tmp_path / "refused.json"
    code = main(
        ["scan", str(repo), "--format", "json", "--output", str(out), *PYTHON_ENGINE, *extra]
    )
    return code, out
