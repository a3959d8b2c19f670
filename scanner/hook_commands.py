"""Git hook commands: `leakwindow install-hook` and `leakwindow pre-push`.

`install-hook` writes a plain git hook for people who do not use the pre-commit framework.
The hook calls leakwindow by the absolute path of the running installation, so it keeps
working when the virtual environment is not activated in the shell that runs `git commit`.

Where it is written: the directory git actually runs hooks from. That is `.git/hooks`
unless the user's own configuration sets `core.hooksPath` (husky, a shared hooks folder, a
global hooks directory), in which case a hook in `.git/hooks` would silently never run, so
the hook goes into the configured directory and the message says so. An existing hook that
leakwindow did not write is never replaced without `--force` (and is then kept as a backup).
"""

# No `from __future__ import annotations` in this module: typer would then eval each
# parameter's annotation string while building the commands (13 ms of every run, measured
# with both cli.py and hook_commands.py postponed: 16.7 ms against 3.9 ms).

import os
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from scanner.errors import LeakwindowError
from scanner.git import run_git

HOOK_MARKER = "leakwindow-hook"
BACKUP_SUFFIX = ".leakwindow-backup"

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


def install_hook(path: Path, hook: str, force: bool) -> tuple[Path, HooksDirectory]:
    """Write the hook; refuse to replace a hook leakwindow did not write unless `force`."""
    from scanner.staged import repository_root

    root = repository_root(path)
    directory = hooks_directory(root)
    target = directory.path / hook
    if target.exists() or target.is_symlink():
        try:
            current = target.read_bytes()
        except OSError:
            current = b""
        if HOOK_MARKER.encode() not in current:
            if not force:
                raise LeakwindowError(
                    f"{target} already exists and was not written by leakwindow; call "
                    f"`leakwindow {_ARGUMENTS[hook].split()[0]}` from it, or rerun with --force "
                    f"to replace it (the old hook is kept as {target.name}{BACKUP_SUFFIX})"
                )
            target.replace(target.with_name(target.name + BACKUP_SUFFIX))
    try:
        directory.path.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.leakwindow-tmp")
        temporary.write_text(hook_script(hook, leakwindow_command()), encoding="utf-8")
        temporary.chmod(0o755)
        temporary.replace(target)
    except OSError as exc:
        raise LeakwindowError(f"cannot write {target}: {exc.strerror}") from None
    return target, directory


def register(app: typer.Typer) -> None:
    """Add `install-hook` and `pre-push` to the main command line."""

    @app.command("install-hook")
    def install_hook_command(
        path: Annotated[Path, typer.Argument(help="Repository (or a path inside it).")] = Path("."),
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
        sys.stdout.write(f"installed the {hook} hook at {target}{note}\n")
        return 0

    @app.command("pre-push")
    def pre_push_command(
        remote: Annotated[
            str | None, typer.Argument(help="Remote name (git passes it to the hook).")
        ] = None,
        url: Annotated[str | None, typer.Argument(help="Remote URL (unused).")] = None,
        path: Annotated[Path, typer.Option("--path", help="Repository.")] = Path("."),
        fail_on: Annotated[
            str, typer.Option("--fail-on", help="Lowest severity that blocks: critical..low.")
        ] = "low",
    ) -> int:
        """Block a push when a commit being pushed introduces a secret (pre-push hook)."""
        from scanner.prepush import read_hook_stdin, run_pre_push

        return run_pre_push(
            path,
            remote=remote,
            stdin_text=read_hook_stdin(),
            environ=os.environ,
            fail_on=fail_on,
        )
