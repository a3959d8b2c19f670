"""Where a repository's incremental cache lives: with the user's files, never in the repository.

A cache inside the scanned repository could be forged by whoever made the repository (a
tarball's `.git/leakwindow/cache.sqlite` marking a key's blob "clean" hid it). So each
repository's cache is a directory of its own under the user's cache root
(`$XDG_CACHE_HOME/leakwindow`, default `~/.cache/leakwindow`, or `--cache-dir DIR`):
`repos/<digest>/`, where the digest is taken over the git dir's real path and its device and
inode numbers, so another repository unpacked at the same path later starts cold.

The root must be the user's own directory (it is created 0700 when missing); `repos/` and each
repository's directory below it are the user's own, mode 0700, and never links
(`safe_files.private_directory`); every file is created 0600, written to a fresh temporary
name and renamed into place; reads refuse anything but a regular file. A cache root inside the
scanned repository is refused when the user named it, and switched off when it is the default
(a `$HOME` that is itself a repository, or `XDG_CACHE_HOME` pointing into the checkout).

The cache holds blob and commit ids, dates, author names, paths and, in the saved findings,
each secret's fingerprint (sha256: what every report also holds) and redacted preview, never
a secret. Every file but the SQLite database starts with a line giving the CRC-32 and length
of the rest (`sealed`): a damaged file is not used. Only the directories of the most recently
used repositories are kept.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from scanner.cache.files import cache_root
from scanner.errors import LeakwindowError

if TYPE_CHECKING:
    from scanner.git.repository import Repository

_KEEP_REPOSITORIES = 32  # a CI runner's fresh checkouts would otherwise pile up


@dataclass(frozen=True)
class CachePlace:
    """One repository's cache directory and the files in it."""

    directory: Path

    @property
    def blobs(self) -> Path:
        return self.directory / "blobs.sqlite"

    @property
    def history(self) -> Path:
        return self.directory / "history.bin"

    @property
    def result(self) -> Path:
        return self.directory / "result.json"


@dataclass(frozen=True)
class Placement:
    """The cache place, or why there is none this run (one line for stderr)."""

    place: CachePlace | None
    note: str | None = None


def repository_key(git_dir: Path) -> str:
    """The name of a repository's cache directory: its git dir's real path and identity."""
    real = os.path.realpath(git_dir)
    info = os.stat(real)
    identity = f"{real}\0{info.st_dev}\0{info.st_ino}"
    return hashlib.sha256(identity.encode("utf-8", "surrogateescape")).hexdigest()


def shared_cache_allowed(repository: Repository) -> bool:
    """Whether the rule-pack and matcher caches in the default cache root may be used while
    scanning `repository`: not when that root lies inside it (a planted entry could drop
    rules)."""
    return not repository.holds(cache_root())


def place_for(repository: Repository, explicit_root: Path | None) -> Placement:
    """The cache directory for `repository`, created if needed.

    Raises LeakwindowError when the user's `--cache-dir` lies inside the scanned repository;
    any other problem (a root that cannot be created or is another user's) gives no place,
    with a note: a cache must never make a scan fail.
    """
    from scanner.safe_files import private_directory

    root = explicit_root if explicit_root is not None else cache_root()
    if repository.holds(root):
        if explicit_root is not None:
            raise LeakwindowError(
                f"--cache-dir {explicit_root} is inside the scanned repository: the cache "
                "must live where the repository cannot write it"
            )
        return Placement(None, f"cache not used: {root} is inside the scanned repository")
    try:
        key = repository_key(repository.git_dir)
        repos = private_directory(_own_root(root) / "repos")
        directory = repos / key
        fresh = not os.path.lexists(directory)
        private_directory(directory)
    except (LeakwindowError, OSError) as exc:
        reason = str(exc) if isinstance(exc, LeakwindowError) else exc.strerror
        return Placement(None, f"cache not used: {reason}")
    if fresh:
        _forget_old_repositories(repos, keep=directory)
    return Placement(CachePlace(directory))


def _own_root(root: Path) -> Path:
    """The cache root, created 0700 if missing. An existing one may be a link (the user's
    own choice) and keeps its mode (`--cache-dir ~` must not close the home directory), but
    must be a directory of this user's: the private directories go below it."""
    from scanner.safe_files import own_directory

    return own_directory(root, follow_symlinks=True, make_private=False)


def _forget_old_repositories(repos: Path, keep: Path) -> None:
    """Remove the least recently written repository directories beyond the limit."""
    import shutil  # here: a pre-commit hook imports this module but never gets here

    with contextlib.suppress(OSError):
        entries = [
            (entry.stat(follow_symlinks=False).st_mtime_ns, Path(entry.path))
            for entry in os.scandir(repos)
            if entry.is_dir(follow_symlinks=False) and entry.path != str(keep)
        ]
        entries.sort()
        for _, stale in entries[: max(0, len(entries) - (_KEEP_REPOSITORIES - 1))]:
            shutil.rmtree(stale, ignore_errors=True)
