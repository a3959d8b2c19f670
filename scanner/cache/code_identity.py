"""One digest of the code that decides what a scan finds, for every cache key.

A cache may only answer for the code that wrote it. Hand-kept lists of "the modules that
matter" go stale (one left out the config loader), so the digest covers every Python file
of the package, the package version and the Python version (the `re` engine and `marshal`'s
format come with it). Reading the ~120 files costs about 1.5 ms, once per process.
"""

from __future__ import annotations

import functools
import hashlib
import os
import sys
from collections.abc import Iterator

from scanner import __version__

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))


@functools.cache
def code_digest() -> str:
    """Hex sha256 of the package's version, the Python version and every module's source."""
    digest = hashlib.sha256(f"leakwindow {__version__}\0{sys.version}\0".encode())
    for name, path in _modules(_PACKAGE_DIR, ""):
        digest.update(name.encode() + b"\0")
        try:
            _hash_file(path, digest)
        except OSError:
            digest.update(b"\0unreadable\0")
        digest.update(b"\0")
    return digest.hexdigest()


def _hash_file(path: str, digest: hashlib._Hash) -> None:
    # os.read, not open(): a file object costs more than the read and the hash of a module,
    # and the package has over a hundred of them (1.5 ms against 2.4 ms for all).
    descriptor = os.open(path, os.O_RDONLY)
    try:
        while chunk := os.read(descriptor, 1 << 20):
            digest.update(chunk)
    finally:
        os.close(descriptor)


def _modules(directory: str, prefix: str) -> Iterator[tuple[str, str]]:
    """(name relative to the package, path) of every .py file below `directory`, in a fixed
    order. os.scandir, not pathlib's rglob: this runs in every pre-commit hook, and pathlib's
    walk and path objects cost several times the reading and hashing."""
    try:
        entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
    except OSError:
        return
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            if entry.name != "__pycache__":
                yield from _modules(entry.path, f"{prefix}{entry.name}/")
        elif entry.name.endswith(".py"):
            yield prefix + entry.name, entry.path
