"""An on-disk cache of the loaded rule pack, so a pre-commit hook does not rebuild it each run.

Parsing and validating ~200 TOML rules and compiling every regex costs more than the rest of a
small staged scan. The cache keeps the validated rules as plain data (marshal: built-in types
only, nothing executable) and compiles each regex on first use, so a hook compiles only the
few rules whose keywords occur in the change.

The key covers everything the pack depends on: the names and bytes of every rule file, the
disabled rule ids, the loader's and this module's source, and the Python version (marshal's
format is per version). Any problem with the cache falls back to the normal loader: the cache
can make a run faster, never different. `LEAKWINDOW_NO_CACHE=1` turns it off.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import marshal
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from scanner import decoding as decoding_module
from scanner import hs_expression as expression_module
from scanner import matching as matching_module
from scanner import rules as rules_module
from scanner.config import Config, load_pack
from scanner.matching import Matcher, hyperscan_available
from scanner.rules import Rule, RulePack, builtin_rule_files

_FORMAT = b"leakwindow-pack-cache/2"
_KEEP_FILES = 8  # one entry per distinct rule set; a few repositories' configs at most
_REGEX_TAG = "__regex__"


class LazyPattern:
    """Stands in for a compiled regex and compiles it the first time it is used."""

    __slots__ = ("_compiled", "_flags", "_source")

    def __init__(self, source: str | bytes, flags: int) -> None:
        self._source = source
        self._flags = flags
        self._compiled: re.Pattern[Any] | None = None

    @property
    def pattern(self) -> str | bytes:
        return self._source

    @property
    def flags(self) -> int:
        return self._flags

    @property
    def compiled(self) -> bool:
        return self._compiled is not None

    def _get(self) -> re.Pattern[Any]:
        if self._compiled is None:
            self._compiled = re.compile(self._source, self._flags)
        return self._compiled

    def __getattr__(self, name: str) -> Any:
        # Only reached for attributes the slots and properties above do not define.
        return getattr(self._get(), name)

    def __repr__(self) -> str:
        return f"LazyPattern({self._source!r})"


def cache_dir() -> Path:
    """`$XDG_CACHE_HOME/leakwindow`, or `~/.cache/leakwindow`."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    root = Path(base) if base and os.path.isabs(base) else Path.home() / ".cache"
    return root / "leakwindow"


def cache_enabled() -> bool:
    return os.environ.get("LEAKWINDOW_NO_CACHE", "") in ("", "0")


def _encode(value: Any) -> Any:
    if isinstance(value, (re.Pattern, LazyPattern)):
        return {_REGEX_TAG: value.pattern, "flags": value.flags}
    if isinstance(value, tuple):
        return tuple(_encode(item) for item in value)
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and _REGEX_TAG in value:
        return LazyPattern(value[_REGEX_TAG], value["flags"])
    if isinstance(value, tuple):
        return tuple(_decode(item) for item in value)
    return value


def _rule_to_data(rule: Rule) -> dict[str, Any]:
    return {f.name: _encode(getattr(rule, f.name)) for f in dataclasses.fields(Rule)}


def _rule_from_data(data: dict[str, Any]) -> Rule:
    return Rule(**{name: _decode(value) for name, value in data.items()})


def serialize(pack: RulePack) -> bytes:
    """The pack as marshal bytes; ValueError when a rule holds a value marshal cannot store."""
    return marshal.dumps(
        {"digest": pack.digest, "rules": [_rule_to_data(rule) for rule in pack.rules]}
    )


def deserialize(blob: bytes) -> RulePack:
    document = marshal.loads(blob)
    rules = tuple(_rule_from_data(data) for data in document["rules"])
    return RulePack(rules=rules, digest=document["digest"], by_id={r.id: r for r in rules})


def cache_key(rule_files: Sequence[Path], disabled: Sequence[str]) -> str:
    """Hex digest of everything the loaded pack depends on (raises OSError if unreadable)."""
    digest = hashlib.sha256(_FORMAT)
    digest.update(sys.version.encode())
    for module_file in (rules_module.__file__, __file__):
        if module_file:
            digest.update(Path(module_file).read_bytes())
    for path in rule_files:
        digest.update(b"\0file\0" + str(path).encode() + b"\0" + path.read_bytes())
    digest.update(b"\0disabled\0" + "\0".join(sorted(disabled)).encode())
    return digest.hexdigest()


def _read(path: Path) -> RulePack | None:
    try:
        return deserialize(path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError, KeyError):
        return None  # missing, truncated or from an incompatible version: rebuild it


def _write(directory: Path, path: Path, blob: bytes) -> None:
    """Write atomically (a concurrent hook never reads half a file), then prune old entries."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    # A name of our own (not tempfile: importing it costs a hook more than writing the file).
    temporary = directory / f".{path.name}.{os.getpid()}.tmp"
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(blob)
        os.replace(temporary, path)
    except OSError:
        temporary.unlink(missing_ok=True)
        raise
    pattern = "pack-*.marshal" if path.name.startswith("pack-") else "prefilter-*.hsdb"
    entries = sorted(directory.glob(pattern), key=lambda p: p.stat().st_mtime)
    for stale in entries[:-_KEEP_FILES]:
        stale.unlink(missing_ok=True)


def matcher_cached(pack: RulePack, engine: str, screen_patterns: bool = True) -> Matcher:
    """A Matcher for `pack`; a Hyperscan one loads its compiled database from the cache.

    Saved with it: the rules' regex analysis (`Matcher.rule_shapes`), so that no process
    parses patterns again, and the keywords' encoded forms (`Matcher.keyword_forms`). All
    depend on the pack, on how matching.py, hs_expression.py and decoding.py turn rules into
    expressions and forms, on whether patterns are screened and on the Hyperscan build: all
    are in the key.
    """
    if engine == "auto":
        engine = "hyperscan" if hyperscan_available() else "python"
    if engine != "hyperscan" or not cache_enabled():
        return Matcher(pack, engine=engine, screen_patterns=screen_patterns)
    import hyperscan

    digest = hashlib.sha256(_FORMAT + b"\0hyperscan\0" + pack.digest.encode())
    digest.update(b"patterns" if screen_patterns else b"keywords")
    digest.update(str(getattr(hyperscan, "__version__", "")).encode())
    try:
        for module in (matching_module, expression_module, decoding_module):
            digest.update(Path(module.__file__ or "").read_bytes())
    except OSError:
        return Matcher(pack, engine=engine, screen_patterns=screen_patterns)
    directory = cache_dir()
    path = directory / f"prefilter-{digest.hexdigest()[:40]}.hsdb"
    try:
        shapes, compiled, forms = marshal.loads(path.read_bytes())
        return Matcher(
            pack,
            engine=engine,
            compiled_prefilter=compiled,
            screen_patterns=screen_patterns,
            shapes=shapes,
            forms=forms,
        )
    except (OSError, EOFError, ValueError, TypeError, hyperscan.error):
        pass  # missing, or from another version, build or platform: compile it again
    matcher = Matcher(pack, engine=engine, screen_patterns=screen_patterns)
    compiled = matcher.compiled_prefilter()
    if compiled is not None:
        with contextlib.suppress(OSError):
            saved = (matcher.rule_shapes(), compiled, matcher.keyword_forms())
            _write(directory, path, marshal.dumps(saved))
    return matcher


def load_pack_cached(
    config: Config, extra_rules: Sequence[Path], trust_config: bool = False
) -> RulePack:
    """The same pack as `config.load_pack(config, extra_rules, trust_config)`, from the cache
    when possible. Which files came from the repository's config (whose verify endpoints are
    stripped unless trusted) and which from the command line is part of the key."""
    if not cache_enabled():
        return load_pack(config, extra_rules, trust_config=trust_config)
    files = [*builtin_rule_files(), *config.extra_rule_files, *extra_rules]
    try:
        key = cache_key(files, config.disabled_rules)
    except OSError:
        return load_pack(config, extra_rules, trust_config=trust_config)  # loader reports it
    roles = hashlib.sha256(
        repr(
            (
                [str(p) for p in config.extra_rule_files],
                [str(p) for p in extra_rules],
                trust_config,
            )
        ).encode()
    ).hexdigest()
    directory = cache_dir()
    path = directory / f"pack-{key[:32]}-{roles[:8]}.marshal"
    cached = _read(path)
    if cached is not None:
        return cached
    pack = load_pack(config, extra_rules, trust_config=trust_config)
    # A read-only home, a full disk or an unmarshallable value: just run uncached.
    with contextlib.suppress(OSError, ValueError):
        _write(directory, path, serialize(pack))
    return pack
