"""One digest of the code that decides what a scan finds, for every cache key.

A cache may only answer for the code that wrote it. Hand-kept lists of "the modules that
matter" go stale (one left out the config loader), so the digest covers every Python file
of the package, the package version and the Python version (the `re` engine and `marshal`'s
format come with it). Reading the ~50 files costs about 2 ms, once per process.
"""

from __future__ import annotations

import functools
import hashlib
import sys
from pathlib import Path

from scanner import __version__

_PACKAGE_DIR = Path(__file__).resolve().parent


@functools.cache
def code_digest() -> str:
    """Hex sha256 of the package's version, the Python version and every module's source."""
    digest = hashlib.sha256(f"leakwindow {__version__}\0{sys.version}\0".encode())
    for module in sorted(_PACKAGE_DIR.rglob("*.py")):
        name = module.relative_to(_PACKAGE_DIR).as_posix()
        digest.update(name.encode() + b"\0")
        try:
            digest.update(module.read_bytes())
        except OSError:
            digest.update(b"\0unreadable\0")
        digest.update(b"\0")
    return digest.hexdigest()
