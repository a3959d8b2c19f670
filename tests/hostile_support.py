"""Helpers for tests that point the command line at hostile repositories: git without the
user's configuration (git_builders' identity and environment; the `plain_git` fixture), and
the scanner run in a child process of its own process group that a test can always stop (a
scan that hangs must fail the test, not the test run)."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from git_builders import GitRepo, git

__all__ = ["Run", "error_line", "finished", "git", "leakwindow", "plain_git", "repo_with"]


def repo_with(path: Path, files: dict[str, bytes]) -> Path:
    """A repository with one commit holding `files`."""
    repo = GitRepo(path)
    for name, content in files.items():
        repo.write(name, content)
    repo.commit("add files")
    return path


@pytest.fixture(autouse=True)
def plain_git(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No user or system git configuration (a test sets a global one when it needs it), and
    no LEAKWINDOW_DEBUG from the caller. Autouse in every test module that imports it."""
    empty = tmp_path / "empty.gitconfig"
    empty.write_text("")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(empty))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.delenv("LEAKWINDOW_DEBUG", raising=False)


@dataclass(frozen=True)
class Run:
    code: int | None  # None: stopped after the time limit
    stdout: str
    stderr: str
    seconds: float


def leakwindow(
    *args: str,
    seconds: float = 60.0,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    prelude: str = "",
    stdout: int | None = None,
    memory: int | None = None,
) -> Run:
    """Run the console entry (`scanner.entry.run`, whichever `scanner` is first on
    PYTHONPATH, so the same test runs against the code before a change) with ARGS, and stop
    its whole process group, blob workers included, after `seconds`.

    `prelude` is Python run in the child first (e.g. to patch a module's setting);
    `stdout` a file descriptor to write to instead of a pipe (then `Run.stdout` is "");
    `memory` a limit on the child's address space, in bytes."""

    def limit_memory() -> None:
        assert memory is not None
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-c", f"{prelude}\nfrom scanner.entry import run\nrun()", *args],
        stdout=subprocess.PIPE if stdout is None else stdout,
        stderr=subprocess.PIPE,
        env={**os.environ, **(env or {})},
        cwd=cwd,
        start_new_session=True,
        preexec_fn=None if memory is None else limit_memory,
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
        (out or b"").decode("utf-8", "replace"),
        err.decode("utf-8", "replace"),
        time.monotonic() - started,
    )


def finished(run: Run, what: str = "the scan") -> Run:
    """`run`, or the test fails saying that `what` was still running when it was stopped."""
    if run.code is None:
        pytest.fail(f"{what} still ran after {run.seconds:.0f} s (stopped)")
    return run


def error_line(stderr: str) -> str:
    """The one line an error may print (and never a traceback, never an internal error)."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr[-3000:]
    assert lines[0].startswith("leakwindow: error: "), stderr[-3000:]
    return lines[0]
