"""Helpers for end-to-end tests: build a fixture scenario, scan it through the CLI, read git."""

from __future__ import annotations

import atexit
import functools
import json
import shutil
import subprocess
import tempfile
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from git_builders import AS_OF

from scanner.cli.app import main
from scanner.demo import BuiltFixture, build_scenario


@functools.cache
def _originals() -> Path:
    """Where this test process keeps the scenarios it built (removed when it exits)."""
    directory = Path(tempfile.mkdtemp(prefix="leakwindow-scenarios-"))
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    return directory


# Each scenario is built once per test process and copied for each test: a build is
# deterministic (tests/demo/test_fixture_builder.py builds twice and compares), and about a
# hundred tests start from the same dozen scenarios, each build dozens of git processes.
@functools.cache
def _original(name: str) -> BuiltFixture:
    return build_scenario(name, _originals() / name)


def build(name: str, tmp_path: Path) -> BuiltFixture:
    """The scenario `name`, as a repository of this test's own at `tmp_path / name`."""
    original = _original(name)
    destination = tmp_path / name
    if destination.is_dir() and not any(destination.iterdir()):
        destination.rmdir()  # (an empty directory is a valid destination, as for a build)
    shutil.copytree(original.path, destination, symlinks=True)
    return replace(original, path=destination)


def scan_json(repo: Path, tmp_path: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    out = tmp_path / f"report-{len(list(tmp_path.glob('report-*')))}.json"
    code = main(
        ["scan", str(repo), "--format", "json", "--output", str(out), "--as-of", AS_OF, *extra]
    )
    return code, json.loads(out.read_text())


def finding_for(report: dict[str, Any], secret: str) -> dict[str, Any]:
    import hashlib

    fingerprint = hashlib.sha256(secret.encode()).hexdigest()
    matches = [f for f in report["findings"] if f["fingerprint"] == fingerprint]
    assert len(matches) == 1, f"expected one finding for the planted secret, got {len(matches)}"
    return matches[0]


def committed_ts(repo: Path, sha: str) -> int:
    out = subprocess.run(
        ["git", "-C", str(repo), "show", "-s", "--format=%ct", sha],
        capture_output=True,
        check=True,
    )
    return int(out.stdout.decode().strip())


def days(repo: Path, start: str, end: str | None) -> float:
    end_ts = committed_ts(repo, end) if end else datetime.fromisoformat(AS_OF).timestamp()
    return round((end_ts - committed_ts(repo, start)) / 86400, 1)


def window_shape(finding: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    return [
        (w["ref"], w["opened"]["sha"], w["closed"]["sha"] if w["closed"] else None)
        for w in finding["windows"]
    ]
