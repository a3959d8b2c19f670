"""The report's exposure timeline section: an inline SVG with the date axis, one lane per
finding, the as-of line, and a legend below it.

The SVG is built here rather than by script, so the timeline reads and prints without
JavaScript; the page's script only echoes the focused bar into a readout and dims the lanes
that the table's filter hides.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from scanner.report.html_timeline_lanes import lane_height, render_lane
from scanner.report.html_timeline_scale import (
    AXIS_HEIGHT,
    PLOT_LEFT,
    PLOT_RIGHT,
    STATUS_WIDTH,
    SVG_WIDTH,
    TimeScale,
    month_ticks,
    time_scale,
    timeline_instants,
)
from scanner.report.html_values import (
    SEVERITY_COLOUR,
    UNKNOWN_SEVERITY_COLOUR,
    date_text,
    esc,
)


def render_timeline_section(findings: list[dict[str, Any]], as_of: datetime | None) -> str:
    intro = (
        "One lane per secret. Each bar is an exposure window on a ref: from the commit whose "
        "tree first held the secret to the commit that removed it; a striped bar ending in an "
        "arrow is still open and counted to the report's as-of date. Bars are focusable: tab "
        "to them or hover for dates, days, ref and commit."
    )
    instants = timeline_instants(findings, as_of)
    if not findings:
        figure = '<p class="empty">No secrets were found, so there is nothing to plot.</p>'
    elif not instants:
        figure = '<p class="empty">The report carries no dates, so no timeline can be drawn.</p>'
    else:
        figure = _render_timeline_svg(findings, time_scale(instants), as_of) + _legend()
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
    findings: list[dict[str, Any]], scale: TimeScale, as_of: datetime | None
) -> str:
    lanes: list[str] = []
    top = AXIS_HEIGHT
    for index, finding in enumerate(findings):
        lanes.append(render_lane(index, finding, scale, as_of, top))
        top += lane_height(finding)
    height = top + 8
    description = (
        f"Exposure timeline of {len(findings)} secrets from {date_text(scale.start)} to "
        f"{date_text(scale.end)}."
    )
    parts = [
        f'<svg id="timeline-svg" class="timeline" '
        f'viewBox="0 0 {SVG_WIDTH} {height}" width="{SVG_WIDTH}" height="{height}" '
        f'role="group" aria-labelledby="timeline-svg-title" '
        f'font-family="system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif">',
        f'<title id="timeline-svg-title">{esc(description)}</title>',
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


def _render_axis(scale: TimeScale, height: int) -> str:
    parts = ['<g class="axis" aria-hidden="true">']
    for moment, label in month_ticks(scale):
        x = scale.x(moment)
        parts.append(
            f'<line x1="{x:.2f}" y1="{AXIS_HEIGHT - 8}" x2="{x:.2f}" y2="{height - 8}" '
            'stroke="#d8dee4" stroke-width="1"/>'
        )
        if moment < scale.end:
            parts.append(
                f'<text x="{x + 4:.2f}" y="{AXIS_HEIGHT - 16}" font-size="12" '
                f'fill="#57606a">{esc(label)}</text>'
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


def _render_as_of_line(scale: TimeScale, as_of: datetime | None, height: int) -> str:
    if as_of is None:
        return ""
    x = scale.x(as_of)
    return (
        '<g class="as-of" aria-hidden="true">'
        f'<line x1="{x:.2f}" y1="20" x2="{x:.2f}" y2="{height - 8}" '
        'stroke="#24292f" stroke-width="1.5" stroke-dasharray="4 3"/>'
        f'<text x="{x - 4:.2f}" y="15" font-size="12" fill="#24292f" '
        f'text-anchor="end" font-weight="600">as of {esc(date_text(as_of))}</text></g>'
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
