"""Cache files: where the cache root is, and reading and writing one file safely.

Kept apart from `scanner.cache.place` (which decides each repository's cache directory):
the pre-commit hook reads its rule-pack and matcher caches through this module on every
commit and must not pay for the rest.

Cache files are read only when regular (a FIFO is not waited for) and never through a link;
they are written fresh, mode 0600, and renamed into place. Every cache file but the SQLite
database starts with a line giving the CRC-32 and length of the rest (`sealed`).
"""

from __future__ import annotations

import os
import stat
import zlib
from pathlib import Path

from scanner.errors import LeakwindowError

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)


def cache_root() -> Path:
    """`$XDG_CACHE_HOME/leakwindow`, or `~/.cache/leakwindow`."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    root = Path(base) if base and os.path.isabs(base) else Path.home() / ".cache"
    return root / "leakwindow"


def read_cache_file(path: Path, *, follow_symlinks: bool = False, limit: int = -1) -> bytes:
    """A file's bytes; OSError when it is missing, not a regular file (a FIFO is not waited
    for), or over `limit` bytes. Cache files are never read through a link."""
    flags = os.O_RDONLY | _NONBLOCK | _CLOEXEC | (0 if follow_symlinks else _NOFOLLOW)
    with os.fdopen(os.open(path, flags), "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise OSError(f"{path} is not a regular file")
        if limit < 0:
            return handle.read()
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise OSError(f"{path} is over {limit:,} bytes")
    return data


def write_cache_file(path: Path, data: bytes) -> bool:
    """Write a cache file (0600, fresh, renamed into place); False when that failed."""
    # Imported here: a pre-commit hook reads its caches on every run but rarely writes.
    from scanner.safe_files import write_file_atomically

    try:
        write_file_atomically(path, data, mode=0o600, what="cache file")
    except LeakwindowError:
        return False
    return True


# Every cache file but the database starts with a line giving the CRC-32 and length of
# the rest: a file cut short or with a flipped bit (a crash, a bad disk) would otherwise
# often still parse, and answer wrongly. (Damage, not forgery: the directory is the user's.)
_SEAL = b"leakwindow-cache crc32="


def sealed(payload: bytes) -> bytes:
    return b"%s%08x %d\n" % (_SEAL, zlib.crc32(payload), len(payload)) + payload


def unsealed(data: bytes) -> bytes:
    """The payload of a sealed file; ValueError when it is not one, or damaged."""
    header, newline, payload = data.partition(b"\n")
    if not newline or not header.startswith(_SEAL):
        raise ValueError("not a sealed cache file")
    crc, _, length = header[len(_SEAL) :].partition(b" ")
    if int(length) != len(payload) or int(crc, 16) != zlib.crc32(payload):
        raise ValueError("a damaged cache file")
    return payload


def read_sealed(path: Path) -> bytes:
    """The payload of a sealed cache file; OSError or ValueError when it cannot serve."""
    return unsealed(read_cache_file(path))


def write_sealed(path: Path, payload: bytes) -> bool:
    """Write a sealed cache file (0600, fresh, renamed into place); False when that failed."""
    return write_cache_file(path, sealed(payload))


def prepare_private_file(path: Path) -> None:
    """Make sure `path` is a regular file of this user's, mode 0600 (for a database that
    opens it by name); OSError otherwise."""
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT | _NOFOLLOW | _CLOEXEC, 0o600)
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(f"{path} is not a regular file")
        if hasattr(os, "getuid") and info.st_uid != os.getuid():
            raise OSError(f"{path} belongs to another user")
        if info.st_mode & 0o077:
            os.fchmod(descriptor, 0o600)
    finally:
        os.close(descriptor)
