"""Plain-text report: one block per secret, with its exposure windows and a verdict."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scanner.printable import printable_lines
from scanner.report import verdict as judged
from scanner.report.qualifiers import qualified_title
from scanner.report.ref_summary import refs_phrase
from scanner.report.scope import (
    as_of_text,
    plural,
    range_line,
    severity_counts,
    utc_date,
    work_line,
)
from scanner.report.verdict import short_ref

if TYPE_CHECKING:
    from scanner.report.document import Finding, Report, Window

CAVEAT = (
    "Dates are UTC. Commit dates are evidence of when a secret entered history, not proof of "
    "when the repository became public."
)


def _date(timestamp: str) -> str:
    return utc_date(timestamp)


def describe_window(window: Window) -> str:
    ref = short_ref(window["ref"])
    start = _date(window["opened"]["committed_at"])
    boundary = " (at or before: shallow clone boundary)" if window.get("opened_at_boundary") else ""
    remark = judged.window_remark(window)
    after = f" ({remark})" if remark else ""
    if window["closed"] is None:
        return f"{ref}: {start}{boundary} → still present, {window['days']} days so far{after}"
    end = _date(window["closed"]["committed_at"])
    return f"{ref}: {start}{boundary} → {end}, {window['days']} days{after}"


def verdict(finding: Finding, head_ref: str | None) -> str:
    """The verdict's words (decided in scanner.report.verdict, for every format)."""
    return judged.verdict(finding, head_ref).text


def _finding_block(finding: Finding, head_ref: str | None) -> list[str]:
    lines = [
        f"{finding['severity'].upper():<8}  {qualified_title(finding)}  {finding['secret_preview']}"
        f"  [{', '.join(finding['rules'])}]",
        f"  fingerprint   {finding['fingerprint'][:16]}",
    ]
    first = finding["first_commit"]
    if first:
        lines.append(
            f"  first commit  {first['sha'][:10]} {_date(first['committed_at'])} "
            f"by {first['author']}  {first['path']}:{first['line']}"
        )
        remark = judged.first_commit_remark(finding)
        if remark:
            lines.append(f"                {remark}")
    if finding.get("context_line"):
        lines.append(f"  line          {finding.get('context_line')}")
    for index, window in enumerate(finding["windows"]):
        label = "window" if index == 0 else ""
        lines.append(f"  {label:<12}  {describe_window(window)}")
    if not finding["windows"]:
        lines.append("  window        none on the reported refs' mainlines")
    if finding["reachable_from"]:
        lines.append(f"  reachable     {refs_phrase(finding['reachable_from'])}")
    if finding["dangling"]:
        lines.append("  dangling      yes: only in objects no ref reaches")
    lines.append(f"  in HEAD       {'yes' if finding['in_head'] else 'no'}")
    if len(finding["locations"]) > 1:
        lines.append(f"  locations     {len(finding['locations'])} (see --format json)")
    checked = judged.verification_label(finding)
    if checked:
        lines.append(f"  verification  {checked}")
    lines.append(f"  verdict       {verdict(finding, head_ref)}")
    return lines


def render_text(report: Report) -> str:
    scan = report["scan"]
    head = scan["head"]
    active = [f for f in report["findings"] if not f.get("suppressed")]
    # The schema allows a null ref (a saved report may carry one): read it as HEAD.
    head_ref = short_ref(head["ref"] or "HEAD")
    sha = head["sha"]
    head_text = f"{head_ref} {sha[:10]}" if sha else "no commits"
    lines = [
        f"leakwindow {report['tool']['version']}: {scan['target']} at {head_text}, "
        f"as of {as_of_text(scan)}",
        work_line(report),
        *([f"range: {scope}"] if (scope := range_line(report)) else []),
        *(f"note: {note['message']}" for note in scan.get("notes") or []),
        "",
    ]
    if not active:
        lines.append("No secrets found.")
    else:
        summary = report["summary"]
        counts = ((summary["live"], "still live"), (summary.get("not_checked", 0), "not checked"))
        checks = "".join(f", {count} {words}" for count, words in counts if count)
        lines.append(
            f"{plural(len(active), 'secret')} found ({severity_counts(active)}), "
            f"{summary['in_head']:,} still in HEAD{checks}, "
            f"longest exposure {summary['longest_days']} days"
        )
        lines.append("")
        for finding in active:
            lines.extend(_finding_block(finding, head.get("ref")))
            lines.append("")
        lines.append(CAVEAT)
    suppressed = report["summary"].get("suppressed", 0)
    if suppressed:
        lines.append(f"{suppressed} suppressed finding(s) not shown.")
    return printable_lines(lines).rstrip() + "\n"
