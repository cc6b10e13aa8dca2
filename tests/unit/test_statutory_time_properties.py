"""Statutory time across clock changes and leap years (SPA2019 s.3(2), s.4(4)(b), s.9).

The oracles here are written independently of the module: stdlib ``zoneinfo``
for London midnights, ordinal arithmetic for day counts, and the module
docstring's 29 February convention restated with ``datetime.date``.
"""

from __future__ import annotations

import calendar
import datetime as dt
from zoneinfo import ZoneInfo

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from spo_tracker.domain.orders import Duration
from spo_tracker.domain.statutory_time import (
    DayPeriod,
    add_calendar,
    as_london_date,
    as_utc,
    corresponding_date,
    days_beginning_with,
    ensure_aware,
    ensure_date,
    months_beginning_with,
    start_of_london_day,
    years_beginning_with,
)
from spo_tracker.errors import InvalidValueError, NaiveDatetimeError
from tests.strategies import (
    aware_datetimes,
    dst_change_days,
    instants_on_london_day,
    last_sunday,
    leap_days,
    london_dates,
    naive_datetimes,
)

LONDON_ZI = ZoneInfo("Europe/London")
UTC = dt.UTC


def london_midnight(day: dt.date) -> dt.datetime:
    """Oracle: the instant ``day`` starts in London, by zoneinfo (not pendulum)."""
    return dt.datetime(day.year, day.month, day.day, tzinfo=LONDON_ZI).astimezone(UTC)


def plus_days(day: dt.date, days: int) -> dt.date:
    """Oracle: ordinal day arithmetic."""
    return dt.date.fromordinal(day.toordinal() + days)


def corresponding(day: dt.date, years: int = 0, months: int = 0) -> dt.date:
    """Oracle for the module's convention: a missing day becomes the 1st of the next month."""
    y, m0 = divmod(day.year * 12 + day.month - 1 + years * 12 + months, 12)
    try:
        return dt.date(y, m0 + 1, day.day)
    except ValueError:
        return dt.date(y + (m0 == 11), 1 if m0 == 11 else m0 + 2, 1)


def clock_changes_between(first: dt.date, last: dt.date) -> int:
    """Oracle: hours the London clocks gain over the days first..last (+1 Oct, -1 Mar)."""
    total = 0
    for year in range(first.year, last.year + 1):
        total -= first <= last_sunday(year, 3) <= last
        total += first <= last_sunday(year, 10) <= last
    return total


# --------------------------------------------------------------------------- N days


@given(day=london_dates(), count=st.integers(min_value=1, max_value=800))
def test_n_days_beginning_with_d_count_d_as_day_one(day: pendulum.Date, count: int) -> None:
    """N days beginning with D are D..D+N-1, whatever the clocks do (SPA2019 s.9(1))."""
    period = days_beginning_with(day, count)
    assert period.first_day == day
    assert period.last_day == plus_days(day, count - 1)
    assert period.days == count


@given(day=london_dates(), count=st.integers(min_value=1, max_value=800))
def test_period_runs_from_london_midnight_to_london_midnight(
    day: pendulum.Date, count: int
) -> None:
    """starts_at and ends_at are the London midnights around the days, by zoneinfo."""
    period = days_beginning_with(day, count)
    assert period.starts_at == london_midnight(day)
    assert period.ends_at == london_midnight(plus_days(day, count))
    assert period.last_moment + dt.timedelta(microseconds=1) == period.ends_at


@given(day=london_dates(), count=st.integers(min_value=1, max_value=800))
def test_period_length_in_hours_follows_the_london_clock_changes(
    day: pendulum.Date, count: int
) -> None:
    """A period over a March change is an hour short, over an October change an hour long."""
    period = days_beginning_with(day, count)
    hours = (period.ends_at - period.starts_at).total_seconds() / 3600
    assert hours == 24 * count + clock_changes_between(period.first_day, period.last_day)


@given(day=dst_change_days())
def test_clock_change_days_have_23_or_25_hours(day: pendulum.Date) -> None:
    """The last Sunday of March has 23 London hours; that of October has 25."""
    period = days_beginning_with(day, 1)
    hours = (period.ends_at - period.starts_at).total_seconds() / 3600
    assert hours == (23 if day.month == 3 else 25)


def test_deadline_in_summer_ends_at_22_59_59_999999_utc() -> None:
    """3 days beginning with 10 July end at London midnight: 23:00 UTC (SPA2019 s.9(1))."""
    period = days_beginning_with(pendulum.Date(2026, 7, 10), 3)
    assert period.last_moment == pendulum.datetime(2026, 7, 12, 22, 59, 59, 999999, tz="UTC")
    assert period.ends_at == pendulum.datetime(2026, 7, 12, 23, 0, tz="UTC")
    assert period.contains(pendulum.datetime(2026, 7, 12, 22, 59, 59, 999999, tz="UTC"))
    assert not period.contains(pendulum.datetime(2026, 7, 12, 23, 0, tz="UTC"))


def test_deadline_in_winter_ends_at_midnight_utc() -> None:
    """In GMT the London midnight is midnight UTC."""
    period = days_beginning_with(pendulum.Date(2026, 1, 10), 3)
    assert period.last_moment == pendulum.datetime(2026, 1, 12, 23, 59, 59, 999999, tz="UTC")


def test_deadline_across_the_october_change_is_midnight_gmt() -> None:
    """Served Saturday 24 Oct 2026: day 3 is Monday 26 Oct, after the clocks go back."""
    period = days_beginning_with(pendulum.Date(2026, 10, 24), 3)
    assert period.ends_at == pendulum.datetime(2026, 10, 27, 0, 0, tz="UTC")
    assert period.starts_at == pendulum.datetime(2026, 10, 23, 23, 0, tz="UTC")


# --------------------------------------------------------------------------- containment


@given(day=london_dates(2001, 2098), data=st.data())
def test_every_instant_of_a_london_day_is_in_that_day_only(
    day: pendulum.Date, data: st.DataObject
) -> None:
    """An instant on London day D is in the 1-day period of D, and not of D-1 or D+1."""
    instant = data.draw(instants_on_london_day(day))
    assert as_london_date(instant) == day
    assert days_beginning_with(day, 1).contains(instant)
    assert not days_beginning_with(day.add(days=1), 1).contains(instant)
    assert not days_beginning_with(day.subtract(days=1), 1).contains(instant)


@given(
    day=london_dates(2001, 2098),
    count=st.integers(min_value=1, max_value=60),
    at=aware_datetimes(2000, 2099),
)
def test_instant_containment_is_day_containment_of_its_london_day(
    day: pendulum.Date, count: int, at: pendulum.DateTime
) -> None:
    """contains(at) is exactly contains_day(the London day of at)."""
    period = days_beginning_with(day, count)
    assert period.contains(at) == period.contains_day(as_london_date(at))


@given(day=london_dates(2001, 2098), count=st.integers(min_value=1, max_value=60))
def test_the_boundaries_are_half_open(day: pendulum.Date, count: int) -> None:
    """In from the first microsecond, out from ends_at; nothing in a microsecond early."""
    period = days_beginning_with(day, count)
    one = dt.timedelta(microseconds=1)
    assert period.contains(period.starts_at)
    assert not period.contains(period.starts_at - one)
    assert period.contains(period.ends_at - one)
    assert not period.contains(period.ends_at)


@given(
    a=st.tuples(london_dates(), st.integers(1, 100)),
    b=st.tuples(london_dates(), st.integers(1, 100)),
)
def test_day_periods_order_by_first_then_last_day(
    a: tuple[pendulum.Date, int], b: tuple[pendulum.Date, int]
) -> None:
    """DayPeriod ordering is (first_day, last_day) ordering, and equality is by days."""
    pa, pb = days_beginning_with(*a), days_beginning_with(*b)
    key_a, key_b = (pa.first_day, pa.last_day), (pb.first_day, pb.last_day)
    assert (pa < pb) == (key_a < key_b)
    assert (pa == pb) == (key_a == key_b)
    assert sorted([pa, pb]) == sorted([pb, pa])


def test_a_day_period_accepts_stdlib_dates() -> None:
    """Plain datetime.date ends are converted, so ends_at works."""
    period = DayPeriod(dt.date(2024, 3, 30), dt.date(2024, 3, 31))
    assert period.ends_at == london_midnight(dt.date(2024, 4, 1))
    assert period == days_beginning_with(pendulum.Date(2024, 3, 30), 2)


def test_a_day_period_cannot_end_before_it_starts() -> None:
    """last_day before first_day is a typed error naming last_day."""
    with pytest.raises(InvalidValueError, match="last_day=Date\\(2024, 1, 1\\)") as err:
        DayPeriod(pendulum.Date(2024, 1, 2), pendulum.Date(2024, 1, 1))
    assert err.value.field == "last_day"


# --------------------------------------------------------------------------- years, months


@given(day=london_dates(), count=st.integers(min_value=1, max_value=20))
def test_n_years_beginning_with_d_end_the_day_before_the_corresponding_date(
    day: pendulum.Date, count: int
) -> None:
    """The module's convention, checked against an independent restatement."""
    period = years_beginning_with(day, count)
    assert period.first_day == day
    assert period.last_day == plus_days(corresponding(day, years=count), -1)
    assert period == Duration(years=count).period_from(day)


@given(day=london_dates(), count=st.integers(min_value=1, max_value=60))
def test_n_months_beginning_with_d_end_the_day_before_the_corresponding_date(
    day: pendulum.Date, count: int
) -> None:
    """Months follow the same convention as years."""
    period = months_beginning_with(day, count)
    assert period.last_day == plus_days(corresponding(day, months=count), -1)
    assert period == Duration(months=count).period_from(day)
    assert years_beginning_with(day, 1) == months_beginning_with(day, 12)


@given(day=london_dates(), count=st.integers(min_value=1, max_value=20))
def test_years_are_never_shorter_than_the_calendar_years(day: pendulum.Date, count: int) -> None:
    """At least N full years, at most one extra day (only from 29 February)."""
    period = years_beginning_with(day, count)
    year = day.year + count
    same_or_28 = dt.date(year, day.month, min(day.day, calendar.monthrange(year, day.month)[1]))
    assert period.last_day >= plus_days(same_or_28, -1)
    extra = period.last_day.toordinal() - plus_days(same_or_28, -1).toordinal()
    leap_day_into_common_year = (day.month, day.day) == (2, 29) and not calendar.isleap(
        day.year + count
    )
    assert extra == (1 if leap_day_into_common_year else 0)


@given(day=london_dates(), count=st.integers(min_value=1, max_value=30))
def test_a_later_start_never_ends_earlier(day: pendulum.Date, count: int) -> None:
    """years and months beginning with D are monotonic in D (no rollover surprises)."""
    after = day.add(days=1)
    assert years_beginning_with(after, count).last_day >= years_beginning_with(day, count).last_day
    assert months_beginning_with(after, count).last_day >= (
        months_beginning_with(day, count).last_day
    )


@given(day=leap_days(), count=st.integers(min_value=1, max_value=12))
def test_29_february_convention_from_the_module_docstring(day: pendulum.Date, count: int) -> None:
    """N years beginning with 29 February always end at the end of a 28 February."""
    assert years_beginning_with(day, count).last_day == pendulum.Date(day.year + count, 2, 28)


@pytest.mark.parametrize(
    ("start", "months", "last"),
    [
        (dt.date(2025, 1, 31), 1, dt.date(2025, 2, 28)),
        (dt.date(2024, 1, 31), 1, dt.date(2024, 2, 29)),
        (dt.date(2024, 1, 30), 1, dt.date(2024, 2, 29)),
        (dt.date(2024, 3, 31), 1, dt.date(2024, 4, 30)),
        (dt.date(2024, 1, 28), 1, dt.date(2024, 2, 27)),
        (dt.date(2024, 12, 31), 2, dt.date(2025, 2, 28)),
    ],
)
def test_short_months_roll_to_the_first_of_the_next_month(
    start: dt.date, months: int, last: dt.date
) -> None:
    """1 month beginning with 31 January ends at the end of February (module docstring)."""
    assert months_beginning_with(start, months).last_day == last


def test_a_year_beginning_with_1_march_ends_on_29_february_in_a_leap_year() -> None:
    """1 March 2023 + 1 year: the corresponding date is 1 March 2024."""
    assert years_beginning_with(dt.date(2023, 3, 1), 1).last_day == dt.date(2024, 2, 29)


@given(day=london_dates(), y=st.integers(0, 5), m=st.integers(0, 24), d=st.integers(0, 400))
def test_add_calendar_moves_years_and_months_before_days(
    day: pendulum.Date, y: int, m: int, d: int
) -> None:
    """add_calendar is the corresponding date, then plain day arithmetic."""
    assert add_calendar(day, years=y, months=m, days=d) == plus_days(corresponding(day, y, m), d)
    assert corresponding_date(day, years=y, months=m) == corresponding(day, y, m)


# --------------------------------------------------------------------------- bad input


@given(value=naive_datetimes())
def test_naive_datetimes_are_refused_naming_the_value(value: dt.datetime) -> None:
    """Every naive datetime is a NaiveDatetimeError carrying and naming the value."""
    with pytest.raises(NaiveDatetimeError) as err:
        as_london_date(value)
    assert err.value.value == value
    assert repr(value) in str(err.value)


@pytest.mark.parametrize("value", ["2024-01-01", 1704067200, None, dt.date(2024, 1, 1)])
def test_non_datetimes_are_refused_naming_the_value(value: object) -> None:
    """A string, number, None or a bare date is not an instant."""
    with pytest.raises(InvalidValueError) as err:
        ensure_aware(value, field="at")
    assert err.value.value == value
    assert repr(value) in str(err.value)


@pytest.mark.parametrize(
    "value",
    ["2024-01-01", 20240101, None, dt.datetime(2024, 1, 1, tzinfo=UTC)],
)
def test_non_dates_are_refused_naming_the_value(value: object) -> None:
    """A datetime is refused as a day too: which day it is depends on the zone."""
    with pytest.raises(InvalidValueError) as err:
        days_beginning_with(value, 3)  # type: ignore[arg-type]
    assert err.value.value == value
    assert repr(value) in str(err.value)


@pytest.mark.parametrize("count", [0, -1, 2.5, True, "3", None])
@pytest.mark.parametrize("function", [days_beginning_with, years_beginning_with])
def test_counts_must_be_whole_numbers_from_one(function: object, count: object) -> None:
    """0, negatives, fractions, booleans and strings are typed errors naming the count."""
    with pytest.raises(InvalidValueError) as err:
        function(dt.date(2024, 1, 1), count)  # type: ignore[operator]
    assert err.value.field == "count"
    assert repr(count) in str(err.value)


@pytest.mark.parametrize(
    ("call", "day"),
    [
        (lambda: days_beginning_with(dt.date(9999, 12, 30), 5), dt.date(9999, 12, 30)),
        (lambda: years_beginning_with(dt.date(9999, 6, 1), 1), dt.date(9999, 6, 1)),
        (lambda: months_beginning_with(dt.date(9999, 12, 1), 1), dt.date(9999, 12, 1)),
        (lambda: corresponding_date(dt.date(1, 1, 1), years=-1), dt.date(1, 1, 1)),
    ],
)
def test_leaving_the_calendar_is_a_typed_error(call: object, day: dt.date) -> None:
    """Past year 9999 is an InvalidValueError naming the day, not an OverflowError."""
    with pytest.raises(InvalidValueError) as err:
        call()  # type: ignore[operator]
    assert err.value.value == day


def test_ensure_aware_keeps_the_instant_of_a_stdlib_datetime() -> None:
    """A zoneinfo datetime becomes the same instant as a pendulum DateTime."""
    value = dt.datetime(2026, 10, 25, 1, 30, fold=1, tzinfo=LONDON_ZI)
    converted = ensure_aware(value, field="at")
    assert isinstance(converted, pendulum.DateTime)
    # Compared in UTC: PEP 495 makes a fold=1 datetime unequal to any other zone's.
    assert converted.timestamp() == value.timestamp()
    assert converted.in_timezone("UTC") == pendulum.datetime(2026, 10, 25, 1, 30, tz="UTC")


@given(a=aware_datetimes(), b=aware_datetimes())
def test_as_utc_orders_instants_by_real_time(a: pendulum.DateTime, b: pendulum.DateTime) -> None:
    """Also in the repeated autumn hour, where London wall-clock order is wrong."""
    assert (as_utc(a) < as_utc(b)) == (a.timestamp() < b.timestamp())
    assert as_utc(a).timestamp() == a.timestamp()


def test_as_utc_refuses_naive_datetimes() -> None:
    """NaiveDatetimeError naming the field given."""
    with pytest.raises(NaiveDatetimeError, match="served_at"):
        as_utc(dt.datetime(2026, 1, 1), field="served_at")


def test_start_of_london_day_refuses_a_datetime() -> None:
    """A datetime's day depends on its zone, so it is not taken as a day."""
    value = pendulum.datetime(2026, 3, 29, 23, 30, tz="UTC")
    with pytest.raises(InvalidValueError, match="expected a calendar date"):
        start_of_london_day(value)
    assert ensure_date(dt.date(2026, 3, 29), field="day") == pendulum.Date(2026, 3, 29)
