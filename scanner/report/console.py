"""The text report drawn with rich for a terminal: summary, findings table, a panel each.

Same facts and verdicts as `scanner.report.text` (whose helpers it reuses); only the layout
and colour differ. Every value taken from the report is wrapped in `Text`, never parsed as
markup, and control characters are made visible, so a hostile path or author name can
neither restyle the output nor move the cursor.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

from rich import box
from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from scanner.printable import printable

# The caveat is shared with the plain report so both say exactly the same thing.
from scanner.report import verdict as judged
from scanner.report.qualifiers import qualified_title
from scanner.report.scope import (
    as_of_text,
    plural,
    range_line,
    severity_counts,
    utc_date,
    work_line,
)
from scanner.report.text import CAVEAT as CAVEAT
from scanner.report.text import describe_window, render_text
from scanner.report.verdict import short_ref

if TYPE_CHECKING:
    from scanner.report.document import Finding, Report

# Severity is always printed as a word too: colour is never the only signal.
SEVERITY_STYLES: dict[str, str] = {
    "critical": "bold white on red",
    "high": "bold red",
    "medium": "bold yellow",
    "low": "cyan",
}
VERIFICATION_STYLES: dict[str, str] = {
    judged.LIVE: "bold white on red",
    judged.INVALID: "green",
    judged.NOT_CHECKED: "bold yellow",
    judged.NO_ENDPOINT: "dim",
}
SEVERITY_BORDERS: dict[str, str] = {
    "critical": "red",
    "high": "red",
    "medium": "yellow",
    "low": "cyan",
}
LIVE_VERDICT_STYLE = "bold white on red"


def _text(value: object, style: str = "") -> Text:
    # Styled as a span, not as the Text's base style, so table padding stays unstyled.
    text = Text()
    text.append(printable(value), style=style or None)
    return text


def _date(timestamp: str) -> str:
    return utc_date(timestamp)


def _header(report: Report) -> Text:
    scan = report["scan"]
    head = scan["head"]
    sha = head["sha"]
    # The schema allows a null ref: read it as HEAD (as the plain report does).
    where = f"{short_ref(head['ref'] or 'HEAD')} {sha[:10]}" if sha else "no commits"
    header = Text()
    header.append(f"leakwindow {printable(report['tool']['version'])}", style="bold")
    header.append(f": {printable(scan['target'])} at {printable(where)}, ")
    header.append(f"as of {printable(as_of_text(scan))}\n")
    header.append(printable(work_line(report)), style="dim")
    scope = range_line(report)
    if scope is not None:
        header.append("\n")
        header.append(f"range: {printable(scope)}", style="bold")
    for note in scan.get("notes") or []:
        header.append("\n")
        header.append(f"note: {printable(note['message'])}", style="yellow")
    return header


def _summary(report: Report, active: list[Finding]) -> Text:
    summary = report["summary"]
    line = Text()
    line.append(f"{plural(len(active), 'secret')} found", style="bold")
    line.append(f" ({severity_counts(active)})")
    line.append(", ")
    line.append(
        f"{summary['in_head']} still in HEAD", style="bold red" if summary["in_head"] else ""
    )
    states = [judged.verification_state(f) for f in active]
    live = states.count(judged.LIVE)
    if live:
        line.append(", ")
        line.append(f"{live} still live", style=LIVE_VERDICT_STYLE)
    not_checked = states.count(judged.NOT_CHECKED)
    if not_checked:
        line.append(", ")
        line.append(f"{not_checked} not checked", style="bold yellow")
    line.append(f", longest exposure {summary['longest_days']} days")
    return line


def _severity(finding: Finding) -> Text:
    severity = str(finding["severity"])
    return _text(severity.upper(), SEVERITY_STYLES.get(severity, "bold"))


def _first_commit_cell(finding: Finding) -> Text:
    first = finding["first_commit"]
    if not first:
        return _text("none", "dim")
    cell = _text(f"{first['sha'][:10]} {_date(first['committed_at'])}")
    if first.get("at_shallow_boundary"):
        cell.append(" (shallow boundary)", style="yellow")
    return cell


def _longest_window_cell(finding: Finding) -> Text:
    windows = finding["windows"]
    if not windows:
        return _text("none", "dim")
    longest = max(windows, key=lambda window: window["days"])
    if longest["closed"] is None:
        return _text(f"{longest['days']} days, open", "bold yellow")
    return _text(f"{longest['days']} days")


def _reachable_cell(finding: Finding) -> Text:
    count = len(finding["reachable_from"])
    if finding["dangling"]:
        return _text(f"{count} (dangling)", "yellow")
    return _text(str(count))


def _in_head_cell(finding: Finding) -> Text:
    return _text("yes", "bold red") if finding["in_head"] else _text("no")


def _where_cell(finding: Finding) -> Text:
    """`path:line` of the first place it was found, and how many other places hold it."""
    first = finding["first_commit"]
    place = first or (finding["locations"][0] if finding["locations"] else None)
    if place is None:
        return _text("unknown", "dim")
    cell = _text(f"{place['path']}:{place['line']}")
    others = len(
        {(loc["path"], loc["line"]) for loc in finding["locations"]}
        - {(place["path"], place["line"])}
    )
    if others:
        cell.append(f" +{others} more", style="dim")
    return cell


def _now_cell(finding: Finding) -> Text:
    """Where it can still be found: `in HEAD, 2 refs`, `not in HEAD, 3 refs`, `dangling`."""
    cell = _text("in HEAD", "bold red") if finding["in_head"] else _text("not in HEAD")
    count = len(finding["reachable_from"])
    if count:
        cell.append(f", {plural(count, 'ref')}")
    if finding["dangling"]:
        cell.append(", dangling", style="yellow")
    return cell


def _lines(*cells: Text) -> Text:
    return Text("\n").join(cells)


# The widest a path may make the table before it folds onto a second line.
_WHERE_WIDTH = 48


def _one_line_table(active: list[Finding], *, preview: bool) -> Table:
    """A row per finding, one line each: for a wide terminal."""
    table = Table(box=box.SIMPLE_HEAVY, header_style="bold", pad_edge=False)
    table.add_column("#", justify="right", style="dim")
    table.add_column("Severity", no_wrap=True)
    table.add_column("Rule")
    table.add_column("Where", overflow="fold", max_width=_WHERE_WIDTH)
    table.add_column("First commit", no_wrap=True)
    table.add_column("Longest window", no_wrap=True)
    table.add_column("In HEAD", justify="center")
    table.add_column("Reachable", justify="right")
    if preview:
        table.add_column("Preview", no_wrap=True)
    for number, finding in enumerate(active, start=1):
        cells = [
            _text(number),
            _severity(finding),
            _text(", ".join(finding["rules"])),
            _where_cell(finding),
            _first_commit_cell(finding),
            _longest_window_cell(finding),
            _in_head_cell(finding),
            _reachable_cell(finding),
        ]
        table.add_row(*cells, *([_text(finding["secret_preview"])] if preview else []))
    return table


def _two_line_table(active: list[Finding], *, preview: bool) -> Table:
    """A row per finding over two lines (what, where, exposure): for a narrow terminal."""
    table = Table(box=box.SIMPLE_HEAVY, header_style="bold", pad_edge=False)
    table.add_column("#", justify="right", style="dim")
    table.add_column("What", overflow="fold")
    table.add_column("Where", overflow="fold", max_width=_WHERE_WIDTH)
    table.add_column("Exposure", overflow="fold")
    if preview:
        table.add_column("Preview", no_wrap=True)
    for number, finding in enumerate(active, start=1):
        cells = [
            _text(number),
            _lines(_severity(finding), _text(", ".join(finding["rules"]))),
            _lines(_where_cell(finding), _first_commit_cell(finding)),
            _lines(_longest_window_cell(finding), _now_cell(finding)),
        ]
        table.add_row(*cells, *([_text(finding["secret_preview"])] if preview else []))
    return table


def findings_table(active: list[Finding], console: Console | None = None) -> Table:
    """The findings as a table that fits the console: what was found (severity, rule), where
    (path:line, first commit) and where it still is (HEAD, refs) always; when the terminal
    is too narrow for all of it, the preview goes first, then each row takes two lines."""
    layouts = (
        (_one_line_table, True),
        (_one_line_table, False),
        (_two_line_table, True),
        (_two_line_table, False),
    )
    for build, preview in layouts:
        table = build(active, preview=preview)
        if console is None or _natural_width(table, console) <= console.width:
            return table
    return table


def _natural_width(table: Table, console: Console) -> int:
    """How wide the table is when nothing in it wraps."""
    unbounded = console.options.update_width(1_000_000)
    return console.measure(table, options=unbounded).maximum


def _verdict_text(finding: Finding, head_ref: str | None) -> Text:
    said = judged.verdict(finding, head_ref)
    if said.kind == "live":
        return _text(said.text, LIVE_VERDICT_STYLE)
    if said.kind == "suppressed":
        return _text(said.text, "dim")
    return _text(
        said.text, "bold red" if said.kind in ("in_head", "still_on_ref") else "bold yellow"
    )


def _details(finding: Finding, head_ref: str | None) -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="dim", no_wrap=True)
    grid.add_column()

    def row(label: str, value: Text) -> None:
        grid.add_row(label, value)

    row("rules", _text(", ".join(finding["rules"])))
    row("preview", _text(finding["secret_preview"]))
    row("fingerprint", _text(finding["fingerprint"][:16]))
    first = finding["first_commit"]
    if first:
        row(
            "first commit",
            _text(
                f"{first['sha'][:10]} {_date(first['committed_at'])} by {first['author']}  "
                f"{first['path']}:{first['line']}"
            ),
        )
        remark = judged.first_commit_remark(finding)
        if remark:
            row("", _text(remark, "yellow"))
    windows = finding["windows"]
    for index, window in enumerate(windows):
        style = "bold yellow" if window["closed"] is None else ""
        row("window" if index == 0 else "", _text(describe_window(window), style))
    if not windows:
        row("window", _text("none on the reported refs' mainlines", "dim"))
    if finding["reachable_from"]:
        row("reachable", _text(", ".join(short_ref(r) for r in finding["reachable_from"])))
    if finding["dangling"]:
        row("dangling", _text("yes: only in objects no ref reaches", "yellow"))
    row("in HEAD", _text("yes", "bold red") if finding["in_head"] else _text("no"))
    if len(finding["locations"]) > 1:
        row("locations", _text(f"{len(finding['locations'])} (see --format json)"))
    checked = judged.verification_label(finding)
    if checked:
        style = VERIFICATION_STYLES.get(judged.verification_state(finding), "")
        row("verification", _text(checked, style))
    if finding.get("remediation"):
        row("remediation", _text(finding["remediation"]))
    row("verdict", _verdict_text(finding, head_ref))
    return grid


def finding_panel(number: int, finding: Finding, head_ref: str | None) -> Panel:
    title = Text(f"#{number} ")
    title.append_text(_severity(finding))
    title.append(f" {printable(qualified_title(finding))}")
    return Panel(
        _details(finding, head_ref),
        title=title,
        title_align="left",
        border_style=SEVERITY_BORDERS.get(str(finding["severity"]), "none"),
    )


def render_console(report: Report, console: Console) -> None:
    """Print the report for a person at a terminal. Redacted: previews and fingerprints only."""
    console.print(_header(report))
    console.print()
    active = [f for f in report["findings"] if not f.get("suppressed")]
    head_ref = report["scan"]["head"].get("ref")
    if not active:
        console.print(Text("No secrets found.", style="bold green"))
    else:
        console.print(_summary(report, active))
        console.print(findings_table(active, console))
        for number, finding in enumerate(active, start=1):
            console.print(finding_panel(number, finding, head_ref))
        console.print(Text(CAVEAT, style="dim italic"))
    suppressed = report["summary"].get("suppressed", 0)
    if suppressed:
        console.print(Text(f"{suppressed} suppressed finding(s) not shown.", style="dim"))


def write_text_report(report: Report, stream: TextIO) -> None:
    """The `--format text` path to stdout: rich on a terminal, the plain report otherwise."""
    if _is_tty(stream):
        render_console(report, Console(file=stream))
    else:
        stream.write(render_text(report))


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
