"""Bare mirrors of remote repositories, kept up to date, with git made inert the same way as
for every other call (scanner/git/process.py) and only the source's own transport allowed.

Every transport is refused on every git command line (`protocol.allow=never` and each
`protocol.<name>.allow=never`); a mirror's clone or fetch allows back exactly one, the
source's. Credentials are never asked for (no helper, no prompt, ssh in batch mode), so an
unreachable or private source fails with git's one line instead of waiting for a password.
A clone is made under a temporary name and renamed into place, so a clone cut short (a
timeout, a killed worker) never passes for a mirror; a rerun fetches with `--prune`, so refs
deleted upstream disappear here too.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import signal
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from urllib.parse import urlsplit

from scanner.errors import LeakwindowError
from scanner.git.process import first_problem, git_argv, run_git, safe_env

# ssh never prompts (a password, an unknown host key): it fails and the source is reported.
_SSH_COMMAND = "ssh -o BatchMode=yes"


def transport_settings(scheme: str) -> list[str]:
    """`-c` options that allow the one transport `scheme` (file, git, https, ssh) back."""
    settings = ["-c", f"protocol.{scheme}.allow=always"]
    if scheme == "ssh":
        settings += ["-c", f"core.sshCommand={_SSH_COMMAND}"]
    return settings


def token_config(url: str, header: str) -> dict[str, str]:
    """Environment that gives git one HTTP header (a token) for `url`'s own scheme and host
    only, and follows no redirect (which could lead elsewhere). Through the environment, not
    `-c`: a command line is visible to every user of the machine."""
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return {
        "GIT_CONFIG_COUNT": "2",
        "GIT_CONFIG_KEY_0": f"http.{origin}/.extraHeader",
        "GIT_CONFIG_VALUE_0": header,
        "GIT_CONFIG_KEY_1": "http.followRedirects",
        "GIT_CONFIG_VALUE_1": "false",
    }


def _run(
    args: Sequence[str], cwd: Path, timeout: float | None, env: Mapping[str, str] | None = None
) -> None:
    """One git network command; its whole process group is stopped past `timeout`."""
    try:
        process = subprocess.Popen(
            git_argv(args),
            cwd=str(cwd),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=safe_env(env),
            start_new_session=True,  # git-remote-https, ssh: stopped with git
        )
    except OSError as exc:
        raise LeakwindowError(f"cannot run git: {exc.strerror or type(exc).__name__}") from None
    try:
        _, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(OSError):
            os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise LeakwindowError(f"git {_verb(args)} did not finish in {timeout:.0f} s") from None
    if process.returncode != 0:
        problem = first_problem(stderr, process.returncode)
        raise LeakwindowError(f"git {_verb(args)} failed: {problem}")


def _verb(args: Sequence[str]) -> str:
    return next(arg for arg in args if arg in ("clone", "fetch"))


def update_mirror(
    url: str,
    scheme: str,
    mirror: Path,
    timeout: float | None = None,
    auth_header: str | None = None,
) -> bool:
    """Clone `url` as a bare mirror at `mirror`, or fetch into the one already there.
    `auth_header` (https only) is sent to `url`'s host and nowhere else. True when it was
    cloned now. LeakwindowError with git's reason when either fails."""
    allow = transport_settings(scheme)
    env = token_config(url, auth_header) if auth_header and scheme == "https" else None
    if mirror.is_symlink() or (mirror.exists() and not mirror.is_dir()):
        raise LeakwindowError(f"{mirror} is not a directory: not used as a mirror")
    if (mirror / "HEAD").is_file():
        _run([*allow, "fetch", "--prune", "--quiet", "origin"], mirror, timeout, env)
        return False
    mirror.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    partial = mirror.with_name(f"{mirror.name}.partial-{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    try:
        _run(
            [*allow, "clone", "--mirror", "--quiet", "--template=", "--", url, str(partial)],
            mirror.parent,
            timeout,
            env,
        )
        shutil.rmtree(mirror, ignore_errors=True)  # an empty or broken leftover
        try:
            partial.rename(mirror)
        except OSError:
            # A clone of an earlier try (its worker killed) finished first: use that one.
            if not (mirror / "HEAD").is_file():
                raise LeakwindowError(f"cannot put the mirror in place at {mirror}") from None
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return True


def refs_digest(repo: Path) -> str:
    """A digest of every ref and its target, HEAD, and the object store's counts: it changes
    when anything a history scan reads may have changed."""
    digest = hashlib.sha256()
    for args in (
        ["for-each-ref", "--format=%(refname)%00%(objectname)%00%(symref)"],
        ["rev-parse", "HEAD", "--symbolic-full-name", "HEAD"],  # its commit and its branch
        ["count-objects", "-v"],
    ):
        out = run_git(args, repo, check=False)
        digest.update(len(out).to_bytes(8, "big") + out)
    return digest.hexdigest()
