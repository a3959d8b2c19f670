"""The report's exposure timeline section: an inline SVG with the date axis, one lane per
finding (or per group of findings with identical windows), the as-of line, and a legend below.

The SVG is built here rather than by script, so the timeline reads and prints without
JavaScript; the page's script only echoes the focused bar into a readout and dims the lanes
that the table's filter hides.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from scanner.report.html_timeline_groups import LaneSection, lane_sections
from scanner.report.html_timeline_lanes import lane_height, render_lane
from scanner.report.html_timeline_scale import (
    AXIS_HEIGHT,
    AXIS_LABEL_SIZE,
    PLOT_RIGHT,
    PLOT_RIGHT_WITHOUT_STATUS,
    SECTION_HEADING_HEIGHT,
    STATUS_WIDTH,
    SVG_WIDTH,
    TimeScale,
    month_ticks,
    time_scale,
    timeline_instants,
)
from scanner.report.html_timeline_text import text_width
from scanner.report.html_values import (
    SEVERITY_COLOUR,
    UNKNOWN_SEVERITY_COLOUR,
    date_text,
    esc,
)


def render_timeline_section(
    findings: list[dict[str, Any]], as_of: datetime | None, *, verified: bool
) -> str:
    """The section; `verified` (the scan ran --verify) adds the verification column."""
    intro = (
        "One lane per secret; secrets exposed in exactly the same window share a lane that "
        "lists them. Each bar is an exposure window on a ref: from the commit whose "
        "tree first held the secret to the commit that removed it; a striped bar ending in an "
        "arrow is still open and counted to the report's as-of date. Bars are focusable: tab "
        "to them or hover for dates, days, ref and commit. Dates in UTC."
    )
    instants = timeline_instants(findings, as_of)
    if not findings:
        figure = '<p class="empty">No secrets were found, so there is nothing to plot.</p>'
    elif not instants:
        figure = '<p class="empty">The report carries no dates, so no timeline can be drawn.</p>'
    else:
        right = PLOT_RIGHT if verified else PLOT_RIGHT_WITHOUT_STATUS
        scale = time_scale(instants, right)
        figure = _render_timeline_svg(findings, scale, as_of, verified) + _legend()
    return (
        '<section id="timeline" aria-labelledby="timeline-heading">\n'
        '<h2 id="timeline-heading">Exposure timeline</h2>\n'
        f'<p class="hint">{esc(intro)}</p>\n'
        f"{figure}\n"
        '<p id="timeline-readout" class="readout" aria-live="polite">'
        "Focus or hover a bar or marker to read its details here.</p>\n"
        "</section>"
    )


def _render_timeline_svg(
    findings: list[dict[str, Any]], scale: TimeScale, as_of: datetime | None, verified: bool
) -> str:
    parts_of_lanes: list[str] = []
    top = AXIS_HEIGHT
    for section in lane_sections(findings):
        if section.heading is not None:
            parts_of_lanes.append(_section_heading(section, top))
            top += SECTION_HEADING_HEIGHT
        for stripe, lane in enumerate(section.lanes):
            parts_of_lanes.append(render_lane(lane, stripe, scale, as_of, top, verified))
            top += lane_height(lane)
    height = top + 8
    description = (
        f"Exposure timeline of {len(findings)} secrets from {date_text(scale.start)} to "
        f"{date_text(scale.end)} (UTC)."
    )
    parts = [
        f'<svg id="timeline-svg" class="timeline" '
        f'viewBox="0 0 {SVG_WIDTH} {height}" width="{SVG_WIDTH}" height="{height}" '
        f'role="group" aria-labelledby="timeline-svg-title" '
        f'font-family="system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif">',
        f'<title id="timeline-svg-title">{esc(description)}</title>',
        _svg_patterns(),
        _render_axis(scale, height, verified),
        *parts_of_lanes,
        _render_as_of_line(scale, as_of, height),
        "</svg>",
    ]
    return '<div class="timeline-frame">' + "\n".join(parts) + "</div>"


def _section_heading(section: LaneSection, top: int) -> str:
    count = sum(len(lane.members) for lane in section.lanes)
    return (
        f'<g class="lane-section"><rect x="0" y="{top}" width="{SVG_WIDTH}" '
        f'height="{SECTION_HEADING_HEIGHT}" fill="#eaeef2"/>'
        f'<text x="12" y="{top + 22}" font-size="13" font-weight="700" fill="#3d444d">'
        f"{esc(section.heading)} ({count})</text></g>"
    )


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


def _render_axis(scale: TimeScale, height: int, verified: bool) -> str:
    parts = ['<g class="axis" aria-hidden="true">']
    label_y = AXIS_HEIGHT - 16
    for moment, label in month_ticks(scale):
        x = scale.x(moment)
        parts.append(
            f'<line x1="{x:.2f}" y1="{AXIS_HEIGHT - 8}" x2="{x:.2f}" y2="{height - 8}" '
            'stroke="#d8dee4" stroke-width="1"/>'
        )
        # The last tick closes the scale; a label that would run past the plot is left out.
        if moment < scale.end and x + 4 + text_width(label, AXIS_LABEL_SIZE) <= scale.right:
            parts.append(
                f'<text class="axis-label" x="{x + 4:.2f}" y="{label_y}" '
                f'font-size="{AXIS_LABEL_SIZE}" fill="#57606a">{esc(label)}</text>'
            )
    parts.append(
        f'<line x1="{scale.left}" y1="{AXIS_HEIGHT - 8}" x2="{scale.right}" '
        f'y2="{AXIS_HEIGHT - 8}" stroke="#8c959f" stroke-width="1"/>'
    )
    if verified:
        parts.append(
            f'<text class="axis-label" x="{SVG_WIDTH - STATUS_WIDTH / 2:.1f}" y="{label_y}" '
            f'font-size="{AXIS_LABEL_SIZE}" fill="#57606a" text-anchor="middle">verification</text>'
        )
    parts.append("</g>")
    return "".join(parts)


def _render_as_of_line(scale: TimeScale, as_of: datetime | None, height: int) -> str:
    """A dashed line at the as-of date, from below the axis labels (never through them), and
    its date in the row above them."""
    if as_of is None:
        return ""
    x = scale.x(as_of)
    text = f"as of {date_text(as_of)} UTC"
    width = text_width(text, AXIS_LABEL_SIZE, bold=True)
    # Ending at the line, unless that would run past the plot's left edge.
    anchor_x, anchor = (x - 4, "end") if x - 4 - width >= scale.left else (x + 4, "start")
    return (
        '<g class="as-of" aria-hidden="true">'
        f'<line x1="{x:.2f}" y1="{AXIS_HEIGHT - 8}" x2="{x:.2f}" y2="{height - 8}" '
        'stroke="#24292f" stroke-width="1.5" stroke-dasharray="4 3"/>'
        f'<text class="as-of-label" x="{anchor_x:.2f}" y="15" font-size="{AXIS_LABEL_SIZE}" '
        f'fill="#24292f" text-anchor="{anchor}" font-weight="600">{esc(text)}</text></g>'
    )


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
    entries = "".join(f"<li>{icon}<span>{esc(text)}</span></li>" for icon, text in items)
    return f'<ul class="legend" aria-label="Legend">{entries}</ul>'
