"""Render a JSON report dict as one self-contained, offline HTML page with an exposure timeline.

Everything (CSS, JS, SVG) is inline and a Content-Security-Policy forbids every network load,
so the file can be mailed, archived or opened from an incident ticket without phoning home.
The timeline is SVG built here, not by script, so it reads and prints without JavaScript.
Every value that came from a repository (paths, authors, refs, titles) is untrusted and escaped.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import MAXYEAR, datetime, timezone
from typing import Any

from scanner.report import verdict as judged
from scanner.report.text import printable
from scanner.severity import SEVERITIES, rank

# The table sorts by this, largest first: critical 4 .. low 1 (0 for anything else).
SEVERITY_RANK: dict[str, int] = {name: len(SEVERITIES) - rank(name) for name in SEVERITIES}
SEVERITY_COLOUR: dict[str, str] = {
    "critical": "#a40e26",
    "high": "#bc4c00",
    "medium": "#8a5a00",
    "low": "#4f5a66",
}
UNKNOWN_SEVERITY_COLOUR = "#4f5a66"
VERIFICATION_LABEL: dict[str, str] = {
    "live": "LIVE",
    "invalid": "invalid",
    "unchecked": "unchecked",
    "error": "not checked",
}
# The badge (and its CSS class) for what --verify found out (scanner.report.verdict).
_STATE_STATUS: dict[str, str] = {
    judged.LIVE: "live",
    judged.INVALID: "invalid",
    judged.NOT_CHECKED: "error",
    judged.NO_ENDPOINT: "unchecked",
    judged.NOT_VERIFIED: "unchecked",
}
MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
CAVEAT = (
    "Commit dates are evidence, not proof, of when a secret became exposed: they are set by the "
    "committer and say nothing about when the repository became public."
)

# Timeline geometry, in SVG user units (the SVG scales uniformly to the page width).
SVG_WIDTH = 1120
LABEL_WIDTH = 270
STATUS_WIDTH = 120
PLOT_LEFT = LABEL_WIDTH + 10
PLOT_RIGHT = SVG_WIDTH - STATUS_WIDTH - 14
AXIS_HEIGHT = 52
ROW_HEIGHT = 26
BAR_HEIGHT = 14
LANE_PADDING = 12
LANE_MIN_HEIGHT = 58
MAX_MONTH_TICKS = 14
# Months between axis ticks: the first that gives at most MAX_MONTH_TICKS ticks (an --as-of
# of year 1 or 9999 spans millennia).
_TICK_STEPS = (1, 2, 3, 6, 12, 24, 60, 120, 240, 600, 1200, 2400, 6000, 12000, 10**6)
_LAST_MOMENT = datetime(MAXYEAR, 12, 31, 23, 59, 59, tzinfo=timezone.utc)
LABEL_MAX_CHARS = 34


def render_html(report: dict[str, Any]) -> str:
    """Return the whole report as one HTML document (a str, UTF-8 when written)."""
    findings = [f for f in _as_list(report.get("findings")) if isinstance(f, dict)]
    scan = _as_dict(report.get("scan"))
    as_of = _parse_time(scan.get("as_of"))
    body = "\n".join(
        [
            _render_header(report, findings),
            '<main id="content">',
            _render_timeline_section(findings, as_of),
            _render_table_section(findings),
            _render_details_section(findings, as_of, _as_dict(scan.get("head")).get("ref")),
            _render_footer(report),
            "</main>",
        ]
    )
    title = f"leakwindow report — {_text(scan.get('target'), 'repository')}"
    return _document(title, body)


# ---------------------------------------------------------------------------------------------
# Small value helpers: every one tolerates missing or oddly typed fields in a saved report.


def _esc(value: object) -> str:
    # Controls and bidi overrides spelled out too: a path must not reorder what is shown.
    return html.escape(printable("" if value is None else value), quote=True)


def _text(value: object, fallback: str = "—") -> str:
    return fallback if value is None or value == "" else str(value)


def _as_dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _as_list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _parse_time(value: object) -> datetime | None:
    """Parse an ISO-8601 timestamp into UTC; naive times are taken as UTC, junk gives None,
    and so does a time that UTC cannot hold (0001-01-01T00:00:00+05:00 is in year 0)."""
    if not isinstance(value, str) or not value:
        return None
    text = value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value
    try:
        parsed = datetime.fromisoformat(text)
        return (
            parsed.astimezone(timezone.utc)
            if parsed.tzinfo
            else parsed.replace(tzinfo=timezone.utc)
        )
    except (ValueError, OverflowError):
        return None


def _day(moment: datetime | None) -> str:
    # isoformat, not strftime("%Y"): year 1 is "0001", as in the JSON report
    return moment.astimezone(timezone.utc).date().isoformat() if moment else "unknown date"


def _moment_text(value: object) -> str:
    """A readable UTC rendering of a timestamp; unparseable text is shown as given."""
    moment = _parse_time(value)
    if moment is None:
        return _text(value)
    utc = moment.astimezone(timezone.utc)
    return f"{utc.date().isoformat()} {utc:%H:%M} UTC"


def _short_sha(sha: object) -> str:
    return str(sha)[:8] if sha else "—"


def _days_text(days: object) -> str:
    """59.0 → "59", 45.73 → "45.7"; a missing value reads as unknown."""
    if isinstance(days, bool) or not isinstance(days, (int, float)):
        return "?"
    rounded = round(float(days), 1)
    return str(int(rounded)) if rounded == int(rounded) else f"{rounded:.1f}"


def _plural_days(days: object) -> str:
    text = _days_text(days)
    return f"{text} day" if text == "1" else f"{text} days"


def _ref_label(ref: object) -> str:
    """A short human name for a ref: refs/heads/main → main, refs/remotes/o/x → o/x."""
    text = _text(ref, "?")
    for prefix in ("refs/heads/", "refs/remotes/"):
        if text.startswith(prefix):
            return text[len(prefix) :]
    return text[len("refs/") :] if text.startswith("refs/") else text


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _severity(finding: dict[str, Any]) -> str:
    value = finding.get("severity")
    return value if isinstance(value, str) and value in SEVERITY_RANK else "unknown"


def _colour(severity: str) -> str:
    return SEVERITY_COLOUR.get(severity, UNKNOWN_SEVERITY_COLOUR)


def _windows(finding: dict[str, Any]) -> list[dict[str, Any]]:
    return [w for w in _as_list(finding.get("windows")) if isinstance(w, dict)]


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _longest_days(finding: dict[str, Any]) -> float:
    days = [_number(w.get("days")) for w in _windows(finding)]
    return max((d for d in days if d is not None), default=0.0)


def _has_open_window(finding: dict[str, Any]) -> bool:
    return any(w.get("closed") is None for w in _windows(finding))


def _verification(finding: dict[str, Any]) -> dict[str, Any]:
    return _as_dict(finding.get("verification"))


def _verification_status(finding: dict[str, Any]) -> str:
    return _STATE_STATUS[judged.verification_state(finding)]


def _rules(finding: dict[str, Any]) -> list[str]:
    return [str(rule) for rule in _as_list(finding.get("rules"))]


def _anchor(index: int) -> str:
    # Ids come from the position, never from report text, so no hostile value reaches an id.
    return f"finding-{index + 1}"


def _severity_badge(severity: str) -> str:
    return f'<span class="sev sev-{_esc(severity)}">{_esc(severity)}</span>'


def _status_badge(status: str) -> str:
    label = VERIFICATION_LABEL.get(status, status)
    return f'<span class="status status-{_esc(status)}">{_esc(label)}</span>'


# ---------------------------------------------------------------------------------------------
# Summary header


def _render_header(report: dict[str, Any], findings: list[dict[str, Any]]) -> str:
    scan = _as_dict(report.get("scan"))
    summary = _as_dict(report.get("summary"))
    head = _as_dict(scan.get("head"))
    counts = {name: 0 for name in SEVERITIES}
    for finding in findings:
        severity = _severity(finding)
        if severity in counts:
            counts[severity] += 1
    live = sum(1 for f in findings if _verification_status(f) == "live")
    in_head = sum(1 for f in findings if f.get("in_head") is True)
    longest = _number(summary.get("longest_days"))
    if longest is None:
        longest = max((_longest_days(f) for f in findings), default=0.0)
    severity_items = "".join(
        f'<li>{_severity_badge(name)} <span class="count">{counts[name]}</span></li>'
        for name in SEVERITIES
    )
    head_text = (
        f"<code>{_esc(_text(head.get('ref')))}</code> at "
        f"<code>{_esc(_short_sha(head.get('sha')))}</code>"
        if head
        else "—"
    )
    stats = [
        ("Repository", f"<code>{_esc(_text(scan.get('target')))}</code>"),
        ("HEAD", head_text),
        (
            "As of",
            f'<time datetime="{_esc(scan.get("as_of"))}">{_esc(_moment_text(scan.get("as_of")))}'
            "</time>",
        ),
        ("Findings", f'{len(findings)} <ul class="sev-counts">{severity_items}</ul>'),
        ("Longest exposure", _esc(_plural_days(longest))),
        ("Live keys", f'<span class="{"alarm" if live else ""}">{live}</span>'),
        ("Still in HEAD", str(in_head)),
    ]
    not_checked = sum(1 for f in findings if _verification_status(f) == "error")
    if not_checked:  # keys whose check errored or did not run: they may be live
        stats.append(("Not checked", f'<span class="alarm">{not_checked}</span>'))
    items = "".join(
        f'<div class="stat"><dt>{_esc(label)}</dt><dd>{value}</dd></div>' for label, value in stats
    )
    return (
        '<header class="page-header">\n'
        '<a class="skip" href="#content">Skip to report</a>\n'
        "<h1>leakwindow exposure report</h1>\n"
        f'<p class="subtitle">How long each leaked secret was exposed in '
        f"<code>{_esc(_text(scan.get('target')))}</code>, and where it can still be recovered."
        "</p>\n"
        f'<dl class="summary-grid" aria-label="Summary">{items}</dl>\n'
        f'<p class="caveat"><strong>Caveat:</strong> {_esc(CAVEAT)}</p>\n'
        f"{_render_notes(scan)}"
        '<nav class="toc" aria-label="Sections"><a href="#timeline">Timeline</a>'
        '<a href="#findings">Findings</a><a href="#details">Details</a></nav>\n'
        "</header>"
    )


def _render_notes(scan: dict[str, Any]) -> str:
    notes = [_as_dict(note) for note in _as_list(scan.get("notes"))]
    return "".join(
        f'<p class="caveat note" role="note"><strong>Note:</strong> '
        f"{_esc(_text(note.get('message'), ''))}</p>\n"
        for note in notes
    )


# ---------------------------------------------------------------------------------------------
# Exposure timeline (inline SVG)


@dataclass(frozen=True)
class _TimeScale:
    """Maps instants linearly onto the plot's x range, so bar width ∝ duration."""

    start: datetime
    end: datetime

    def x(self, moment: datetime) -> float:
        span = (self.end - self.start).total_seconds()
        offset = (moment - self.start).total_seconds()
        return PLOT_LEFT + (PLOT_RIGHT - PLOT_LEFT) * offset / span


def _month_floor(moment: datetime) -> datetime:
    utc = moment.astimezone(timezone.utc)
    return datetime(utc.year, utc.month, 1, tzinfo=timezone.utc)


def _add_months(moment: datetime, months: int) -> datetime | None:
    """`months` later, or None past the last year a datetime holds (an --as-of in 9999)."""
    index = moment.year * 12 + (moment.month - 1) + months
    if index // 12 > MAXYEAR:
        return None
    return moment.replace(year=index // 12, month=index % 12 + 1)


def _timeline_instants(findings: list[dict[str, Any]], as_of: datetime | None) -> list[datetime]:
    instants: list[datetime | None] = [as_of]
    for finding in findings:
        instants.append(_parse_time(_as_dict(finding.get("first_commit")).get("committed_at")))
        for window in _windows(finding):
            instants.append(_parse_time(_as_dict(window.get("opened")).get("committed_at")))
            instants.append(_parse_time(_as_dict(window.get("closed")).get("committed_at")))
    return [moment for moment in instants if moment is not None]


def _time_scale(instants: Sequence[datetime]) -> _TimeScale:
    start = _month_floor(min(instants))
    end = _add_months(_month_floor(max(instants)), 1) or _LAST_MOMENT
    return _TimeScale(start, end)


def _month_ticks(scale: _TimeScale) -> list[tuple[datetime, str]]:
    months = (scale.end.year - scale.start.year) * 12 + scale.end.month - scale.start.month
    step = next(s for s in _TICK_STEPS if months / s <= MAX_MONTH_TICKS)
    ticks: list[tuple[datetime, str]] = []
    moment: datetime | None = scale.start
    while moment is not None and moment <= scale.end:
        label = str(moment.year) if step >= 12 else f"{MONTH_NAMES[moment.month - 1]} {moment.year}"
        ticks.append((moment, label))
        moment = _add_months(moment, step)
    return ticks


def _render_timeline_section(findings: list[dict[str, Any]], as_of: datetime | None) -> str:
    intro = (
        "One lane per secret. Each bar is an exposure window on a ref: from the commit whose "
        "tree first held the secret to the commit that removed it; a striped bar ending in an "
        "arrow is still open and counted to the report's as-of date. Bars are focusable: tab "
        "to them or hover for dates, days, ref and commit."
    )
    instants = _timeline_instants(findings, as_of)
    if not findings:
        figure = '<p class="empty">No secrets were found, so there is nothing to plot.</p>'
    elif not instants:
        figure = '<p class="empty">The report carries no dates, so no timeline can be drawn.</p>'
    else:
        figure = _render_timeline_svg(findings, _time_scale(instants), as_of) + _legend()
    return (
        '<section id="timeline" aria-labelledby="timeline-heading">\n'
        '<h2 id="timeline-heading">Exposure timeline</h2>\n'
        f'<p class="hint">{_esc(intro)}</p>\n'
        f"{figure}\n"
        '<p id="timeline-readout" class="readout" aria-live="polite">'
        "Focus or hover a bar or marker to read its details here.</p>\n"
        "</section>"
    )


def _lane_height(finding: dict[str, Any]) -> int:
    rows = max(1, len(_windows(finding)))
    return max(LANE_MIN_HEIGHT, rows * ROW_HEIGHT + 2 * LANE_PADDING)


def _render_timeline_svg(
    findings: list[dict[str, Any]], scale: _TimeScale, as_of: datetime | None
) -> str:
    lanes: list[str] = []
    top = AXIS_HEIGHT
    for index, finding in enumerate(findings):
        lanes.append(_render_lane(index, finding, scale, as_of, top))
        top += _lane_height(finding)
    height = top + 8
    description = (
        f"Exposure timeline of {len(findings)} secrets from {_day(scale.start)} to "
        f"{_day(scale.end)}."
    )
    parts = [
        f'<svg id="timeline-svg" class="timeline" '
        f'viewBox="0 0 {SVG_WIDTH} {height}" width="{SVG_WIDTH}" height="{height}" '
        f'role="group" aria-labelledby="timeline-svg-title" '
        f'font-family="system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif">',
        f'<title id="timeline-svg-title">{_esc(description)}</title>',
        _svg_patterns(),
        _render_axis(scale, height),
        *lanes,
        _render_as_of_line(scale, as_of, height),
        "</svg>",
    ]
    return '<div class="timeline-frame">' + "\n".join(parts) + "</div>"


def _svg_patterns() -> str:
    """One diagonal-stripe fill per severity: open windows look different without colour."""
    patterns = []
    for severity, colour in [*SEVERITY_COLOUR.items(), ("unknown", UNKNOWN_SEVERITY_COLOUR)]:
        patterns.append(
            f'<pattern id="open-{severity}" width="8" height="8" patternUnits="userSpaceOnUse" '
            f'patternTransform="rotate(45)"><rect width="8" height="8" fill="{colour}"/>'
            f'<rect width="3" height="8" fill="#ffffff" fill-opacity="0.45"/></pattern>'
        )
    return "<defs>" + "".join(patterns) + "</defs>"


def _render_axis(scale: _TimeScale, height: int) -> str:
    parts = ['<g class="axis" aria-hidden="true">']
    for moment, label in _month_ticks(scale):
        x = scale.x(moment)
        parts.append(
            f'<line x1="{x:.2f}" y1="{AXIS_HEIGHT - 8}" x2="{x:.2f}" y2="{height - 8}" '
            'stroke="#d8dee4" stroke-width="1"/>'
        )
        if moment < scale.end:
            parts.append(
                f'<text x="{x + 4:.2f}" y="{AXIS_HEIGHT - 16}" font-size="12" '
                f'fill="#57606a">{_esc(label)}</text>'
            )
    parts.append(
        f'<line x1="{PLOT_LEFT}" y1="{AXIS_HEIGHT - 8}" x2="{PLOT_RIGHT}" '
        f'y2="{AXIS_HEIGHT - 8}" stroke="#8c959f" stroke-width="1"/>'
    )
    parts.append(
        f'<text x="{SVG_WIDTH - STATUS_WIDTH / 2:.1f}" y="{AXIS_HEIGHT - 16}" font-size="12" '
        'fill="#57606a" text-anchor="middle">verification</text>'
    )
    parts.append("</g>")
    return "".join(parts)


def _render_as_of_line(scale: _TimeScale, as_of: datetime | None, height: int) -> str:
    if as_of is None:
        return ""
    x = scale.x(as_of)
    return (
        '<g class="as-of" aria-hidden="true">'
        f'<line x1="{x:.2f}" y1="20" x2="{x:.2f}" y2="{height - 8}" '
        'stroke="#24292f" stroke-width="1.5" stroke-dasharray="4 3"/>'
        f'<text x="{x - 4:.2f}" y="15" font-size="12" fill="#24292f" '
        f'text-anchor="end" font-weight="600">as of {_esc(_day(as_of))}</text></g>'
    )


def _render_lane(
    index: int, finding: dict[str, Any], scale: _TimeScale, as_of: datetime | None, top: int
) -> str:
    severity = _severity(finding)
    height = _lane_height(finding)
    windows = _windows(finding)
    fingerprint = _text(finding.get("fingerprint"), "")
    title = _text(finding.get("title"), "Unnamed secret")
    background = "#f6f8fa" if index % 2 == 0 else "#ffffff"
    parts = [
        f'<g class="lane" data-fingerprint="{_esc(fingerprint)}" data-severity="{_esc(severity)}"'
        f' data-index="{index}">',
        f'<rect class="lane-bg" x="0" y="{top}" width="{SVG_WIDTH}" height="{height}" '
        f'fill="{background}"/>',
        f'<line x1="0" y1="{top + height}" x2="{SVG_WIDTH}" y2="{top + height}" stroke="#d8dee4"/>',
        f'<a href="#{_anchor(index)}" class="lane-label">'
        f'<text x="12" y="{top + 22}" font-size="14" font-weight="600" fill="#1f2328">'
        f"{_esc(_truncate(title, LABEL_MAX_CHARS))}<title>{_esc(title)} — open details</title>"
        "</text></a>",
        f'<text x="12" y="{top + 42}" font-size="12" fill="{_colour(severity)}" '
        f'font-weight="700">{_esc(severity.upper())}</text>',
        f'<text x="{12 + 9 * len(severity) + 12}" y="{top + 42}" font-size="12" fill="#57606a" '
        f'font-family="ui-monospace, Menlo, Consolas, monospace">'
        f"{_esc(_truncate(_text(finding.get('secret_preview'), ''), 26))}</text>",
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
    opened = _as_dict(window.get("opened"))
    closed = window.get("closed")
    opened_at = _parse_time(opened.get("committed_at"))
    start = f"opened {_day(opened_at)} in {_short_sha(opened.get('sha'))}"
    if isinstance(closed, dict):
        end = (
            f"removed {_day(_parse_time(closed.get('committed_at')))} in "
            f"{_short_sha(closed.get('sha'))}"
        )
    else:
        end = f"still open at {_day(as_of)}"
    boundary = (
        " (began at or before the shallow-clone boundary)"
        if window.get("opened_at_boundary") is True
        else ""
    )
    remark = judged.window_remark(window)
    return (
        f"Exposed on {_text(window.get('ref'), '?')} for {_plural_days(window.get('days'))}: "
        f"{start}, {end}{boundary}{f' ({remark})' if remark else ''}"
    )


def _render_window(
    window: dict[str, Any],
    severity: str,
    scale: _TimeScale,
    as_of: datetime | None,
    centre: float,
) -> str:
    opened_at = _parse_time(_as_dict(window.get("opened")).get("committed_at"))
    closed = window.get("closed")
    is_open = not isinstance(closed, dict)
    closed_at = as_of if is_open else _parse_time(_as_dict(closed).get("committed_at"))
    if opened_at is None or closed_at is None or window.get("opened_after_as_of") is True:
        return ""  # a window that opened after the as-of date was no exposure then
    # Topology decides windows, not dates: a removal dated before its opening still draws.
    x_start, x_end = sorted((scale.x(opened_at), scale.x(closed_at)))
    label = _window_text(window, as_of)
    fill = f"url(#open-{severity})" if is_open else _colour(severity)
    y = centre - BAR_HEIGHT / 2
    parts = [
        f'<rect class="window-bar" tabindex="0" role="img" aria-label="{_esc(label)}" '
        f'data-ref="{_esc(window.get("ref"))}" data-days="{_esc(_days_text(window.get("days")))}"'
        f' data-open="{"true" if is_open else "false"}" x="{x_start:.3f}" y="{y:.2f}" '
        f'width="{x_end - x_start:.3f}" height="{BAR_HEIGHT}" rx="2" fill="{fill}">'
        f"<title>{_esc(label)}</title></rect>"
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
        f'aria-label="{_esc(label)}"><title>{_esc(label)}</title>{shape}</g>'
    )


def _open_end_marker(x: float, centre: float, severity: str, label: str) -> str:
    shape = (
        f'<path d="M{x:.2f},{centre - 9:.2f} L{x + 10:.2f},{centre:.2f} '
        f'L{x:.2f},{centre + 9:.2f} Z" fill="{_colour(severity)}" stroke="#ffffff" '
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
    caption = f"{_ref_label(window.get('ref'))} · {_days_text(window.get('days'))} d"
    caption = _truncate(caption, 30)
    room_right = PLOT_RIGHT - x_end
    if room_right >= 7 * len(caption) + 16:
        x, anchor = x_end + 14, "start"
    else:
        x, anchor = x_start - 14, "end"
    return (
        f'<text aria-hidden="true" x="{x:.2f}" y="{centre + 4:.2f}" font-size="12" '
        f'fill="#1f2328" text-anchor="{anchor}">{_esc(caption)}</text>'
    )


def _render_no_window_note(finding: dict[str, Any], centre: float) -> str:
    if finding.get("dangling") is True:
        note = "dangling: only in objects no ref reaches (recoverable until garbage-collected)"
    else:
        note = "never on a reported ref's mainline; reachable from history only"
    return (
        f'<text class="no-window" x="{PLOT_LEFT + 8}" y="{centre + 4:.2f}" font-size="12" '
        f'font-style="italic" fill="#57606a">{_esc(note)}</text>'
    )


def _render_first_commit_marker(finding: dict[str, Any], scale: _TimeScale, centre: float) -> str:
    first = _as_dict(finding.get("first_commit"))
    moment = _parse_time(first.get("committed_at"))
    if moment is None:
        return ""
    x = scale.x(moment)
    place = f"{_text(first.get('path'), '?')}:{_text(first.get('line'), '?')}"
    label = (
        f"First commit {_short_sha(first.get('sha'))} on {_day(moment)} by "
        f"{_text(first.get('author'), 'unknown author')} at {place}"
    )
    shape = (
        f'<path d="M{x:.2f},{centre - 8:.2f} L{x + 8:.2f},{centre:.2f} L{x:.2f},{centre + 8:.2f} '
        f'L{x - 8:.2f},{centre:.2f} Z" fill="#ffffff" stroke="#1f2328" stroke-width="2"/>'
    )
    return _marker("marker-first-commit", label, shape)


def _render_verification_marker(finding: dict[str, Any], centre: float) -> str:
    verification = _verification(finding)
    status = _verification_status(finding)
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
        f'font-weight="700" fill="{ink}" text-anchor="middle">{_esc(text)}</text>'
    )
    return _marker(f"marker-verification status-{status}", label, shape, f' data-status="{status}"')


def _legend() -> str:
    swatch = 'width="34" height="18" viewBox="0 0 34 18" aria-hidden="true" focusable="false"'
    items = [
        (
            f'<svg {swatch}><rect x="2" y="3" width="26" height="12" rx="2" fill="#a40e26"/>'
            '<rect x="27" y="0" width="3" height="18" fill="#1f2328"/></svg>',
            "closed window, ending at the removal commit",
        ),
        (
            f'<svg {swatch}><rect x="2" y="3" width="22" height="12" fill="url(#open-critical)"/>'
            '<path d="M24,0 L33,9 L24,18 Z" fill="#a40e26"/></svg>',
            "still-open window, counted to the as-of date",
        ),
        (
            f'<svg {swatch}><path d="M17,1 L25,9 L17,17 L9,9 Z" fill="#fff" stroke="#1f2328" '
            'stroke-width="2"/></svg>',
            "first commit that introduced the secret",
        ),
        (
            f'<svg {swatch}><path d="M20,1 L13,9 L20,17" fill="none" stroke="#1f2328" '
            'stroke-width="2"/></svg>',
            "window began at or before the shallow-clone boundary",
        ),
        (
            f'<svg {swatch}><line x1="17" y1="0" x2="17" y2="18" stroke="#24292f" '
            'stroke-width="1.5" stroke-dasharray="4 3"/></svg>',
            "report as-of date",
        ),
    ]
    entries = "".join(f"<li>{icon}<span>{_esc(text)}</span></li>" for icon, text in items)
    return f'<ul class="legend" aria-label="Legend">{entries}</ul>'


# ---------------------------------------------------------------------------------------------
# Findings table


SORTABLE_COLUMNS: tuple[tuple[str, str, str, str], ...] = (
    # (label, sort key, key type, first-click direction)
    ("Severity", "severity", "number", "descending"),
    ("Rule", "rule", "text", "ascending"),
    ("Days exposed", "days", "number", "descending"),
    ("First commit", "first", "number", "ascending"),
)


def _filter_text(finding: dict[str, Any]) -> str:
    """Lower-case text the filter box matches against: what a responder would type."""
    first = _as_dict(finding.get("first_commit"))
    pieces: list[object] = [
        finding.get("title"),
        finding.get("severity"),
        finding.get("secret_preview"),
        finding.get("fingerprint"),
        _verification_status(finding),
        first.get("author"),
        first.get("path"),
        first.get("sha"),
        *_rules(finding),
        *_as_list(finding.get("reachable_from")),
        *(w.get("ref") for w in _windows(finding)),
        *(_as_dict(loc).get("path") for loc in _as_list(finding.get("locations"))),
        "dangling" if finding.get("dangling") is True else None,
        "in head" if finding.get("in_head") is True else None,
    ]
    return " ".join(str(p) for p in pieces if p).lower()


def _header_cell(label: str, key: str, kind: str, direction: str) -> str:
    alignment = ' class="num"' if key == "days" else ""
    return (
        f'<th scope="col"{alignment}>'
        f'<button type="button" data-sort-key="{key}" data-sort-type="{kind}" '
        f'data-default-direction="{direction}">{_esc(label)}'
        '<span class="sort-icon" aria-hidden="true"></span></button></th>'
    )


def _render_row(index: int, finding: dict[str, Any]) -> str:
    severity = _severity(finding)
    first = _as_dict(finding.get("first_commit"))
    first_at = _parse_time(first.get("committed_at"))
    rules = _rules(finding)
    longest = _longest_days(finding)
    days_cell = _esc(_days_text(longest)) + (
        ' <span class="tag">open</span>' if _has_open_window(finding) else ""
    )
    if not _windows(finding):
        days_cell += ' <span class="tag">no window</span>'
    first_cell = (
        f'<time datetime="{_esc(first.get("committed_at"))}">{_esc(_day(first_at))}</time> '
        f"<code>{_esc(_short_sha(first.get('sha')))}</code>"
        if first_at
        else '<span class="muted">none reachable</span>'
    )
    head_cell = '<strong class="alarm">yes</strong>' if finding.get("in_head") is True else "no"
    if finding.get("dangling") is True:
        head_cell += ' <span class="tag">dangling</span>'
    attributes = {
        "data-index": str(index),
        "data-fingerprint": _text(finding.get("fingerprint"), ""),
        "data-sort-severity": str(SEVERITY_RANK.get(severity, 0)),
        "data-sort-rule": rules[0] if rules else "",
        "data-sort-days": repr(longest),
        "data-sort-first": str(int(first_at.timestamp())) if first_at else "",
        "data-filter": _filter_text(finding),
    }
    attribute_text = " ".join(f'{name}="{_esc(value)}"' for name, value in attributes.items())
    cells = [
        _severity_badge(severity),
        ", ".join(f"<code>{_esc(rule)}</code>" for rule in rules) or "—",
        f'<span class="num">{days_cell}</span>',
        first_cell,
        f'<a href="#{_anchor(index)}">{_esc(_text(finding.get("title"), "Unnamed secret"))}</a>'
        f'<br><code class="preview">{_esc(_text(finding.get("secret_preview"), ""))}</code>',
        head_cell,
        _status_badge(_verification_status(finding)),
    ]
    return f"<tr {attribute_text}>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>"


def _render_table_section(findings: list[dict[str, Any]]) -> str:
    if not findings:
        table = '<p class="empty">No findings.</p>'
    else:
        headers = "".join(_header_cell(*column) for column in SORTABLE_COLUMNS)
        headers += "".join(
            f'<th scope="col">{label}</th>' for label in ("Secret", "In HEAD", "Verification")
        )
        rows = "\n".join(_render_row(index, finding) for index, finding in enumerate(findings))
        table = (
            '<div class="controls"><label for="findings-filter">Filter findings</label> '
            '<input id="findings-filter" type="search" autocomplete="off" spellcheck="false" '
            'placeholder="rule, path, author, ref…" aria-describedby="findings-count"> '
            f'<span id="findings-count" aria-live="polite">{len(findings)} of {len(findings)} '
            "findings shown</span></div>\n"
            '<div class="table-frame"><table id="findings-table">'
            "<caption>Findings, most severe first; use the column buttons to sort.</caption>"
            f"<thead><tr>{headers}</tr></thead>\n<tbody>\n{rows}\n</tbody></table></div>"
        )
    return (
        '<section id="findings" aria-labelledby="findings-heading">\n'
        '<h2 id="findings-heading">Findings</h2>\n'
        f"{table}\n</section>"
    )


# ---------------------------------------------------------------------------------------------
# Per-finding detail panels


def _definition_list(items: Iterable[tuple[str, str]]) -> str:
    body = "".join(f"<dt>{_esc(term)}</dt><dd>{value}</dd>" for term, value in items)
    return f'<dl class="facts">{body}</dl>'


def _code_list(values: Iterable[object]) -> str:
    items = "".join(f"<li><code>{_esc(value)}</code></li>" for value in values)
    return f'<ul class="plain">{items}</ul>' if items else "—"


def _commit_point_cell(point: object) -> str:
    data = _as_dict(point)
    return (
        f"<code>{_esc(_short_sha(data.get('sha')))}</code> "
        f'<time datetime="{_esc(data.get("committed_at"))}">'
        f"{_esc(_text(data.get('committed_at')))}</time>"
    )


def _windows_table(finding: dict[str, Any], as_of: datetime | None) -> str:
    windows = _windows(finding)
    if not windows:
        return '<p class="muted">No exposure window on any reported ref.</p>'
    rows = []
    for window in windows:
        closed = window.get("closed")
        closed_cell = (
            _commit_point_cell(closed)
            if isinstance(closed, dict)
            else f'<span class="tag">still open</span> counted to {_esc(_day(as_of))}'
        )
        opened_cell = _commit_point_cell(window.get("opened"))
        if window.get("opened_at_boundary") is True:
            opened_cell += ' <span class="tag">at or before shallow boundary</span>'
        remark = judged.window_remark(window)
        if remark:
            closed_cell += f' <span class="tag">{_esc(remark)}</span>'
        rows.append(
            f"<tr><td><code>{_esc(_text(window.get('ref')))}</code></td><td>{opened_cell}</td>"
            f"<td>{closed_cell}</td>"
            f'<td class="num">{_esc(_days_text(window.get("days")))}</td></tr>'
        )
    return (
        '<table class="inner"><thead><tr><th scope="col">Ref</th><th scope="col">Opened</th>'
        '<th scope="col">Closed</th><th scope="col" class="num">Days</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _locations_table(finding: dict[str, Any]) -> str:
    locations = [_as_dict(loc) for loc in _as_list(finding.get("locations"))]
    if not locations:
        return '<p class="muted">No locations recorded.</p>'
    rows = "".join(
        f"<tr><td><code>{_esc(_short_sha(loc.get('commit')))}</code></td>"
        f"<td><code>{_esc(_text(loc.get('path')))}</code></td>"
        f'<td class="num">{_esc(_text(loc.get("line")))}</td>'
        f'<td class="num">{_esc(_text(loc.get("column")))}</td></tr>'
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
        f"<code>{_esc(_text(first.get('sha')))}</code><br>"
        f"by {_esc(_text(first.get('author'), 'unknown author'))}<br>"
        f"committed {_esc(_text(first.get('committed_at')))}, "
        f"authored {_esc(_text(first.get('authored_at')))}<br>"
        f"at <code>{_esc(_text(first.get('path')))}:{_esc(_text(first.get('line')))}</code>"
        + (f'<br><span class="tag">{_esc(remark)}</span>' if remark else "")
    )


def _verification_text(finding: dict[str, Any]) -> str:
    verification = _verification(finding)
    text = _status_badge(_verification_status(finding))
    if verification.get("detail"):
        text += f" {_esc(verification.get('detail'))}"
    if verification.get("checked_at"):
        text += f' <span class="muted">(checked {_esc(verification.get("checked_at"))})</span>'
    return text


def _render_detail(
    index: int, finding: dict[str, Any], as_of: datetime | None, head_ref: str | None
) -> str:
    severity = _severity(finding)
    status = _verification_status(finding)
    title = _text(finding.get("title"), "Unnamed secret")
    flags = []
    if finding.get("in_head") is True:
        flags.append('<span class="tag alarm">in HEAD</span>')
    if finding.get("dangling") is True:
        flags.append('<span class="tag">dangling</span>')
    if status == "live":
        flags.append(_status_badge(status))
    facts: list[tuple[str, str]] = [
        ("Verdict", f"<strong>{_esc(judged.verdict(finding, head_ref).text)}</strong>"),
        ("Rules", ", ".join(f"<code>{_esc(r)}</code>" for r in _rules(finding)) or "—"),
        ("Severity", _severity_badge(severity)),
        ("Remediation", _esc(_text(finding.get("remediation"), "Revoke and rotate the secret."))),
        ("Secret preview", f"<code>{_esc(_text(finding.get('secret_preview')))}</code>"),
        (
            "Fingerprint (sha256)",
            f'<code class="wrap">{_esc(_text(finding.get("fingerprint")))}</code>',
        ),
        ("Verification", _verification_text(finding)),
        ("First commit", _first_commit_text(finding)),
        ("In HEAD", "yes" if finding.get("in_head") is True else "no"),
        (
            "Dangling",
            "yes — only in unreachable objects" if finding.get("dangling") is True else "no",
        ),
        ("Reachable from", _code_list(_as_list(finding.get("reachable_from")))),
    ]
    if finding.get("decoded"):
        facts.append(("Found inside", f"{_esc(finding.get('decoded'))}-decoded content"))
    if finding.get("suppressed"):
        facts.append(("Suppressed", _esc(finding.get("suppressed"))))
    return (
        f'<details class="finding sev-edge-{_esc(severity)}" id="{_anchor(index)}">'
        f'<summary>{_severity_badge(severity)} <span class="finding-title">{_esc(title)}</span> '
        f"<code>{_esc(_text(finding.get('secret_preview'), ''))}</code> "
        f'<span class="muted">· longest exposure {_esc(_plural_days(_longest_days(finding)))}'
        f"</span> {' '.join(flags)}</summary>\n"
        f'<div class="finding-body">{_definition_list(facts)}\n'
        f"<h4>Exposure windows</h4>{_windows_table(finding, as_of)}\n"
        f"<h4>Locations</h4>{_locations_table(finding)}</div></details>"
    )


def _render_details_section(
    findings: list[dict[str, Any]], as_of: datetime | None, head_ref: str | None
) -> str:
    panels = "\n".join(_render_detail(i, f, as_of, head_ref) for i, f in enumerate(findings))
    empty = '<p class="empty">No findings.</p>'
    return (
        '<section id="details" aria-labelledby="details-heading">\n'
        '<h2 id="details-heading">Details</h2>\n'
        f"{panels or empty}\n</section>"
    )


def _render_footer(report: dict[str, Any]) -> str:
    scan = _as_dict(report.get("scan"))
    tool = _as_dict(report.get("tool"))
    stats = _as_dict(scan.get("stats"))
    stat_items = "".join(
        f"<li>{_esc(str(name).replace('_', ' '))}: {_esc(value)}</li>"
        for name, value in stats.items()
    )
    refs = ", ".join(f"<code>{_esc(ref)}</code>" for ref in _as_list(scan.get("refs"))) or "—"
    return (
        '<footer class="page-footer">'
        f"<p>Generated by {_esc(_text(tool.get('name'), 'leakwindow'))} "
        f"{_esc(_text(tool.get('version'), ''))} · schema {_esc(_text(report.get('schema')))} · "
        f"mode {_esc(_text(scan.get('mode')))} · {_esc(_text(scan.get('seconds'), '?'))} s</p>"
        f"<p>Refs reported on: {refs}</p>"
        f'<ul class="stats">{stat_items}</ul>'
        "<p>Secret values never appear in this file: only redacted previews and sha256 "
        "fingerprints.</p></footer>"
    )


# ---------------------------------------------------------------------------------------------
# Document shell: CSS, JS and a hash-pinned Content-Security-Policy


def _csp_hash(source: str) -> str:
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def _document(title: str, body: str) -> str:
    # Only this exact style and script may run: an injected tag would be inert even if some
    # value escaped escaping, and no fetch of any kind is allowed.
    policy = (
        "default-src 'none'; "
        f"style-src {_csp_hash(STYLE)}; script-src {_csp_hash(SCRIPT)}; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_esc(policy)}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        f"<title>{_esc(title)}</title>\n"
        f"<style>{STYLE}</style>\n</head>\n<body>\n{body}\n"
        f"<script>{SCRIPT}</script>\n</body>\n</html>\n"
    )


_SPACES = re.compile(r"\n\s*")

STYLE = _SPACES.sub(
    "\n",
    """
:root { color-scheme: light; --text: #1f2328; --muted: #57606a; --border: #d0d7de;
  --panel: #f6f8fa; --accent: #0969da; --critical: #a40e26; --high: #bc4c00;
  --medium: #8a5a00; --low: #4f5a66; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--text); background: #ffffff;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  sans-serif; }
.page-header, main { max-width: 1240px; margin: 0 auto; padding: 0 32px; }
.page-header { padding-top: 28px; }
h1 { font-size: 1.75rem; margin: 0 0 4px; letter-spacing: -0.01em; }
h2 { font-size: 1.3rem; margin: 36px 0 12px; padding-bottom: 6px;
  border-bottom: 1px solid var(--border); }
h4 { margin: 18px 0 6px; font-size: 1rem; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono",
  monospace; font-size: 0.88em; overflow-wrap: anywhere; }
a { color: var(--accent); }
.subtitle, .hint, .muted { color: var(--muted); }
.subtitle { margin: 0 0 16px; }
.skip { position: absolute; left: -9999px; }
.skip:focus { left: 8px; top: 8px; background: #fff; padding: 6px 10px; z-index: 2; }
.summary-grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr));
  gap: 10px; margin: 0 0 14px; }
.stat { border: 1px solid var(--border); border-radius: 8px; padding: 8px 12px;
  background: var(--panel); min-width: 0; }
.stat dt { font-size: 0.75rem; color: var(--muted); text-transform: uppercase;
  letter-spacing: 0.05em; font-weight: 600; }
.stat dd { margin: 2px 0 0; font-size: 1.05rem; font-weight: 600; overflow-wrap: anywhere; }
.sev-counts { list-style: none; margin: 4px 0 0; padding: 0; display: flex; flex-wrap: wrap;
  gap: 4px 10px; font-size: 0.85rem; }
.sev-counts .count { font-weight: 700; }
.caveat { border-left: 4px solid var(--medium); background: #fff8c5; padding: 8px 12px;
  margin: 0 0 10px; border-radius: 0 6px 6px 0; }
.toc { display: flex; gap: 18px; font-weight: 600; }
.sev { display: inline-block; padding: 0 8px; border-radius: 999px; color: #ffffff;
  font-size: 0.75rem; font-weight: 700; text-transform: uppercase; letter-spacing: 0.04em;
  line-height: 1.7; background: var(--low); }
.sev-critical { background: var(--critical); } .sev-high { background: var(--high); }
.sev-medium { background: var(--medium); } .sev-low { background: var(--low); }
.status { display: inline-block; padding: 0 8px; border-radius: 999px; font-size: 0.8rem;
  font-weight: 700; border: 1.5px solid #8c959f; color: #3d444d; line-height: 1.6; }
.status-live { background: var(--critical); border-color: var(--critical); color: #ffffff; }
.status-live::before { content: "\\26A0\\FE0E  "; }
.status-error { background: #fff8c5; border-color: var(--medium); color: #5c3d00; }
.alarm { color: var(--critical); font-weight: 700; }
.tag { display: inline-block; font-size: 0.75rem; border: 1px solid var(--border);
  border-radius: 4px; padding: 0 5px; color: var(--muted); background: #ffffff;
  line-height: 1.5; white-space: nowrap; }
.tag.alarm { color: var(--critical); border-color: var(--critical); }
.timeline-frame { border: 1px solid var(--border); border-radius: 8px; overflow-x: auto;
  background: #ffffff; }
svg.timeline { display: block; width: 100%; min-width: 760px; height: auto; }
svg.timeline [tabindex] { cursor: default; outline: none; }
svg.timeline .window-bar:focus-visible, svg.timeline .window-bar:hover { stroke: var(--accent);
  stroke-width: 3px; }
svg.timeline .marker:focus-visible > :not(title) { stroke: var(--accent); stroke-width: 3px; }
svg.timeline .lane.dimmed { opacity: 0.25; }
svg.timeline a:focus-visible text { text-decoration: underline; fill: var(--accent); }
.readout { min-height: 1.5em; margin: 8px 0 0; padding: 6px 10px; background: var(--panel);
  border-radius: 6px; font-size: 0.9rem; }
.legend { list-style: none; padding: 0; margin: 10px 0 0; display: flex; flex-wrap: wrap;
  gap: 6px 22px; font-size: 0.85rem; color: var(--muted); }
.legend li { display: flex; align-items: center; gap: 6px; }
.controls { display: flex; flex-wrap: wrap; align-items: center; gap: 10px; margin: 0 0 10px; }
.controls label { font-weight: 600; }
.controls input { font: inherit; padding: 5px 10px; min-width: 280px; border-radius: 6px;
  border: 1px solid #8c959f; }
.controls #findings-count { color: var(--muted); font-size: 0.9rem; }
.table-frame { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; }
caption { text-align: left; color: var(--muted); font-size: 0.85rem; padding: 0 0 6px; }
th, td { text-align: left; padding: 8px 10px; border-bottom: 1px solid var(--border);
  vertical-align: top; }
thead th { background: var(--panel); font-size: 0.85rem; white-space: nowrap; }
th button { font: inherit; font-weight: 700; color: inherit; background: none; border: 0;
  padding: 2px 0; cursor: pointer; display: inline-flex; gap: 4px; align-items: center; }
th button:hover { color: var(--accent); }
.sort-icon::after { content: "\\2195"; color: var(--muted); }
th[aria-sort="ascending"] .sort-icon::after { content: "\\25B2"; color: var(--text); }
th[aria-sort="descending"] .sort-icon::after { content: "\\25BC"; color: var(--text); }
tbody tr:hover { background: #f6f8fa; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td .num { display: block; }
.preview { color: var(--muted); }
a:focus-visible, button:focus-visible, input:focus-visible, summary:focus-visible {
  outline: 3px solid var(--accent); outline-offset: 2px; }
details.finding { border: 1px solid var(--border); border-left-width: 6px; border-radius: 8px;
  margin: 0 0 10px; background: #ffffff; }
.sev-edge-critical { border-left-color: var(--critical) !important; }
.sev-edge-high { border-left-color: var(--high) !important; }
.sev-edge-medium { border-left-color: var(--medium) !important; }
.sev-edge-low { border-left-color: var(--low) !important; }
details.finding > summary { cursor: pointer; padding: 10px 14px; }
details.finding[open] > summary { border-bottom: 1px solid var(--border); }
.finding-title { font-weight: 700; }
.finding-body { padding: 4px 16px 16px; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 6px 18px; margin: 10px 0; }
.facts dt { font-weight: 600; color: var(--muted); }
.facts dd { margin: 0; min-width: 0; }
.plain { margin: 0; padding: 0; list-style: none; }
table.inner { font-size: 0.9rem; }
table.inner th { background: var(--panel); }
.locations { max-height: 320px; overflow: auto; }
.wrap { word-break: break-all; }
.page-footer { margin: 40px 0 24px; padding-top: 12px; border-top: 1px solid var(--border);
  color: var(--muted); font-size: 0.85rem; }
.page-footer .stats { display: flex; flex-wrap: wrap; gap: 4px 16px; padding: 0;
  list-style: none; }
.empty { font-style: italic; color: var(--muted); }
@media print {
  body { font-size: 10pt; }
  .page-header, main { max-width: none; padding: 0; }
  .controls, .toc, .skip, .sort-icon, .readout { display: none !important; }
  .timeline-frame, .table-frame, .locations { overflow: visible; max-height: none; }
  svg.timeline { min-width: 0; }
  svg.timeline .lane.dimmed { opacity: 1; }
  .finding, tr, .stat { break-inside: avoid; }
  h2 { break-after: avoid; }
  a { color: inherit; text-decoration: none; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
""",
).strip()

SCRIPT = _SPACES.sub(
    "\n",
    """
(function () {
  "use strict";
  var timeline = document.getElementById("timeline-svg");
  var readout = document.getElementById("timeline-readout");
  if (timeline && readout) {
    var show = function (event) {
      var target = event.target.closest ? event.target.closest("[aria-label]") : null;
      if (target && target !== timeline && timeline.contains(target)) {
        readout.textContent = target.getAttribute("aria-label");
      }
    };
    timeline.addEventListener("focusin", show);
    timeline.addEventListener("mouseover", show);
  }
  var openedForPrint = [];
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details:not([open])").forEach(function (panel) {
      panel.open = true;
      openedForPrint.push(panel);
    });
  });
  window.addEventListener("afterprint", function () {
    openedForPrint.forEach(function (panel) { panel.open = false; });
    openedForPrint = [];
  });
  var table = document.getElementById("findings-table");
  if (!table) { return; }
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var lanes = timeline ? Array.prototype.slice.call(timeline.querySelectorAll(".lane")) : [];
  function keyOf(row, name, numeric) {
    var raw = row.getAttribute("data-sort-" + name);
    if (raw === null || raw === "") { return null; }
    return numeric ? parseFloat(raw) : raw.toLowerCase();
  }
  function sortBy(button) {
    var header = button.closest("th");
    var current = header.getAttribute("aria-sort");
    var direction = current === "ascending" ? "descending"
      : current === "descending" ? "ascending"
      : button.getAttribute("data-default-direction");
    var name = button.getAttribute("data-sort-key");
    var numeric = button.getAttribute("data-sort-type") === "number";
    var sign = direction === "ascending" ? 1 : -1;
    table.querySelectorAll("thead th").forEach(function (th) { th.removeAttribute("aria-sort"); });
    header.setAttribute("aria-sort", direction);
    rows.slice().sort(function (a, b) {
      var ka = keyOf(a, name, numeric);
      var kb = keyOf(b, name, numeric);
      if (ka === null || kb === null) {
        if (ka !== kb) { return ka === null ? 1 : -1; }
      } else if (ka < kb) { return -sign; } else if (ka > kb) { return sign; }
      return Number(a.getAttribute("data-index")) - Number(b.getAttribute("data-index"));
    }).forEach(function (row) { body.appendChild(row); });
  }
  table.querySelectorAll("thead button[data-sort-key]").forEach(function (button) {
    button.addEventListener("click", function () { sortBy(button); });
  });
  var filter = document.getElementById("findings-filter");
  var count = document.getElementById("findings-count");
  if (filter) {
    filter.addEventListener("input", function () {
      var term = filter.value.trim().toLowerCase();
      var shown = Object.create(null);
      var total = 0;
      rows.forEach(function (row) {
        var match = term === "" || (row.getAttribute("data-filter") || "").indexOf(term) !== -1;
        row.hidden = !match;
        if (match) { total += 1; shown[row.getAttribute("data-fingerprint")] = true; }
      });
      lanes.forEach(function (lane) {
        var visible = shown[lane.getAttribute("data-fingerprint")] === true;
        lane.classList.toggle("dimmed", !visible);
      });
      if (count) { count.textContent = total + " of " + rows.length + " findings shown"; }
    });
  }
})();
""",
).strip()
