"""One lane of the exposure timeline per finding: its label, a bar per exposure window, and
the markers for removals, still-open ends, shallow-clone boundaries, the first commit and the
verification result.

Every bar and marker is focusable and carries its full description as an aria-label and a
<title>, so the timeline can be read by keyboard, by screen reader and on hover.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from scanner.report import verdict as judged
from scanner.report.html_timeline_scale import (
    BAR_HEIGHT,
    LABEL_MAX_CHARS,
    LANE_MIN_HEIGHT,
    LANE_PADDING,
    PLOT_LEFT,
    PLOT_RIGHT,
    ROW_HEIGHT,
    STATUS_WIDTH,
    SVG_WIDTH,
    TimeScale,
)
from scanner.report.html_values import (
    VERIFICATION_LABEL,
    as_dict,
    date_text,
    days_text,
    esc,
    finding_anchor,
    parse_time,
    plural_days,
    ref_label,
    severity_colour,
    severity_of,
    short_sha,
    text_or,
    truncate,
    verification_of,
    verification_status,
    windows_of,
)


def lane_height(finding: dict[str, Any]) -> int:
    rows = max(1, len(windows_of(finding)))
    return max(LANE_MIN_HEIGHT, rows * ROW_HEIGHT + 2 * LANE_PADDING)


def render_lane(
    index: int, finding: dict[str, Any], scale: TimeScale, as_of: datetime | None, top: int
) -> str:
    severity = severity_of(finding)
    height = lane_height(finding)
    windows = windows_of(finding)
    fingerprint = text_or(finding.get("fingerprint"), "")
    title = text_or(finding.get("title"), "Unnamed secret")
    background = "#f6f8fa" if index % 2 == 0 else "#ffffff"
    parts = [
        f'<g class="lane" data-fingerprint="{esc(fingerprint)}" data-severity="{esc(severity)}"'
        f' data-index="{index}">',
        f'<rect class="lane-bg" x="0" y="{top}" width="{SVG_WIDTH}" height="{height}" '
        f'fill="{background}"/>',
        f'<line x1="0" y1="{top + height}" x2="{SVG_WIDTH}" y2="{top + height}" stroke="#d8dee4"/>',
        f'<a href="#{finding_anchor(index)}" class="lane-label">'
        f'<text x="12" y="{top + 22}" font-size="14" font-weight="600" fill="#1f2328">'
        f"{esc(truncate(title, LABEL_MAX_CHARS))}<title>{esc(title)} — open details</title>"
        "</text></a>",
        f'<text x="12" y="{top + 42}" font-size="12" fill="{severity_colour(severity)}" '
        f'font-weight="700">{esc(severity.upper())}</text>',
        f'<text x="{12 + 9 * len(severity) + 12}" y="{top + 42}" font-size="12" fill="#57606a" '
        f'font-family="ui-monospace, Menlo, Consolas, monospace">'
        f"{esc(truncate(text_or(finding.get('secret_preview'), ''), 26))}</text>",
    ]
    for row, window in enumerate(windows):
        centre = top + LANE_PADDING + row * ROW_HEIGHT + ROW_HEIGHT / 2
        parts.append(_render_window(window, severity, scale, as_of, centre))
    if not windows:
        parts.append(_render_no_window_note(finding, top + height / 2))
    first_centre = top + LANE_PADDING + ROW_HEIGHT / 2 if windows else top + height / 2
    parts.append(_render_first_commit_marker(finding, scale, first_centre))
    parts.append(_render_verification_marker(finding, top + height / 2))
    parts.append("</g>")
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
    parts.append(_ref_caption(window, x_start, x_end, centre))
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


def _ref_caption(window: dict[str, Any], x_start: float, x_end: float, centre: float) -> str:
    """A small "main · 59 d" caption beside the bar; left of it when the bar runs to the edge."""
    caption = f"{ref_label(window.get('ref'))} · {days_text(window.get('days'))} d"
    caption = truncate(caption, 30)
    room_right = PLOT_RIGHT - x_end
    if room_right >= 7 * len(caption) + 16:
        x, anchor = x_end + 14, "start"
    else:
        x, anchor = x_start - 14, "end"
    return (
        f'<text aria-hidden="true" x="{x:.2f}" y="{centre + 4:.2f}" font-size="12" '
        f'fill="#1f2328" text-anchor="{anchor}">{esc(caption)}</text>'
    )


def _render_no_window_note(finding: dict[str, Any], centre: float) -> str:
    if finding.get("dangling") is True:
        note = "dangling: only in objects no ref reaches (recoverable until garbage-collected)"
    else:
        note = "never on a reported ref's mainline; reachable from history only"
    return (
        f'<text class="no-window" x="{PLOT_LEFT + 8}" y="{centre + 4:.2f}" font-size="12" '
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


def _render_verification_marker(finding: dict[str, Any], centre: float) -> str:
    verification = verification_of(finding)
    status = verification_status(finding)
    label = f"Verification: {VERIFICATION_LABEL[status]}"
    if verification.get("detail"):
        label += f" — {verification.get('detail')}"
    if verification.get("checked_at"):
        label += f" (checked {verification.get('checked_at')})"
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
