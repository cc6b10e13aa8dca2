"""The engine's fast instants agree with the standard library and the statutory day count."""

from __future__ import annotations

import datetime as dt
import math
import zoneinfo

import pendulum
from hypothesis import given
from hypothesis import strategies as st

from spo_tracker.detection._clock import day_start, epoch, instant, london_day, london_parts
from spo_tracker.domain.statutory_time import as_london_date, start_of_london_day

LONDON = zoneinfo.ZoneInfo("Europe/London")
MONTHS = [
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
]
moments = st.datetimes(
    min_value=dt.datetime(1901, 1, 1),
    max_value=dt.datetime(2199, 12, 31),
    timezones=st.just(dt.UTC),
)


@given(at=moments)
def test_epoch_equals_timestamp_in_every_zone_representation(at: dt.datetime) -> None:
    """pendulum UTC, stdlib UTC, London (stdlib and pendulum): the C ``timestamp`` exactly."""
    expected = at.timestamp()
    assert epoch(at) == expected
    assert epoch(pendulum.instance(at)) == expected
    assert epoch(at.astimezone(LONDON)) == expected
    assert epoch(pendulum.instance(at).in_timezone("Europe/London")) == expected


@given(at=moments)
def test_instant_gives_back_the_same_microsecond(at: dt.datetime) -> None:
    back = instant(epoch(at))
    assert back == at
    assert back.microsecond == at.microsecond
    assert back.tzinfo is pendulum.UTC


@given(at=moments)
def test_london_day_is_the_statutory_london_date(at: dt.datetime) -> None:
    ordinal = london_day(epoch(at))
    assert ordinal == as_london_date(pendulum.instance(at)).toordinal()
    start = day_start(ordinal)
    assert start == start_of_london_day(dt.date.fromordinal(ordinal))
    assert start <= at


@given(at=moments)
def test_london_parts_are_the_london_wall_clock_formatted(at: dt.datetime) -> None:
    """The remembered date text and the clock table give the formatted London wall clock,
    each second around any instant (a day's last minute and the next day's first)."""
    for seconds in (epoch(at), float(math.floor(epoch(at) / 60) * 60 - 1)):
        local = dt.datetime.fromtimestamp(seconds, LONDON)
        assert london_parts(seconds) == (
            f"{local.day} {MONTHS[local.month - 1]} {local.year}",
            f"{local.hour:02d}:{local.minute:02d}",
        )
