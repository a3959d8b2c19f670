"""Helpers for tests that point the command line at hostile repositories: git without the
user's configuration, and a scanner run in its own process group that a test can always stop
(a scan that hangs must fail the test, not the test run)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

GIT_ENV = {
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "Dana Developer",
    "GIT_AUTHOR_EMAIL": "dana@example.test",
    "GIT_COMMITTER_NAME": "Dana Developer",
    "GIT_COMMITTER_EMAIL": "dana@example.test",
    "GIT_AUTHOR_DATE": "2025-03-02T09:00:00+00:00",
    "GIT_COMMITTER_DATE": "2025-03-02T09:00:00+00:00",
}


def git(repo: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    done = subprocess.run(
        ["git", *args], cwd=repo, env={**env, **GIT_ENV}, capture_output=True, check=False
    )
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout.decode("utf-8", "surrogateescape").strip()


def repo_with(path: Path, files: dict[str, bytes]) -> Path:
    """A repository with one commit holding `files`."""
    path.mkdir(parents=True)
    git(path, "init", "-q", "-b", "main", "--template=")
    for name, content in files.items():
        target = path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", "add files")
    return path


@dataclass(frozen=True)
class Run:
    code: int | None  # None: stopped after the time limit
    stdout: str
    stderr: str
    seconds: float


def leakwindow(
    *args: str, seconds: float = 60.0, env: dict[str, str] | None = None, cwd: Path | None = None
) -> Run:
    """Run `python -m scanner.entry ARGS` (whichever `scanner` is first on PYTHONPATH, so the
    same test runs against the code before a change) and stop its whole process group, blob
    workers included, after `seconds`."""
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "scanner.entry", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, **(env or {})},
        cwd=cwd,
        start_new_session=True,
    )
    try:
        out, err = process.communicate(timeout=seconds)
        code: int | None = process.returncode
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        out, err = process.communicate()
        code = None
    return Run(
        code,
        out.decode("utf-8", "replace"),
        err.decode("utf-8", "replace"),
        time.monotonic() - started,
    )
