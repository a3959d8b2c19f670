"""The report's details section: one collapsible panel per finding with its verdict, rules,
remediation, first commit, exposure windows and every location where the secret was seen.

Dates are shown in UTC (the committer's own offset stays in each date's `datetime`), like
everywhere else on the page. Findings only in test, docs or example files come last, under
a heading of their own.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from scanner.report import verdict as judged
from scanner.report.html_values import (
    SIDE_HEADING,
    as_dict,
    as_list,
    breakable,
    confidence_of,
    context_line_of,
    date_text,
    days_text,
    esc,
    finding_anchor,
    first_place,
    is_side_finding,
    longest_days,
    moment_text,
    more_places,
    plural_days,
    preview_text,
    rules_of,
    severity_badge,
    severity_of,
    short_sha,
    status_badge,
    text_or,
    verification_of,
    verification_status,
    windows_of,
)
from scanner.report.qualifiers import qualified_title, qualifiers

LIST_SHOWN = 10


def _definition_list(items: Iterable[tuple[str, str]]) -> str:
    body = "".join(f"<dt>{esc(term)}</dt><dd>{value}</dd>" for term, value in items)
    return f'<dl class="facts">{body}</dl>'


def _code_list(values: Iterable[object]) -> str:
    """One value a line; past LIST_SHOWN of them (a project with hundreds of tags) the rest
    fold away under "and N more"."""
    items = [f"<li><code>{esc(value)}</code></li>" for value in values]
    if not items:
        return "—"
    if len(items) <= LIST_SHOWN + 1:
        return f'<ul class="plain">{"".join(items)}</ul>'
    folded = items[LIST_SHOWN:]
    return (
        f'<ul class="plain">{"".join(items[:LIST_SHOWN])}</ul>'
        f'<details class="more"><summary>and {len(folded)} more</summary>'
        f'<ul class="plain">{"".join(folded)}</ul></details>'
    )


def _commit_point_cell(point: object) -> str:
    data = as_dict(point)
    return (
        f"<code>{esc(short_sha(data.get('sha')))}</code> "
        f'<time datetime="{esc(data.get("committed_at"))}">'
        f"{esc(moment_text(data.get('committed_at')))}</time>"
    )


def _windows_table(finding: dict[str, Any], as_of: datetime | None) -> str:
    windows = windows_of(finding)
    if not windows:
        return '<p class="muted">No exposure window on any reported ref.</p>'
    rows = []
    for window in windows:
        closed = window.get("closed")
        closed_cell = (
            _commit_point_cell(closed)
            if isinstance(closed, dict)
            else f'<span class="tag">still open</span> counted to {esc(date_text(as_of))}'
        )
        opened_cell = _commit_point_cell(window.get("opened"))
        if window.get("opened_at_boundary") is True:
            opened_cell += ' <span class="tag">at or before shallow boundary</span>'
        remark = judged.window_remark(window)
        if remark:
            closed_cell += f' <span class="tag">{esc(remark)}</span>'
        rows.append(
            f"<tr><td><code>{esc(text_or(window.get('ref')))}</code></td><td>{opened_cell}</td>"
            f"<td>{closed_cell}</td>"
            f'<td class="num">{esc(days_text(window.get("days")))}</td></tr>'
        )
    return (
        '<table class="inner"><thead><tr><th scope="col">Ref</th><th scope="col">Opened</th>'
        '<th scope="col">Closed</th><th scope="col" class="num">Days</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _locations_table(finding: dict[str, Any]) -> str:
    locations = [as_dict(loc) for loc in as_list(finding.get("locations"))]
    if not locations:
        return '<p class="muted">No locations recorded.</p>'
    rows = "".join(
        f"<tr><td><code>{esc(short_sha(loc.get('commit')))}</code></td>"
        f"<td><code>{esc(text_or(loc.get('path')))}</code></td>"
        f'<td class="num">{esc(text_or(loc.get("line")))}</td>'
        f'<td class="num">{esc(text_or(loc.get("column")))}</td></tr>'
        for loc in locations
    )
    return (
        f'<div class="locations"><table class="inner"><caption>{len(locations)} location(s)'
        '</caption><thead><tr><th scope="col">Commit</th><th scope="col">Path</th>'
        '<th scope="col" class="num">Line</th><th scope="col" class="num">Column</th></tr>'
        f"</thead><tbody>{rows}</tbody></table></div>"
    )


def _first_commit_text(finding: dict[str, Any]) -> str:
    first = finding.get("first_commit")
    if not isinstance(first, dict):
        return '<span class="muted">none reachable from any ref</span>'
    remark = judged.first_commit_remark(finding)
    return (
        f"<code>{esc(text_or(first.get('sha')))}</code><br>"
        f"by {esc(text_or(first.get('author'), 'unknown author'))}<br>"
        f"committed {esc(moment_text(first.get('committed_at')))}, "
        f"authored {esc(moment_text(first.get('authored_at')))}<br>"
        f"at <code>{esc(text_or(first.get('path')))}:{esc(text_or(first.get('line')))}</code>"
        + (f'<br><span class="tag">{esc(remark)}</span>' if remark else "")
    )


def _verification_text(finding: dict[str, Any], verified: bool) -> str:
    if not verified:
        return '<span class="muted">not checked (the scan ran without --verify)</span>'
    verification = verification_of(finding)
    text = status_badge(verification_status(finding))
    if verification.get("detail"):
        text += f" {esc(verification.get('detail'))}"
    if verification.get("checked_at"):
        text += f' <span class="muted">(checked {esc(verification.get("checked_at"))})</span>'
    return text


def _place_text(finding: dict[str, Any]) -> str:
    place = first_place(finding)
    if not place:
        return '<span class="muted">none recorded</span>'
    more = more_places(finding)
    return f"<code>{esc(place)}</code>" + (
        f' <span class="muted">and {more} more (below)</span>' if more else ""
    )


def _confidence_text(finding: dict[str, Any]) -> str:
    """ "high confidence, in ordinary files" or e.g. "medium confidence, only in test files"."""
    context = finding.get("context")
    words = qualifiers(finding)
    found = words[-1] if context and words else "in ordinary files"
    return esc(f"{confidence_of(finding)} confidence, {found}")


def _render_detail(
    index: int,
    finding: dict[str, Any],
    as_of: datetime | None,
    head_ref: str | None,
    verified: bool,
) -> str:
    severity = severity_of(finding)
    status = verification_status(finding)
    title = qualified_title(finding) or "Unnamed secret"
    flags = []
    if finding.get("in_head") is True:
        flags.append('<span class="tag alarm">in HEAD</span>')
    if finding.get("dangling") is True:
        flags.append('<span class="tag">dangling</span>')
    if status == "live":
        flags.append(status_badge(status))
    facts: list[tuple[str, str]] = [
        ("Verdict", f"<strong>{esc(judged.verdict(finding, head_ref).text)}</strong>"),
        ("Where", _place_text(finding)),
    ]
    line = context_line_of(finding)
    if line is not None:  # the line with each secret replaced by its preview
        facts.append(("Line", f'<pre class="context-line"><code>{esc(line)}</code></pre>'))
    facts += [
        ("Rules", ", ".join(f"<code>{esc(r)}</code>" for r in rules_of(finding)) or "—"),
        ("Severity", severity_badge(severity)),
        ("Confidence", _confidence_text(finding)),
        ("Remediation", esc(text_or(finding.get("remediation"), "Revoke and rotate the secret."))),
        ("Secret preview", f"<code>{esc(preview_text(finding))}</code>"),
        (
            "Fingerprint (sha256)",
            f'<code class="wrap">{esc(text_or(finding.get("fingerprint")))}</code>',
        ),
        ("Verification", _verification_text(finding, verified)),
        ("First commit", _first_commit_text(finding)),
        ("In HEAD", "yes" if finding.get("in_head") is True else "no"),
        (
            "Dangling",
            "yes — only in unreachable objects" if finding.get("dangling") is True else "no",
        ),
        ("Reachable from", _code_list(as_list(finding.get("reachable_from")))),
    ]
    if finding.get("decoded"):
        facts.append(("Found inside", f"{esc(finding.get('decoded'))}-decoded content"))
    if finding.get("suppressed"):
        facts.append(("Suppressed", esc(finding.get("suppressed"))))
    return (
        f'<details class="finding sev-edge-{esc(severity)}" id="{finding_anchor(index)}">'
        f'<summary>{severity_badge(severity)} <span class="finding-title">{esc(title)}</span> '
        f'<code class="place">{breakable(first_place(finding))}</code> '
        f'<code class="preview">{esc(preview_text(finding, beside_title=True))}</code> '
        f'<span class="muted">· longest exposure {esc(plural_days(longest_days(finding)))}'
        f"</span> {' '.join(flags)}</summary>\n"
        f'<div class="finding-body">{_definition_list(facts)}\n'
        f"<h4>Exposure windows</h4>{_windows_table(finding, as_of)}\n"
        f"<h4>Locations</h4>{_locations_table(finding)}</div></details>"
    )


def render_details_section(
    findings: list[dict[str, Any]],
    as_of: datetime | None,
    head_ref: str | None,
    *,
    verified: bool,
) -> str:
    """The section; without `verified` (no --verify) no panel shows a verification badge."""
    main: list[str] = []
    side: list[str] = []
    for index, finding in enumerate(findings):
        panel = _render_detail(index, finding, as_of, head_ref, verified)
        (side if is_side_finding(finding) else main).append(panel)
    panels = "\n".join(main)
    if side:
        panels += f'\n<h3 class="side-heading">{esc(SIDE_HEADING)} ({len(side)})</h3>\n'
        panels += "\n".join(side)
    empty = '<p class="empty">No findings.</p>'
    return (
        '<section id="details" aria-labelledby="details-heading">\n'
        '<h2 id="details-heading">Details</h2>\n'
        f"{panels or empty}\n</section>"
    )
