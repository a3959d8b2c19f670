"""The organisation dashboard: one self-contained HTML page over a whole report set.

`scan-many` writes it as `index.html` beside `index.json`. It answers the security team's
question across repositories: which keys are still live, which exposures are still open and
for how long, and which repositories could not be scanned. It uses the single-repository
report's stylesheet (scanner/report/assets/report.css) and adds a few rules; it has no script.
A Content-Security-Policy pins the one inline style by hash and forbids every network load;
the only links are relative ones to each repository's own report in the same directory.
Every value from a report or the index is untrusted and escaped; only redacted previews are
shown, as the reports hold them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanner import __version__
from scanner.many.dashboard_data import (
    REPORT_SET_SCHEMA,
    Exposure,
    Overview,
    RepoRow,
    overview,
    repositories,
)
from scanner.many.dashboard_markdown import render_summary_markdown
from scanner.many.dashboard_timeline import render_timeline_section
from scanner.report.html_document import STYLE as REPORT_STYLE
from scanner.report.html_document import html_document
from scanner.report.html_values import (
    days_text,
    esc,
    moment_text,
    plural_days,
    severity_badge,
)
from scanner.severity import SEVERITIES

__all__ = ["render_dashboard", "render_summary_markdown"]

_EXTRA_STYLE = """
.rank { color: var(--muted); width: 3em; }
.report-links a + a { margin-left: 10px; }
.errors { padding-left: 20px; }
.errors li { margin: 0 0 6px; }
.errors .error-text { color: var(--critical); }
tr.has-live { background: #fff5f5; }
""".strip()
STYLE = REPORT_STYLE + "\n" + _EXTRA_STYLE


def render_dashboard(index: Mapping[str, Any], reports: Mapping[str, Mapping[str, Any]]) -> str:
    """The whole dashboard as one HTML document (a str, UTF-8 when written).

    `reports` holds each repository's `leakwindow.report/1` dict, keyed by the index entry's
    `report` path (or by its `source`); a repository without one is shown from the index's
    summary counts."""
    view = overview(index, reports)
    sections = [
        _render_header(view),
        '<main id="content">',
        _render_live_section(view) if view.verified else "",
        _render_repositories_section(view),
        render_timeline_section(view),
        _render_errors_section(view),
        _render_footer(),
        "</main>",
    ]
    body = "\n".join(s for s in sections if s)
    return html_document("leakwindow organisation dashboard", body, style=STYLE, script=False)


def _render_header(view: Overview) -> str:
    counts = view.severity_counts()
    severity_items = "".join(
        f'<li>{severity_badge(name)} <span class="count">{counts.get(name, 0)}</span></li>'
        for name in SEVERITIES
    )
    scanned = len(view.ranked)
    failed = len(view.failed)
    live = _count(view.live) if view.verified else '<span class="muted">not checked</span>'
    stats = [
        ("Repositories", f"{scanned} scanned"),
        ("Could not be scanned", _count(failed)),
        ("With findings", str(view.with_findings)),
        ("Findings", f'{view.findings} <ul class="sev-counts">{severity_items}</ul>'),
        ("Still open", _count(view.still_open)),
        ("Longest exposure", esc(plural_days(view.longest_days))),
        ("Live keys", live),
    ]
    if view.not_checked:
        stats.append(("Not checked", f'<span class="alarm">{view.not_checked}</span>'))
    if view.as_of is not None:
        stats.append(("As of", esc(moment_text(view.as_of.isoformat()))))
    items = "".join(
        f'<div class="stat" data-stat="{esc(label)}"><dt>{esc(label)}</dt><dd>{value}</dd></div>'
        for label, value in stats
    )
    toc = [("#repositories", "Repositories"), ("#timeline", "Timeline")]
    if view.verified:
        toc.insert(0, ("#live", "Live keys"))
    if view.failed:
        toc.append(("#errors", "Errors"))
    links = "".join(f'<a href="{href}">{esc(text)}</a>' for href, text in toc)
    return (
        '<header class="page-header">\n'
        '<a class="skip" href="#content">Skip to dashboard</a>\n'
        "<h1>leakwindow organisation dashboard</h1>\n"
        '<p class="subtitle">Which secrets were exposed across '
        f"{esc(repositories(scanned))}, for how long, and which are still recoverable."
        "</p>\n"
        f'<dl class="summary-grid" aria-label="Summary">{items}</dl>\n'
        '<p class="caveat"><strong>Caveat:</strong> exposure days come from commit dates, which '
        "the committer sets; they are evidence, not proof, of when a secret became exposed.</p>\n"
        f'<nav class="toc" aria-label="Sections">{links}</nav>\n'
        "</header>"
    )


def _count(value: int) -> str:
    """A count, in red when it is not zero."""
    return f'<span class="{"alarm" if value else ""}">{value}</span>'


def _repository_cell(row: RepoRow) -> str:
    name = f"<code>{esc(row.source)}</code>"
    return f'<a href="{esc(row.html_link)}">{name}</a>' if row.html_link else name


def _render_live_section(view: Overview) -> str:
    live = sorted(
        (e for e in view.exposures() if e.live), key=lambda e: (not e.still_open, -e.days)
    )
    if not live:
        body = '<p class="empty">No key was found live in any repository.</p>'
    else:
        rows = "".join(_live_row(exposure) for exposure in live)
        body = (
            '<div class="table-frame"><table id="live-table">'
            "<caption>Keys the provider accepted when checked: revoke these first.</caption>"
            "<thead><tr><th>Repository</th><th>Secret</th><th>Preview</th><th>Severity</th>"
            '<th class="num">Exposed</th><th>Now</th></tr></thead>'
            f"<tbody>{rows}</tbody></table></div>"
        )
    return (
        '<section id="live" aria-labelledby="live-heading">\n'
        f'<h2 id="live-heading">Live keys ({len(live)})</h2>\n{body}\n</section>'
    )


def _live_row(exposure: Exposure) -> str:
    name = f"<code>{esc(exposure.repository)}</code>"
    if exposure.report_link:
        name = f'<a href="{esc(exposure.report_link)}">{name}</a>'
    state = "still held by a ref" if exposure.still_open else "removed from every ref tip"
    return (
        f'<tr data-repository="{esc(exposure.repository)}"><td>{name}</td>'
        f"<td>{esc(exposure.title)}</td>"
        f'<td><code class="preview">{esc(exposure.preview)}</code></td>'
        f"<td>{severity_badge(exposure.severity)}</td>"
        f'<td class="num">{esc(plural_days(exposure.days))}</td><td>{esc(state)}</td></tr>'
    )


def _render_repositories_section(view: Overview) -> str:
    if not view.ranked:
        body = '<p class="empty">No repository in this set was scanned.</p>'
    else:
        live_head = '<th class="num">Live</th>' if view.verified else ""
        rows = "".join(
            _repository_row(rank, row, view.verified) for rank, row in enumerate(view.ranked, 1)
        )
        body = (
            '<div class="table-frame"><table id="repositories-table">'
            "<caption>Ranked by live keys, then exposures still open, then the longest "
            "exposure.</caption>"
            f'<thead><tr><th class="rank">#</th><th>Repository</th>{live_head}'
            '<th class="num">Still open</th><th class="num">Longest exposure</th>'
            '<th class="num">Findings</th><th class="num">In HEAD</th><th>Reports</th>'
            f"</tr></thead><tbody>{rows}</tbody></table></div>"
        )
    return (
        '<section id="repositories" aria-labelledby="repositories-heading">\n'
        '<h2 id="repositories-heading">Repositories</h2>\n'
        f"{body}\n</section>"
    )


def _repository_row(rank: int, row: RepoRow, verified: bool) -> str:
    links = []
    if row.html_link:
        links.append(f'<a class="report-html" href="{esc(row.html_link)}">HTML</a>')
    if row.json_link:
        links.append(f'<a class="report-json" href="{esc(row.json_link)}">JSON</a>')
    live = ""
    if verified:
        live = f'<td class="num{" alarm" if row.live else ""}">{row.live}</td>'
    longest = f"{days_text(row.longest_days)} d" if row.findings else "—"
    marked = ' class="has-live"' if row.live else ""
    return (
        f'<tr data-repository="{esc(row.source)}"{marked}>'
        f'<td class="rank">{rank}</td><td>{_repository_cell(row)}</td>{live}'
        f'<td class="num">{row.still_open}</td><td class="num">{esc(longest)}</td>'
        f'<td class="num">{row.findings}</td><td class="num">{row.in_head}</td>'
        f'<td class="report-links">{"".join(links) or "—"}</td></tr>'
    )


def _render_errors_section(view: Overview) -> str:
    if not view.failed:
        return ""
    items = "".join(
        f'<li data-repository="{esc(row.source)}"><code>{esc(row.source)}</code>: '
        f'<span class="error-text">{esc(row.error)}</span></li>'
        for row in view.failed
    )
    return (
        '<section id="errors" aria-labelledby="errors-heading">\n'
        f'<h2 id="errors-heading">Could not be scanned ({len(view.failed)})</h2>\n'
        '<p class="hint">These sources were not scanned completely; their secrets, if any, '
        "are not counted above.</p>\n"
        f'<ul class="errors">{items}</ul>\n</section>'
    )


def _render_footer() -> str:
    return (
        '<footer class="page-footer">'
        f"<p>Generated by leakwindow {esc(__version__)} · schema {esc(REPORT_SET_SCHEMA)}</p>"
        "<p>Secret values never appear in this file: only the reports' redacted previews.</p>"
        "</footer>"
    )
