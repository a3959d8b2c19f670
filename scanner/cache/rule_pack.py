"""An on-disk cache of the loaded rule pack, so a pre-commit hook does not rebuild it each run.

Parsing and validating ~200 TOML rules and compiling every regex costs more than the rest of a
small staged scan. The cache keeps the validated rules as plain data (marshal: built-in types
only, nothing executable) and compiles each regex on first use, so a hook compiles only the
few rules whose keywords occur in the change.

The key covers everything the pack depends on: the paths and bytes of every rule file, the
disabled rule ids, and the code (`cache_keys`: every module of the package, the package and
Python versions; marshal's format is per version). Any problem with the cache falls back to
the normal loader: the cache can make a run faster, never different. `LEAKWINDOW_NO_CACHE=1`
turns it off. Entries live in the user's cache root (`cache_files.cache_root`), mode 0600 in a
0700 directory, written to a fresh name and renamed into place.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import marshal
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from scanner.cache.files import cache_root, read_cache_file, read_sealed, sealed
from scanner.cache.keys import engine_identity, matcher_key, rule_pack_key
from scanner.detect.hs_screening import hyperscan_available
from scanner.detect.hs_split import screen_digest, shipped_count
from scanner.detect.matcher import Matcher
from scanner.errors import LeakwindowError
from scanner.rules.config import Config, load_pack
from scanner.rules.pack import Rule, RulePack, builtin_rule_files

_FORMAT = b"leakwindow-pack-cache/3"
_RULE_FIELDS = tuple(field.name for field in dataclasses.fields(Rule))
_KEEP_FILES = 8  # one entry per distinct rule set; a few repositories' configs at most
_REGEX_TAG = "__regex__"
_RULE_FILE_LIMIT = 16 << 20  # the key reads rule files before the loader checks them


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
    return cache_root()


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


def _rule_to_data(rule: Rule) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The rule's fields as plain data, and the names of those holding regexes."""
    data: dict[str, Any] = {}
    with_regexes: list[str] = []
    for name in _RULE_FIELDS:
        value = getattr(rule, name)
        data[name] = _encode(value)
        if data[name] != value:
            with_regexes.append(name)
    return data, tuple(with_regexes)


def _rule_from_data(data: dict[str, Any], with_regexes: tuple[str, ...]) -> Rule:
    # Only the fields that held regexes are walked: every hook run loads ~300 rules.
    for name in with_regexes:
        data[name] = _decode(data[name])
    return Rule(**data)


def serialize(pack: RulePack) -> bytes:
    """The pack as marshal bytes; ValueError when a rule holds a value marshal cannot store."""
    return marshal.dumps(
        {"digest": pack.digest, "rules": [_rule_to_data(rule) for rule in pack.rules]}
    )


def deserialize(blob: bytes) -> RulePack:
    document = marshal.loads(blob)
    rules = tuple(_rule_from_data(data, names) for data, names in document["rules"])
    return RulePack(rules=rules, digest=document["digest"], by_id={r.id: r for r in rules})


def cache_key(rule_files: Sequence[Path], disabled: Sequence[str]) -> str:
    """Hex digest of everything the loaded pack depends on (raises OSError if unreadable,
    not a regular file or too big: the loader then reports it)."""
    files = [
        (str(path), read_cache_file(path, follow_symlinks=True, limit=_RULE_FILE_LIMIT))
        for path in rule_files
    ]
    return rule_pack_key([("format", _FORMAT), *files], disabled)


def _read(path: Path) -> RulePack | None:
    try:
        return deserialize(read_sealed(path))
    except (OSError, EOFError, ValueError, TypeError, KeyError):
        return None  # missing, truncated or from an incompatible version: rebuild it


def _write(directory: Path, path: Path, blob: bytes) -> None:
    """Write atomically (a concurrent hook never reads half a file, a planted link is never
    followed), then prune old entries. OSError when it cannot be written."""
    # Imported here: a hook reads the cache on every run but writes it rarely.
    from scanner.safe_files import private_directory, write_file_atomically

    try:
        private_directory(directory)
        write_file_atomically(path, sealed(blob), mode=0o600, what="cache file")
    except LeakwindowError as exc:
        raise OSError(str(exc)) from None
    # Each kind is pruned on its own: the built-in rules' database, which every set of one's
    # own rules shares, never gives way to those sets' entries.
    pattern = f"{path.name.split('-', 1)[0]}-*{path.suffix}"
    entries = sorted(directory.glob(pattern), key=lambda p: p.stat().st_mtime)
    for stale in entries[:-_KEEP_FILES]:
        stale.unlink(missing_ok=True)


def matcher_cached(
    pack: RulePack, engine: str, screen_patterns: bool = True, use_cache: bool = True
) -> Matcher:
    """A Matcher for `pack`, with what it would otherwise work out in every process loaded
    from the cache: the rules' regex analysis (`Matcher.rule_shapes`: without it each blob
    worker parses the patterns of every rule that gets a hit), the keywords' encoded forms
    (`Matcher.keyword_forms`) and, for Hyperscan, the compiled database. All depend on the
    pack, on the code that turns rules into expressions and forms, on the engine and the
    Hyperscan build, and on whether patterns are screened: all are in the key.
    `use_cache=False` neither reads nor writes the cache.
    """
    if engine == "auto":
        engine = "hyperscan" if hyperscan_available() else "python"
    if not cache_enabled() or not use_cache or engine not in ("hyperscan", "python"):
        return Matcher(pack, engine=engine, screen_patterns=screen_patterns)
    errors: tuple[type[BaseException], ...] = (OSError, EOFError, ValueError, TypeError)
    if engine == "hyperscan":
        import hyperscan

        errors = (*errors, hyperscan.error)
    key = matcher_key(pack.digest, engine_identity(engine, screen_patterns))
    directory = cache_dir()
    path = directory / f"prefilter-{key[:40]}.hsdb"
    try:
        shapes, compiled, forms = marshal.loads(read_sealed(path))
        if (compiled is None) != (engine == "python"):
            raise ValueError("a cache entry of the other engine")
        return Matcher(
            pack,
            engine=engine,
            compiled_prefilter=compiled,
            screen_patterns=screen_patterns,
            shapes=shapes,
            forms=forms,
        )
    except errors:
        pass  # missing, or from another version, build or platform: work it out again
    matcher = _matcher_on_saved_base(pack, engine, screen_patterns, directory, errors)
    compiled = matcher.compiled_prefilter()
    with contextlib.suppress(OSError, ValueError):
        saved = (matcher.rule_shapes(), compiled, matcher.keyword_forms())
        _write(directory, path, marshal.dumps(saved))
    return matcher


def _matcher_on_saved_base(
    pack: RulePack,
    engine: str,
    screen_patterns: bool,
    directory: Path,
    errors: tuple[type[BaseException], ...],
) -> Matcher:
    """A new Matcher whose built-in rules' Hyperscan database comes from its own cache entry
    when it can. That entry is shared by every pack of the same built-in rules: with rules of
    one's own added (`hs_split`), only their small database is compiled; without, the whole
    screen is that database."""
    screened = [rule for rule in pack.rules if not rule.files]
    shipped = shipped_count(screened)
    if engine != "hyperscan" or shipped == 0:
        return Matcher(pack, engine=engine, screen_patterns=screen_patterns)
    whole = shipped == len(screened)
    key = matcher_key(screen_digest(screened[:shipped]), engine_identity(engine, screen_patterns))
    path = directory / f"builtin-{key[:40]}.hsdb"
    try:
        saved = read_sealed(path)
        return Matcher(
            pack,
            engine=engine,
            screen_patterns=screen_patterns,
            compiled_prefilter=saved if whole else None,
            compiled_base=None if whole else saved,
        )
    except errors:
        pass  # missing or unusable: compiled below, and saved for the next pack
    matcher = Matcher(pack, engine=engine, screen_patterns=screen_patterns)
    base = matcher.compiled_prefilter() if whole else matcher.compiled_base()
    if base is not None:
        with contextlib.suppress(OSError, ValueError):
            _write(directory, path, base)
    return matcher


def load_pack_cached(
    config: Config,
    extra_rules: Sequence[Path],
    trust_config: bool = False,
    use_cache: bool = True,
) -> RulePack:
    """The same pack as `config.load_pack(config, extra_rules, trust_config)`, from the cache
    when possible (`use_cache=False`: never). Which files came from the repository's config
    (whose verify endpoints are stripped unless trusted) and which from the command line is
    part of the key."""
    if not cache_enabled() or not use_cache:
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
