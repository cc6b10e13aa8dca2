"""Fast instants for the hot path: epoch seconds and cached Europe/London days.

The engine turns an incident's time into a float once and compares floats;
pendulum arithmetic stays out of the per-incident path. A float holds an
instant between 1900 and 2200 to well under half a microsecond, so converting
back with :func:`instant` gives the original microsecond exactly.

Instants handed back to callers are UTC: two Europe/London datetimes in the
repeated autumn hour compare equal even when they are an hour apart (a Python
datetime rule), which UTC avoids. Text for people is in London time.

London days come from :func:`spo_tracker.domain.statutory_time.as_london_date`
(the one place statutory days are counted), memoised per UTC day: a UTC day
contains at most one London midnight, so the memo holds the London day at the
UTC day's start, the instant of the next London midnight within it (if any)
and the day after it.
"""

from __future__ import annotations

import datetime as _dt
import math
import zoneinfo
from collections.abc import Collection
from typing import Final, cast

import pendulum

from spo_tracker.domain.statutory_time import as_london_date, epoch, start_of_london_day

__all__ = [
    "INF",
    "day_start",
    "day_start_seconds",
    "epoch",
    "instant",
    "london_date_text",
    "london_day",
    "london_day_memo",
    "london_days",
    "london_parts",
    "london_text",
]

INF: Final = math.inf
_UTC: Final = pendulum.UTC
_STD_UTC: Final = _dt.UTC
_LONDON_ZONE: Final = zoneinfo.ZoneInfo("Europe/London")
_MONTHS: Final = (
    "",
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_MEMO_LIMIT: Final = 200_000
_DAYS: dict[int, tuple[float, int, int]] = {}
_DAY_STARTS: dict[int, pendulum.DateTime] = {}
_DAY_SECONDS: dict[int, float] = {}
_DAY_TEXTS: dict[int, str] = {}
_LOCAL_DATE_TEXTS: dict[int, str] = {}


def instant(seconds: float) -> pendulum.DateTime:
    """The aware UTC pendulum instant for epoch seconds (exact to the microsecond)."""
    s = _dt.datetime.fromtimestamp(seconds, _STD_UTC)
    # The zone given by position, not by keyword: the call is cheaper (alerts make many).
    return pendulum.DateTime(
        s.year, s.month, s.day, s.hour, s.minute, s.second, s.microsecond, _UTC
    )


def london_text(seconds: float, *, clock: bool = True, day: bool = True) -> str:
    """London wall-clock text for epoch seconds: ``29 March 2026 14:05``, or either half.

    Display only (no day counting): uses the standard library's Europe/London
    zone directly, which is the same IANA data and much faster to format.
    """
    date_part, time_part = london_parts(seconds)
    if not day:
        return time_part
    return f"{date_part} {time_part}" if clock else date_part


_DAY_NAMES: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTH_ABBREVIATIONS: Final = (
    "", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
)  # fmt: skip


def last_day_text(seconds: float) -> str:
    """The one wording of a deadline or expiry, for the London day holding the instant
    ``seconds`` (give the last moment of the day): ``last day: Thu 4 Jun 2026 (London)``,
    as reports, CSV and case files word it."""
    local = _dt.datetime.fromtimestamp(seconds, _LONDON_ZONE)
    day = f"{_DAY_NAMES[local.weekday()]} {local.day} {_MONTH_ABBREVIATIONS[local.month]}"
    return f"last day: {day} {local.year} (London)"


#: ``00:00`` to ``23:59``, by minute of the day.
_CLOCK_TEXTS: Final = tuple(
    f"{hour:02d}:{minute:02d}" for hour in range(24) for minute in range(60)
)


def london_parts(seconds: float) -> tuple[str, str]:
    """The London date text (``29 March 2026``) and clock text (``14:05``) of an instant.

    One conversion for both halves: an alert's text shows the first and last
    incident's day and time, so this halves the conversions per alert. Both texts are
    looked up, not formatted: the date's remembered by the local date's ordinal, the
    clock's in a table of the day's minutes.
    """
    local = _dt.datetime.fromtimestamp(seconds, _LONDON_ZONE)
    ordinal = local.toordinal()
    date = _LOCAL_DATE_TEXTS.get(ordinal)
    if date is None:
        date = f"{local.day} {_MONTHS[local.month]} {local.year}"
        if len(_LOCAL_DATE_TEXTS) < _MEMO_LIMIT:
            _LOCAL_DATE_TEXTS[ordinal] = date
    return date, _CLOCK_TEXTS[local.hour * 60 + local.minute]


def _memo(utc_day: int) -> tuple[float, int, int]:
    start = pendulum.from_timestamp(utc_day * 86_400.0)
    first = as_london_date(start)
    last = as_london_date(start.add(days=1).subtract(microseconds=1))
    switch = INF if first == last else epoch(start_of_london_day(last))
    return switch, first.toordinal(), last.toordinal()


def london_day(seconds: float) -> int:
    """The proleptic ordinal of the Europe/London calendar day of an instant."""
    utc_day = int(seconds // 86_400)
    memo = _DAYS.get(utc_day)
    if memo is None:
        memo = _memo(utc_day)
        if len(_DAYS) < _MEMO_LIMIT:
            _DAYS[utc_day] = memo
    return memo[1] if seconds < memo[0] else memo[2]


def london_day_memo() -> dict[float, tuple[float, int, int]]:
    """The memo :func:`london_day` reads, for a hot loop to read inline (a miss is
    :func:`london_day`'s to fill): keyed by the whole UTC day ``seconds // 86_400``
    (a float key finds the int key of the same value, as equal numbers hash alike), it
    holds the instant of the London midnight within that UTC day (or infinity), the
    London day before it and the day from it; the day of ``seconds`` is
    ``memo[1] if seconds < memo[0] else memo[2]``."""
    return cast("dict[float, tuple[float, int, int]]", _DAYS)


def london_days(seconds: Collection[float]) -> set[int]:
    """``{london_day(s) for s in seconds}``, with the memo read inline: the sign-on rule
    asks it for every sign-on of a force (a million instants)."""
    # A float key finds the int key of the same value (equal numbers hash alike), so the
    # memo of whole UTC days is read with ``s // 86_400`` as it is, not ``int()`` of it.
    memo = cast("dict[float, tuple[float, int, int]]", _DAYS)
    try:
        return {(m[1] if s < m[0] else m[2]) for s in seconds for m in (memo[s // 86_400],)}
    except KeyError:  # a UTC day not remembered yet: this remembers it
        return {london_day(s) for s in seconds}


def london_date_text(ordinal: int) -> str:
    """``london_text(day_start_seconds(ordinal), clock=False)`` (``29 March 2026``),
    remembered: a force's sign-on alerts name every day missed."""
    found = _DAY_TEXTS.get(ordinal)
    if found is None:
        found = london_text(day_start_seconds(ordinal), clock=False)
        if len(_DAY_TEXTS) < _MEMO_LIMIT:
            _DAY_TEXTS[ordinal] = found
    return found


def day_start(ordinal: int) -> pendulum.DateTime:
    """The UTC instant at which the London day with this ordinal begins."""
    found = _DAY_STARTS.get(ordinal)
    if found is None:
        found = instant(epoch(start_of_london_day(_dt.date.fromordinal(ordinal))))
        if len(_DAY_STARTS) < _MEMO_LIMIT:
            _DAY_STARTS[ordinal] = found
    return found


def day_start_seconds(ordinal: int) -> float:
    """``epoch(day_start(ordinal))``, remembered: the sign-on rule asks it for every day of
    every schedule (millions of times for a force)."""
    found = _DAY_SECONDS.get(ordinal)
    if found is None:
        found = epoch(day_start(ordinal))
        if len(_DAY_SECONDS) < _MEMO_LIMIT:
            _DAY_SECONDS[ordinal] = found
    return found
