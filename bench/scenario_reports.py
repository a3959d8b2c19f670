"""Every built-in scenario's JSON report, written with run-to-run noise removed, so that two
builds of leakwindow can be compared with `diff -r` (a refactoring must change nothing).

    python bench/scenario_reports.py OUT_DIR [--leakwindow PATH]

Each scenario is built once (`leakwindow fixtures build`) and scanned with `--format json`
and `--no-cache` at a fixed `--as-of`; durations, the scan's start time, the temporary path
and the version line are removed. The building leakwindow is the scanning one, so both
sides see their own fixtures; the fixture builder pins dates and identities, so the same spec
gives the same commits.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

# Keys whose values differ between two runs of the same build: times and the scan's place.
_NOISE = {"duration_seconds", "seconds", "started_at", "phases", "target", "version"}


# Open windows are counted up to the as-of time: a fixed one keeps their days comparable.
_AS_OF = "2026-06-01T00:00:00Z"


def _without_noise(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _without_noise(item) for key, item in value.items() if key not in _NOISE}
    if isinstance(value, list):
        return [_without_noise(item) for item in value]
    return value


def _scenario_names(leakwindow: str) -> list[str]:
    listing = subprocess.run(
        [leakwindow, "fixtures", "list"], capture_output=True, text=True, check=True
    ).stdout
    return [line.split()[0] for line in listing.splitlines() if line.strip()]


def _report(leakwindow: str, name: str, workspace: Path) -> dict[str, Any]:
    repository = workspace / name
    subprocess.run(
        [leakwindow, "fixtures", "build", name, str(repository)], capture_output=True, check=True
    )
    environment = {**os.environ, "XDG_CACHE_HOME": str(workspace / "cache")}
    scanned = subprocess.run(
        [
            leakwindow,
            "scan",
            str(repository),
            "--format",
            "json",
            "--no-cache",
            "--exit-zero",
            *("--as-of", _AS_OF),
        ],
        capture_output=True,
        text=True,
        env=environment,
    )
    if scanned.returncode not in (0, 3):
        raise SystemExit(f"{name}: scan exited {scanned.returncode}: {scanned.stderr.strip()}")
    report: dict[str, Any] = json.loads(scanned.stdout)
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", type=Path)
    beside_python = Path(sys.executable).parent / "leakwindow"
    default = str(beside_python) if beside_python.exists() else shutil.which("leakwindow")
    parser.add_argument("--leakwindow", default=default or "leakwindow")
    arguments = parser.parse_args()
    arguments.out_dir.mkdir(parents=True, exist_ok=True)
    names = _scenario_names(arguments.leakwindow)
    with tempfile.TemporaryDirectory(prefix="leakwindow-scenarios-") as workspace:
        for name in names:
            report = _without_noise(_report(arguments.leakwindow, name, Path(workspace)))
            text = json.dumps(report, indent=2, sort_keys=True) + "\n"
            (arguments.out_dir / f"{name}.json").write_text(text)
    print(f"{len(names)} scenario reports written to {arguments.out_dir}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
