"""Statutory day counting in Europe/London calendar days.

The Act counts periods "beginning with" a day: that day is day 1
(SPA2019 s.9(1), s.9(3)-(4), s.3(2), s.4(4)(b)). Days are Europe/London
calendar days, not UTC, and weekends and bank holidays are not excluded.
A period's end is held as the *exclusive* instant at which the day after its
last day starts in London, so ``at < period.ends_at`` is "within time" without
any 23:59:59 rounding; :attr:`DayPeriod.last_moment` is the 23:59:59.999999
London reading for display.

29 February and short months (an OPEN point, see ``docs/domain.md``):
``N`` years or months beginning with day D end on the day before the
*corresponding date*; where the corresponding date does not exist (29 February
in a common year, 31 April) it is taken as the first day of the following
month. So an order made on 29 February 2024 for 2 years has its 2-year point at
the end of 28 February 2026, and one made on 31 January for 1 month ends at the
end of the last day of February. This never gives less than the full number of
calendar years or months.

Comparing instants: Python compares two datetimes that share a ``tzinfo`` by
their wall-clock readings, ignoring ``fold``. In the hour repeated when the
London clocks go back, 01:59 BST then reads later than the 01:00 GMT that
follows it. Compare instants that may both be London readings through
:func:`as_utc`.
"""

from __future__ import annotations

import calendar
import datetime as _dt
import functools
from typing import Final

import attrs
import pendulum

from spo_tracker.domain.limits import INSTANT_MAX, INSTANT_MIN
from spo_tracker.errors import InvalidValueError, NaiveDatetimeError

__all__ = [
    "LONDON",
    "DayPeriod",
    "add_calendar",
    "as_london_date",
    "as_utc",
    "corresponding_date",
    "days_beginning_with",
    "ensure_aware",
    "ensure_date",
    "epoch",
    "instant_before",
    "months_beginning_with",
    "start_of_london_day",
    "years_beginning_with",
]

LONDON: Final = pendulum.timezone("Europe/London")
#: pendulum's zone types: a datetime carrying one is aware (its ``utcoffset`` is never None).
_PENDULUM_ZONES: Final = (pendulum.Timezone, pendulum.FixedTimezone)

#: Wider than any change of a zone's UTC offset (Samoa moved by 24 hours in 2011).
_OFFSETS_AGREE_BEYOND: Final = _dt.timedelta(hours=26)
_ZERO: Final = _dt.timedelta(0)
_wall_difference: Final = _dt.datetime.__sub__
_utcoffset: Final = _dt.datetime.utcoffset
#: Wall-clock years whose every instant is within the supported range, whatever the offset.
_SAFE_FIRST_YEAR: Final = INSTANT_MIN.year + 1
_SAFE_LAST_YEAR: Final = INSTANT_MAX.year - 2
_OUT_OF_RANGE: Final = (
    f"outside the supported range {INSTANT_MIN:%Y-%m-%dT%H:%M:%SZ} (included) to "
    f"{INSTANT_MAX:%Y-%m-%dT%H:%M:%SZ} (excluded)"
)


def instant_before(a: _dt.datetime, b: _dt.datetime) -> bool:
    """Whether the instant ``a`` is before the instant ``b`` (both aware), cheaply.

    Python compares two datetimes sharing a tzinfo by wall clock, which misorders
    the hour repeated when the clocks go back; with different tzinfos it compares
    in UTC. Wall clocks in one zone further apart than any offset change are
    ordered as their instants are (one C subtraction, no offset lookup); close
    ones are compared through their UTC offsets: ``a`` is before ``b`` exactly
    when ``wall(a) - wall(b)`` is less than ``offset(a) - offset(b)``, since each
    instant is its wall clock less its offset (``utcoffset`` honours ``fold``).
    """
    if a.tzinfo is not b.tzinfo:
        return a < b
    wall = _wall_difference(a, b)  # the naive difference (not pendulum's Interval)
    if abs(wall) > _OFFSETS_AGREE_BEYOND:
        return wall < _ZERO
    if not wall and a.fold == b.fold:
        return False  # the same wall clock and fold in one zone: the same instant
    offset_a, offset_b = _utcoffset(a), _utcoffset(b)
    if offset_a is None or offset_b is None:
        raise NaiveDatetimeError("at", a if offset_a is None else b)
    return wall < offset_a - offset_b


def ensure_aware(value: object, *, field: str) -> pendulum.DateTime:
    """Return ``value`` as an aware pendulum datetime within the supported range, or raise.

    A stdlib datetime is read by its own ``utcoffset()``, which honours ``fold``
    (PEP 495): in the hour skipped when the London clocks go forward, 01:30 with
    ``fold=0`` is 01:30 UTC and with ``fold=1`` 00:30 UTC, as the zone says; its
    wall clock is never read again through another library's rules.

    Raises:
        NaiveDatetimeError: ``value`` is a datetime without a time zone.
        InvalidValueError: ``value`` is not a datetime at all, or it is outside
            :data:`~spo_tracker.domain.limits.INSTANT_MIN` to
            :data:`~spo_tracker.domain.limits.INSTANT_MAX`.
    """
    if type(value) is pendulum.DateTime and type(value.tzinfo) in _PENDULUM_ZONES:
        # A pendulum zone always has an offset: aware (the common case, fast). Wall years
        # strictly inside the range are inside it whatever the offset.
        if _SAFE_FIRST_YEAR <= value.year <= _SAFE_LAST_YEAR:
            return value
        _within_range(value, field)
        return value
    if not isinstance(value, _dt.datetime):
        raise InvalidValueError(field, value, "expected an aware datetime")
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise NaiveDatetimeError(field, value)
    _within_range(value, field)
    if isinstance(value, pendulum.DateTime):
        return value
    if isinstance(value.tzinfo, _dt.timezone):
        return pendulum.instance(value)  # a fixed offset: no wall clock to misread
    return _by_own_offset(value)


def _within_range(value: _dt.datetime, field: str) -> None:
    """Refuse ``value`` if its instant is outside the supported range."""
    try:
        utc = _dt.datetime.astimezone(value, _dt.UTC)
    except (OverflowError, ValueError):
        utc = None  # beyond year 1 or 9999 in UTC: out of range by far
    if utc is None or not INSTANT_MIN <= utc < INSTANT_MAX:
        raise InvalidValueError(field, value, _OUT_OF_RANGE)


def _by_own_offset(value: _dt.datetime) -> pendulum.DateTime:
    """A stdlib datetime in a zone with clock changes, as the instant its offset gives."""
    offset = _utcoffset(value)
    assert offset is not None  # checked by the caller
    utc = _dt.datetime.replace(value, tzinfo=None) - offset
    instant = pendulum.DateTime(
        utc.year,
        utc.month,
        utc.day,
        utc.hour,
        utc.minute,
        utc.second,
        utc.microsecond,
        tzinfo=pendulum.UTC,
    )
    key = getattr(value.tzinfo, "key", None)
    if isinstance(key, str):
        try:
            return instant.in_timezone(pendulum.timezone(key))
        except (ValueError, LookupError):
            pass  # a zone pendulum does not know: keep the instant at its offset
    return instant.in_timezone(pendulum.FixedTimezone(int(offset.total_seconds())))


def as_utc(at: _dt.datetime, *, field: str = "at") -> pendulum.DateTime:
    """The instant ``at`` read in UTC, where wall-clock order is time order.

    Raises:
        NaiveDatetimeError: ``at`` has no time zone.
        InvalidValueError: ``at`` is not a datetime.
    """
    return ensure_aware(at, field=field).astimezone(pendulum.UTC)


def ensure_date(value: object, *, field: str) -> pendulum.Date:
    """Return ``value`` as a pendulum date; a datetime is refused (ambiguous day)."""
    if isinstance(value, _dt.datetime) or not isinstance(value, _dt.date):
        raise InvalidValueError(field, value, "expected a calendar date")
    if isinstance(value, pendulum.Date):
        return value
    return pendulum.Date(value.year, value.month, value.day)


def as_london_date(at: _dt.datetime) -> pendulum.Date:
    """The Europe/London calendar day on which the instant ``at`` falls.

    Raises:
        NaiveDatetimeError: ``at`` has no time zone.
        InvalidValueError: ``at`` is not a datetime.
    """
    return _london_date(_dt.datetime.astimezone(ensure_aware(at, field="at"), _dt.UTC))


@functools.lru_cache(maxsize=4096)
def _london_date(at: _dt.datetime) -> pendulum.Date:
    # Memoised: order records and guards ask for the same instants' days again
    # and again. Keyed on the instant in UTC: two datetimes in one zone that differ
    # only in ``fold`` are equal as keys but are different instants, and in a zone
    # whose repeated hour crosses London midnight they fall on different London days.
    local = pendulum.instance(at).in_timezone(LONDON)
    return pendulum.Date(local.year, local.month, local.day)


def start_of_london_day(day: _dt.date) -> pendulum.DateTime:
    """The instant at which ``day`` begins in London (midnight always exists there).

    Raises:
        InvalidValueError: ``day`` is not a calendar date (a datetime is refused).
    """
    day = ensure_date(day, field="day")
    return pendulum.datetime(day.year, day.month, day.day, tz=LONDON)


def _out_of_range(day: _dt.date, moved_by: str) -> InvalidValueError:
    return InvalidValueError("day", day, f"moving it by {moved_by} leaves the calendar (1..9999)")


def corresponding_date(day: _dt.date, *, years: int = 0, months: int = 0) -> pendulum.Date:
    """``day`` moved by whole years and months; a missing day rolls to the 1st of the next month.

    Raises:
        InvalidValueError: ``day`` is not a date, or the result is outside years 1 to 9999.
    """
    day = ensure_date(day, field="day")
    index = day.year * 12 + (day.month - 1) + years * 12 + months
    year, month0 = divmod(index, 12)
    month = month0 + 1
    if not 1 <= year <= 9999:
        raise _out_of_range(day, f"{years} years and {months} months")
    if day.day <= calendar.monthrange(year, month)[1]:
        return pendulum.Date(year, month, day.day)
    year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    if year > 9999:
        raise _out_of_range(day, f"{years} years and {months} months")
    return pendulum.Date(year, month, 1)


def _add_days(day: pendulum.Date, days: int) -> pendulum.Date:
    """``day`` plus ``days``, as a typed error (not OverflowError) at the calendar's edge."""
    try:
        return day.add(days=days)
    except OverflowError:
        raise _out_of_range(day, f"{days} days") from None


def add_calendar(
    day: _dt.date, *, years: int = 0, months: int = 0, weeks: int = 0, days: int = 0
) -> pendulum.Date:
    """``day`` moved by a calendar duration (years and months first, then weeks and days)."""
    moved = corresponding_date(day, years=years, months=months)
    return _add_days(moved, weeks * 7 + days)


def _first_day(value: object) -> pendulum.Date:
    return ensure_date(value, field="first_day")


def _last_day(value: object) -> pendulum.Date:
    return ensure_date(value, field="last_day")


@attrs.frozen(order=True)
class DayPeriod:
    """A run of whole Europe/London calendar days, both ends included.

    Attributes:
        first_day: day 1 of the period.
        last_day: the last day of the period (the period ends at its end).
    """

    first_day: pendulum.Date = attrs.field(converter=_first_day)
    last_day: pendulum.Date = attrs.field(converter=_last_day)

    def __attrs_post_init__(self) -> None:
        if self.last_day < self.first_day:
            raise InvalidValueError(
                "last_day", self.last_day, f"is before first_day {self.first_day}"
            )

    @property
    def starts_at(self) -> pendulum.DateTime:
        """The instant the first day begins in London."""
        return start_of_london_day(self.first_day)

    @property
    def ends_at(self) -> pendulum.DateTime:
        """The exclusive end: the instant the day after the last day begins in London."""
        return start_of_london_day(_add_days(self.last_day, 1))

    @property
    def last_moment(self) -> pendulum.DateTime:
        """23:59:59.999999 London time on the last day, for display."""
        return self.ends_at.subtract(microseconds=1)

    @property
    def days(self) -> int:
        """How many calendar days the period spans."""
        return (self.last_day - self.first_day).in_days() + 1

    def contains(self, at: _dt.datetime) -> bool:
        """Whether the instant ``at`` falls within the period."""
        instant = ensure_aware(at, field="at")
        return self.starts_at <= instant < self.ends_at

    def contains_day(self, day: _dt.date) -> bool:
        """Whether the calendar day ``day`` is one of the period's days."""
        return self.first_day <= ensure_date(day, field="day") <= self.last_day


def _check_count(count: object, unit: str) -> int:
    # bool is an int subclass, and a float would silently truncate: both are refused.
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise InvalidValueError("count", count, f"a period has a whole number of {unit}, 1 or more")
    return count


def days_beginning_with(day: _dt.date, count: int) -> DayPeriod:
    """The ``count`` days beginning with ``day``: ``day`` is day 1 (SPA2019 s.9(1)).

    "3 days beginning with 10 March" is 10, 11 and 12 March; the duty is
    breached from the start of 13 March, London time.

    Raises:
        InvalidValueError: ``day`` is not a date, or ``count`` is not a whole number >= 1.
    """
    count = _check_count(count, "days")
    first = ensure_date(day, field="day")
    return DayPeriod(first, _add_days(first, count - 1))


def years_beginning_with(day: _dt.date, count: int) -> DayPeriod:
    """The ``count`` years beginning with ``day`` (SPA2019 s.3(2), s.4(4)(b)).

    An order made on 15 March 2024 has its 2-year point at the end of
    14 March 2026; see the module docstring for 29 February.
    """
    count = _check_count(count, "years")
    first = ensure_date(day, field="day")
    return DayPeriod(first, _add_days(corresponding_date(first, years=count), -1))


def months_beginning_with(day: _dt.date, count: int) -> DayPeriod:
    """The ``count`` calendar months beginning with ``day``."""
    count = _check_count(count, "months")
    first = ensure_date(day, field="day")
    return DayPeriod(first, _add_days(corresponding_date(first, months=count), -1))


_UTC_ZONE: Final = pendulum.UTC
_STD_UTC: Final = _dt.UTC
_timestamp: Final = _dt.datetime.timestamp
_subtract: Final = _dt.datetime.__sub__
_total_seconds: Final = _dt.timedelta.total_seconds
_EPOCH_UTC: Final = _dt.datetime(1970, 1, 1, tzinfo=_UTC_ZONE)
_EPOCH_STD_UTC: Final = _dt.datetime(1970, 1, 1, tzinfo=_STD_UTC)


def epoch(at: _dt.datetime) -> float:
    """Seconds since 1970-01-01 UTC for an aware datetime, exactly as ``timestamp()``.

    UTC instants (the usual case) are subtracted from the epoch in the same
    zone by the C ``datetime`` subtraction (same ``tzinfo``: no offset lookups,
    and pendulum's own ``__sub__`` is bypassed), and the ``timedelta`` turned
    into seconds by dividing whole microseconds once, which rounds exactly like
    the C ``datetime.timestamp``; other zones use that C method. Both avoid
    pendulum's own ``timestamp``, which goes through its slower interval
    arithmetic. The detection engine's hot path and :attr:`Alert.sort_key
    <spo_tracker.domain.alerts.Alert.sort_key>` use it.
    """
    tz = at.tzinfo
    if tz is _UTC_ZONE:
        return _total_seconds(_subtract(at, _EPOCH_UTC))
    if tz is _STD_UTC:
        return _total_seconds(_subtract(at, _EPOCH_STD_UTC))
    return _timestamp(at)
