"""A command-line run parks a scan's big structures until its os._exit instead of freeing
them object by object; in-process callers (these tests, a library) get them freed as usual."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from scenario_support import AS_OF, build, scan_json

from scanner import parking
from scanner.git.history import History

# Run as the console script does (entry.run), then look at what was parked before exiting.
_CHILD = """
import sys
from scanner import entry, parking
from scanner.git.history import History
parking.enable()
code = entry.main(sys.argv[1:])
histories = [o for group in parking._parked for o in group if isinstance(o, History)]
print(code, [len(h.commits) for h in histories], file=sys.stderr)
"""


def test_a_command_line_scan_parks_its_history_and_reports_the_same(tmp_path: Path) -> None:
    fixture = build("incident", tmp_path)
    out = tmp_path / "parked.json"
    args = ["scan", str(fixture.path), "-f", "json", "-o", str(out), "--as-of", AS_OF]
    child = subprocess.run(
        [sys.executable, "-c", _CHILD, *args], capture_output=True, text=True, check=True
    )
    code, report = scan_json(fixture.path, tmp_path)
    commits = report["scan"]["stats"]["commits"]
    last = child.stderr.splitlines()[-1]  # (after the scan's own line on what it wrote where)
    assert last.split(" ", 1) == [str(code), f"[{commits}]"]
    parked_report = json.loads(out.read_text())
    assert parked_report["findings"] == report["findings"]


def test_in_process_scans_park_nothing(tmp_path: Path) -> None:
    fixture = build("incident", tmp_path)
    scan_json(fixture.path, tmp_path)
    assert parking._parked is None
    parking.park(History())  # a no-op while parking is off
    assert parking._parked is None
