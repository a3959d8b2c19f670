"""Every git call leakwindow makes goes through this module.

Git runs with settings that make a hostile repository inert: no fsmonitor, no hooks, no
external diff or textconv, no pager, no lazy fetching of missing objects, no prompts. Nor
can the repository change what git answers about its objects: replace refs, a graft file, a
commit-graph file (a cache git trusts without checking) and a log output encoding are
switched off on every command line, and files its config names (mailmap, diff order) are not
read.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, NamedTuple

from scanner.errors import LeakwindowError

_TRANSPORTS = ("file", "git", "ssh", "http", "https", "ftp", "ftps", "ext", "fd")

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
    # A repository's own `protocol.<name>.allow=always` beats `protocol.allow`; these beat it.
    # With every transport refused, a lazy fetch in a partial clone cannot reach a promisor
    # remote (nor run its `uploadpack` or an `ext::` command) even where git predates
    # GIT_NO_LAZY_FETCH.
    *(f"protocol.{name}.allow=never" for name in _TRANSPORTS),
    "submodule.recurse=false",
    "diff.submodule=short",
    "diff.interHunkContext=0",
    "core.quotePath=false",
    "color.ui=false",
    "log.showSignature=false",
    "gc.auto=0",
    "maintenance.auto=false",
    # What the repository could otherwise use to change git's answers about its objects.
    # A repository's `core.useReplaceRefs=true` beats GIT_NO_REPLACE_OBJECTS; this beats it.
    "core.useReplaceRefs=false",
    # Parents and root trees straight from the commit objects: a forged commit-graph file
    # would give any commit another tree or other parents.
    "core.commitGraph=false",
    # Output in UTF-8 whatever the repository asks (UTF-16 would put NULs inside fields).
    "i18n.logOutputEncoding=UTF-8",
    # Files the config names are not read: they may be anywhere, and a FIFO hangs git.
    "log.mailmap=false",
    f"diff.orderFile={os.devnull}",
)

# Where git would look for a graft file (`info/grafts` rewrites any commit's parents): a path
# that cannot exist, so no graft is read. (git has no setting that turns grafts off.)
NO_GRAFT_FILE = os.path.join(os.devnull, "no-grafts")

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
        # A hook's environment could point git at other objects, or at a shallow file that
        # cuts parents: the repository on the command line decides.
        "GIT_OBJECT_DIRECTORY",
        "GIT_ALTERNATE_OBJECT_DIRECTORIES",
        "GIT_SHALLOW_FILE",
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
            "GIT_GRAFT_FILE": NO_GRAFT_FILE,  # also replaces one a hook may have exported
            # Refs naming missing objects are listed (and reported), never skipped silently.
            "GIT_REF_PARANOIA": "1",
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


def first_problem(stderr: bytes, returncode: int) -> str:
    """The line of git's stderr that explains a failure: the first fatal/error, not a warning."""
    lines = [line.strip() for line in stderr.decode("utf-8", "replace").splitlines()]
    lines = [line for line in lines if line]
    for line in lines:
        if line.startswith(("fatal:", "error:")):
            return line
    return lines[0] if lines else f"exit status {returncode}"


def _cannot_start(cwd: Path | str, exc: OSError) -> LeakwindowError:
    if isinstance(exc, FileNotFoundError) and Path(cwd).is_dir():
        return LeakwindowError("git is not installed or not on PATH")
    return LeakwindowError(f"cannot run git in {cwd}: {exc.strerror or type(exc).__name__}")


def run_git(
    args: Sequence[str],
    cwd: Path | str,
    *,
    input_bytes: bytes | None = None,
    env: Mapping[str, str] | None = None,
    check: bool = True,
    timeout: float | None = None,
) -> bytes:
    """Run one git command to completion and return its stdout.

    On failure raise LeakwindowError with git's first error line (never the command's input).
    """
    completed = run_git_completed(args, cwd, input_bytes=input_bytes, env=env, timeout=timeout)
    if check and completed.returncode != 0:
        problem = first_problem(completed.stderr, completed.returncode)
        raise LeakwindowError(f"git {args[0]} failed: {problem}")
    return completed.stdout


def run_git_completed(
    args: Sequence[str],
    cwd: Path | str,
    *,
    input_bytes: bytes | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """Run one git command to completion; the caller judges its exit status and stderr.

    `timeout` (seconds) is for commands that answer at once whatever the repository's size:
    past it git is stopped and the run ends with one line."""
    try:
        return subprocess.run(
            git_argv(args),
            cwd=str(cwd),
            input=input_bytes,
            capture_output=True,
            env=safe_env(env),
            check=False,
            timeout=timeout,
        )
    except OSError as exc:
        raise _cannot_start(cwd, exc) from None
    except subprocess.TimeoutExpired:
        raise LeakwindowError(
            f"git {args[0]} did not answer in {timeout:.0f} s in {cwd} "
            "(a FIFO or device where git reads a file blocks it)"
        ) from None


def start_git(
    args: Sequence[str],
    cwd: Path | str,
    *,
    stdin: int | None = None,
    env: Mapping[str, str] | None = None,
    stderr: IO[bytes] | None = None,
) -> subprocess.Popen[bytes]:
    """Start a long-lived git process with piped stdout (and stdin when asked).

    stderr goes to the given file, or to /dev/null: a pipe nobody drains while the process
    runs would block git for good once a corrupt repository fills it with errors.
    """
    try:
        return subprocess.Popen(
            git_argv(args),
            cwd=str(cwd),
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL if stderr is None else stderr,
            env=safe_env(env),
        )
    except OSError as exc:
        raise _cannot_start(cwd, exc) from None


_SET_PIPE_SIZE = 1031  # Linux's F_SETPIPE_SZ (the fcntl module names it only from 3.10 on Linux)
PIPE_BYTES = 1 << 20

# For the commands that find a repository: they answer at once in any repository git can
# read, and a hostile one must not keep a scan (or a hook) waiting for ever.
DISCOVERY_TIMEOUT = 60.0


def widen_pipe(stream: IO[bytes]) -> None:
    """Give a pipe a 1 MiB buffer instead of 64 KiB, where the system allows it: a bulk
    reader then wakes once per megabyte instead of once per 64 KiB."""
    try:
        import fcntl

        fcntl.fcntl(stream.fileno(), _SET_PIPE_SIZE, PIPE_BYTES)
    except (ImportError, OSError, ValueError):
        pass  # not Linux, or over the system's limit: the default pipe still works


def stop(process: subprocess.Popen[bytes]) -> None:
    """End a git process we started and reap it, whatever state it is in."""
    for stream in (process.stdin, process.stdout):
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()
    if process.poll() is None:
        process.kill()
    process.wait()


class GitObject(NamedTuple):
    kind: str  # "commit", "tree", "blob" or "tag"
    content: bytes


class ObjectReader:
    """Read single objects on demand through one `git cat-file --batch` process.

    A corrupt object can make cat-file die half-way through its content; the reader then
    reports that object as unreadable and starts a fresh process for the next request.
    """

    def __init__(self, repo: Path | str) -> None:
        self._repo = repo
        self._process: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()

    def read(self, oid: str) -> GitObject | None:
        """The object, or None when it is missing or unreadable."""
        with self._lock:
            process = self._process or self._start()
            assert process.stdin is not None and process.stdout is not None
            try:
                process.stdin.write(oid.encode("ascii") + b"\n")
                process.stdin.flush()
            except (BrokenPipeError, OSError, UnicodeEncodeError):
                self._discard()
                return None
            header = process.stdout.readline().split()
            if len(header) != 3:
                if not header:  # the process died: start again on the next request
                    self._discard()
                return None
            size = int(header[2])
            content = process.stdout.read(size)
            if len(content) != size or process.stdout.read(1) != b"\n":
                self._discard()
                return None
            return GitObject(header[1].decode("ascii", "replace"), content)

    def close(self) -> None:
        with self._lock:
            self._discard()

    def __enter__(self) -> ObjectReader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _start(self) -> subprocess.Popen[bytes]:
        self._process = start_git(["cat-file", "--batch"], self._repo, stdin=subprocess.PIPE)
        return self._process

    def _discard(self) -> None:
        if self._process is not None:
            stop(self._process)
            self._process = None


_C_ESCAPE = re.compile(rb'\\([0-7]{3}|[abtnvfr"\\])')
_C_ESCAPES = {
    b"a": b"\a",
    b"b": b"\b",
    b"t": b"\t",
    b"n": b"\n",
    b"v": b"\v",
    b"f": b"\f",
    b"r": b"\r",
}


def unquote_c(text: str) -> str:
    """A path as git prints it: as is, or in double quotes with C escapes (octal for bytes)."""
    if len(text) < 2 or not (text.startswith('"') and text.endswith('"')):
        return text

    def unescape(match: re.Match[bytes]) -> bytes:
        code = match.group(1)
        return bytes([int(code, 8) & 0xFF]) if code.isdigit() else _C_ESCAPES.get(code, code)

    raw = text[1:-1].encode("utf-8", "surrogateescape")
    return _C_ESCAPE.sub(unescape, raw).decode("utf-8", "surrogateescape")
