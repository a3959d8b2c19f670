"""Where a scanned repository's incremental cache lives, and its files' framing, for tests
that look inside it. Importable with the code of commit e5329f8 too (nothing from the
package is imported until a helper needs it)."""

from __future__ import annotations

import subprocess
import zlib
from pathlib import Path

_SEAL = b"leakwindow-cache crc32="


def git_dir_of(repo: Path) -> Path:
    out = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "--absolute-git-dir"],
        capture_output=True,
        check=True,
    )
    return Path(out.stdout.decode().strip())


def cache_directory(repo: Path, root: Path | None = None) -> Path:
    """The repository's cache directory under `root` (default: the user's cache root)."""
    from scanner.cache.files import cache_root
    from scanner.cache.place import repository_key

    base = root if root is not None else cache_root()
    return base / "repos" / repository_key(git_dir_of(repo))


def payload_of(raw: bytes) -> bytes:
    """A cache file's content without its checksum line (files up to commit e5329f8 had none)."""
    return raw.split(b"\n", 1)[1] if raw.startswith(_SEAL) else raw


def framed_like(original: bytes, payload: bytes) -> bytes:
    """`payload` framed the way `original` was: with a valid checksum line if it had one,
    so that a test's deliberate change is judged on its content, not caught as damage."""
    if not original.startswith(_SEAL):
        return payload
    return b"%s%08x %d\n" % (_SEAL, zlib.crc32(payload), len(payload)) + payload
