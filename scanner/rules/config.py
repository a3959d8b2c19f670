"""`.leakwindow.toml`: a repository's own settings (path exclusions, extra and disabled rules).

Repository-local config is untrusted: it can add or silence rules but can never add a
verification endpoint unless the user passes `--trust-config`, and it cannot make the scan
read outside the repository or read without bound. The repository's `.leakwindow.toml` is
used only when it is a regular file (a link, FIFO or directory there is ignored); it is read
with a size limit, and its `[rules] extra` files must be regular files inside the
repository, reached through no symbolic link. A config named with `--config` may be a link
and may name rule files anywhere, unless it lies inside the scanned repository itself: then
its contents are the repository's, and its extra rule files are held to the same rule.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from scanner.errors import LeakwindowError
from scanner.rules.file_names import reads_file
from scanner.rules.pack import GENERIC_FAMILY, RULE_FILE_LIMIT, RulePack, load_rules
from scanner.rules.path_patterns import PathPatterns
from scanner.safe_files import read_regular_file, symlink_inside

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CONFIG_NAME = ".leakwindow.toml"
# Bounds on what a config may ask for: a real one is a few hundred bytes. Beyond them a
# hostile repository could only make the scan slow (a 3.9 MB config of 200,000 patterns
# once stalled a scan for more than ten minutes), so they are refused with one line.
CONFIG_SIZE_LIMIT = 1024 * 1024
MAX_PATH_PATTERNS = 10_000  # in `exclude`, and in `noise`
MAX_PATTERN_LENGTH = 4096  # a path on Linux is at most this long
MAX_EXTRA_RULE_FILES = 100
MAX_DISABLED_RULES = 10_000
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

    @cached_property
    def _excluded(self) -> PathPatterns:
        return PathPatterns(self.exclude_paths)

    @cached_property
    def _noise(self) -> PathPatterns:
        return PathPatterns(self.noise_paths)

    def path_excluded(self, path: str) -> bool:
        return self._excluded.matches(path)

    def path_is_noise(self, path: str) -> bool:
        return self._noise.matches(path)


def _string_list(value: Any, source: Path, key: str, limit: int) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise LeakwindowError(f"{source}: '{key}' must be a list of strings")
    if len(value) > limit:
        raise LeakwindowError(
            f"{source}: '{key}' lists {len(value):,} entries, over the limit of {limit:,}"
        )
    return tuple(value)


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def _confined_rule_file(config: Path, index: int, name: str, repository: Path) -> Path:
    """`name` (from the config at `config`, inside `repository`) as an absolute path that
    lies inside the repository and passes through no symbolic link there."""
    where = f"{config}: 'rules.extra' entry {index + 1}"
    if "\0" in name:
        raise LeakwindowError(f"{where} is not a file name")
    candidate = Path(os.path.normpath(config.parent.absolute() / name))
    root = Path(os.path.normpath(repository.absolute()))
    if not _inside(candidate, root):
        raise LeakwindowError(f"{where} lies outside the repository")
    if symlink_inside(candidate, [root]) is not None:
        raise LeakwindowError(f"{where} goes through a symbolic link inside the repository")
    try:
        info = candidate.lstat()
    except OSError as exc:
        raise LeakwindowError(f"{where}: cannot read rule file: {exc.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        raise LeakwindowError(f"{where} is not a regular file")
    if info.st_size > RULE_FILE_LIMIT:
        raise LeakwindowError(f"{where} is over the {RULE_FILE_LIMIT:,}-byte limit")
    return candidate


def _parse_document(data: bytes, path: Path) -> dict[str, Any]:
    try:
        document: dict[str, Any] = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise LeakwindowError(f"{path}: invalid TOML: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise LeakwindowError(f"{path}: invalid TOML: {exc}") from None
    except ValueError:  # e.g. an integer of more than 4,300 digits
        raise LeakwindowError(f"{path}: invalid TOML: a value out of range") from None
    except RecursionError:
        raise LeakwindowError(f"{path}: invalid TOML: nested too deeply") from None
    return document


def load_config(
    path: Path, repository: Path | None = None, *, follow_symlinks: bool = True
) -> Config:
    """Parse one config file; errors name the file and the problem (never a value from it).

    `repository`: the scanned repository's worktree when the config comes from it; its extra
    rule files must then lie inside it.
    """
    data = read_regular_file(
        path, limit=CONFIG_SIZE_LIMIT, what="config", follow_symlinks=follow_symlinks
    )
    document = _parse_document(data, path)
    for section, body in document.items():
        if section not in _SECTIONS or not isinstance(body, dict):
            raise LeakwindowError(f"{path}: unknown section [{_shown(section)}]")
        unknown = sorted(set(body) - _SECTIONS[section])
        if unknown:
            raise LeakwindowError(
                f"{path}: unknown key(s) in [{section}]: {', '.join(map(_shown, unknown[:5]))}"
            )
    paths = document.get("paths", {})
    rules = document.get("rules", {})
    exclude = _string_list(paths.get("exclude", []), path, "paths.exclude", MAX_PATH_PATTERNS)
    noise = (
        _string_list(paths["noise"], path, "paths.noise", MAX_PATH_PATTERNS)
        if "noise" in paths
        else DEFAULT_NOISE_PATHS
    )
    if any(len(pattern) > MAX_PATTERN_LENGTH for pattern in (*exclude, *noise)):
        raise LeakwindowError(
            f"{path}: a path pattern is longer than {MAX_PATTERN_LENGTH:,} characters"
        )
    extra = _string_list(rules.get("extra", []), path, "rules.extra", MAX_EXTRA_RULE_FILES)
    if repository is not None:
        extra_files = tuple(
            _confined_rule_file(path, index, name, repository) for index, name in enumerate(extra)
        )
    else:
        extra_files = tuple((path.parent / name).resolve() for name in extra)
    return Config(
        exclude_paths=exclude,
        noise_paths=noise,
        extra_rule_files=extra_files,
        disabled_rules=_string_list(
            rules.get("disable", []), path, "rules.disable", MAX_DISABLED_RULES
        ),
        source=path,
    )


def _shown(text: str) -> str:
    """A name from a config file, fit for a one-line message: short, control bytes escaped."""
    shown = text if len(text) <= 60 else text[:57] + "..."
    return shown.encode("unicode_escape").decode("ascii")


def find_config(worktree: Path | None, explicit: Path | None) -> Config:
    """The config in force: `explicit` (from --config) or the repository's own file."""
    if explicit is not None:
        inside = worktree is not None and _inside(
            Path(os.path.realpath(explicit)), Path(os.path.realpath(worktree))
        )
        return load_config(explicit, worktree if inside else None)
    if worktree is None:
        return Config()
    found = worktree / CONFIG_NAME
    # A link could point the scan at any file on the machine, a FIFO would block: only a
    # regular file counts (anything else there is ignored, as if there were no config).
    try:
        if not found.is_file() or found.is_symlink():
            return Config()
    except OSError:
        return Config()
    return load_config(found, worktree, follow_symlinks=False)


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
    has_rule_paths = any(rule.path_ignore or rule.files for rule in pack.rules)
    if not config.exclude_paths and not config.noise_paths and not has_rule_paths:
        return None

    def allowed(rule_id: str, path: str) -> bool:
        if config.path_excluded(path):
            return False
        rule = pack.by_id[rule_id]
        # A rule bound to credential files counts only there, even when the same blob was
        # also committed under another name.
        if rule.files and not reads_file(rule, path):
            return False
        if rule.family == GENERIC_FAMILY and config.path_is_noise(path):
            return False
        return not any(pattern.search(path) for pattern in rule.path_ignore)

    return allowed
