"""The report set as a short GitHub-flavoured Markdown summary, for a CI job's summary page.

The same numbers and order as the HTML dashboard (scanner/many/dashboard_data.py), cut to
what a job summary can hold: the totals, the most urgent repositories, the live keys and the
sources that could not be scanned. Every value from a report or the index is escaped with the
single-repository summary's `escape_cell`, so a hostile repository name cannot break a table,
inject HTML or add a link; only redacted previews appear.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanner.many.dashboard_data import overview, repositories
from scanner.report.html_values import days_text, plural_days
from scanner.report.markdown import escape_cell
from scanner.severity import SEVERITIES

MAX_REPOSITORY_ROWS = 25
MAX_LIVE_ROWS = 50
MAX_ERROR_ROWS = 50


def render_summary_markdown(
    index: Mapping[str, Any], reports: Mapping[str, Mapping[str, Any]]
) -> str:
    """The summary as Markdown; `index` and `reports` as for `render_dashboard`."""
    view = overview(index, reports)
    counts = view.severity_counts()
    by_severity = ", ".join(f"{counts[name]} {name}" for name in SEVERITIES if counts.get(name))
    scanned = len(view.ranked)
    lines = [
        f"## leakwindow: {repositories(scanned)} scanned",
        "",
        "| | |",
        "|---|---|",
        f"| Findings | {view.findings} in {repositories(view.with_findings)}"
        + (f" ({by_severity})" if by_severity else "")
        + " |",
        f"| Still open | {view.still_open} |",
        f"| Longest exposure | {plural_days(view.longest_days)} |",
        f"| Live keys | {view.live if view.verified else 'not checked'} |",
        f"| Could not be scanned | {len(view.failed)} |",
    ]
    urgent = [row for row in view.ranked if row.findings]
    if urgent:
        live_head, live_rule = (" Live |", "---:|") if view.verified else ("", "")
        lines += [
            "",
            "### Most urgent repositories",
            "",
            f"| # | Repository |{live_head} Still open | Longest | Findings |",
            f"|---:|---|{live_rule}---:|---:|---:|",
        ]
        for rank, row in enumerate(urgent[:MAX_REPOSITORY_ROWS], start=1):
            live_cell = f" {row.live} |" if view.verified else ""
            lines.append(
                f"| {rank} | {escape_cell(row.source)} |{live_cell} {row.still_open} | "
                f"{days_text(row.longest_days)} d | {row.findings} |"
            )
        if len(urgent) > MAX_REPOSITORY_ROWS:
            lines += ["", f"…and {len(urgent) - MAX_REPOSITORY_ROWS} more with findings."]
    live = sorted((e for e in view.exposures() if e.live), key=lambda e: -e.days)
    if live:
        lines += ["", "### Live keys", ""]
        for exposure in live[:MAX_LIVE_ROWS]:
            state = "still held by a ref" if exposure.still_open else "removed from every ref tip"
            lines.append(
                f"- {escape_cell(exposure.repository)}: {escape_cell(exposure.title)} "
                f"`{escape_cell(exposure.preview).replace('`', '')}`, "
                f"{plural_days(exposure.days)}, {state}"
            )
        if len(live) > MAX_LIVE_ROWS:
            lines.append(f"- …and {len(live) - MAX_LIVE_ROWS} more.")
    if view.failed:
        lines += ["", "### Could not be scanned", ""]
        for row in view.failed[:MAX_ERROR_ROWS]:
            lines.append(f"- {escape_cell(row.source)}: {escape_cell(row.error or '')}")
        if len(view.failed) > MAX_ERROR_ROWS:
            lines.append(f"- …and {len(view.failed) - MAX_ERROR_ROWS} more.")
    return "\n".join(lines) + "\n"
