"""The retention schedule's rules (MoPI review periods), checked over dates and instants,
including the nights the London clocks change."""

from __future__ import annotations

import calendar
import datetime as _dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from spo_tracker.domain.retention import (
    DEFAULT_SCHEDULE,
    MOPI_GROUPS,
    RetentionCategory,
    RetentionReview,
    RetentionSchedule,
    case_clear_day,
    next_review_day,
)
from spo_tracker.errors import InvalidValueError, RetentionReasonMissingError, UnknownCodeError

LONDON = ZoneInfo("Europe/London")
UTC = _dt.UTC
DOC = Path(__file__).resolve().parents[2] / "docs" / "retention.md"

days = st.dates(min_value=_dt.date(1900, 1, 1), max_value=_dt.date(2150, 12, 31))
categories = st.sampled_from(MOPI_GROUPS)


def _last_sunday(year: int, month: int) -> _dt.date:
    last = _dt.date(year, month, calendar.monthrange(year, month)[1])
    return last - _dt.timedelta(days=(last.weekday() + 1) % 7)


@st.composite
def around_clock_changes(draw: st.DrawFn) -> _dt.datetime:
    """An instant within a day of 01:00 UTC on a night the London clocks change."""
    year = draw(st.integers(1997, 2100))
    day = _last_sunday(year, draw(st.sampled_from([3, 10])))
    change = _dt.datetime(day.year, day.month, day.day, 1, tzinfo=UTC)
    return change + _dt.timedelta(minutes=draw(st.integers(-24 * 60, 24 * 60)))


instants = st.one_of(
    around_clock_changes(),
    st.datetimes(
        min_value=_dt.datetime(1990, 1, 1),
        max_value=_dt.datetime(2150, 1, 1),
        timezones=st.sampled_from([UTC, LONDON, ZoneInfo("Asia/Tokyo")]),
    ),
)


@given(days, categories)
def test_the_next_review_is_the_review_period_after_the_clear_day(
    day: _dt.date, category: RetentionCategory
) -> None:
    """Same month and day, review_years on; 29 February moves to 1 March in a common year."""
    found = next_review_day(day, category)
    year = day.year + category.review_years
    if (day.month, day.day) == (2, 29) and not calendar.isleap(year):
        assert found == pendulum.Date(year, 3, 1)
    else:
        assert found == pendulum.Date(year, day.month, day.day)
    assert found > day


@given(st.lists(instants, min_size=1, max_size=6))
def test_the_clear_day_is_the_london_day_of_the_last_incident(
    times: list[_dt.datetime],
) -> None:
    """Checked against the standard library's own zone data, across clock changes."""
    expected = max(t.astimezone(LONDON).date() for t in times)
    assert case_clear_day(order_end_days=[], incident_times=times) == expected


@given(st.lists(instants, max_size=4), st.lists(st.none() | days, max_size=4), instants)
def test_a_later_event_never_moves_the_clear_day_back(
    times: list[_dt.datetime], ends: list[_dt.date | None], more: _dt.datetime
) -> None:
    """Adding an incident gives a clear day no earlier, and no earlier than its own day."""
    before = case_clear_day(order_end_days=ends, incident_times=times)
    after = case_clear_day(order_end_days=ends, incident_times=[*times, more])
    assert after is not None
    assert before is None or after >= before
    assert after >= more.astimezone(LONDON).date()


def test_an_instant_just_after_midnight_in_summer_is_the_next_london_day() -> None:
    """23:30 UTC on 1 July is 00:30 on 2 July in London (BST)."""
    late = _dt.datetime(2030, 7, 1, 23, 30, tzinfo=UTC)
    assert case_clear_day(order_end_days=[], incident_times=[late]) == pendulum.Date(2030, 7, 2)


def test_a_case_with_no_event_has_no_clear_day() -> None:
    """No order end, incident or review: nothing to count from."""
    assert case_clear_day(order_end_days=[None], incident_times=[]) is None


def test_the_last_review_counts_as_an_event() -> None:
    """A review restarts the clear period from its London day."""
    review = _dt.datetime(2040, 3, 30, 23, 30, tzinfo=UTC)  # 00:30 BST on 31 March
    found = case_clear_day(
        order_end_days=[_dt.date(2030, 1, 1)], incident_times=[], last_review_at=review
    )
    assert found == pendulum.Date(2040, 3, 31)


def test_a_naive_incident_time_is_refused() -> None:
    """Aware datetimes only."""
    with pytest.raises(InvalidValueError):
        case_clear_day(order_end_days=[], incident_times=[_dt.datetime(2030, 1, 1)])


# -- the schedule --------------------------------------------------------------------------


def test_the_default_schedule_puts_spo_cases_in_group_2() -> None:
    """The OPEN point's default, documented in docs/retention.md."""
    assert DEFAULT_SCHEDULE.category_of("D1") == MOPI_GROUPS[1]
    assert MOPI_GROUPS[1].review_years == 10


def test_an_unknown_default_or_assignment_is_refused() -> None:
    """The error names the code and the codes there are."""
    with pytest.raises(UnknownCodeError, match="mopi-9"):
        RetentionSchedule(default="mopi-9")
    with pytest.raises(UnknownCodeError, match="mopi-4"):
        RetentionSchedule(assigned={"D1": "mopi-4"})


def test_a_code_twice_or_no_category_is_refused() -> None:
    """A schedule is unambiguous."""
    with pytest.raises(InvalidValueError, match="once"):
        RetentionSchedule(categories=(*MOPI_GROUPS, MOPI_GROUPS[0]))
    with pytest.raises(InvalidValueError):
        RetentionSchedule(categories=())


@pytest.mark.parametrize("years", [0, -1, 101, True, 2.5])
def test_a_review_period_must_be_whole_years(years: object) -> None:
    """1 to 100 whole years."""
    with pytest.raises(InvalidValueError, match="review_years"):
        RetentionCategory("x", "X", years)  # type: ignore[arg-type]


@given(st.text(alphabet=" \t\n\r", max_size=5))
def test_a_decision_with_a_blank_reason_is_refused(reason: str) -> None:
    """MoPI: every retention decision is recorded with its reason."""
    with pytest.raises(RetentionReasonMissingError):
        RetentionReview("R1", "D1", "retain", reason, "mopi-2", _now(), "DS 1", "supervisor",
                        pendulum.Date(2040, 1, 1))  # fmt: skip


def test_a_retained_case_has_a_next_review_and_a_disposed_one_none() -> None:
    """The next review is what retaining means; a disposal ends the reviews."""
    with pytest.raises(InvalidValueError, match="next_review"):
        RetentionReview("R1", "D1", "retain", "risk", "mopi-2", _now(), "DS 1", "supervisor")
    with pytest.raises(InvalidValueError, match="next_review"):
        RetentionReview("R1", "D1", "dispose", "gone", "mopi-2", _now(), "DS 1", "supervisor",
                        pendulum.Date(2040, 1, 1))  # fmt: skip


def _now() -> pendulum.DateTime:
    return pendulum.datetime(2036, 1, 1, tz="Europe/London")


def test_the_documented_table_of_groups_is_the_code() -> None:
    """docs/retention.md lists MOPI_GROUPS exactly."""
    block = DOC.read_text(encoding="utf-8").split("<!-- retention-groups:start -->")[1]
    rows = re.findall(r"^\| `([^`]+)` \| ([^|]+) \| (\d+) years \|$", block.split("<!--")[0], re.M)
    assert [(c, t.strip(), int(y)) for c, t, y in rows] == [
        (g.code, g.title, g.review_years) for g in MOPI_GROUPS
    ]
