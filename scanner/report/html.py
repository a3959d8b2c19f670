"""Render a JSON report dict as one self-contained, offline HTML page with an exposure timeline.

Everything (CSS, JS, SVG) is inline and a Content-Security-Policy forbids every network load,
so the file can be mailed, archived or opened from an incident ticket without phoning home.
This module lays out the page and writes its summary header and footer; the timeline, the
findings table, the per-finding details and the document shell each come from their own
html_* module. Every value that came from a repository (paths, authors, refs, titles) is
untrusted and escaped.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from scanner.report.html_details import render_details_section
from scanner.report.html_document import html_document
from scanner.report.html_table import render_table_section
from scanner.report.html_timeline import render_timeline_section
from scanner.report.html_values import (
    as_dict,
    as_list,
    breakable,
    esc,
    longest_days,
    moment_text,
    number_or_none,
    plural_days,
    ref_label,
    severity_badge,
    severity_of,
    short_sha,
    text_or,
    verification_requested,
    verification_status,
)
from scanner.report.scope import parse_time, plural, range_of
from scanner.severity import SEVERITIES

if TYPE_CHECKING:
    from scanner.report.document import Report

REFS_SHOWN = 12
CAVEAT = (
    "Commit dates are evidence, not proof, of when a secret became exposed: they are set by the "
    "committer and say nothing about when the repository became public."
)


def render_html(report: Report) -> str:
    """Return the whole report as one HTML document (a str, UTF-8 when written)."""
    findings = [f for f in as_list(report.get("findings")) if isinstance(f, dict)]
    scan = as_dict(report.get("scan"))
    as_of = parse_time(scan.get("as_of"))
    # Without --verify every key is "unchecked": saying so on every row and lane is noise.
    verified = verification_requested(dict(report))
    body = "\n".join(
        [
            _render_header(report, findings, verified),
            '<main id="content">',
            render_timeline_section(findings, as_of, verified=verified),
            render_table_section(findings, verified=verified),
            render_details_section(
                findings, as_of, as_dict(scan.get("head")).get("ref"), verified=verified
            ),
            _render_footer(report),
            "</main>",
        ]
    )
    title = f"leakwindow report — {text_or(scan.get('target'), 'repository')}"
    return html_document(title, body)


def _head_text(head: dict[str, Any]) -> str:
    """The branch by its short name (the full ref on hover), breakable only at a slash or a
    dash, so a card never wraps inside a word."""
    if not head:
        return "—"
    ref = text_or(head.get("ref"))
    short = esc(ref_label(ref))
    for mark in ("/", "-"):
        short = short.replace(mark, mark + "<wbr>")
    return (
        f'<code class="ref branch" title="{esc(ref)}">{short}</code> at '
        f'<code class="ref">{esc(short_sha(head.get("sha")))}</code>'
    )


def _render_header(
    report: Mapping[str, Any], findings: list[dict[str, Any]], verified: bool
) -> str:
    scan = as_dict(report.get("scan"))
    summary = as_dict(report.get("summary"))
    head = as_dict(scan.get("head"))
    counts = {name: 0 for name in SEVERITIES}
    for finding in findings:
        severity = severity_of(finding)
        if severity in counts:
            counts[severity] += 1
    live = sum(1 for f in findings if verification_status(f) == "live")
    in_head = sum(1 for f in findings if f.get("in_head") is True)
    longest = number_or_none(summary.get("longest_days"))
    if longest is None:
        longest = max((longest_days(f) for f in findings), default=0.0)
    severity_items = "".join(
        f'<li>{severity_badge(name)} <span class="count">{counts[name]}</span></li>'
        for name in SEVERITIES
    )
    live_text = (
        f'<span class="{"alarm" if live else ""}">{live}</span>'
        if verified
        else '<span class="muted quiet">not checked '
        '<span class="nowrap">(no --verify)</span></span>'
    )
    stats = [
        ("Repository", f'<code class="ref">{breakable(text_or(scan.get("target")))}</code>'),
        ("HEAD", _head_text(head)),
        (
            "As of (UTC)",
            f'<time datetime="{esc(scan.get("as_of"))}">{esc(moment_text(scan.get("as_of")))}'
            "</time>",
        ),
        ("Findings", f'{len(findings)} <ul class="sev-counts">{severity_items}</ul>'),
        ("Longest exposure", esc(plural_days(longest))),
        ("Live keys", live_text),
        ("Still in HEAD", str(in_head)),
    ]
    scope = range_of(report)
    if scope is not None:  # a range scan judges only the commits of its range
        stats.insert(
            1, ("Range", f"<code>{esc(scope[0])}</code> ({esc(plural(scope[1], 'commit'))})")
        )
    not_checked = sum(1 for f in findings if verification_status(f) == "error")
    if not_checked:  # keys whose check errored or did not run: they may be live
        stats.append(("Not checked", f'<span class="alarm">{not_checked}</span>'))
    items = "".join(
        f'<div class="stat"><dt>{esc(label)}</dt><dd>{value}</dd></div>' for label, value in stats
    )
    return (
        '<header class="page-header">\n'
        '<a class="skip" href="#content">Skip to report</a>\n'
        "<h1>leakwindow exposure report</h1>\n"
        f'<p class="subtitle">How long each leaked secret was exposed in '
        f"<code>{esc(text_or(scan.get('target')))}</code>, and where it can still be recovered. "
        "All dates in UTC.</p>\n"
        f'<dl class="summary-grid" aria-label="Summary">{items}</dl>\n'
        f'<p class="caveat"><strong>Caveat:</strong> {esc(CAVEAT)}</p>\n'
        f"{_render_notes(scan)}"
        '<nav class="toc" aria-label="Sections"><a href="#timeline">Timeline</a>'
        '<a href="#findings">Findings</a><a href="#details">Details</a></nav>\n'
        "</header>"
    )


def _render_notes(scan: dict[str, Any]) -> str:
    notes = [as_dict(note) for note in as_list(scan.get("notes"))]
    return "".join(
        f'<p class="caveat note" role="note"><strong>Note:</strong> '
        f"{esc(text_or(note.get('message'), ''))}</p>\n"
        for note in notes
    )


def _render_footer(report: Mapping[str, Any]) -> str:
    scan = as_dict(report.get("scan"))
    tool = as_dict(report.get("tool"))
    stats = as_dict(scan.get("stats"))
    stat_items = "".join(
        f"<li>{esc(str(name).replace('_', ' '))}: {esc(value)}</li>"
        for name, value in stats.items()
    )
    names = [f"<code>{esc(ref)}</code>" for ref in as_list(scan.get("refs"))]
    refs = ", ".join(names[:REFS_SHOWN]) or "—"
    if len(names) > REFS_SHOWN:  # hundreds of tags: the rest fold away
        refs += (
            f' <details class="more"><summary>and {len(names) - REFS_SHOWN} more</summary>'
            f"{', '.join(names[REFS_SHOWN:])}</details>"
        )
    return (
        '<footer class="page-footer">'
        f"<p>Generated by {esc(text_or(tool.get('name'), 'leakwindow'))} "
        f"{esc(text_or(tool.get('version'), ''))} · schema {esc(text_or(report.get('schema')))} · "
        f"mode {esc(text_or(scan.get('mode')))} · {esc(text_or(scan.get('seconds'), '?'))} s</p>"
        f"<div>Refs reported on: {refs}</div>"
        f'<ul class="stats">{stat_items}</ul>'
        "<p>Secret values never appear in this file: only redacted previews and sha256 "
        "fingerprints.</p></footer>"
    )


# ---------------------------------------------------------------------------------------------
