"""One lane of the exposure timeline: its label (title, severity, where the secret is), a bar
per exposure window, and the markers for removals, still-open ends, shallow-clone boundaries,
the first commit and, after --verify, the verification result. A lane shared by findings with
identical windows lists where each of them is.

Every bar and marker is focusable and carries its full description as an aria-label and a
<title>, so the timeline can be read by keyboard, by screen reader and on hover. Text is cut
to the room it has (html_timeline_text), so no label runs into a bar, a caption or the next
column.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from scanner.report import verdict as judged
from scanner.report.html_timeline_groups import Lane
from scanner.report.html_timeline_scale import (
    BAR_HEIGHT,
    LABEL_WIDTH,
    LANE_MIN_HEIGHT,
    LANE_PADDING,
    ROW_HEIGHT,
    STATUS_WIDTH,
    SVG_WIDTH,
    TimeScale,
)
from scanner.report.html_timeline_text import fit_end, fit_start, text_width
from scanner.report.html_values import (
    SEVERITY_RANK,
    VERIFICATION_LABEL,
    as_dict,
    date_text,
    days_text,
    esc,
    finding_anchor,
    first_place,
    plural_days,
    ref_label,
    severity_colour,
    severity_of,
    short_sha,
    text_or,
    verification_of,
    verification_status,
    windows_of,
)
from scanner.report.qualifiers import qualifiers
from scanner.report.scope import parse_time

LABEL_LEFT = 12
LABEL_ROOM = LABEL_WIDTH - 2 * LABEL_LEFT
TITLE_SIZE = 14
SMALL_SIZE = 12
LIST_SIZE = 11
LIST_LINE = 16  # a shared lane lists where its secrets are, one per line
LISTED_MAX = 4
CAPTION_GAP = 14
MONO = 'font-family="ui-monospace, Menlo, Consolas, monospace"'


def _listed(lane: Lane) -> int:
    """How many member lines a shared lane lists (plus one for "+N more")."""
    if not lane.shared:
        return 0
    count = len(lane.members)
    return count if count <= LISTED_MAX else LISTED_MAX + 1


def lane_height(lane: Lane) -> int:
    rows = max(1, len(windows_of(lane.lead)))
    label = 44 + (16 if qualifiers(lane.lead) and not lane.shared else 0)
    label += _listed(lane) * LIST_LINE
    return max(LANE_MIN_HEIGHT, label + 10, rows * ROW_HEIGHT + 2 * LANE_PADDING)


def render_lane(
    lane: Lane, stripe: int, scale: TimeScale, as_of: datetime | None, top: int, status: bool
) -> str:
    """The lane at `top`; `stripe` alternates its background; `status` draws the
    verification pill (only after --verify)."""
    finding = lane.lead
    severity = lane.severity
    height = lane_height(lane)
    windows = windows_of(finding)
    fingerprints = " ".join(text_or(f.get("fingerprint"), "") for _, f in lane.members)
    background = "#f6f8fa" if stripe % 2 == 0 else "#ffffff"
    parts = [
        f'<g class="lane{" lane-shared" if lane.shared else ""}" '
        f'data-fingerprint="{esc(text_or(finding.get("fingerprint"), ""))}" '
        f'data-fingerprints="{esc(fingerprints)}" data-severity="{esc(severity)}" '
        f'data-index="{lane.index}" data-count="{len(lane.members)}">',
        f'<rect class="lane-bg" x="0" y="{top}" width="{SVG_WIDTH}" height="{height}" '
        f'fill="{background}"/>',
        f'<line x1="0" y1="{top + height}" x2="{SVG_WIDTH}" y2="{top + height}" stroke="#d8dee4"/>',
        _shared_label(lane, top) if lane.shared else _single_label(lane.index, finding, top),
    ]
    for row, window in enumerate(windows):
        centre = top + LANE_PADDING + row * ROW_HEIGHT + ROW_HEIGHT / 2
        parts.append(_render_window(window, severity, scale, as_of, centre))
    if not windows:
        parts.append(_render_no_window_note(finding, scale, top + min(height / 2, 29)))
    first_centre = top + LANE_PADDING + ROW_HEIGHT / 2 if windows else top + min(height / 2, 29)
    parts.append(_render_first_commit_marker(finding, scale, first_centre))
    if status:
        parts.append(_render_verification_marker(lane, top + min(height / 2, 29)))
    parts.append("</g>")
    return "".join(parts)


def _title_link(index: int, text: str, tooltip: str, y: float, size: int, extra: str) -> str:
    return (
        f'<a href="#{finding_anchor(index)}" class="lane-label">'
        f'<text x="{LABEL_LEFT}" y="{y:.1f}" font-size="{size}" {extra}>{esc(text)}'
        f"<title>{esc(tooltip)} — open details</title></text></a>"
    )


def _severity_line(severity: str, rest: str, y: float, mono: bool) -> str:
    """SEVERITY in its colour, then `rest` (a place, or counts) cut to the room left."""
    word = severity.upper()
    parts = [
        f'<text x="{LABEL_LEFT}" y="{y:.1f}" font-size="{SMALL_SIZE}" '
        f'fill="{severity_colour(severity)}" font-weight="700">{esc(word)}</text>'
    ]
    after = LABEL_LEFT + text_width(word, SMALL_SIZE, bold=True) + 8
    if rest:
        room = LABEL_LEFT + LABEL_ROOM - after
        fitted = fit_start(rest, room, SMALL_SIZE, mono=mono)
        font = MONO if mono else ""
        parts.append(
            f'<text class="lane-place" x="{after:.1f}" y="{y:.1f}" font-size="{SMALL_SIZE}" '
            f'fill="#57606a" {font}>{esc(fitted)}<title>{esc(rest)}</title></text>'
        )
    return "".join(parts)


def _single_label(index: int, finding: dict[str, Any], top: int) -> str:
    title = text_or(finding.get("title"), "Unnamed secret")
    shown = fit_end(title, LABEL_ROOM, TITLE_SIZE, bold=True)
    parts = [
        _title_link(index, shown, title, top + 20, TITLE_SIZE, 'font-weight="600" fill="#1f2328"'),
        _severity_line(severity_of(finding), first_place(finding), top + 38, mono=True),
    ]
    words = qualifiers(finding)
    if words:
        note = fit_end(", ".join(words), LABEL_ROOM, LIST_SIZE)
        parts.append(
            f'<text class="lane-qualifiers" x="{LABEL_LEFT}" y="{top + 54}" '
            f'font-size="{LIST_SIZE}" font-style="italic" fill="#57606a">{esc(note)}</text>'
        )
    return "".join(parts)


def _severity_counts(lane: Lane, y: float) -> str:
    """ "6 critical · 7 high", each count in its severity's colour, most severe first (the
    words shortened, then the line cut, when it would not fit)."""
    counts: dict[str, int] = {}
    for _, finding in lane.members:
        counts[severity_of(finding)] = counts.get(severity_of(finding), 0) + 1
    ranked = sorted(counts, key=lambda name: -SEVERITY_RANK.get(name, 0))
    for words in (ranked, [name if len(name) <= 4 else name[:4] + "." for name in ranked]):
        pieces = [f"{counts[name]} {word}" for name, word in zip(ranked, words, strict=True)]
        if text_width(" · ".join(pieces), SMALL_SIZE) <= LABEL_ROOM:
            spans = " · ".join(
                f'<tspan fill="{severity_colour(name)}">{esc(piece)}</tspan>'
                for name, piece in zip(ranked, pieces, strict=True)
            )
            break
    else:
        spans = esc(fit_end(" · ".join(pieces), LABEL_ROOM, SMALL_SIZE))
    return (
        f'<text class="lane-counts" x="{LABEL_LEFT}" y="{y:.1f}" font-size="{SMALL_SIZE}" '
        f'fill="#57606a">{spans}</text>'
    )


def _shared_label(lane: Lane, top: int) -> str:
    """ "Title ×N" (or "N secrets, one window"), the count per severity, then where each
    secret is (each a link to its details), at most LISTED_MAX of them."""
    titles = {text_or(f.get("title"), "Unnamed secret") for _, f in lane.members}
    count = len(lane.members)
    title = f"{titles.pop()} ×{count}" if len(titles) == 1 else f"{count} secrets, one window"
    shown = fit_end(title, LABEL_ROOM, TITLE_SIZE, bold=True)
    tooltip = f"{title}: every one exposed in the same window"
    extra = 'font-weight="600" fill="#1f2328"'
    parts = [
        _title_link(lane.index, shown, tooltip, top + 20, TITLE_SIZE, extra),
        _severity_counts(lane, top + 38),
    ]
    listed = lane.members if count <= LISTED_MAX else lane.members[:LISTED_MAX]
    y = top + 38
    for index, finding in listed:
        y += LIST_LINE
        place = first_place(finding) or text_or(finding.get("title"), "?")
        name = text_or(finding.get("title"), "Unnamed secret")
        parts.append(
            _title_link(
                index,
                fit_start(place, LABEL_ROOM, LIST_SIZE, mono=True),
                f"{name} at {place}",
                y,
                LIST_SIZE,
                f'fill="#0969da" {MONO}',
            )
        )
    if count > LISTED_MAX:
        parts.append(
            f'<text class="lane-more" x="{LABEL_LEFT}" y="{y + LIST_LINE:.1f}" '
            f'font-size="{LIST_SIZE}" font-style="italic" fill="#57606a">'
            f"+{count - LISTED_MAX} more in the findings table</text>"
        )
    return "".join(parts)


def _window_text(window: dict[str, Any], as_of: datetime | None) -> str:
    opened = as_dict(window.get("opened"))
    closed = window.get("closed")
    opened_at = parse_time(opened.get("committed_at"))
    start = f"opened {date_text(opened_at)} in {short_sha(opened.get('sha'))}"
    if isinstance(closed, dict):
        end = (
            f"removed {date_text(parse_time(closed.get('committed_at')))} in "
            f"{short_sha(closed.get('sha'))}"
        )
    else:
        end = f"still open at {date_text(as_of)}"
    boundary = (
        " (began at or before the shallow-clone boundary)"
        if window.get("opened_at_boundary") is True
        else ""
    )
    remark = judged.window_remark(window)
    return (
        f"Exposed on {text_or(window.get('ref'), '?')} for {plural_days(window.get('days'))}: "
        f"{start}, {end}{boundary}{f' ({remark})' if remark else ''}"
    )


def _render_window(
    window: dict[str, Any],
    severity: str,
    scale: TimeScale,
    as_of: datetime | None,
    centre: float,
) -> str:
    opened_at = parse_time(as_dict(window.get("opened")).get("committed_at"))
    closed = window.get("closed")
    is_open = not isinstance(closed, dict)
    closed_at = as_of if is_open else parse_time(as_dict(closed).get("committed_at"))
    if opened_at is None or closed_at is None or window.get("opened_after_as_of") is True:
        return ""  # a window that opened after the as-of date was no exposure then
    # Topology decides windows, not dates: a removal dated before its opening still draws.
    x_start, x_end = sorted((scale.x(opened_at), scale.x(closed_at)))
    label = _window_text(window, as_of)
    fill = f"url(#open-{severity})" if is_open else severity_colour(severity)
    y = centre - BAR_HEIGHT / 2
    parts = [
        f'<rect class="window-bar" tabindex="0" role="img" aria-label="{esc(label)}" '
        f'data-ref="{esc(window.get("ref"))}" data-days="{esc(days_text(window.get("days")))}"'
        f' data-open="{"true" if is_open else "false"}" x="{x_start:.3f}" y="{y:.2f}" '
        f'width="{x_end - x_start:.3f}" height="{BAR_HEIGHT}" rx="2" fill="{fill}">'
        f"<title>{esc(label)}</title></rect>"
    ]
    if is_open:
        parts.append(_open_end_marker(x_end, centre, severity, label))
    else:
        parts.append(_removal_marker(x_end, centre, label))
    if window.get("opened_at_boundary") is True:
        parts.append(_boundary_marker(x_start, centre, label))
    parts.append(_ref_caption(window, severity, scale, (x_start, x_end), centre))
    return "".join(parts)


def _marker(css_class: str, label: str, shape: str, extra_attributes: str = "") -> str:
    return (
        f'<g class="marker {css_class}"{extra_attributes} tabindex="0" role="img" '
        f'aria-label="{esc(label)}"><title>{esc(label)}</title>{shape}</g>'
    )


def _open_end_marker(x: float, centre: float, severity: str, label: str) -> str:
    shape = (
        f'<path d="M{x:.2f},{centre - 9:.2f} L{x + 10:.2f},{centre:.2f} '
        f'L{x:.2f},{centre + 9:.2f} Z" fill="{severity_colour(severity)}" stroke="#ffffff" '
        'stroke-width="1"/>'
    )
    return _marker("marker-open", "Still open — " + label, shape)


def _removal_marker(x: float, centre: float, label: str) -> str:
    shape = (
        f'<rect x="{x - 1.5:.2f}" y="{centre - BAR_HEIGHT / 2 - 4:.2f}" width="3" '
        f'height="{BAR_HEIGHT + 8}" fill="#1f2328"/>'
    )
    return _marker("marker-removed", "Removal — " + label, shape)


def _boundary_marker(x: float, centre: float, label: str) -> str:
    shape = (
        f'<path d="M{x + 1:.2f},{centre - 9:.2f} L{x - 6:.2f},{centre:.2f} '
        f'L{x + 1:.2f},{centre + 9:.2f}" fill="none" stroke="#1f2328" stroke-width="2"/>'
    )
    return _marker("marker-boundary", "Shallow-clone boundary — " + label, shape)


def _ref_caption(
    window: dict[str, Any],
    severity: str,
    scale: TimeScale,
    span: tuple[float, float],
    centre: float,
) -> str:
    """A small "main · 59 d" caption: right of the bar when it fits there, else left of it,
    else (a bar across the whole plot) on a white chip inside the bar's start, so it never
    runs into the lane's label or the verification column."""
    x_start, x_end = span
    caption = fit_end(
        f"{ref_label(window.get('ref'))} · {days_text(window.get('days'))} d", 220, 12
    )
    width = text_width(caption, SMALL_SIZE)
    chip = ""
    if x_end + CAPTION_GAP + width <= scale.right + 10:
        x, anchor = x_end + CAPTION_GAP, "start"
    elif x_start - CAPTION_GAP - width >= scale.left:
        x, anchor = x_start - CAPTION_GAP, "end"
    else:
        x, anchor = x_start + 2 * CAPTION_GAP, "start"
        chip = (
            f'<rect x="{x - 5:.2f}" y="{centre - 9:.2f}" width="{width + 10:.2f}" height="18" '
            f'rx="4" fill="#ffffff" stroke="{severity_colour(severity)}" stroke-width="1.5"/>'
        )
    return (
        f'{chip}<text class="window-caption" aria-hidden="true" x="{x:.2f}" '
        f'y="{centre + 4:.2f}" font-size="{SMALL_SIZE}" fill="#1f2328" '
        f'text-anchor="{anchor}">{esc(caption)}</text>'
    )


def _render_no_window_note(finding: dict[str, Any], scale: TimeScale, centre: float) -> str:
    if finding.get("dangling") is True:
        note = "dangling: only in objects no ref reaches (recoverable until garbage-collected)"
    else:
        note = "never on a reported ref's mainline; reachable from history only"
    note = fit_end(note, scale.right - scale.left - 8, SMALL_SIZE)
    return (
        f'<text class="no-window" x="{scale.left + 8}" y="{centre + 4:.2f}" font-size="12" '
        f'font-style="italic" fill="#57606a">{esc(note)}</text>'
    )


def _render_first_commit_marker(finding: dict[str, Any], scale: TimeScale, centre: float) -> str:
    first = as_dict(finding.get("first_commit"))
    moment = parse_time(first.get("committed_at"))
    if moment is None:
        return ""
    x = scale.x(moment)
    place = f"{text_or(first.get('path'), '?')}:{text_or(first.get('line'), '?')}"
    label = (
        f"First commit {short_sha(first.get('sha'))} on {date_text(moment)} by "
        f"{text_or(first.get('author'), 'unknown author')} at {place}"
    )
    shape = (
        f'<path d="M{x:.2f},{centre - 8:.2f} L{x + 8:.2f},{centre:.2f} L{x:.2f},{centre + 8:.2f} '
        f'L{x - 8:.2f},{centre:.2f} Z" fill="#ffffff" stroke="#1f2328" stroke-width="2"/>'
    )
    return _marker("marker-first-commit", label, shape)


def _render_verification_marker(lane: Lane, centre: float) -> str:
    status = lane.status
    verification = verification_of(
        next(f for _, f in lane.members if verification_status(f) == status)
    )
    label = f"Verification: {VERIFICATION_LABEL[status]}"
    if verification.get("detail"):
        label += f" — {verification.get('detail')}"
    if verification.get("checked_at"):
        label += f" (checked {verification.get('checked_at')})"
    if lane.shared:
        label += f" (the most urgent result of the {len(lane.members)} secrets in this lane)"
    fill, stroke, ink = {
        "live": ("#a40e26", "#a40e26", "#ffffff"),
        "invalid": ("#ffffff", "#57606a", "#3d444d"),
        "error": ("#fff8c5", "#8a5a00", "#5c3d00"),
    }.get(status, ("#ffffff", "#8c959f", "#3d444d"))
    x = SVG_WIDTH - STATUS_WIDTH + 6
    text = ("⚠ " if status == "live" else "") + VERIFICATION_LABEL[status]
    shape = (
        f'<rect x="{x}" y="{centre - 11:.2f}" width="{STATUS_WIDTH - 18}" height="22" rx="11" '
        f'fill="{fill}" stroke="{stroke}" stroke-width="1.5"/>'
        f'<text x="{x + (STATUS_WIDTH - 18) / 2:.1f}" y="{centre + 4:.2f}" font-size="12" '
        f'font-weight="700" fill="{ink}" text-anchor="middle">{esc(text)}</text>'
    )
    return _marker(f"marker-verification status-{status}", label, shape, f' data-status="{status}"')
