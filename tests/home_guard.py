"""The guard on the user's real leakwindow cache, installed in every test process.

An audit hook sees each file opened for writing, renamed, made or removed, whatever path the
code took to get there; one under the user's cache is refused and recorded, and the autouse
fixture in tests/conftest.py fails the test that tried (the scanner treats a cache it cannot
write as no cache, so the refusal alone would go unnoticed).
"""

from __future__ import annotations

import os
import pwd
import sys
from collections.abc import Mapping
from typing import Any

GUARDED_VARIABLE = "LEAKWINDOW_TEST_GUARDED_CACHES"  # os.pathsep-separated, for the workers


def real_cache_roots(environ: Mapping[str, str]) -> list[str]:
    """Where leakwindow would keep the user's cache: `$XDG_CACHE_HOME/leakwindow` and
    `~/.cache/leakwindow`, for HOME and for the account's home directory alike."""
    homes = {environ.get("HOME", ""), pwd.getpwuid(os.getuid()).pw_dir}
    roots = {os.path.join(home, ".cache", "leakwindow") for home in homes if home}
    base = environ.get("XDG_CACHE_HOME", "")
    if os.path.isabs(base):
        roots.add(os.path.join(base, "leakwindow"))
    return sorted(os.path.abspath(root) for root in roots)


_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
# Audit events that change the file system; the path is their first argument (both for a
# rename). `open` is judged by its flags; sqlite3.connect creates its database file.
_CHANGING = frozenset(
    {
        "os.mkdir",
        "os.remove",
        "os.rmdir",
        "os.rename",
        "os.symlink",
        "os.link",
        "os.truncate",
        "os.chmod",
        "os.utime",
        "shutil.rmtree",
        "shutil.copyfile",
        "sqlite3.connect",
    }
)
forbidden_writes: list[str] = []  # what this process tried; the autouse fixture reports it


def install_guard(guarded: list[str]) -> None:
    """Refuse, in this process, every change under the `guarded` directories."""
    prefixes = tuple(root + os.sep for root in guarded if root)
    exact = frozenset(guarded)

    def is_guarded(target: Any) -> bool:
        if isinstance(target, int) or target is None:
            return False  # a descriptor: its opening was judged already
        try:
            path = os.path.abspath(os.fsdecode(target))
        except (TypeError, ValueError):
            return False
        return path in exact or path.startswith(prefixes)

    def guard(event: str, args: tuple[Any, ...]) -> None:
        if event == "open":
            mode, flags = args[1], args[2]
            writes = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                isinstance(flags, int) and flags & _WRITE_FLAGS
            )
            targets = args[:1] if writes else ()
        elif event in _CHANGING:
            targets = args[:2] if event in ("os.rename", "os.link", "shutil.copyfile") else args[:1]
        else:
            return
        for target in targets:
            if is_guarded(target):
                forbidden_writes.append(f"{event} {os.fsdecode(target)}")
                raise PermissionError(f"a test wrote into the user's own cache: {target!r}")

    sys.addaudithook(guard)
