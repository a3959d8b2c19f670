"""Git hook commands: `leakwindow install-hook` and `leakwindow pre-push`.

`install-hook` writes a plain git hook for people who do not use the pre-commit framework.
The hook calls leakwindow by the absolute path of the running installation, so it keeps
working when the virtual environment is not activated in the shell that runs `git commit`.

Where it is written: the directory git actually runs hooks from. That is `.git/hooks`
unless the configuration sets `core.hooksPath` (husky, a shared hooks folder, a global hooks
directory), in which case a hook in `.git/hooks` would silently never run, so the hook goes
into the configured directory and the message says so. A repository's own config (its
`.git/config`, which a cloned tarball brings along) may only point inside the repository: a
hook written anywhere else on the machine is refused, unless the setting comes from the
user's global or system config. Inside the repository, no directory on the way may be a
symbolic link, and the hook is created fresh and renamed into place (never written through
a link). An existing hook that leakwindow did not write (or a link) is never replaced
without `--force` (and is then kept as a backup).
"""

# No `from __future__ import annotations` in this module: typer would then eval each
# parameter's annotation string while building the commands (13 ms of every run, measured
# with both cli.py and hook_commands.py postponed: 16.7 ms against 3.9 ms).

import os
import shlex
import stat
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from scanner.cli.usage import (
    FAIL_ON,
    MIN_CONFIDENCE,
    Confidence,
    RepositoryArgument,
    Severity,
    metavar,
)
from scanner.confidence import CONFIDENCES
from scanner.errors import LeakwindowError
from scanner.failures import write_standard_output
from scanner.git.process import run_git
from scanner.report.exit_policy import (
    MIN_CONFIDENCE_HELP,
    fail_on_help,
)
from scanner.severity import SEVERITIES

HOOK_MARKER = "leakwindow-hook"
BACKUP_SUFFIX = ".leakwindow-backup"
# Scopes of configuration that the user, not the repository, controls.
_USER_SCOPES = frozenset({"global", "system", "command"})
_HOOK_READ_LIMIT = 1024 * 1024

_HOOK_TEMPLATE = """#!/bin/sh
# {marker}: written by `leakwindow install-hook`; delete this file to remove the hook.
# {purpose}
if [ ! -x {program} ]; then
    echo "leakwindow hook: this program is missing:" {program} >&2
    echo "reinstall with \\`leakwindow install-hook\\`, or delete $0" >&2
    exit 1
fi
exec {command} {arguments}
"""

_PURPOSES = {
    "pre-commit": "Blocks a commit whose staged lines add a secret.",
    "pre-push": "Blocks a push whose commits introduce a secret.",
}
_ARGUMENTS = {"pre-commit": "staged", "pre-push": 'pre-push "$@"'}


@dataclass(frozen=True)
class HooksDirectory:
    path: Path
    configured_in: str | None  # the config scope that set core.hooksPath, or None


def leakwindow_command() -> list[str]:
    """Argv prefix that runs this very installation of leakwindow."""
    interpreter = Path(sys.executable).absolute()  # not resolved: a venv's python is a link
    script = interpreter.parent / ("leakwindow.exe" if os.name == "nt" else "leakwindow")
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    return [str(interpreter), "-c", "from scanner.entry import run; run()"]


def hooks_directory(root: Path) -> HooksDirectory:
    """Where git runs this repository's hooks from.

    Every git call forces `core.hooksPath=/dev/null` (scanning runs no hooks), so the user's
    own setting is read with its scope and the command-line value is ignored.
    """
    listed = run_git(
        ["config", "--show-scope", "--type=path", "--get-all", "core.hooksPath"],
        root,
        check=False,
    )
    configured = [
        tuple(line.split("\t", 1))
        for line in listed.decode("utf-8", "replace").splitlines()
        if "\t" in line and not line.startswith("command\t")
    ]
    if configured:
        scope, value = configured[-1]  # the last one wins, as in git
        if value:
            hooks = Path(value)
            return HooksDirectory(hooks if hooks.is_absolute() else root / hooks, scope)
    common = Path(run_git(["rev-parse", "--git-common-dir"], root).decode().strip())
    return HooksDirectory((common if common.is_absolute() else root / common) / "hooks", None)


def hook_script(hook: str, command: list[str]) -> str:
    return _HOOK_TEMPLATE.format(
        marker=HOOK_MARKER,
        purpose=_PURPOSES[hook],
        command=shlex.join(command),
        program=shlex.quote(command[0]),
        arguments=_ARGUMENTS[hook],
    )


def _shown(path: Path) -> str:
    """A path from a repository's config, fit for a one-line message."""
    return str(path).encode("unicode_escape").decode("ascii")


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def repository_places(root: Path) -> tuple[Path, ...]:
    """The worktree, git dir and common git dir: everything the repository controls."""
    listed = run_git(["rev-parse", "--absolute-git-dir", "--git-common-dir"], root)
    lines = listed.decode("utf-8", "surrogateescape").splitlines()
    places = [root, *(Path(line) if Path(line).is_absolute() else root / line for line in lines)]
    return tuple(Path(os.path.normpath(place)) for place in places)


def check_hooks_directory(directory: HooksDirectory, places: tuple[Path, ...]) -> None:
    """Refuse a hooks directory that the repository chose and that lies outside it, or that
    is reached through a symbolic link inside the repository."""
    from scanner.safe_files import symlink_inside

    where = Path(os.path.normpath(directory.path))
    if directory.configured_in not in _USER_SCOPES:
        real = Path(os.path.realpath(where))
        inside = any(_inside(where, place) for place in places) or any(
            _inside(real, Path(os.path.realpath(place))) for place in places
        )
        if not inside:
            raise LeakwindowError(
                f"refusing to install the hook in {_shown(where)}: core.hooksPath from the "
                f"repository's own ({directory.configured_in}) config points outside the "
                "repository, and a repository may not choose where leakwindow writes; if your "
                "hooks live there, set core.hooksPath in your global config"
            )
    link = symlink_inside(where, places)
    if link is not None:
        raise LeakwindowError(
            f"refusing to install the hook in {_shown(where)}: {_shown(link)} is a symbolic "
            "link inside the repository"
        )


def _existing_hook(target: Path) -> bytes | None:
    """The current hook's bytes, b"" for something that is not a readable regular file (a
    link, a FIFO: not leakwindow's), or None when there is none."""
    from scanner.safe_files import read_regular_file

    try:
        info = os.lstat(target)
    except FileNotFoundError:
        return None
    except OSError:
        return b""
    if not stat.S_ISREG(info.st_mode):
        return b""
    try:
        return read_regular_file(target, limit=_HOOK_READ_LIMIT, follow_symlinks=False)
    except LeakwindowError:
        return b""


def install_hook(path: Path, hook: str, force: bool) -> tuple[Path, HooksDirectory]:
    """Write the hook; refuse to replace a hook leakwindow did not write unless `force`."""
    from scanner.hooks.staged import repository_root
    from scanner.safe_files import write_file_atomically

    root = repository_root(path)
    directory = hooks_directory(root)
    places = repository_places(root)
    check_hooks_directory(directory, places)
    target = directory.path / hook
    current = _existing_hook(target)
    if current is not None and HOOK_MARKER.encode() not in current:
        if not force:
            raise LeakwindowError(
                f"{_shown(target)} already exists and was not written by leakwindow; call "
                f"`leakwindow {_ARGUMENTS[hook].split()[0]}` from it, or rerun with --force "
                f"to replace it (the old hook is kept as {target.name}{BACKUP_SUFFIX})"
            )
        try:  # a rename moves a link itself, never what it points at
            os.replace(target, target.with_name(target.name + BACKUP_SUFFIX))
        except OSError as exc:
            raise LeakwindowError(f"cannot keep a backup of {target}: {exc.strerror}") from None
    try:
        directory.path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise LeakwindowError(f"cannot create {directory.path}: {exc.strerror}") from None
    script = hook_script(hook, leakwindow_command()).encode("utf-8")
    write_file_atomically(target, script, mode=0o755, untrusted_roots=places, what="hook")
    return target, directory


def register(app: typer.Typer) -> None:
    """Add `install-hook` and `pre-push` to the main command line."""

    @app.command("install-hook")
    def install_hook_command(
        path: RepositoryArgument = Path("."),
        pre_push: Annotated[
            bool, typer.Option("--pre-push", help="Install the pre-push hook instead.")
        ] = False,
        force: Annotated[
            bool, typer.Option("--force", help="Replace an existing hook (kept as a backup).")
        ] = False,
    ) -> int:
        """Install a plain git hook (for repositories without the pre-commit framework)."""
        hook = "pre-push" if pre_push else "pre-commit"
        target, directory = install_hook(path, hook, force)
        note = ""
        if directory.configured_in is not None:
            note = f" (core.hooksPath from {directory.configured_in} config)"
        write_standard_output(f"installed the {hook} hook at {target}{note}\n")
        return 0

    @app.command("pre-push")
    def pre_push_command(
        remote: Annotated[
            str | None,
            typer.Argument(help="Remote name (git passes it to the hook).", metavar="REMOTE"),
        ] = None,
        url: Annotated[
            str | None, typer.Argument(help="Remote URL (unused).", metavar="URL")
        ] = None,
        path: Annotated[Path, typer.Option("--path", help="Repository.", metavar="DIR")] = Path(
            "."
        ),
        fail_on: Annotated[
            Severity,
            typer.Option("--fail-on", help=fail_on_help("blocks"), metavar=metavar(SEVERITIES)),
        ] = FAIL_ON,
        min_confidence: Annotated[
            Confidence,
            typer.Option(
                "--min-confidence", help=MIN_CONFIDENCE_HELP, metavar=metavar(CONFIDENCES)
            ),
        ] = MIN_CONFIDENCE,
    ) -> int:
        """Block a push when a commit being pushed introduces a secret (pre-push hook)."""
        from scanner.hooks.prepush import read_hook_stdin, run_pre_push

        return run_pre_push(
            path,
            remote=remote,
            stdin_text=read_hook_stdin(),
            environ=os.environ,
            fail_on=fail_on.value,
            min_confidence=min_confidence.value,
        )
