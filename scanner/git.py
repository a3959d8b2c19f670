"""Every git call leakwindow makes goes through this module.

Git runs with settings that make a hostile repository inert: no fsmonitor, no hooks, no
external diff or textconv, no pager, no lazy fetching of missing objects, no prompts.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from scanner.errors import LeakwindowError

# `-c` settings placed before every subcommand; they override repository-local config.
SAFE_CONFIG: tuple[str, ...] = (
    "core.fsmonitor=false",
    "core.hooksPath=/dev/null",
    "core.pager=cat",
    "core.untrackedCache=false",
    "diff.external=",
    "core.sshCommand=false",
    "core.askPass=",
    "credential.helper=",
    "protocol.allow=never",
    "submodule.recurse=false",
    "core.quotePath=false",
    "color.ui=false",
    "log.showSignature=false",
    "gc.auto=0",
    "maintenance.auto=false",
)

# Inherited variables that would run other programs, inject config, or point git at another
# repository than the one named on the command line (a hook's GIT_DIR, GIT_WORK_TREE).
# GIT_INDEX_FILE stays: a pre-commit hook of `git commit -a` stages into a temporary index.
_STRIPPED_ENV = frozenset(
    {
        "GIT_EXTERNAL_DIFF",
        "GIT_PAGER",
        "PAGER",
        "GIT_ASKPASS",
        "SSH_ASKPASS",
        "GIT_SSH",
        "GIT_SSH_COMMAND",
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_COMMON_DIR",
        "GIT_CONFIG",
        "GIT_CONFIG_PARAMETERS",
        "GIT_CONFIG_COUNT",
        "GIT_EDITOR",
        "GIT_SEQUENCE_EDITOR",
        "GIT_TRACE",
        "GIT_TRACE_PACKET",
        "GIT_TRACE_CURL",
    }
)


def safe_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment every git process gets: inherited, minus hooks into other programs."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in _STRIPPED_ENV and not key.startswith(("GIT_CONFIG_KEY_", "GIT_CONFIG_VALUE_"))
    }
    env.update(
        {
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_NO_LAZY_FETCH": "1",
            "GIT_OPTIONAL_LOCKS": "0",
            "GIT_NO_REPLACE_OBJECTS": "1",
            "LC_ALL": "C",
        }
    )
    if extra:
        env.update(extra)
    return env


def git_argv(args: Sequence[str]) -> list[str]:
    argv = ["git", "--no-pager"]
    for setting in SAFE_CONFIG:
        argv += ["-c", setting]
    argv += list(args)
    return argv


def run_git(
    args: Sequence[str],
    cwd: Path | str,
    *,
    input_bytes: bytes | None = None,
    env: Mapping[str, str] | None = None,
    check: bool = True,
) -> bytes:
    """Run one git command to completion and return its stdout.

    On failure raise LeakwindowError with git's first error line (never the command's input).
    """
    try:
        completed = subprocess.run(
            git_argv(args),
            cwd=str(cwd),
            input=input_bytes,
            capture_output=True,
            env=safe_env(env),
            check=False,
        )
    except FileNotFoundError:
        raise LeakwindowError("git is not installed or not on PATH") from None
    if check and completed.returncode != 0:
        message = completed.stderr.decode("utf-8", "replace").strip().splitlines()
        first = message[0] if message else f"exit status {completed.returncode}"
        raise LeakwindowError(f"git {args[0]} failed: {first}")
    return completed.stdout


def start_git(
    args: Sequence[str],
    cwd: Path | str,
    *,
    stdin: int | None = None,
    env: Mapping[str, str] | None = None,
) -> subprocess.Popen[bytes]:
    """Start a long-lived git process with piped stdout (and stdin when asked)."""
    try:
        return subprocess.Popen(
            git_argv(args),
            cwd=str(cwd),
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=safe_env(env),
        )
    except FileNotFoundError:
        raise LeakwindowError("git is not installed or not on PATH") from None
