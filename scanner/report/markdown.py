"""Render a `leakwindow.report/1` dict as GitHub-flavoured Markdown for CI job summaries.

Written for `$GITHUB_STEP_SUMMARY` and merge-request notes: a verdict line first, then one
short block per secret (its title, where it was found with the line redacted, its exposure,
where it can still be recovered, and what to do). A block rather than a table row: a row
holding all that ran past 250 characters, which a job summary shows only by scrolling
sideways. Paths, author-controlled text and previews come from the scanned repository, so
every value is escaped: a hostile file name cannot end a line, inject HTML or add links. Only
the redacted preview of a secret is ever written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from scanner.printable import printable
from scanner.report import verdict as judged
from scanner.report.qualifiers import qualifiers
from scanner.report.ref_summary import refs_phrase
from scanner.report.scope import (
    as_of_text,
    plural,
    range_line,
    range_of,
    severity_counts,
    utc_date,
    work_line,
)
from scanner.report.verdict import short_ref

if TYPE_CHECKING:
    from scanner.report.document import Report

DEFAULT_MAX_ROWS = 200  # GitHub caps a step summary at 1 MiB; keep far below it.
# Windows listed one by one in a block; more are counted (--all-branches on a big repository).
_WINDOWS_SHOWN = 3
# Backslash-escape the Markdown punctuation that could format, link or split a table cell
# (line-start syntax such as `#` or `>` cannot occur inside a cell; `<` is turned into `&lt;`).
_MARKDOWN_SPECIALS = re.compile(r"([\\`*_\[\]|~])")
_NEWLINES = re.compile(r"\r\n|\r|\n")


def escape_cell(value: object) -> str:
    """Make untrusted text safe and inert inside one line of Markdown (a list item or a
    table cell)."""
    text = printable(_NEWLINES.sub("↵", str(value)))  # controls and bidi spelled out
    text = text.replace("&", "&amp;").replace("<", "&lt;")
    return _MARKDOWN_SPECIALS.sub(r"\\\1", text)


def _date(timestamp: object) -> str:
    return utc_date(timestamp)


def _days(value: object) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{value:.1f}"
    return "?"


def window_text(window: Mapping[str, Any]) -> str:
    """`main: 2025-03-02 → 2025-04-30 (59.0 d)` or `main: since 2025-05-01, open (61.0 d)`.

    A window that began at a shallow clone's boundary shows `≤` before its start date: it
    may have opened earlier than the history available.
    """
    ref = short_ref(str(window.get("ref", "?")))
    opened = window.get("opened") or {}
    start = _date(opened.get("committed_at"))
    if window.get("opened_at_boundary"):
        start = f"≤{start}"
    days = _days(window.get("days"))
    closed = window.get("closed")
    remark = judged.window_remark(window)
    after = f", {remark}" if remark else ""
    if closed is None:
        return f"{ref}: since {start}, open ({days} d{after})"
    return f"{ref}: {start} → {_date(closed.get('committed_at'))} ({days} d{after})"


def _windows_text(finding: Mapping[str, Any]) -> str:
    windows = [w for w in finding.get("windows") or [] if isinstance(w, Mapping)]
    if windows:
        # Each window is escaped on its own; the separators are ours.
        shown = "; ".join(escape_cell(window_text(w)) for w in windows[:_WINDOWS_SHOWN])
        more = len(windows) - _WINDOWS_SHOWN
        return shown + (f"; + {plural(more, 'more window')}" if more > 0 else "")
    if finding.get("dangling"):
        return "none: only in unreachable objects"
    return "none on a reported mainline"


def _where_text(finding: Mapping[str, Any]) -> str:
    first = finding.get("first_commit")
    if not first:
        return "unknown (dangling)" if finding.get("dangling") else "unknown"
    where = str(first.get("path") or "?")
    if first.get("line"):
        where += f":{first['line']}"
    sha = str(first.get("sha") or "?")[:7]
    text = escape_cell(
        f"{where}, first in {sha} on {_date(first.get('committed_at'))} "
        f"by {first.get('author') or '?'}"
    )
    remark = judged.first_commit_remark(finding)
    if remark:
        text += f" ({escape_cell(remark)})"
    places = len(finding.get("locations") or [])
    if places > 1:
        text += f"; {plural(places, 'place')} in all (see the JSON report)"
    return text


def _title_line(number: int, finding: Mapping[str, Any]) -> str:
    severity = escape_cell(str(finding.get("severity") or "?").upper())
    title = escape_cell(finding.get("title") or "?")
    rules = escape_cell(", ".join(str(r) for r in finding.get("rules") or []) or "?")
    line = f"**{number}. {severity}: {title}** {_preview_text(finding)} \\[{rules}\\]"
    words = qualifiers(finding)
    if words:
        line += f" ({escape_cell(', '.join(words))})"
    if finding.get("suppressed"):
        line += f" (suppressed: {escape_cell(finding['suppressed'])})"
    return line


def _preview_text(finding: Mapping[str, Any]) -> str:
    text = escape_cell(finding.get("secret_preview") or "(redacted)")
    state = judged.verification_state(finding)
    if state == judged.LIVE:
        text += " **LIVE**"
    elif state == judged.NOT_CHECKED:
        text += " **not checked**"
    elif state == judged.INVALID:
        text += " (invalid)"
    if finding.get("decoded"):
        text += f" (in {escape_cell(finding['decoded'])})"
    return text


def finding_block(number: int, finding: Mapping[str, Any], head_ref: str | None = None) -> str:
    """One finding as a title line and a list of facts, each on its own line."""
    lines = [_title_line(number, finding), "", f"- where: {_where_text(finding)}"]
    context = finding.get("context_line")
    if context:
        lines.append(f"- line: <code>{escape_cell(context)}</code>")
    lines.append(f"- exposure: {_windows_text(finding)}")
    in_head = "**yes**" if finding.get("in_head") else "no"
    refs = escape_cell(refs_phrase([str(r) for r in finding.get("reachable_from") or []]))
    lines.append(f"- in HEAD: {in_head}; reachable from: {refs}")
    lines.append(f"- verdict: {escape_cell(judged.verdict(finding, head_ref).text)}")
    return "\n".join(lines)


def _longest_days(findings: Sequence[Mapping[str, Any]]) -> float | None:
    days = [
        float(w.get("days") or 0.0)
        for f in findings
        for w in f.get("windows") or []
        if isinstance(w, Mapping)
    ]
    return max(days) if days else None


def verdict_line(report: Mapping[str, Any]) -> str:
    """First line of the summary: what a reviewer needs to know at a glance."""
    findings = list(report.get("findings") or [])
    active = [f for f in findings if not f.get("suppressed")]
    suppressed = len(findings) - len(active)
    if not active:
        commits = ((report.get("scan") or {}).get("stats") or {}).get("commits", 0)
        scope = range_of(report)
        line = (
            f"✅ No secrets introduced by the {plural(scope[1], 'commit')} of "
            f"{escape_cell(scope[0])}"
            if scope is not None
            else f"✅ No secrets found in {plural(int(commits or 0), 'commit')}"
        )
        if suppressed:
            line += f" ({suppressed} suppressed)"
        return line
    parts = [f"❌ {plural(len(active), 'secret')} found ({severity_counts(active)})"]
    in_head = sum(1 for f in active if f.get("in_head"))
    parts.append(f"{in_head} still in HEAD")
    states = [judged.verification_state(f) for f in active]
    if states.count(judged.LIVE):
        parts.append(f"{states.count(judged.LIVE)} verified live")
    if states.count(judged.NOT_CHECKED):
        parts.append(f"{states.count(judged.NOT_CHECKED)} not checked")
    summary = report.get("summary") or {}
    stated = summary.get("longest_days") if isinstance(summary, Mapping) else None
    # The report's own headline figure (of the findings that fail the run); computed for a
    # hand-made document that lacks it.
    longest = float(stated) if isinstance(stated, (int, float)) else _longest_days(active)
    if longest is not None:
        parts.append(f"longest exposure {longest:.1f} days")
    line = ", ".join(parts)
    if suppressed:
        line += f" ({suppressed} more suppressed)"
    return line


def stats_line(report: Mapping[str, Any]) -> str:
    scan = report.get("scan") or {}
    stats = scan.get("stats") or {}
    work = work_line(report)
    line = work[0].upper() + work[1:]
    if stats.get("blobs_unreadable"):
        line += f", {plural(int(stats['blobs_unreadable']), 'blob')} unreadable"
    scope = range_line(report)
    if scope is not None:
        line += f"; {scope}"
    if scan.get("as_of"):
        line += f"; as of {as_of_text(scan)}; dates are UTC"
    return escape_cell(line)


def render_markdown(report: Report, max_rows: int = DEFAULT_MAX_ROWS) -> str:
    """Return the whole Markdown summary, ending with a newline."""
    findings = list(report.get("findings") or [])
    scan = report.get("scan") or {}
    head_ref = (scan.get("head") or {}).get("ref")
    lines = ["## leakwindow secret scan", "", verdict_line(report), ""]
    notes = [n for n in scan.get("notes") or [] if isinstance(n, Mapping)]
    if notes:
        lines.extend(f"> ⚠️ {escape_cell(note.get('message', ''))}  " for note in notes)
        lines.append("")
    if findings:
        for number, finding in enumerate(findings[:max_rows], start=1):
            lines += [finding_block(number, finding, head_ref), ""]
        if len(findings) > max_rows:
            lines += [f"… and {len(findings) - max_rows} more; see the full report.", ""]
        lines += [
            "_Dates are UTC. Commit dates are evidence, not proof, of when the repository "
            "became public. Removing a secret from a branch does not revoke it: rotate it._",
            "",
        ]
    lines.append(stats_line(report))
    return "\n".join(lines) + "\n"
