"""Statutory day counting in Europe/London (SPA2019 s.3(2), s.4(4)(b), s.9)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from spo_tracker.domain.statutory_time import (
    LONDON,
    as_london_date,
    days_beginning_with,
    ensure_aware,
    years_beginning_with,
)
from spo_tracker.errors import NaiveDatetimeError

dates = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2099, 12, 31))


def test_three_days_beginning_with_counts_the_day_itself() -> None:
    """Service on 10 July: the last compliant day is 12 July (SPA2019 s.9(1))."""
    period = days_beginning_with(pendulum.Date(2026, 7, 10), 3)
    assert period.last_day == pendulum.Date(2026, 7, 12)
    assert period.ends_at == pendulum.datetime(2026, 7, 12, 23, 0, tz="UTC")


def test_two_year_point_of_an_order_made_15_march_2024() -> None:
    """The domain file's worked example (SPA2019 s.4(4)(b))."""
    assert years_beginning_with(pendulum.Date(2024, 3, 15), 2).last_day == pendulum.Date(
        2026, 3, 14
    )


def test_two_years_beginning_with_29_february_end_on_28_february() -> None:
    """The library's 29 February convention (OPEN point)."""
    assert years_beginning_with(pendulum.Date(2024, 2, 29), 2).last_day == pendulum.Date(
        2026, 2, 28
    )
    assert years_beginning_with(pendulum.Date(2024, 2, 29), 4).last_day == pendulum.Date(
        2028, 2, 28
    )


def test_naive_datetime_is_refused_with_its_value() -> None:
    """A naive datetime is a typed error naming the value."""
    with pytest.raises(NaiveDatetimeError, match="2026"):
        ensure_aware(dt.datetime(2026, 1, 1, 12, 0), field="at")


@given(day=dates, count=st.integers(min_value=1, max_value=60))
def test_period_has_exactly_count_london_days(day: dt.date, count: int) -> None:
    """N days beginning with D span N calendar days whatever the clocks do."""
    period = days_beginning_with(day, count)
    assert period.days == count
    assert as_london_date(period.starts_at) == day
    assert as_london_date(period.last_moment) == period.last_day
    assert as_london_date(period.ends_at) == period.last_day.add(days=1)


@given(day=dates, years=st.integers(min_value=1, max_value=10))
def test_years_never_fall_short_of_the_calendar_years(day: dt.date, years: int) -> None:
    """The period covers at least the full calendar years and at most one extra day."""
    period = years_beginning_with(day, years)
    same_day_later = pendulum.Date(day.year + years, day.month, 28 if day.day > 28 else day.day)
    assert period.last_day >= same_day_later.subtract(days=1)
    assert period.last_day <= pendulum.Date(day.year + years, day.month, 1).add(months=1)
    assert period.contains(period.last_moment)
    assert not period.contains(period.ends_at)


@given(
    instant=st.datetimes(
        min_value=dt.datetime(2000, 1, 2),
        max_value=dt.datetime(2099, 1, 1),
        timezones=st.just(dt.UTC),
    )
)
def test_london_date_matches_the_london_wall_clock(instant: dt.datetime) -> None:
    """The London day of an instant is the date shown on a London clock."""
    assert as_london_date(instant) == pendulum.instance(instant).in_timezone(LONDON).date()


@pytest.mark.parametrize("first_fold", [0, 1])
def test_the_london_day_of_a_repeated_hour_elsewhere_is_that_of_its_instant(
    first_fold: int,
) -> None:
    """In Jerusalem the clocks went back at 02:00 on 25 October 2026: 01:30 came twice,
    at 22:30 UTC (Saturday 24 October in London) and at 23:30 UTC (Sunday 25 October).
    Both instants compare equal as wall clocks (fold is ignored), so a memo keyed on
    them gave the day of whichever was asked first, whichever was asked after."""
    zone = zoneinfo.ZoneInfo("Asia/Jerusalem")
    instants = {fold: dt.datetime(2026, 10, 25, 1, 30, tzinfo=zone, fold=fold) for fold in (0, 1)}
    expected = {0: dt.date(2026, 10, 24), 1: dt.date(2026, 10, 25)}
    for fold in (first_fold, 1 - first_fold):
        assert as_london_date(instants[fold]) == expected[fold]
