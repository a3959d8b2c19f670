"""The report's findings table: one row per finding with sortable columns and a filter box.

Each row carries its sort keys and its filter text as data attributes, so the page's script
sorts and filters without re-reading cells; without script the table is simply in report
order, most severe first. Findings only in test, docs or example files sit in a group of
their own below the rest, and sorting keeps them there.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from scanner.report.html_values import (
    CONFIDENCE_RANK,
    SEVERITY_RANK,
    SIDE_HEADING,
    as_dict,
    as_list,
    breakable,
    confidence_of,
    date_text,
    days_text,
    esc,
    finding_anchor,
    first_place,
    has_open_window,
    is_side_finding,
    longest_days,
    more_places,
    preview_text,
    rules_of,
    severity_badge,
    severity_of,
    short_sha,
    status_badge,
    text_or,
    verification_status,
    windows_of,
)
from scanner.report.qualifiers import qualified_title
from scanner.report.scope import parse_time


class SortableColumn(NamedTuple):
    """A table column whose header is a sort button; the row's data-sort-<key> is its key."""

    label: str
    key: str
    kind: str  # "number" or "text": how the script compares keys
    direction: str  # the direction of the first click


SORTABLE_COLUMNS: tuple[SortableColumn, ...] = (
    SortableColumn("Severity", "severity", "number", "descending"),
    SortableColumn("Secret", "rule", "text", "ascending"),
    SortableColumn("Where", "place", "text", "ascending"),
    SortableColumn("Days exposed", "days", "number", "descending"),
    SortableColumn("First commit", "first", "number", "ascending"),
)


def _filter_text(finding: dict[str, Any]) -> str:
    """Lower-case text the filter box matches against: what a responder would type."""
    first = as_dict(finding.get("first_commit"))
    pieces: list[object] = [
        finding.get("title"),
        finding.get("severity"),
        finding.get("confidence"),
        finding.get("context"),
        preview_text(finding),
        finding.get("fingerprint"),
        verification_status(finding),
        first.get("author"),
        first.get("path"),
        first.get("sha"),
        *rules_of(finding),
        *as_list(finding.get("reachable_from")),
        *(w.get("ref") for w in windows_of(finding)),
        *(as_dict(loc).get("path") for loc in as_list(finding.get("locations"))),
        "dangling" if finding.get("dangling") is True else None,
        "in head" if finding.get("in_head") is True else None,
    ]
    return " ".join(str(p) for p in pieces if p).lower()


def _header_cell(column: SortableColumn) -> str:
    alignment = ' class="num"' if column.key == "days" else ""
    return (
        f'<th scope="col"{alignment}>'
        f'<button type="button" data-sort-key="{column.key}" data-sort-type="{column.kind}" '
        f'data-default-direction="{column.direction}">{esc(column.label)}'
        '<span class="sort-icon" aria-hidden="true"></span></button></th>'
    )


def _place_key(finding: dict[str, Any]) -> str:
    """Sorts by path, then by line as a number (line 9 before line 10)."""
    path, _, line = first_place(finding).rpartition(":")
    return f"{path}\0{int(line):09d}" if line.isdigit() else first_place(finding)


def _severity_cell(finding: dict[str, Any]) -> str:
    confidence = confidence_of(finding)
    sure = (
        "" if confidence == "high" else f'<br><span class="tag">{esc(confidence)} confidence</span>'
    )
    return severity_badge(severity_of(finding)) + sure


def _place_cell(finding: dict[str, Any]) -> str:
    place = first_place(finding)
    if not place:
        return '<span class="muted">—</span>'
    more = more_places(finding)
    extra = f' <span class="tag">+{more} more</span>' if more else ""
    return f'<code class="place">{breakable(place)}</code>{extra}'


def _render_row(index: int, finding: dict[str, Any], verified: bool) -> str:
    severity = severity_of(finding)
    first = as_dict(finding.get("first_commit"))
    first_at = parse_time(first.get("committed_at"))
    rules = rules_of(finding)
    longest = longest_days(finding)
    days_cell = esc(days_text(longest)) + (
        ' <span class="tag">open</span>' if has_open_window(finding) else ""
    )
    if not windows_of(finding):
        days_cell += ' <span class="tag">no window</span>'
    first_cell = (
        f'<time datetime="{esc(first.get("committed_at"))}">{esc(date_text(first_at))}</time> '
        f"<code>{esc(short_sha(first.get('sha')))}</code>"
        if first_at
        else '<span class="muted">none reachable</span>'
    )
    head_cell = '<strong class="alarm">yes</strong>' if finding.get("in_head") is True else "no"
    if finding.get("dangling") is True:
        head_cell += ' <span class="tag">dangling</span>'
    rank = SEVERITY_RANK.get(severity, 0) * 10 + CONFIDENCE_RANK[confidence_of(finding)]
    attributes = {
        "data-index": str(index),
        "data-fingerprint": text_or(finding.get("fingerprint"), ""),
        "data-sort-severity": str(rank),
        "data-sort-rule": rules[0] if rules else "",
        "data-sort-place": _place_key(finding),
        "data-sort-days": repr(longest),
        "data-sort-first": str(int(first_at.timestamp())) if first_at else "",
        "data-filter": _filter_text(finding),
    }
    attribute_text = " ".join(f'{name}="{esc(value)}"' for name, value in attributes.items())
    cells = [
        _severity_cell(finding),
        f'<a class="finding-link" href="#{finding_anchor(index)}">'
        f"{esc(qualified_title(finding) or 'Unnamed secret')}</a>"
        f'<br><code class="preview">{esc(preview_text(finding, beside_title=True))}</code>'
        f'<br><span class="rule-ids">{", ".join(f"<code>{esc(r)}</code>" for r in rules)}</span>',
        _place_cell(finding),
        f'<span class="num">{days_cell}</span>',
        first_cell,
        head_cell,
    ]
    if verified:
        cells.append(status_badge(verification_status(finding)))
    return f"<tr {attribute_text}>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>"


def render_table_section(findings: list[dict[str, Any]], *, verified: bool) -> str:
    """The section; `verified` (the scan ran --verify) adds the verification column."""
    if not findings:
        table = '<p class="empty">No findings.</p>'
    else:
        headers = "".join(_header_cell(column) for column in SORTABLE_COLUMNS)
        plain = ("In HEAD", "Verification") if verified else ("In HEAD",)
        headers += "".join(f'<th scope="col">{label}</th>' for label in plain)
        columns = len(SORTABLE_COLUMNS) + len(plain)
        main = [(i, f) for i, f in enumerate(findings) if not is_side_finding(f)]
        side = [(i, f) for i, f in enumerate(findings) if is_side_finding(f)]
        bodies = ""
        if main:
            rows = "\n".join(_render_row(i, f, verified) for i, f in main)
            bodies += f"<tbody>\n{rows}\n</tbody>"
        if side:
            rows = "\n".join(_render_row(i, f, verified) for i, f in side)
            bodies += (
                '<tbody class="side-group"><tr class="group-row">'
                f'<th scope="rowgroup" colspan="{columns}">{esc(SIDE_HEADING)} ({len(side)})'
                f"</th></tr>\n{rows}\n</tbody>"
            )
        table = (
            '<div class="controls"><label for="findings-filter">Filter findings</label> '
            '<input id="findings-filter" type="search" autocomplete="off" spellcheck="false" '
            'placeholder="rule, path, author, ref…" aria-describedby="findings-count"> '
            f'<span id="findings-count" aria-live="polite">{len(findings)} of {len(findings)} '
            "findings shown</span></div>\n"
            '<div class="table-frame"><table id="findings-table">'
            "<caption>Findings, most severe first (findings only in test, docs or example "
            "files last); use the column buttons to sort. Dates in UTC.</caption>"
            f"<thead><tr>{headers}</tr></thead>\n{bodies}</table></div>"
        )
    return (
        '<section id="findings" aria-labelledby="findings-heading">\n'
        '<h2 id="findings-heading">Findings</h2>\n'
        f"{table}\n</section>"
    )
