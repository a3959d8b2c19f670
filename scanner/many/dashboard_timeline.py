"""The dashboard's combined timeline: one lane per repository with a dated exposure, in the
dashboard's ranking order, on one time axis for the whole organisation.

Each bar is one secret, from the first commit whose tree held it to the commit that removed
it (or to its report's as-of date while a ref still holds it). Bars that overlap in time are
stacked within their lane. The SVG is static (no script): each bar carries its description in
a <title>, so it reads on hover and by screen reader, and prints. The axis and geometry are
the single-repository report's (scanner/report/html_timeline_scale.py), so both read alike.
"""

from __future__ import annotations

from datetime import datetime

from scanner.many.dashboard_data import Exposure, Overview, RepoRow
from scanner.report.html_timeline_scale import (
    AXIS_HEIGHT,
    BAR_HEIGHT,
    LANE_PADDING,
    PLOT_LEFT,
    PLOT_RIGHT,
    ROW_HEIGHT,
    STATUS_WIDTH,
    SVG_WIDTH,
    TimeScale,
    month_ticks,
    time_scale,
)
from scanner.report.html_values import (
    date_text,
    esc,
    plural_days,
    severity_colour,
)

MAX_LANES = 80  # beyond this the table, not the picture, is the place to read
_MAX_STACK = 6  # rows of bars in one lane; more overlap in the last row
_LANE_MIN_HEIGHT = 40

# A repository's name in its lane: the end of it (the repository, not the host) fits the lane.
_LABEL_MAX_CHARS = 34


def render_timeline_section(view: Overview) -> str:
    rows = [row for row in view.ranked if _dated(row)]
    intro = (
        "One lane per repository, most urgent first. Each bar is one secret: from the commit "
        "that first held it to the commit that removed it; a bar ending in an arrow is still "
        "held by a ref and counted to that repository's as-of date. A thick outline marks a key "
        "found live. Hover a bar for its details."
    )
    if not rows:
        figure = '<p class="empty">No dated exposure in any repository: nothing to plot.</p>'
    else:
        drawn = rows[:MAX_LANES]
        left_out = len(rows) - len(drawn)
        figure = _render_svg(drawn, _scale(drawn, view.as_of), view.as_of)
        if left_out:
            figure += (
                f'<p class="hint">{left_out} more repositories with exposures are listed in the '
                "table above but not drawn.</p>"
            )
    return (
        '<section id="timeline" aria-labelledby="timeline-heading">\n'
        '<h2 id="timeline-heading">Combined exposure timeline</h2>\n'
        f'<p class="hint">{esc(intro)}</p>\n{figure}\n</section>'
    )


def _tail(source: str, limit: int) -> str:
    """The end of a long source: a URL's owner and name tell repositories apart, its host
    does not."""
    return source if len(source) <= limit else "…" + source[-(limit - 1) :]


def _dated(row: RepoRow) -> bool:
    return any(exposure.opened is not None for exposure in row.exposures)


def _end(exposure: Exposure, row: RepoRow, fallback: datetime | None) -> datetime | None:
    return exposure.closed or row.as_of or fallback


def _scale(rows: list[RepoRow], as_of: datetime | None) -> TimeScale:
    instants: list[datetime] = [as_of] if as_of else []
    for row in rows:
        for exposure in row.exposures:
            for moment in (exposure.opened, _end(exposure, row, as_of)):
                if moment is not None:
                    instants.append(moment)
    return time_scale(instants)


def _stack(exposures: list[tuple[Exposure, datetime, datetime]]) -> list[int]:
    """The row each bar goes in: the first row whose last bar ended before this one starts."""
    row_ends: list[datetime] = []
    placed: list[int] = []
    for _, start, end in exposures:
        for row, row_end in enumerate(row_ends):
            if row_end < start:
                row_ends[row] = end
                placed.append(row)
                break
        else:
            if len(row_ends) < _MAX_STACK:
                row_ends.append(end)
                placed.append(len(row_ends) - 1)
            else:
                placed.append(_MAX_STACK - 1)
    return placed


def _render_svg(rows: list[RepoRow], scale: TimeScale, as_of: datetime | None) -> str:
    lanes: list[str] = []
    top = AXIS_HEIGHT
    for index, row in enumerate(rows):
        lane, height = _render_lane(index, row, scale, as_of, top)
        lanes.append(lane)
        top += height
    height = top + 8
    description = (
        f"Exposure timeline of {len(rows)} repositories from {date_text(scale.start)} to "
        f"{date_text(scale.end)}."
    )
    return (
        '<div class="timeline-frame">'
        f'<svg id="timeline-svg" class="timeline" viewBox="0 0 {SVG_WIDTH} {height}" '
        f'width="{SVG_WIDTH}" height="{height}" role="group" '
        'aria-labelledby="timeline-svg-title" '
        'font-family="system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif">'
        f'<title id="timeline-svg-title">{esc(description)}</title>'
        + _render_axis(scale, height)
        + "".join(lanes)
        + _render_as_of(scale, as_of, height)
        + "</svg></div>"
    )


def _render_lane(
    index: int, row: RepoRow, scale: TimeScale, as_of: datetime | None, top: int
) -> tuple[str, int]:
    bars: list[tuple[Exposure, datetime, datetime]] = []
    for exposure in row.exposures:
        end = _end(exposure, row, as_of)
        if exposure.opened is not None and end is not None:
            bars.append((exposure, exposure.opened, max(end, exposure.opened)))
    bars.sort(key=lambda bar: (bar[1], bar[2]))
    placed = _stack(bars)
    height = max(_LANE_MIN_HEIGHT, (max(placed) + 1) * ROW_HEIGHT + 2 * LANE_PADDING)
    background = "#f6f8fa" if index % 2 == 0 else "#ffffff"
    label = _tail(row.source, _LABEL_MAX_CHARS)
    status = f"{row.live} live" if row.live else f"{row.still_open} open"
    parts = [
        f'<g class="lane" data-repository="{esc(row.source)}" data-index="{index}">',
        f'<rect x="0" y="{top}" width="{SVG_WIDTH}" height="{height}" fill="{background}"/>',
        f'<line x1="0" y1="{top + height}" x2="{SVG_WIDTH}" y2="{top + height}" stroke="#d8dee4"/>',
        f'<text x="12" y="{top + 24}" font-size="14" font-weight="600" fill="#1f2328">'
        f"{esc(label)}<title>{esc(row.source)}</title></text>",
        f'<text x="{SVG_WIDTH - STATUS_WIDTH / 2:.1f}" y="{top + 24}" font-size="12" '
        f'text-anchor="middle" fill="{"#a40e26" if row.live else "#57606a"}" '
        f'font-weight="700">{esc(status)}</text>',
    ]
    for (exposure, start, end), stacked in zip(bars, placed, strict=True):
        centre = top + LANE_PADDING + stacked * ROW_HEIGHT + ROW_HEIGHT / 2
        parts.append(_render_bar(exposure, start, end, scale, centre))
    parts.append("</g>")
    return "".join(parts), height


def _render_bar(
    exposure: Exposure, start: datetime, end: datetime, scale: TimeScale, centre: float
) -> str:
    x1, x2 = scale.x(start), scale.x(end)
    width = max(x2 - x1, 3.0)
    y = centre - BAR_HEIGHT / 2
    colour = severity_colour(exposure.severity)
    state = "still open" if exposure.still_open else f"removed {date_text(exposure.closed)}"
    live = ", LIVE" if exposure.live else ""
    tip = (
        f"{exposure.repository}: {exposure.title} {exposure.preview} ({exposure.severity}{live})"
        f" — from {date_text(start)}, {state}, {plural_days(exposure.days)}"
    )
    classes = (
        "window-bar" + (" open" if exposure.still_open else "") + (" live" if exposure.live else "")
    )
    outline = ' stroke="#1f2328" stroke-width="2.5"' if exposure.live else ""
    bar = (
        f'<rect class="{classes}" x="{x1:.2f}" y="{y:.2f}" width="{width:.2f}" '
        f'height="{BAR_HEIGHT}" rx="2" fill="{colour}" fill-opacity="0.85"{outline} '
        f'data-severity="{esc(exposure.severity)}"><title>{esc(tip)}</title></rect>'
    )
    if exposure.still_open:
        tip_x = x1 + width
        bar += (
            f'<path d="M{tip_x:.2f},{y - 2:.2f} L{tip_x + 8:.2f},{centre:.2f} '
            f'L{tip_x:.2f},{y + BAR_HEIGHT + 2:.2f} Z" fill="{colour}" aria-hidden="true"/>'
        )
    return bar


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
        f'y2="{AXIS_HEIGHT - 8}" stroke="#8c959f" stroke-width="1"/></g>'
    )
    return "".join(parts)


def _render_as_of(scale: TimeScale, as_of: datetime | None, height: int) -> str:
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
