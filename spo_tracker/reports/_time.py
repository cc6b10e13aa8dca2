"""Times for people: Europe/London wall-clock text and London calendar days.

Reports show every instant in London time with its zone abbreviation (GMT or
BST), so an officer never has to convert. Day buckets for the charts are
statutory Europe/London days from
:func:`spo_tracker.domain.statutory_time.as_london_date` (the one place days
are counted), memoised per UTC hour: London's offset only changes on the hour,
so every instant in one UTC hour falls on the same London day.
"""

from __future__ import annotations

import datetime as _dt
import zoneinfo
from typing import Final

import pendulum

from spo_tracker.domain.statutory_time import as_london_date

__all__ = [
    "iso_instant",
    "last_day_text",
    "london_date_text",
    "london_day",
    "london_iso",
    "london_text",
]

_LONDON: Final = zoneinfo.ZoneInfo("Europe/London")
_UTC_ZONES: Final = (pendulum.UTC, _dt.UTC)
_EPOCH_ORDINAL: Final = _dt.date(1970, 1, 1).toordinal()


def _epoch(at: _dt.datetime) -> float:
    """Seconds since 1970 UTC.

    Instants tagged UTC (as detection and storage hand them back) are read from
    their fields: asking a pendulum zone for its offset runs Python code and is
    the slowest step of a large report.
    """
    if at.tzinfo in _UTC_ZONES:
        days = at.toordinal() - _EPOCH_ORDINAL
        seconds = days * 86_400 + at.hour * 3_600 + at.minute * 60 + at.second
        return seconds + at.microsecond / 1_000_000
    return _dt.datetime.timestamp(at)


_DAYS: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS: Final = (
    "",
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)
_HOUR_DAYS: dict[int, pendulum.Date] = {}
_TEXTS: dict[tuple[object, ...], str] = {}
_UTC_TEXTS: dict[_dt.datetime, str] = {}
_ISO: dict[_dt.datetime, str] = {}
_LONDON_ISO: dict[_dt.datetime, str] = {}
_MEMO_LIMIT: Final = 100_000


def london_text(at: _dt.datetime) -> str:
    """``Sat 14 Mar 2026 07:02 GMT``: an instant as London wall-clock time (display only).

    Built by hand rather than with ``strftime`` so that the text never depends
    on the process locale: the same data gives byte-identical reports.
    Memoised (reports show the same instants many times over): by the instant
    itself when it is tagged UTC (hashing a datetime is done in C), else per
    minute of the wall-clock reading, zone and fold (two instants in another
    zone can compare equal across a clock change, so they are not used as keys).
    """
    if at.tzinfo in _UTC_ZONES:
        text = _UTC_TEXTS.get(at)
        if text is None:
            text = _london_text(at)
            if len(_UTC_TEXTS) < _MEMO_LIMIT:
                _UTC_TEXTS[at] = text
        return text
    key = (at.tzinfo, at.year, at.month, at.day, at.hour, at.minute, at.fold)
    text = _TEXTS.get(key)
    if text is None:
        text = _london_text(at)
        if len(_TEXTS) < _MEMO_LIMIT:
            _TEXTS[key] = text
    return text


def _london_text(at: _dt.datetime) -> str:
    # The C constructor: pendulum's own astimezone is several times slower.
    local = _dt.datetime.fromtimestamp(_epoch(at), _LONDON)
    zone = local.tzname() or "UTC"
    return (
        f"{_DAYS[local.weekday()]} {local.day} {_MONTHS[local.month]} {local.year} "
        f"{local.hour:02d}:{local.minute:02d} {zone}"
    )


def london_date_text(day: _dt.date) -> str:
    """``Sat 14 Mar 2026``: a calendar day for display."""
    return f"{_DAYS[day.weekday()]} {day.day} {_MONTHS[day.month]} {day.year}"


def london_day(at: _dt.datetime) -> pendulum.Date:
    """The Europe/London calendar day of an aware instant (SPA2019 day counting)."""
    hour = int(_epoch(at) // 3600)
    day = _HOUR_DAYS.get(hour)
    if day is None:
        day = as_london_date(at)
        if len(_HOUR_DAYS) < _MEMO_LIMIT:
            _HOUR_DAYS[hour] = day
    return day


def iso_instant(at: _dt.datetime | None) -> str | None:
    """An aware instant as ISO 8601 in UTC, whole seconds: ``2026-03-14T07:02:00Z``, or ``None``.

    Whole seconds (the fraction is dropped, never rounded up past the instant) and
    ``Z``: one fixed width that ``pandas.to_datetime`` reads without a format and
    Excel recognises. Memoised for instants tagged UTC (reports write the same
    instants many times over; in another zone two instants can compare equal
    across a clock change).
    """
    if at is None:
        return None
    if at.tzinfo not in _UTC_ZONES:
        return _iso_text(at)
    text = _ISO.get(at)
    if text is None:
        text = _iso_text(at)
        if len(_ISO) < _MEMO_LIMIT:
            _ISO[at] = text
    return text


def _iso_text(at: _dt.datetime) -> str:
    if at.tzinfo not in _UTC_ZONES:
        at = _dt.datetime.fromtimestamp(_dt.datetime.timestamp(at), _dt.UTC)
    return (
        f"{at.year:04d}-{at.month:02d}-{at.day:02d}T{at.hour:02d}:{at.minute:02d}:{at.second:02d}Z"
    )


def london_iso(at: _dt.datetime | None) -> str | None:
    """The London wall-clock time of an instant, ISO 8601 with its offset, whole seconds.

    ``2026-03-14T07:02:00+00:00`` in winter, ``2026-06-04T08:00:00+01:00`` in summer;
    ``None`` for ``None``. Written beside each UTC instant so that people and
    spreadsheets see local time without converting; the offset keeps it exact.
    """
    if at is None:
        return None
    text = _LONDON_ISO.get(at) if at.tzinfo in _UTC_ZONES else None
    if text is None:
        local = _dt.datetime.fromtimestamp(int(_epoch(at) // 1), _LONDON)
        text = _dt.datetime.isoformat(local)
        if at.tzinfo in _UTC_ZONES and len(_LONDON_ISO) < _MEMO_LIMIT:
            _LONDON_ISO[at] = text
    return text


def last_day_text(at: _dt.datetime) -> str:
    """A deadline or expiry in one wording: ``last day: Thu 4 Jun 2026 (London)``.

    An instant at London midnight is the *end* of the day before (an order
    "expires at 00:00 on 5 June" has 4 June as its last day), and so is the
    last moment of a day (``23:59:59.999999``). Any other instant also gives its
    time: ``last day: Thu 4 Jun 2026 (London), until 14:30``.
    """
    local = _dt.datetime.fromtimestamp(_epoch(at), _LONDON)
    if (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0):
        return f"last day: {london_date_text(local.date() - _dt.timedelta(days=1))} (London)"
    day = f"last day: {london_date_text(local.date())} (London)"
    if (local.hour, local.minute) == (23, 59):
        return day
    return f"{day}, until {local.hour:02d}:{local.minute:02d}"
