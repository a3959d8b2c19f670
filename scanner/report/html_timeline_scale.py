"""Where things go on the report's exposure timeline: the SVG's fixed geometry, the time scale
that maps dates onto x, and the month ticks of its axis.

The scale runs from the first month any date in the report falls in to the month after the
last, so every bar, marker and the as-of line fit; bar width is proportional to duration.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import MAXYEAR, datetime, timezone
from typing import Any, NamedTuple

from scanner.report.html_timeline_text import text_width
from scanner.report.html_values import as_dict, windows_of
from scanner.report.scope import parse_time

MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# Timeline geometry, in SVG user units (the SVG scales uniformly to the page width).
SVG_WIDTH = 1120
LABEL_WIDTH = 300
STATUS_WIDTH = 120  # the verification column, drawn only when keys were checked (--verify)
PLOT_LEFT = LABEL_WIDTH + 10
PLOT_RIGHT = SVG_WIDTH - STATUS_WIDTH - 14
PLOT_RIGHT_WITHOUT_STATUS = SVG_WIDTH - 24
AXIS_HEIGHT = 52
AXIS_LABEL_SIZE = 12
ROW_HEIGHT = 26
BAR_HEIGHT = 14
LANE_PADDING = 12
LANE_MIN_HEIGHT = 58
SECTION_HEADING_HEIGHT = 34
_TICK_GAP = 14  # at least this much room between one axis label and the next
# Months between axis ticks: the first that gives at most MAX_MONTH_TICKS ticks (an --as-of
# of year 1 or 9999 spans millennia).
_TICK_STEPS = (1, 2, 3, 6, 12, 24, 60, 120, 240, 600, 1200, 2400, 6000, 12000, 10**6)
_LAST_MOMENT = datetime(MAXYEAR, 12, 31, 23, 59, 59, tzinfo=timezone.utc)


@dataclass(frozen=True)
class TimeScale:
    """Maps instants linearly onto the plot's x range, so bar width ∝ duration."""

    start: datetime
    end: datetime
    left: float = PLOT_LEFT
    right: float = PLOT_RIGHT

    def x(self, moment: datetime) -> float:
        span = (self.end - self.start).total_seconds()
        offset = (moment - self.start).total_seconds()
        return self.left + (self.right - self.left) * offset / span


def _month_floor(moment: datetime) -> datetime:
    utc = moment.astimezone(timezone.utc)
    return datetime(utc.year, utc.month, 1, tzinfo=timezone.utc)


def _add_months(moment: datetime, months: int) -> datetime | None:
    """`months` later, or None past the last year a datetime holds (an --as-of in 9999)."""
    index = moment.year * 12 + (moment.month - 1) + months
    if index // 12 > MAXYEAR:
        return None
    return moment.replace(year=index // 12, month=index % 12 + 1)


def timeline_instants(findings: list[dict[str, Any]], as_of: datetime | None) -> list[datetime]:
    instants: list[datetime | None] = [as_of]
    for finding in findings:
        instants.append(parse_time(as_dict(finding.get("first_commit")).get("committed_at")))
        for window in windows_of(finding):
            instants.append(parse_time(as_dict(window.get("opened")).get("committed_at")))
            instants.append(parse_time(as_dict(window.get("closed")).get("committed_at")))
    return [moment for moment in instants if moment is not None]


def time_scale(instants: Sequence[datetime], right: float = PLOT_RIGHT) -> TimeScale:
    start = _month_floor(min(instants))
    end = _add_months(_month_floor(max(instants)), 1) or _LAST_MOMENT
    return TimeScale(start, end, PLOT_LEFT, right)


class AxisTick(NamedTuple):
    """A vertical line on the timeline's axis, and the month or year written beside it."""

    moment: datetime
    label: str


def _max_ticks(scale: TimeScale, step: int) -> int:
    """How many ticks fit with room for their labels ("Sep 2025", or "2025" by the year)."""
    label = "2000" if step >= 12 else "Sep 2000"
    return max(
        2, int((scale.right - scale.left) // (text_width(label, AXIS_LABEL_SIZE) + _TICK_GAP))
    )


def month_ticks(scale: TimeScale) -> list[AxisTick]:
    months = (scale.end.year - scale.start.year) * 12 + scale.end.month - scale.start.month
    step = next(s for s in _TICK_STEPS if months / s <= _max_ticks(scale, s))
    ticks: list[AxisTick] = []
    moment: datetime | None = scale.start
    while moment is not None and moment <= scale.end:
        label = str(moment.year) if step >= 12 else f"{MONTH_NAMES[moment.month - 1]} {moment.year}"
        ticks.append(AxisTick(moment, label))
        moment = _add_months(moment, step)
    return ticks
