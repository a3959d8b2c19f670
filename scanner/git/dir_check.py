"""Refuse a repository whose git dir holds a file git would block on, before git reads it.

git opens the files of a repository with a plain open(): a FIFO at `.git/config`, `HEAD`,
`packed-refs`, a loose ref, a loose object or a pack index blocks it for ever, and so does a
FIFO named by the config's `include.path` or found in an alternate object directory. git
never writes such a file; a tarball can carry one. The scan stops with one line instead of
hanging. Devices and sockets are refused the same way (a character device can be endless).

What is walked: the git dir, the common dir of a linked work tree, every alternate object
directory (followed as git follows `objects/info/alternates`) and every file the config
includes. Only directory entries are listed (their types come from the directory itself);
a file is stat()ed only when it is a symbolic link.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

from scanner.errors import LeakwindowError
from scanner.git.process import run_git_completed, unquote_c

# git follows alternates five levels deep and includes ten; deeper ones it refuses itself.
_ALTERNATE_DEPTH = 5
_INCLUDE_DEPTH = 10
_SMALL_FILE = 1 << 20  # an alternates or commondir file larger than this is not read
# Where `git config --file` runs: a directory with no repository. In the scanned one, git
# would read its config, and the includes being checked, before doing anything else.
_NOWHERE = os.path.realpath(os.devnull + "/..")


class SpecialFile(LeakwindowError):
    """A FIFO, device or socket where git would read a file."""

    def __init__(self, path: Path | str, kind: str) -> None:
        super().__init__(
            f"refusing to scan: {path} is a {kind}; git would block reading it "
            "(a repository never holds one; was it unpacked from an archive?)"
        )


def check_git_dir(git_dir: Path) -> None:
    """Raise SpecialFile if git could block on anything it reads for this repository."""
    seen: set[tuple[int, int]] = set()
    common = common_dir(git_dir)
    for directory in (git_dir, common):
        if directory is not None:
            _walk(directory, seen)
    for objects in _alternates((common or git_dir) / "objects"):
        _walk(objects, seen)
    for config in (git_dir / "config", (common or git_dir) / "config", git_dir / "config.worktree"):
        _check_includes(config, depth=0)


def _kind(mode: int) -> str | None:
    """What a non-regular, non-directory file is, or None for the files git reads safely."""
    if stat.S_ISFIFO(mode):
        return "FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    if stat.S_ISSOCK(mode):
        return "socket"
    return None


def _walk(top: Path, seen: set[tuple[int, int]]) -> None:
    """Every entry below `top`: directories (also through links, once each) are descended."""
    stack = [str(top)]
    while stack:
        directory = stack.pop()
        try:
            info = os.stat(directory)
        except OSError:
            continue  # missing or unreadable: git reports that itself
        if not stat.S_ISDIR(info.st_mode):
            kind = _kind(info.st_mode)
            if kind is not None:
                raise SpecialFile(directory, kind)
            continue
        if (info.st_dev, info.st_ino) in seen:
            continue
        seen.add((info.st_dev, info.st_ino))
        try:
            entries = list(os.scandir(directory))
        except OSError:
            continue
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                stack.append(entry.path)
            elif entry.is_symlink():
                stack.append(entry.path)  # stat()ed above: a link to a FIFO is one
            elif not entry.is_file(follow_symlinks=False):
                try:
                    mode = entry.stat(follow_symlinks=False).st_mode
                except OSError:
                    continue
                kind = _kind(mode)
                if kind is not None:
                    raise SpecialFile(entry.path, kind)


def _read_small(path: Path) -> str | None:
    """A small regular file's text, or None (absent, too large, or not regular: the walk
    refuses those it covers)."""
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode) or info.st_size > _SMALL_FILE:
            kind = _kind(info.st_mode)
            if kind is not None:
                raise SpecialFile(path, kind)
            return None
        with open(path, "rb") as handle:
            return handle.read(_SMALL_FILE).decode("utf-8", "surrogateescape")
    except OSError:
        return None


def common_dir(git_dir: Path) -> Path | None:
    """The main repository's git dir a linked work tree's git dir shares (`commondir`)."""
    text = _read_small(git_dir / "commondir")
    if not text or not text.strip():
        return None
    return git_dir / text.strip()


def _alternates(objects: Path, depth: int = 0) -> Iterator[Path]:
    """The object directories `objects/info/alternates` names, recursively, as git reads them:
    one per line, `#` comments, relative to `objects`, C-quoted when starting with `"`."""
    if depth >= _ALTERNATE_DEPTH:
        return
    text = _read_small(objects / "info" / "alternates")
    for line in (text or "").splitlines():
        if not line or line.startswith("#"):
            continue
        alternate = objects / (unquote_c(line) if line.startswith('"') else line)
        yield alternate
        yield from _alternates(alternate, depth + 1)


def _check_includes(config: Path, depth: int) -> None:
    """Refuse a non-regular file any `include.path` or `includeIf.*.path` in `config` names,
    following the included files' own includes."""
    text = _read_small(config) if depth <= _INCLUDE_DEPTH else None
    # Section names are case-insensitive; without the word there is no include to follow,
    # and no git process to start (most repositories).
    if text is None or "include" not in text.lower():
        return
    listed = run_git_completed(
        [
            "config",
            "--file",
            str(config),
            "--no-includes",
            "--null",
            "--get-regexp",
            r"^include(if\..*)?\.path$",
        ],
        _NOWHERE,
        env={"GIT_CEILING_DIRECTORIES": os.path.dirname(_NOWHERE)},
    )
    for record in listed.stdout.split(b"\0"):
        _, _, value = record.partition(b"\n")
        if not value:
            continue
        named = os.fsdecode(value)
        target = Path(os.path.expanduser(named))
        if not target.is_absolute():
            target = config.parent / target
        _check_includes(target, depth + 1)
