"""The test run keeps out of the user's home: its own HOME and cache, and a guard that fails a
test writing into the user's real leakwindow cache (tests/conftest.py)."""

from __future__ import annotations

import os
import pwd
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from git_builders import GitRepo, token
from home_guard import GUARDED_VARIABLE, forbidden_writes, real_cache_roots

from scanner.cache.files import cache_root
from scanner.cli.app import main

ACCOUNT_HOME = Path(pwd.getpwuid(os.getuid()).pw_dir)
GUARDED = os.environ[GUARDED_VARIABLE].split(os.pathsep)


def test_home_and_cache_are_the_runs_own() -> None:
    home = Path(os.environ["LEAKWINDOW_TEST_HOME"])
    assert Path.home() == home != ACCOUNT_HOME
    assert str(ACCOUNT_HOME / ".cache" / "leakwindow") in GUARDED
    for root in (cache_root(), home):
        assert not any(root.is_relative_to(guarded) for guarded in GUARDED)


def _repository(tmp_path: Path) -> GitRepo:
    repo = GitRepo(tmp_path / "repo")
    repo.write("settings.py", f'XAI_API_KEY = "{token(71)}"\n')
    repo.commit("a key")
    return repo


def test_a_scan_without_xdg_cache_home_caches_under_the_runs_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("XDG_CACHE_HOME")
    repo = _repository(tmp_path)
    assert main(["scan", str(repo.path), "--quiet", "--output", str(tmp_path / "r.txt")]) == 1
    assert any((Path.home() / ".cache" / "leakwindow" / "repos").iterdir())


def test_a_leakwindow_process_without_xdg_cache_home_caches_under_the_runs_home(
    tmp_path: Path,
) -> None:
    repo = _repository(tmp_path)
    home = tmp_path / "home"  # as the run's HOME is, for a process the test can watch
    env = {k: v for k, v in os.environ.items() if k != "XDG_CACHE_HOME"}
    done = subprocess.run(
        [sys.executable, "-m", "scanner.entry", "scan", str(repo.path), "--quiet"],
        env={**env, "HOME": str(home)},
        capture_output=True,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert any((home / ".cache" / "leakwindow" / "repos").iterdir())


def test_the_guard_refuses_and_reports_a_write_into_the_users_cache(tmp_path: Path) -> None:
    # Below a directory that does not exist: were the guard gone, the OS would refuse too.
    target = Path(GUARDED[0]) / "leakwindow-test-no-such-directory" / "file"
    attempts: list[Callable[[], object]] = [
        lambda: target.write_bytes(b"x"),
        lambda: os.open(target, os.O_WRONLY | os.O_CREAT, 0o600),
        lambda: target.parent.mkdir(),
        lambda: os.replace(tmp_path / "missing", target),
        lambda: sqlite3.connect(target),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionError, match="user's own cache"):
            attempt()
    assert len(forbidden_writes) == len(attempts)
    forbidden_writes.clear()  # seen; the autouse fixture would fail this test otherwise
    assert not target.parent.exists()  # reading stays allowed


def test_the_real_cache_roots_follow_xdg_cache_home_and_the_account_home() -> None:
    roots = real_cache_roots({"HOME": "/home/dana", "XDG_CACHE_HOME": "/var/cache/dana"})
    assert "/home/dana/.cache/leakwindow" in roots
    assert "/var/cache/dana/leakwindow" in roots
    assert str(ACCOUNT_HOME / ".cache" / "leakwindow") in roots
    assert real_cache_roots({"XDG_CACHE_HOME": "relative"}) == [
        str(ACCOUNT_HOME / ".cache" / "leakwindow")
    ]
