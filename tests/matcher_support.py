"""New Matchers without compiling the same Hyperscan database again in every test.

Compiling the whole pack's database takes seconds; a test that builds a `Matcher` of its own
paid it every time. `matcher_for(pack, ...)` returns a new Matcher, just as
`Matcher(pack, engine, screen_patterns=...)` would, but loads its database from the bytes of
the first compile of the same rules in this test run (kept in memory, and in the run's cache
directory so that pytest-xdist workers share it). Nothing else is shared: each call builds
its own Matcher, which works out its rules' shapes and keyword forms itself, as a fresh one
does. tests/cache/test_matcher_cache.py proves that a Matcher loaded from saved bytes finds exactly
what the freshly compiled one finds.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from scanner.detect.hs_screening import hyperscan_available
from scanner.detect.matcher import Matcher
from scanner.rules.pack import RulePack

# Read once, at import: some tests point XDG_CACHE_HOME elsewhere while they run.
_RUN_DIRECTORY = Path(os.environ.get("XDG_CACHE_HOME", "") or "/nonexistent") / "test-matchers"
_compiled: dict[str, bytes] = {}


def matcher_for(pack: RulePack, engine: str = "auto", screen_patterns: bool = True) -> Matcher:
    if engine == "auto":
        engine = "hyperscan" if hyperscan_available() else "python"
    if engine != "hyperscan":
        return Matcher(pack, engine=engine, screen_patterns=screen_patterns)
    # The rules themselves, every field, not the pack's digest (which a test may make up):
    # equal keys mean the same database.
    identity = [
        _spelled_out(tuple(getattr(rule, f.name) for f in dataclasses.fields(rule)))
        for rule in pack.rules
    ]
    key = hashlib.sha256(repr((identity, screen_patterns)).encode()).hexdigest()[:32]
    compiled = _compiled.get(key) or _read(key)
    if compiled is None:
        matcher = Matcher(pack, engine=engine, screen_patterns=screen_patterns)
        compiled = matcher.compiled_prefilter()
        assert compiled is not None
        _compiled[key] = compiled
        _write(key, compiled)
        return matcher
    _compiled[key] = compiled
    return Matcher(
        pack, engine=engine, compiled_prefilter=compiled, screen_patterns=screen_patterns
    )


def _spelled_out(value: Any) -> Any:
    """A value whose repr is complete (a compiled pattern's repr is cut at 200 characters)."""
    if isinstance(value, re.Pattern):
        return ("re", value.pattern, value.flags)
    if isinstance(value, (tuple, list)):
        return tuple(_spelled_out(item) for item in value)
    if isinstance(value, Mapping):
        return tuple(sorted((repr(k), _spelled_out(v)) for k, v in value.items()))
    return value


def _read(key: str) -> bytes | None:
    try:
        return (_RUN_DIRECTORY / f"{key}.hsdb").read_bytes()
    except OSError:
        return None


def _write(key: str, compiled: bytes) -> None:
    """Renamed into place, so a worker never reads half a file."""
    try:
        _RUN_DIRECTORY.mkdir(parents=True, exist_ok=True)
        temporary = _RUN_DIRECTORY / f".{key}.{os.getpid()}.tmp"
        temporary.write_bytes(compiled)
        os.replace(temporary, _RUN_DIRECTORY / f"{key}.hsdb")
    except OSError:
        pass  # no run directory: each worker compiles once
