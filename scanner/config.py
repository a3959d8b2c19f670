"""`.leakwindow.toml`: a repository's own settings (path exclusions, extra and disabled rules).

Repository-local config is untrusted: it can add or silence rules but can never add a
verification endpoint unless the user passes `--trust-config`.
"""

from __future__ import annotations

import fnmatch
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from scanner.errors import LeakwindowError
from scanner.rules import RulePack, load_rules

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CONFIG_NAME = ".leakwindow.toml"
_SECTIONS = {"paths": {"exclude", "noise"}, "rules": {"extra", "disable"}}
# Where the generic `password = "…"` rules see mostly hashes, integrity strings and minified
# code: lock files, source maps, minified and vendored code. Provider rules still apply there
# (a real `ghp_` token in node_modules is still a leak). `[paths] noise = [...]` replaces it.
DEFAULT_NOISE_PATHS: tuple[str, ...] = (
    "package-lock.json",
    "npm-shrinkwrap.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "poetry.lock",
    "Pipfile.lock",
    "uv.lock",
    "Cargo.lock",
    "go.sum",
    "composer.lock",
    "Gemfile.lock",
    "*.min.js",
    "*.min.css",
    "*.map",
    "node_modules/",
    "vendor/",
    "third_party/",
)


@dataclass(frozen=True)
class Config:
    exclude_paths: tuple[str, ...] = ()
    noise_paths: tuple[str, ...] = DEFAULT_NOISE_PATHS
    extra_rule_files: tuple[Path, ...] = ()
    disabled_rules: tuple[str, ...] = ()
    source: Path | None = None
    rule_exclusions: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def path_excluded(self, path: str) -> bool:
        return any(_glob_match(path, pattern) for pattern in self.exclude_paths)

    def path_is_noise(self, path: str) -> bool:
        return any(_glob_match(path, pattern) for pattern in self.noise_paths)


def _glob_match(path: str, pattern: str) -> bool:
    """Gitignore-like enough: `dir/` or `dir/**` match everything below (a bare `dir/` at any
    depth, as gitignore does); `*.lock` any depth."""
    if pattern.endswith("/"):
        name = pattern[:-1]
        if "/" not in name:
            return path.startswith(name + "/") or f"/{name}/" in f"/{path}"
        pattern += "**"
    if pattern.endswith("/**"):
        prefix = pattern[:-3]
        return path == prefix or path.startswith(prefix + "/")
    if "/" not in pattern:
        return fnmatch.fnmatchcase(path.rsplit("/", 1)[-1], pattern)
    return fnmatch.fnmatchcase(path, pattern)


def _string_list(value: Any, source: Path, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise LeakwindowError(f"{source}: '{key}' must be a list of strings")
    return tuple(value)


def load_config(path: Path) -> Config:
    """Parse one config file; errors name the file and the problem."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise LeakwindowError(f"{path}: cannot read config: {exc.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise LeakwindowError(f"{path}: invalid TOML: {exc}") from None
    for section, body in document.items():
        if section not in _SECTIONS or not isinstance(body, dict):
            raise LeakwindowError(f"{path}: unknown section [{section}]")
        unknown = sorted(set(body) - _SECTIONS[section])
        if unknown:
            raise LeakwindowError(f"{path}: unknown key(s) in [{section}]: {', '.join(unknown)}")
    paths = document.get("paths", {})
    rules = document.get("rules", {})
    extra = _string_list(rules.get("extra", []), path, "rules.extra")
    return Config(
        exclude_paths=_string_list(paths.get("exclude", []), path, "paths.exclude"),
        noise_paths=_string_list(paths["noise"], path, "paths.noise")
        if "noise" in paths
        else DEFAULT_NOISE_PATHS,
        extra_rule_files=tuple((path.parent / name).resolve() for name in extra),
        disabled_rules=_string_list(rules.get("disable", []), path, "rules.disable"),
        source=path,
    )


def find_config(worktree: Path | None, explicit: Path | None) -> Config:
    if explicit is not None:
        return load_config(explicit)
    found = worktree / CONFIG_NAME if worktree is not None else None
    # A symlink could point the scan at any file on the machine: only a regular file counts.
    if found is not None and found.is_file() and not found.is_symlink():
        return load_config(found)
    return Config()


def load_pack(config: Config, extra_rules: Sequence[Path], trust_config: bool = False) -> RulePack:
    """Built-in rules + the config's extra rules + the command line's `--rules` files.

    Rules that come from repository-local config lose their `verify` blocks unless the user
    trusts the config: a scanned repository must never choose where secrets are sent.
    """
    pack = load_rules(
        extra_files=[*config.extra_rule_files, *extra_rules],
        disabled=config.disabled_rules,
    )
    if trust_config or not config.extra_rule_files:
        return pack
    untrusted_sources = {str(path) for path in config.extra_rule_files} - {
        str(path) for path in extra_rules
    }
    rules = tuple(
        replace(rule, verify=None) if rule.source in untrusted_sources else rule
        for rule in pack.rules
    )
    return RulePack(rules=rules, digest=pack.digest, by_id={r.id: r for r in rules})


def path_filter(config: Config, pack: RulePack) -> Callable[[str, str], bool] | None:
    """A (rule id, path) → keep? function, or None when nothing depends on paths."""
    has_rule_paths = any(rule.path_ignore for rule in pack.rules)
    if not config.exclude_paths and not config.noise_paths and not has_rule_paths:
        return None

    def allowed(rule_id: str, path: str) -> bool:
        if config.path_excluded(path):
            return False
        rule = pack.by_id[rule_id]
        if rule.family == "generic" and config.path_is_noise(path):
            return False
        return not any(pattern.search(path) for pattern in rule.path_ignore)

    return allowed
