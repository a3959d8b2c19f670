"""Helpers for end-to-end tests: build a fixture scenario, scan it through the CLI, read git."""

from __future__ import annotations

import json
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any

from git_builders import AS_OF

from scanner.cli.app import main
from scanner.demo import BuiltFixture, build_scenario


def build(name: str, tmp_path: Path) -> BuiltFixture:
    return build_scenario(name, tmp_path / name)


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
