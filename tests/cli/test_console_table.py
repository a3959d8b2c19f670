"""The terminal's findings table at the widths people use: what was found (severity, rule),
where (path:line of the first location, first commit) and where it still is (HEAD, refs)
always; the preview is the first thing to go when the terminal is narrow.

Over a real scan of the `multi-secret` scenario (four secrets, tagged releases, one still in
HEAD), rendered by rich consoles of a fixed width.
"""

from __future__ import annotations

import io
import json
import re
from typing import Any

import pytest
from rich.console import Console

from scanner.cli.app import main
from scanner.demo import build_scenario
from scanner.report.console import findings_table, render_console

AS_OF = "2025-12-31T00:00:00Z"


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("console-table")
    repo = build_scenario("multi-secret", root / "multi-secret").path
    out = root / "report.json"
    args = ["scan", str(repo), "-q", "--no-cache", "-f", "json", "-o", str(out), "--as-of", AS_OF]
    assert main(args) == 1
    data: dict[str, Any] = json.loads(out.read_text())
    assert len(data["findings"]) == 4
    return data


def _console(width: int) -> tuple[Console, io.StringIO]:
    stream = io.StringIO()
    return Console(file=stream, width=width, color_system=None), stream


def _table(report: dict[str, Any], width: int) -> list[str]:
    console, stream = _console(width)
    console.print(findings_table(report["findings"], console))
    return stream.getvalue().splitlines()


def _rows(lines: list[str]) -> dict[int, str]:
    """Each finding's row (its number's line and the next, for two-line rows) by number."""
    starts = [i for i, line in enumerate(lines) if re.match(r"^\s*\d+\s", line)]
    rows = {}
    for start, end in zip(starts, [*starts[1:], len(lines)], strict=True):
        number = int(lines[start].split()[0])
        rows[number] = "\n".join(lines[start:end])
    return rows


def _where_it_still_is(finding: dict[str, Any], row: str) -> bool:
    refs = len(finding["reachable_from"])
    if "In HEAD" in row or "Reachable" in row:  # never: headers are not rows
        return False
    words = row.split()
    one_line = ("yes" if finding["in_head"] else "no") in words and str(refs) in words
    two_lines = ("in HEAD" if finding["in_head"] else "not in HEAD") + f", {refs} refs" in row
    return one_line or two_lines


@pytest.mark.parametrize("width", [80, 120, 145, 200])
def test_every_row_says_what_where_and_where_it_still_is(
    report: dict[str, Any], width: int
) -> None:
    lines = _table(report, width)
    assert max(len(line) for line in lines) <= width
    rows = _rows(lines)
    assert sorted(rows) == [1, 2, 3, 4]
    for number, finding in enumerate(report["findings"], start=1):
        row = rows[number]
        first = finding["first_commit"]
        assert finding["severity"].upper() in row
        assert finding["rules"][0] in row
        assert f"{first['path']}:{first['line']}" in row
        assert first["sha"][:10] in row
        assert _where_it_still_is(finding, row), row


@pytest.mark.parametrize(
    ("width", "one_line", "preview"),
    [(80, False, False), (120, False, True), (145, True, False), (200, True, True)],
)
def test_the_preview_goes_first_then_rows_take_two_lines(
    report: dict[str, Any], width: int, one_line: bool, preview: bool
) -> None:
    lines = _table(report, width)
    header = next(line for line in lines if line.strip().startswith("#"))
    assert ("Severity" in header) == one_line
    assert ("Preview" in header) == preview
    shown = "\n".join(lines)
    for finding in report["findings"]:
        assert (finding["secret_preview"] in shown) == preview


@pytest.mark.parametrize("width", [80, 120])
def test_the_whole_report_fits_the_terminal(report: dict[str, Any], width: int) -> None:
    console, stream = _console(width)
    render_console(report, console)
    lines = stream.getvalue().splitlines()
    assert max(len(line) for line in lines) <= width
    assert any(line.lstrip().startswith("#") and "Where" in line for line in lines)


def test_a_secret_in_several_places_says_how_many_more(report: dict[str, Any]) -> None:
    finding = dict(report["findings"][0])
    first = finding["first_commit"]
    extra = {"commit": first["sha"], "path": "deploy/other.py", "line": 9, "column": 1}
    finding["locations"] = [*finding["locations"], extra]
    for width in (80, 200):
        row = _rows(_table({"findings": [finding]}, width))[1]
        assert f"{first['path']}:{first['line']} +1 more" in row


def test_a_long_path_folds_instead_of_being_cut(report: dict[str, Any]) -> None:
    finding = dict(report["findings"][0])
    path = "/".join(f"directory{i}" for i in range(8)) + "/settings.py"
    finding["first_commit"] = {**finding["first_commit"], "path": path}
    lines = _table({"findings": [finding]}, 80)
    header = next(line for line in lines if line.strip().startswith("#"))
    left, right = header.index("Where"), header.index("Exposure")
    row = _rows(lines)[1].splitlines()
    where = "".join(line[left:right].strip() for line in row)
    assert where.startswith(f"{path}:1")
    assert "…" not in "".join(row)
