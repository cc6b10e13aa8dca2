"""Geometry of the per-defendant bar chart: incidents per London day, as inline SVG.

The template draws what :func:`bar_chart` computes: one bar per day with
incidents (empty days are gaps), bar heights scaled to the busiest day, and
labels for the first and last day and the peak. Numbers are rounded to 0.1
so the markup is compact and byte-stable.
"""

from __future__ import annotations

from typing import Final

import attrs

from spo_tracker.reports._time import london_date_text
from spo_tracker.reports._view import DefendantActivity

__all__ = ["HEIGHT", "WIDTH", "Bar", "Chart", "bar_chart"]

WIDTH: Final = 720.0
HEIGHT: Final = 140.0
_TOP: Final = 18.0
_BOTTOM: Final = 22.0
_LEFT: Final = 34.0


@attrs.frozen
class Bar:
    """One day's bar: position, size, and the tooltip text."""

    x: float
    y: float
    width: float
    height: float
    label: str
    peak: bool


@attrs.frozen
class Chart:
    """A chart ready to draw.

    Attributes:
        bars: the bars of days with incidents.
        max_count: the busiest day's count (the top of the scale).
        first_label: the first charted day.
        last_label: the last charted day.
        description: one sentence for screen readers and the caption.
        baseline: the y of the x axis.
        left: the x of the y axis.
    """

    bars: tuple[Bar, ...]
    max_count: int
    first_label: str
    last_label: str
    description: str
    baseline: float = HEIGHT - _BOTTOM
    left: float = _LEFT
    width: float = WIDTH
    height: float = HEIGHT
    top: float = _TOP


def _r(value: float) -> float:
    return round(value, 1)


def bar_chart(activity: DefendantActivity) -> Chart | None:
    """The chart of a defendant's incidents per London day; ``None`` without any incident."""
    first, last, peak = activity.first_day, activity.last_day, activity.peak
    if first is None or last is None or peak is None:
        return None
    slot = (WIDTH - _LEFT) / activity.span
    gap = min(1.0, slot * 0.15)
    scale = (HEIGHT - _TOP - _BOTTOM) / peak.count
    bars = []
    # Day numbers by ordinal: subtracting pendulum dates builds an Interval, far slower.
    start = first.toordinal()
    for day in activity.days:
        height = max(1.0, day.count * scale)
        noun = "incident" if day.count == 1 else "incidents"
        bars.append(
            Bar(
                x=_r(_LEFT + (day.day.toordinal() - start) * slot + gap / 2),
                y=_r(HEIGHT - _BOTTOM - height),
                width=_r(max(0.5, slot - gap)),
                height=_r(height),
                label=f"{london_date_text(day.day)}: {day.count} {noun}",
                peak=day == peak,
            )
        )
    noun = "incident" if peak.count == 1 else "incidents"
    description = (
        f"Incidents per London day from {london_date_text(first)} to {london_date_text(last)}; "
        f"busiest day {london_date_text(peak.day)} with {peak.count} {noun}."
    )
    return Chart(
        bars=tuple(bars),
        max_count=peak.count,
        first_label=london_date_text(first),
        last_label=london_date_text(last),
        description=description,
    )
