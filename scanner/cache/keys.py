"""What every cache key is made of: the code, the rules, the engine and the settings.

A cached answer may only be reused by a scan that would compute the same answer, so each key
is derived from everything the answer depends on, never from a hand-kept list:

- the code: `code_digest()`, every module of the package, the package version and the
  Python version;
- the rules: the pack's digest (every rule file's bytes, the disabled rule ids);
- the engine actually used, with the identity of the Hyperscan build (its version and its
  files: a build decides which patterns it can screen, and Vectorscan builds screen by
  keywords instead), and whether patterns or only keywords are screened;
- the settings: the blob size cap for verdicts; the path settings too for what depends on
  paths (the saved history and findings).

Everything here is cheap (a few stat calls and one cached digest): a rescan of an unchanged
repository must not import Hyperscan just to name it.
"""

from __future__ import annotations

import functools
import hashlib
import os
import sys
from collections.abc import Sequence
from importlib.machinery import PathFinder

from scanner.cache.code_identity import code_digest

_PYTHON = "python"
_HYPERSCAN = "hyperscan"


@functools.cache
def hyperscan_build() -> str | None:
    """The installed Hyperscan package's identity (its files' names, sizes and modification
    times: the version file and the compiled extension among them), or None when it is not
    installed. Found without importing it."""
    loaded = sys.modules.get(_HYPERSCAN)
    try:
        # PathFinder, not importlib.util.find_spec: importing importlib.util costs a
        # pre-commit hook more than the search itself.
        spec = loaded.__spec__ if loaded is not None else PathFinder.find_spec(_HYPERSCAN)
    except (ImportError, ValueError, AttributeError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    parts: list[str] = []
    for directory in spec.submodule_search_locations:
        try:
            entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.is_file():
                    info = entry.stat()
                    parts.append(f"{entry.name}:{info.st_size}:{info.st_mtime_ns}")
            except OSError:
                parts.append(f"{entry.name}:?")
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogateescape")).hexdigest()


def engine_identity(engine: str, screen_patterns: bool = True) -> str:
    """The engine a Matcher asked for `engine` ("auto", "hyperscan", "python") uses, with
    the Hyperscan build and the screening mode. "auto" picks Hyperscan when it is installed,
    as the Matcher does."""
    build = hyperscan_build() if engine in ("auto", _HYPERSCAN) else None
    if engine == _PYTHON or (engine == "auto" and build is None):
        return _PYTHON
    mode = "patterns" if screen_patterns else "keywords"
    return f"{engine if engine != 'auto' else _HYPERSCAN}/{build or 'not-installed'}/{mode}"


def _digest(kind: str, *parts: object) -> str:
    """sha256 of the kind, the code and each part; bytes go in as they are, with their
    length first (so no two lists of parts give the same input), anything else as its repr."""
    digest = hashlib.sha256(f"leakwindow-{kind}\0{code_digest()}\0".encode())
    for part in parts:
        data = part if isinstance(part, bytes) else repr(part).encode("utf-8", "surrogateescape")
        digest.update(f"{type(part).__name__}:{len(data)}:".encode() + data)
    return digest.hexdigest()


def blob_verdict_key(pack_digest: str, engine: str, max_blob_size: int) -> str:
    """What "this blob was scanned clean" depends on: code, rules, engine, size cap."""
    return _digest("blob-verdict", pack_digest, engine, max_blob_size)


def history_key(verdict_key: str, exclude_paths: Sequence[str], noise_paths: Sequence[str]) -> str:
    """What the saved history and findings depend on beyond a blob verdict: which paths
    count (the config's path settings)."""
    return _digest("history", verdict_key, tuple(exclude_paths), tuple(noise_paths))


def rule_pack_key(files: Sequence[tuple[str, bytes]], disabled: Sequence[str]) -> str:
    """What a loaded rule pack depends on: the code and each rule file's path and bytes."""
    flat = [piece for name, data in files for piece in (name, data)]
    return _digest("rule-pack", len(files), *flat, tuple(sorted(disabled)))


def matcher_key(pack_digest: str, engine: str) -> str:
    """What a compiled screening database depends on: code, rules, engine build and mode."""
    return _digest("matcher", pack_digest, engine)
