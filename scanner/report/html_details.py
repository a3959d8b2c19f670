"""The report's details section: one collapsible panel per finding with its verdict, rules,
remediation, first commit, exposure windows and every location where the secret was seen.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from scanner.report import verdict as judged
from scanner.report.html_values import (
    as_dict,
    as_list,
    date_text,
    days_text,
    esc,
    finding_anchor,
    longest_days,
    plural_days,
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
from scanner.report.qualifiers import qualified_title


def _definition_list(items: Iterable[tuple[str, str]]) -> str:
    body = "".join(f"<dt>{esc(term)}</dt><dd>{value}</dd>" for term, value in items)
    return f'<dl class="facts">{body}</dl>'


def _code_list(values: Iterable[object]) -> str:
    items = "".join(f"<li><code>{esc(value)}</code></li>" for value in values)
    return f'<ul class="plain">{items}</ul>' if items else "—"


def _commit_point_cell(point: object) -> str:
    data = as_dict(point)
    return (
        f"<code>{esc(short_sha(data.get('sha')))}</code> "
        f'<time datetime="{esc(data.get("committed_at"))}">'
        f"{esc(text_or(data.get('committed_at')))}</time>"
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
        f"committed {esc(text_or(first.get('committed_at')))}, "
        f"authored {esc(text_or(first.get('authored_at')))}<br>"
        f"at <code>{esc(text_or(first.get('path')))}:{esc(text_or(first.get('line')))}</code>"
        + (f'<br><span class="tag">{esc(remark)}</span>' if remark else "")
    )


def _verification_text(finding: dict[str, Any]) -> str:
    verification = verification_of(finding)
    text = status_badge(verification_status(finding))
    if verification.get("detail"):
        text += f" {esc(verification.get('detail'))}"
    if verification.get("checked_at"):
        text += f' <span class="muted">(checked {esc(verification.get("checked_at"))})</span>'
    return text


def _render_detail(
    index: int, finding: dict[str, Any], as_of: datetime | None, head_ref: str | None
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
        ("Rules", ", ".join(f"<code>{esc(r)}</code>" for r in rules_of(finding)) or "—"),
        ("Severity", severity_badge(severity)),
        ("Remediation", esc(text_or(finding.get("remediation"), "Revoke and rotate the secret."))),
        ("Secret preview", f"<code>{esc(text_or(finding.get('secret_preview')))}</code>"),
        (
            "Fingerprint (sha256)",
            f'<code class="wrap">{esc(text_or(finding.get("fingerprint")))}</code>',
        ),
        ("Verification", _verification_text(finding)),
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
        f"<code>{esc(text_or(finding.get('secret_preview'), ''))}</code> "
        f'<span class="muted">· longest exposure {esc(plural_days(longest_days(finding)))}'
        f"</span> {' '.join(flags)}</summary>\n"
        f'<div class="finding-body">{_definition_list(facts)}\n'
        f"<h4>Exposure windows</h4>{_windows_table(finding, as_of)}\n"
        f"<h4>Locations</h4>{_locations_table(finding)}</div></details>"
    )


def render_details_section(
    findings: list[dict[str, Any]], as_of: datetime | None, head_ref: str | None
) -> str:
    panels = "\n".join(_render_detail(i, f, as_of, head_ref) for i, f in enumerate(findings))
    empty = '<p class="empty">No findings.</p>'
    return (
        '<section id="details" aria-labelledby="details-heading">\n'
        '<h2 id="details-heading">Details</h2>\n'
        f"{panels or empty}\n</section>"
    )
