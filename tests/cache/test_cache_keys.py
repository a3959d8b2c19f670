"""Every cache key is derived from everything its answer depends on.

The code is checked for real: the package is copied, a module of the copy is changed, and the
copy computes its keys (or scans) in a fresh interpreter. Nothing is monkeypatched.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from scenario_support import build, finding_for, scan_json

import scanner
from scanner.detect.hs_screening import hyperscan_available
from scanner.resources import rules_dir


def _copy_of_the_package(destination: Path) -> Path:
    """The package in use (and its rule files) copied under `destination`, which then goes
    first on PYTHONPATH."""
    shutil.copytree(
        Path(scanner.__file__).parent,
        destination / "scanner",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    shutil.copytree(rules_dir(), destination / "rules")
    return destination


def _run(package: Path, *argv: str, env: dict[str, str] | None = None) -> str:
    """Run Python with the copy first on its path (and as its working directory: `-c` puts
    the working directory before PYTHONPATH)."""
    done = subprocess.run(
        [sys.executable, *argv],
        env={**(env or os.environ), "PYTHONPATH": str(package), "PYTHONDONTWRITEBYTECODE": "1"},
        cwd=package,
        capture_output=True,
        text=True,
    )
    assert done.returncode in (0, 1) and "Traceback" not in done.stderr, done.stderr
    return done.stdout


_EVERY_KEY = """
import json
from pathlib import Path

import scanner
from scanner.cache import keys as cache_keys
from scanner.cache import code_identity
from scanner.cache import rule_pack as pack_cache
from scanner.rules.pack import builtin_rule_files

assert scanner.__file__.startswith({package!r}), scanner.__file__


def keys():
    code_identity.code_digest.cache_clear()
    verdict = cache_keys.blob_verdict_key("pack", cache_keys.engine_identity("python"), 10)
    return {{
        "blob verdict": verdict,
        "history and result": cache_keys.history_key(verdict, ["vendor/"], ["*.lock"]),
        "rule pack": pack_cache.cache_key(builtin_rule_files(), ["generic-password"]),
        "matcher": cache_keys.matcher_key("pack", "hyperscan/build/patterns"),
    }}


before = keys()
unchanged = {{}}
modules = sorted(Path(scanner.__file__).parent.rglob("*.py"))
for module in modules:
    original = module.read_bytes()
    module.write_bytes(original + b"\\n# a later version\\n")
    try:
        after = keys()
    finally:
        module.write_bytes(original)
    name = module.relative_to(Path(scanner.__file__).parent).as_posix()
    unchanged[name] = sorted(kind for kind in before if after[kind] == before[kind])
print(json.dumps({{"unchanged": unchanged, "restored": keys() == before}}))
"""


def test_changing_any_module_changes_every_cache_key(tmp_path: Path) -> None:
    package = _copy_of_the_package(tmp_path / "copy")
    result: dict[str, Any] = json.loads(
        _run(package, "-c", _EVERY_KEY.format(package=str(package)))
    )
    unchanged = result["unchanged"]
    # The modules the old hand-kept lists left out are among them.
    assert {
        "rules/config.py",
        "detect/hs_expression.py",
        "detect/matcher.py",
        "detect/hs_screening.py",
        "report/build.py",
    } <= set(unchanged)
    assert len(unchanged) >= 50
    assert {module: kinds for module, kinds in unchanged.items() if kinds} == {}
    assert result["restored"] is True


_DROP_A_RULE = """

_loader_before = load_pack


def load_pack(config, extra_rules, trust_config=False):  # a later version of the loader
    pack = _loader_before(config, extra_rules, trust_config=trust_config)
    kept = tuple(rule for rule in pack.rules if rule.id != "anthropic-api-key")
    return RulePack(rules=kept, digest=pack.digest, by_id={rule.id: rule for rule in kept})
"""


def test_a_changed_config_loader_is_not_answered_from_any_cache(tmp_path: Path) -> None:
    """rules/config.py decides which rules a scan runs; the rule-pack cache once left it out of its
    key, and the blob, history and result keys did too."""
    fx = build("never-removed", tmp_path)
    before = _copy_of_the_package(tmp_path / "before")
    after = _copy_of_the_package(tmp_path / "after")
    with (after / "scanner" / "rules" / "config.py").open("a") as config:
        config.write(_DROP_A_RULE)
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    env.pop("LEAKWINDOW_NO_CACHE", None)

    def scan(package: Path, *extra: str, extra_env: dict[str, str] | None = None) -> Any:
        out = tmp_path / "report.json"
        argv = ["scan", str(fx.path), "-f", "json", "-o", str(out), "--engine", "python"]
        program = (
            f"import sys, scanner; assert scanner.__file__.startswith({str(package)!r}); "
            "from scanner.cli.app import main; sys.exit(main(sys.argv[1:]))"
        )
        _run(package, "-c", program, *argv, *extra, env={**env, **(extra_env or {})})
        return json.loads(out.read_text())

    assert [f["rules"] for f in scan(before)["findings"]] == [["anthropic-api-key"]]
    scan(before)  # a second run: every cache is filled and used
    expected = scan(after, "--no-cache", extra_env={"LEAKWINDOW_NO_CACHE": "1"})
    assert expected["findings"] == []
    for _ in range(2):
        assert scan(after)["findings"] == expected["findings"]


@pytest.mark.skipif(not hyperscan_available(), reason="Hyperscan is not installed")
def test_a_verdict_of_one_engine_is_not_used_by_the_other(tmp_path: Path) -> None:
    fx = build("multi-secret", tmp_path)
    _, python = scan_json(fx.path, tmp_path, "--engine", "python")
    _, again = scan_json(fx.path, tmp_path, "--engine", "python")
    assert again["scan"]["stats"]["blobs_scanned"] == 0  # answered from the cache
    _, hyperscan = scan_json(fx.path, tmp_path, "--engine", "hyperscan")
    assert hyperscan["scan"]["engine"] == "hyperscan"
    assert hyperscan["scan"]["stats"]["blobs_cached"] == 0
    assert hyperscan["scan"]["stats"]["blobs_scanned"] == python["scan"]["stats"]["blobs_scanned"]
    assert hyperscan["findings"] == python["findings"]
    finding_for(hyperscan, fx.secrets["xai"])


_ENGINE_KEY = """
from scanner.cache import keys as cache_keys
print(cache_keys.blob_verdict_key("pack", cache_keys.engine_identity("hyperscan"), 10))
"""


@pytest.mark.skipif(not hyperscan_available(), reason="Hyperscan is not installed")
def test_another_hyperscan_build_changes_the_blob_verdict_key(tmp_path: Path) -> None:
    """A Hyperscan upgrade (here: a copy of the installed package whose version file
    changed) may match differently: blobs it has not scanned are not clean for it."""
    import importlib.util

    spec = importlib.util.find_spec("hyperscan")
    assert spec is not None and spec.submodule_search_locations
    installed = Path(next(iter(spec.submodule_search_locations)))
    other = tmp_path / "site" / "hyperscan"
    shutil.copytree(installed, other, ignore=shutil.ignore_patterns("__pycache__"))
    env = {**os.environ, "PYTHONPATH": str(other.parent)}

    def key() -> str:
        done = subprocess.run(
            [sys.executable, "-c", _ENGINE_KEY], env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    before = key()
    version_file = next(p for p in sorted(other.iterdir()) if p.suffix == ".py")
    version_file.write_text(version_file.read_text() + "\n# 0.7.99\n")
    assert key() != before
