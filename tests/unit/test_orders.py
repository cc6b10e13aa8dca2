"""Order records: fixed periods (SPA2019 s.3(2), s.5(6)(a)), durations and versions."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import attrs
import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from spo_tracker.domain.orders import (
    Duration,
    Order,
    OrderKind,
    OrderOrigin,
    OrderState,
    OrderVersion,
    VersionCause,
    check_fixed_period,
)
from spo_tracker.domain.people import ChiefOfficer, Force
from spo_tracker.domain.statutory_time import (
    DayPeriod,
    as_london_date,
    days_beginning_with,
    months_beginning_with,
    start_of_london_day,
    years_beginning_with,
)
from spo_tracker.domain.terms import (
    TERM_TYPES,
    DeviceBrowsingHistory,
    NoApproach,
    NoContact,
    NoOnlineReference,
    NoRecordingImages,
    NoSurveillance,
    NoThirdPartyContact,
    PositiveRequirement,
    Term,
    catalogue_examples,
)
from spo_tracker.errors import (
    InvalidValueError,
    NaiveDatetimeError,
    OrderPeriodError,
    UnknownCodeError,
)
from tests.strategies import ZONES, aware_datetimes, london_dates, not_in_force_spans, orders

ONE_US = dt.timedelta(microseconds=1)
TERMS: tuple[Term, ...] = (NoContact(term_id="T1", persons=("P1",)),)


def version(
    number: int,
    decided_on: pendulum.Date,
    duration: Duration | None,
    made_on: pendulum.Date,
    cause: VersionCause = VersionCause.MADE,
) -> OrderVersion:
    """A version whose period counts from ``made_on``."""
    period = None if duration is None else duration.period_from(made_on)
    return OrderVersion(number, cause, decided_on, duration, period, TERMS)


def order(made_at: pendulum.DateTime, *versions: OrderVersion, **changes: Any) -> Order:
    """A full order made at ``made_at`` with the given versions."""
    return Order(
        order_id=changes.pop("order_id", "SPO-1"),
        kind=changes.pop("kind", OrderKind.FULL),
        origin=OrderOrigin.POLICE_APPLICATION,
        defendant_id=changes.pop("defendant_id", "D1"),
        protected_person_ids=changes.pop("protected_person_ids", ("P1",)),
        applicant=ChiefOfficer(Force("20", "West Midlands Police")),
        court=changes.pop("court", "Birmingham Magistrates' Court"),
        made_at=made_at,
        versions=versions,
        **changes,
    )


def two_year_order(made_at: pendulum.DateTime) -> Order:
    """A full order for 2 years, made at ``made_at``."""
    made_on = as_london_date(made_at)
    return order(made_at, version(1, made_on, Duration(years=2), made_on))


# --------------------------------------------------------------------------- check_fixed_period


def test_a_full_order_of_exactly_two_years_is_allowed() -> None:
    """Made 15 March 2024: fixed to the end of 14 March 2026 is the minimum (s.3(2))."""
    made = pendulum.Date(2024, 3, 15)
    check_fixed_period(OrderKind.FULL, made, DayPeriod(made, pendulum.Date(2026, 3, 14)))


def test_a_full_order_one_day_short_of_two_years_is_refused() -> None:
    """To the end of 13 March 2026 is a day short: OrderPeriodError naming the period."""
    made = pendulum.Date(2024, 3, 15)
    with pytest.raises(OrderPeriodError, match=r"2024-03-15\.\.2026-03-13") as err:
        check_fixed_period(OrderKind.FULL, made, DayPeriod(made, pendulum.Date(2026, 3, 13)))
    assert "SPA2019 s.3(2)" in str(err.value)
    assert "2026-03-14" in err.value.reason


@given(made=london_dates())
def test_two_years_beginning_with_the_day_made_is_exactly_the_boundary(
    made: pendulum.Date,
) -> None:
    """At the boundary it passes; one day shorter it fails, for every day incl. 29 Feb."""
    minimum = years_beginning_with(made, 2)
    check_fixed_period(OrderKind.FULL, made, minimum)
    check_fixed_period(OrderKind.FULL, made, Duration(years=2).period_from(made))
    check_fixed_period(OrderKind.FULL, made, Duration(months=24).period_from(made))
    with pytest.raises(OrderPeriodError):
        check_fixed_period(OrderKind.FULL, made, days_beginning_with(made, minimum.days - 1))


@given(made=london_dates(), days=st.integers(1, 2000))
def test_a_full_fixed_period_passes_iff_it_reaches_the_two_year_point(
    made: pendulum.Date, days: int
) -> None:
    """Any length: allowed exactly when it lasts to the end of the 2-year point."""
    period = days_beginning_with(made, days)
    allowed = period.last_day >= years_beginning_with(made, 2).last_day
    if allowed:
        check_fixed_period(OrderKind.FULL, made, period)
    else:
        with pytest.raises(OrderPeriodError):
            check_fixed_period(OrderKind.FULL, made, period)


def test_a_full_order_until_further_order_has_no_period_to_check() -> None:
    """s.3(1)(b): 'until further order' is allowed."""
    check_fixed_period(OrderKind.FULL, pendulum.Date(2026, 1, 1), None)


def test_an_interim_order_needs_a_fixed_period() -> None:
    """s.5(6)(a): an interim order has a fixed period, of any length."""
    made = pendulum.Date(2026, 1, 1)
    with pytest.raises(OrderPeriodError, match=re.escape("SPA2019 s.5(6)(a)")):
        check_fixed_period(OrderKind.INTERIM, made, None)
    check_fixed_period(OrderKind.INTERIM, made, days_beginning_with(made, 1))
    check_fixed_period(OrderKind.INTERIM, made, months_beginning_with(made, 2))


@pytest.mark.parametrize("kind", list(OrderKind))
def test_a_fixed_period_must_begin_with_the_day_made(kind: OrderKind) -> None:
    """A period starting later would run short of what was ordered."""
    made = pendulum.Date(2026, 1, 1)
    late = years_beginning_with(made.add(days=10), 3)
    with pytest.raises(OrderPeriodError, match="begins with the day the order is made"):
        check_fixed_period(kind, made, late)


def test_the_kind_may_be_its_code_but_not_an_unknown_one() -> None:
    """'full' is accepted; 'permanent' is an UnknownCodeError naming it (no silent pass)."""
    made = pendulum.Date(2026, 1, 1)
    with pytest.raises(OrderPeriodError):
        check_fixed_period("full", made, days_beginning_with(made, 3))  # type: ignore[arg-type]
    with pytest.raises(UnknownCodeError, match="'permanent'"):
        check_fixed_period("permanent", made, None)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- Duration


@given(day=london_dates(), n=st.integers(1, 20))
def test_duration_periods_match_the_statutory_time_functions(day: pendulum.Date, n: int) -> None:
    """Years, months, weeks and days count from the day as day 1."""
    assert Duration(years=n).period_from(day) == years_beginning_with(day, n)
    assert Duration(months=n).period_from(day) == months_beginning_with(day, n)
    assert Duration(weeks=n).period_from(day) == days_beginning_with(day, 7 * n)
    assert Duration(days=n).period_from(day) == days_beginning_with(day, n)


def test_a_mixed_duration_adds_years_and_months_before_days() -> None:
    """1 year 6 months from 31 Aug 2023: 31 Feb 2025 rolls to 1 March, so to 28 Feb."""
    period = Duration(years=1, months=6).period_from(pendulum.Date(2023, 8, 31))
    assert period.last_day == pendulum.Date(2025, 2, 28)
    period = Duration(months=1, days=1).period_from(pendulum.Date(2024, 1, 31))
    assert period.last_day == pendulum.Date(2024, 3, 1)


def test_duration_period_refuses_a_datetime() -> None:
    """A datetime's day depends on its zone: give the London day."""
    with pytest.raises(InvalidValueError, match="expected a calendar date"):
        Duration(years=2).period_from(pendulum.datetime(2026, 3, 1, 23, 30, tz="UTC"))


def test_duration_period_accepts_a_stdlib_date() -> None:
    """datetime.date is converted to a pendulum date."""
    assert Duration(days=3).period_from(dt.date(2026, 7, 10)).last_day == pendulum.Date(2026, 7, 12)


@pytest.mark.parametrize(
    ("duration", "text"),
    [
        (Duration(years=2), "2 years"),
        (Duration(years=1), "1 year"),
        (Duration(years=1, months=6), "1 year, 6 months"),
        (Duration(weeks=1, days=3), "1 week, 3 days"),
        (Duration(months=1), "1 month"),
    ],
)
def test_duration_renders_as_stated_in_an_order(duration: Duration, text: str) -> None:
    """s.6(b): the length of the fixed period, in words."""
    assert duration.render() == text


@pytest.mark.parametrize(
    "fields",
    [{}, {"years": 0}, {"years": -1}, {"months": 1.5}, {"days": True}, {"weeks": "2"}],
)
def test_a_duration_must_be_whole_non_negative_and_not_zero(fields: dict[str, object]) -> None:
    """Zero, negative, fractional, boolean or text lengths are typed errors."""
    with pytest.raises(InvalidValueError):
        Duration(**fields)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- versions


@given(made_at=aware_datetimes(2020, 2040))
def test_an_order_is_made_on_its_london_day(made_at: pendulum.DateTime) -> None:
    """made_on is the London calendar day of made_at, whatever zone it was given in."""
    made = two_year_order(made_at)
    assert made.made_on == as_london_date(made_at)
    assert made.two_year_point == years_beginning_with(made.made_on, 2)


def test_made_late_on_a_summer_evening_utc_is_the_next_london_day() -> None:
    """23:30 UTC on 30 June is 00:30 on 1 July in London."""
    made = two_year_order(pendulum.datetime(2026, 6, 30, 23, 30, tz="UTC"))
    assert made.made_on == pendulum.Date(2026, 7, 1)
    assert made.two_year_point.last_day == pendulum.Date(2028, 6, 30)


@given(subject=orders())
def test_generated_orders_satisfy_the_period_rules(subject: Order) -> None:
    """Every version of every generated order passes check_fixed_period (a strategy check)."""
    numbers = [v.number for v in subject.versions]
    assert numbers == list(range(1, len(numbers) + 1))
    for v in subject.versions:
        check_fixed_period(subject.kind, subject.made_on, v.period)


def _takes_over(v: OrderVersion) -> float:
    """When a later version takes over, as a timestamp: decided_at, else its day's start."""
    at = v.decided_at if v.decided_at is not None else start_of_london_day(v.decided_on)
    return at.timestamp()


@given(subject=orders(), at=aware_datetimes(2019, 2060))
def test_version_at_is_the_latest_version_decided_by_that_instant(
    subject: Order, at: pendulum.DateTime
) -> None:
    """Oracle: the last later version decided by ``at`` (by its day for one recorded
    without the instant), else version 1."""
    decided = [v for v in subject.versions[1:] if _takes_over(v) <= at.timestamp()]
    expected = decided[-1] if decided else subject.versions[0]
    assert subject.version_at(at) == expected


@given(subject=orders(), data=st.data())
def test_a_new_version_is_in_force_from_the_moment_it_was_decided(
    subject: Order, data: st.DataObject
) -> None:
    """From decided_at (or London midnight of decided_on); just before, an earlier version."""
    v = data.draw(st.sampled_from(subject.versions[1:] or subject.versions))
    if v.number == 1:
        return
    start = v.decided_at or start_of_london_day(v.decided_on)
    assert subject.version_at(start).number >= v.number
    if _takes_over(subject.versions[v.number - 2]) < _takes_over(v) or v.number == 2:
        assert subject.version_at(start - ONE_US).number < v.number


@given(subject=orders(), a=aware_datetimes(2019, 2060), b=aware_datetimes(2019, 2060))
def test_version_numbers_never_go_back_in_time(
    subject: Order, a: pendulum.DateTime, b: pendulum.DateTime
) -> None:
    """version_at is monotonic in time."""
    early, late = sorted([a, b])
    assert subject.version_at(early).number <= subject.version_at(late).number


@given(subject=orders())
def test_an_order_is_in_force_from_made_at_to_the_end_of_its_period(subject: Order) -> None:
    """In force from the instant made until London midnight after the period's last day."""
    assert subject.in_force_at(subject.made_at)
    assert not subject.in_force_at(subject.made_at - ONE_US)
    final = subject.versions[-1].period
    if final is not None:
        assert subject.in_force_at(final.ends_at - ONE_US)
        assert not subject.in_force_at(final.ends_at)


@given(
    subject=orders(),
    anchor=st.sampled_from(["made", "end", "any", "gap"]),
    offset_us=st.one_of(st.integers(-2, 2), st.integers(-7_200_000_000, 7_200_000_000)),
    zone=st.one_of(st.none(), st.sampled_from(ZONES)),
    other=aware_datetimes(2019, 2060),
    data=st.data(),
)
def test_in_force_at_agrees_with_a_timestamp_oracle(
    subject: Order,
    anchor: str,
    offset_us: int,
    zone: str | None,
    other: pendulum.DateTime,
    data: st.DataObject,
) -> None:
    """Near the moment made, near the end, near a not-in-force span's bounds, or anywhere,
    read in any zone (incl. folds)."""
    subject = attrs.evolve(subject, not_in_force=data.draw(not_in_force_spans(subject.made_at)))
    end = subject.versions[-1].period
    bounds = [b for span in subject.not_in_force for b in span]
    near_gap = data.draw(st.sampled_from(bounds)) if bounds else other
    base = {
        "made": subject.made_at,
        "end": end.ends_at if end else other,
        "any": other,
        "gap": near_gap,
    }[anchor]
    # Read in the order's own zone half the time: same-tzinfo comparison is the trap.
    at = (base + dt.timedelta(microseconds=offset_us)).in_timezone(
        zone or subject.made_at.timezone_name or "UTC"
    )
    period = subject.version_at(at).period
    t = at.timestamp()
    expected = (
        subject.made_at.timestamp() <= t
        and (period is None or t < period.ends_at.timestamp())
        and not any(a.timestamp() <= t < b.timestamp() for a, b in subject.not_in_force)
    )
    assert subject.in_force_at(at) == expected


def test_a_two_year_order_ends_at_london_midnight_in_summer() -> None:
    """Made 10 July 2024: in force to 22:59:59.999999 UTC on 9 July 2026, not at 23:00."""
    made = two_year_order(pendulum.datetime(2024, 7, 10, 10, tz="Europe/London"))
    assert made.in_force_at(pendulum.datetime(2026, 7, 9, 22, 59, 59, 999999, tz="UTC"))
    assert not made.in_force_at(pendulum.datetime(2026, 7, 9, 23, 0, tz="UTC"))


def test_a_renewal_keeps_the_order_in_force_past_the_original_end() -> None:
    """Renewed to 3 years before expiry: in force after the 2-year end, until the 3-year end."""
    made_at = pendulum.datetime(2024, 1, 15, 11, tz="Europe/London")
    made_on = as_london_date(made_at)
    renewed_on = pendulum.Date(2025, 12, 1)
    renewed = order(
        made_at,
        version(1, made_on, Duration(years=2), made_on),
        version(2, renewed_on, Duration(years=3), made_on, VersionCause.RENEWED),
    )
    after_two = pendulum.datetime(2026, 1, 20, tz="Europe/London")
    assert renewed.in_force_at(after_two)
    assert renewed.version_at(after_two).number == 2
    assert renewed.version_at(pendulum.datetime(2025, 11, 30, 23, tz="UTC")).number == 1
    assert not renewed.in_force_at(pendulum.datetime(2027, 1, 15, tz="Europe/London"))
    original = order(made_at, version(1, made_on, Duration(years=2), made_on))
    assert not original.in_force_at(after_two)


def test_the_repeated_autumn_hour_is_ordered_by_real_time() -> None:
    """Made at the second 01:00 on 25 Oct 2020 (GMT): 01:59:59.999999 BST is before it."""
    made_at = pendulum.datetime(2020, 10, 25, 1, 0, tz="UTC").in_timezone("Europe/London")
    before = pendulum.datetime(2020, 10, 25, 0, 59, 59, 999999, tz="UTC").in_timezone(
        "Europe/London"
    )
    assert (before.hour, made_at.hour) == (1, 1)  # both read 01:xx on a London clock
    made = two_year_order(made_at)
    assert not made.in_force_at(before)
    assert made.in_force_at(made_at)
    with pytest.raises(InvalidValueError, match="served_at"):
        attrs.evolve(made, served_at=before)


def test_an_ended_order_is_not_in_force_from_the_instant_it_ended() -> None:
    """Discharged at 14:00: in force a microsecond before, not at 14:00."""
    made_at = pendulum.datetime(2026, 1, 5, 10, tz="Europe/London")
    ended_at = pendulum.datetime(2026, 9, 1, 14, tz="Europe/London")
    ended = attrs.evolve(two_year_order(made_at), state=OrderState.DISCHARGED, ended_at=ended_at)
    assert ended.in_force_at(ended_at - ONE_US)
    assert not ended.in_force_at(ended_at)


def test_until_further_order_stays_in_force() -> None:
    """No fixed period: in force until ended."""
    made_at = pendulum.datetime(2026, 1, 5, 10, tz="Europe/London")
    made_on = as_london_date(made_at)
    indefinite = order(made_at, version(1, made_on, None, made_on))
    assert indefinite.period is None
    assert indefinite.in_force_at(pendulum.datetime(2060, 1, 1, tz="UTC"))


def test_naive_instants_are_refused_by_version_at_and_in_force_at() -> None:
    """NaiveDatetimeError naming the value, not a TypeError from a comparison."""
    made = two_year_order(pendulum.datetime(2026, 1, 5, 10, tz="Europe/London"))
    naive = dt.datetime(2026, 2, 1, 12)
    for method in (made.in_force_at, made.version_at):
        with pytest.raises(NaiveDatetimeError, match=r"datetime\.datetime\(2026, 2, 1, 12, 0\)"):
            method(naive)


# --------------------------------------------------------------------------- shape errors


MADE_AT = pendulum.datetime(2026, 1, 5, 10, tz="Europe/London")
MADE_ON = pendulum.Date(2026, 1, 5)


@pytest.mark.parametrize(
    ("versions", "shown"),
    [
        ((), "()"),
        ((version(2, MADE_ON, None, MADE_ON),), "[2]"),
        ((version(1, MADE_ON, None, MADE_ON), version(3, MADE_ON, None, MADE_ON)), "[1, 3]"),
        (
            (
                version(1, MADE_ON, None, MADE_ON),
                version(2, MADE_ON.add(days=9), None, MADE_ON),
                version(3, MADE_ON.add(days=2), None, MADE_ON),
            ),
            "decided out of order",
        ),
        ((version(1, MADE_ON.add(days=1), None, MADE_ON),), "'2026-01-06'"),
        (["not a version"], "must be OrderVersion records"),
    ],
)
def test_versions_are_numbered_1_to_n_in_decision_order(versions: object, shown: str) -> None:
    """Gaps, a missing version 1, decisions out of order, version 1 not on the day made."""
    with pytest.raises(InvalidValueError, match="versions") as err:
        order(MADE_AT, *versions)  # type: ignore[misc]
    assert shown in str(err.value)


def test_a_version_states_a_duration_exactly_when_it_has_a_fixed_period() -> None:
    """s.6(b): a fixed period comes with its length; 'until further order' has neither."""
    with pytest.raises(InvalidValueError, match="period"):
        OrderVersion(1, VersionCause.MADE, MADE_ON, Duration(years=2), None, TERMS)
    with pytest.raises(InvalidValueError, match="period"):
        OrderVersion(1, VersionCause.MADE, MADE_ON, None, years_beginning_with(MADE_ON, 2), TERMS)


def test_a_version_needs_terms_with_unique_ids() -> None:
    """s.6(c): at least one term; ids are unique so each term can be named."""
    with pytest.raises(InvalidValueError, match="at least one term"):
        OrderVersion(1, VersionCause.MADE, MADE_ON, None, None, ())
    with pytest.raises(InvalidValueError, match=r"\['T1', 'T1'\]"):
        OrderVersion(1, VersionCause.MADE, MADE_ON, None, None, TERMS + TERMS)


def test_a_version_finds_its_terms_by_id() -> None:
    """term(id) returns the term; an unknown id is a typed error naming it."""
    v = version(1, MADE_ON, None, MADE_ON)
    assert v.term("T1") is TERMS[0]
    with pytest.raises(InvalidValueError, match="'T9'"):
        v.term("T9")


@pytest.mark.parametrize("field", ["served_at", "ended_at"])
def test_served_and_ended_instants_must_be_aware_and_not_before_made(field: str) -> None:
    """A naive instant is a NaiveDatetimeError; one before made_at an InvalidValueError."""
    made_on = as_london_date(MADE_AT)
    first = version(1, made_on, Duration(years=2), made_on)
    with pytest.raises(NaiveDatetimeError, match=field):
        order(MADE_AT, first, **{field: dt.datetime(2026, 1, 6, 9)})
    with pytest.raises(InvalidValueError, match=field):
        order(MADE_AT, first, **{field: MADE_AT - ONE_US})
    stdlib = dt.datetime(2026, 1, 6, 9, tzinfo=dt.UTC)
    assert getattr(order(MADE_AT, first, **{field: stdlib}), field) == stdlib


def test_made_at_must_be_aware() -> None:
    """A naive made_at is a NaiveDatetimeError naming made_at."""
    with pytest.raises(NaiveDatetimeError, match="made_at"):
        order(dt.datetime(2026, 1, 5, 10), version(1, MADE_ON, None, MADE_ON))  # type: ignore[arg-type]


# --------------------------------------------------------------------------- kinds and states


def test_result_codes_are_3306_for_interim_and_3307_for_full() -> None:
    """CJS result codes: 3306 interim SPO, 3307 SPO."""
    assert OrderKind.INTERIM.result_code == "3306"
    assert OrderKind.FULL.result_code == "3307"


def test_only_made_and_served_orders_are_live() -> None:
    """Discharged, expired, ceased and quashed orders are not in force (no appeal stay, s.7)."""
    assert {s for s in OrderState if s.live} == {OrderState.MADE, OrderState.SERVED}


# --------------------------------------------------------------------------- who and what


def _with_terms(*terms: Term, protected: object = ("P1",), **changes: Any) -> Order:
    """An until-further-order full order made at MADE_AT with ``terms`` in version 1."""
    first = OrderVersion(1, VersionCause.MADE, MADE_ON, None, None, terms or TERMS)
    return order(MADE_AT, first, protected_person_ids=protected, **changes)


@pytest.mark.parametrize("given", ["P12", b"P12", 12, None])
def test_protected_persons_are_a_collection_of_ids_not_one_string(given: object) -> None:
    """'P12' is refused naming the value, never split into the persons 'P', '1' and '2'."""
    with pytest.raises(InvalidValueError, match="protected_person_ids") as err:
        _with_terms(protected=given)
    assert repr(given) in str(err.value)


def test_protected_persons_may_be_any_collection_and_are_kept_as_a_tuple() -> None:
    """A list (or any iterable of ids) is accepted and kept in the order given."""
    subject = _with_terms(NoContact(term_id="T1", persons=("P2",)), protected=["P2", "P1"])
    assert subject.protected_person_ids == ("P2", "P1")


def test_an_order_protects_at_least_one_person() -> None:
    """SPA2019 s.2(1)(c): an order is made to protect the person at risk; none is refused."""
    with pytest.raises(InvalidValueError, match=r"s\.2\(1\)\(c\)"):
        _with_terms(DeviceBrowsingHistory(term_id="T1"), protected=())


@pytest.mark.parametrize("given", [("P1", ""), ("P1", "  "), ("P1", 7), ("P1", "P1")])
def test_each_protected_person_is_a_distinct_non_empty_id(given: tuple[object, ...]) -> None:
    """A blank id, a number or a person named twice is a typed error naming the bad id."""
    with pytest.raises(InvalidValueError, match="protected_person_ids") as err:
        _with_terms(protected=given)
    bad = given if given[1] == given[0] else given[1]  # the pair when named twice
    assert repr(bad) in str(err.value)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("order_id", ""),
        ("order_id", "   "),
        ("defendant_id", ""),
        ("defendant_id", " \t"),
        ("court", ""),
        ("court", None),
        ("application_id", ""),
        ("replaces_order_id", " "),
    ],
)
def test_ids_and_court_must_be_non_empty_text(field: str, value: object) -> None:
    """Empty or blank order_id, defendant_id, court (and a given application or replaced id)."""
    with pytest.raises(InvalidValueError, match=field) as err:
        _with_terms(**{field: value})
    assert repr(value) in str(err.value)


def _persons_term_types() -> list[type[Term]]:
    return [cls for cls in TERM_TYPES.values() if "persons" in attrs.fields_dict(cls)]


def test_the_term_types_that_name_persons_are_all_checked() -> None:
    """Every catalogue term type with ``persons`` is covered by the check below."""
    assert set(_persons_term_types()) == {
        NoContact,
        NoThirdPartyContact,
        NoApproach,
        NoOnlineReference,
        NoSurveillance,
        NoRecordingImages,
    }


@pytest.mark.parametrize("cls", _persons_term_types(), ids=lambda c: c.__name__)
def test_a_term_names_only_the_orders_protected_persons(cls: type[Term]) -> None:
    """SPA2019 s.2(1)(c): a term naming P9, whom the order does not protect, is refused."""
    example: Any = catalogue_examples()[cls.CODE]
    assert _with_terms(attrs.evolve(example, persons=("P1",))).terms  # its own person: fine
    with pytest.raises(InvalidValueError, match="P9") as err:
        _with_terms(attrs.evolve(example, persons=("P1", "P9")))
    assert err.value.field == "terms"
    assert "s.2(1)(c)" in str(err.value)


@given(orders(), st.sampled_from(["P90", "P91", "X"]), st.data())
def test_a_stray_person_in_any_version_is_refused(
    subject: Order, stray: str, data: st.DataObject
) -> None:
    """Generated orders pass; naming a person not protected, in any version, is refused."""
    number = data.draw(st.integers(1, len(subject.versions)))
    target = subject.versions[number - 1]
    extra = NoSurveillance(term_id="TX", persons=(stray,))
    changed = attrs.evolve(target, terms=(*target.terms, extra))
    versions = tuple(changed if v.number == number else v for v in subject.versions)
    with pytest.raises(InvalidValueError, match=stray):
        attrs.evolve(subject, versions=versions)


def _requirement(due_on: pendulum.Date, term_id: str = "R1") -> PositiveRequirement:
    return PositiveRequirement(
        term_id=term_id, requirement="assessment", description="attend", due_on=due_on
    )


def test_a_requirement_due_before_the_order_was_made_is_refused() -> None:
    """Library rule: due the day before making is refused naming it; the day made is fine."""
    with pytest.raises(InvalidValueError, match="R1: due on 2026-01-04") as err:
        _with_terms(*TERMS, _requirement(MADE_ON.subtract(days=1)))
    assert "library rule" in str(err.value)
    assert _with_terms(*TERMS, _requirement(MADE_ON)).terms[1] == _requirement(MADE_ON)


def test_a_requirement_new_in_a_variation_is_due_from_that_variation() -> None:
    """A variation may keep a requirement already past; one it adds is due from its day."""
    old = _requirement(MADE_ON.add(days=10))
    first = OrderVersion(1, VersionCause.MADE, MADE_ON, None, None, (*TERMS, old))
    later = MADE_ON.add(days=30)

    def varied(*terms: Term) -> Order:
        second = OrderVersion(2, VersionCause.VARIED, later, None, None, terms)
        return order(MADE_AT, first, second)

    assert varied(*TERMS, old).current.terms[1] == old  # kept, though its day has passed
    with pytest.raises(InvalidValueError, match="version 2"):
        varied(*TERMS, old, _requirement(later.subtract(days=1), "R2"))
    with pytest.raises(InvalidValueError, match="version 2"):
        varied(*TERMS, attrs.evolve(old, description="attend again"))  # changed: imposed anew
    assert varied(*TERMS, old, _requirement(later, "R2")).current.terms[2] == _requirement(
        later, "R2"
    )


# --- when a version takes effect, and spans not in force (reviewer findings 4 and 5) ---

MADE_2MAR = pendulum.datetime(2026, 3, 2, 10, tz="Europe/London")
TWO_YEARS = Duration(years=2)


def _varied(*decided: tuple[pendulum.Date, pendulum.DateTime | None], **changes: Any) -> Order:
    """A two-year order made at MADE_2MAR, then varied once per (day, instant) given."""
    made_on = as_london_date(MADE_2MAR)
    versions = [version(1, made_on, TWO_YEARS, made_on)]
    for number, (day, at) in enumerate(decided, start=2):
        plain = version(number, day, TWO_YEARS, made_on, VersionCause.VARIED)
        versions.append(attrs.evolve(plain, decided_at=at))
    return order(MADE_2MAR, *versions, **changes)


def test_a_variation_takes_effect_from_the_moment_it_was_decided() -> None:
    """Decided at 16:00: version 1 still binds at 15:59:59.999999, version 2 at 16:00."""
    at = pendulum.datetime(2026, 4, 10, 16, tz="Europe/London")
    subject = _varied((at.date(), at))
    assert subject.version_at(at - ONE_US).number == 1
    assert subject.version_at(at).number == 2
    assert subject.version_at(pendulum.datetime(2026, 4, 10, 9, tz="Europe/London")).number == 1


def test_a_version_recorded_without_its_instant_counts_from_the_start_of_its_day() -> None:
    """Data written before decided_at was kept: the day-based fallback."""
    subject = _varied((pendulum.Date(2026, 4, 10), None))
    assert subject.version_at(pendulum.datetime(2026, 4, 10, 0, tz="Europe/London")).number == 2
    assert subject.version_at(pendulum.datetime(2026, 4, 9, 23, 59, tz="Europe/London")).number == 1


def test_decided_at_must_fall_on_decided_on_in_london() -> None:
    """00:30 BST on 11 April is still 10 April in UTC, but 11 April in London."""
    with pytest.raises(InvalidValueError, match="decided_at"):
        _varied((pendulum.Date(2026, 4, 10), pendulum.datetime(2026, 4, 10, 23, 30, tz="UTC")))


def test_decided_at_must_be_aware() -> None:
    """A naive instant is refused by name."""
    with pytest.raises(NaiveDatetimeError, match="decided_at"):
        OrderVersion(
            2,
            VersionCause.VARIED,
            pendulum.Date(2026, 4, 10),
            None,
            None,
            TERMS,
            decided_at=dt.datetime(2026, 4, 10, 16),
        )


def test_later_versions_are_decided_in_order_and_not_before_the_making() -> None:
    """16:00 then 09:00 the same day is out of order; a variation at 09:00 on the day
    made at 10:00 is before the making; version 1 is decided when the order was made."""
    day = pendulum.Date(2026, 4, 10)
    late = pendulum.datetime(2026, 4, 10, 16, tz="Europe/London")
    with pytest.raises(InvalidValueError, match="decided out of order"):
        _varied((day, late), (day, late.subtract(hours=7)))
    with pytest.raises(InvalidValueError, match="decided out of order"):
        _varied((day, late), (day, None))  # the day's start is before 16:00
    with pytest.raises(InvalidValueError, match="before made_at"):
        _varied((as_london_date(MADE_2MAR), MADE_2MAR.subtract(hours=1)))
    first = version(1, as_london_date(MADE_2MAR), TWO_YEARS, as_london_date(MADE_2MAR))
    with pytest.raises(InvalidValueError, match="version 1 is decided when the order was made"):
        order(MADE_2MAR, attrs.evolve(first, decided_at=MADE_2MAR.add(minutes=1)))
    assert (
        order(MADE_2MAR, attrs.evolve(first, decided_at=MADE_2MAR)).version_at(MADE_2MAR)
        is not None
    )


def test_an_order_is_not_in_force_in_a_span_it_was_discharged_then_restored() -> None:
    """SPA2019 s.7(4), s.8(1): not in force from the discharge until the restoration."""
    off, on = MADE_2MAR.add(days=100), MADE_2MAR.add(days=160)
    subject = _varied(not_in_force=[(off, on)])
    assert subject.not_in_force == ((off, on),)
    assert subject.in_force_at(off - ONE_US)
    assert not subject.in_force_at(off)
    assert not subject.in_force_at(on - ONE_US)
    assert subject.in_force_at(on)


@pytest.mark.parametrize(
    ("spans", "problem"),
    [
        ([(MADE_2MAR.subtract(days=1), MADE_2MAR.add(days=1))], "after made_at"),
        ([(MADE_2MAR.add(days=2), MADE_2MAR.add(days=2))], "before it ends itself"),
        (
            [
                (MADE_2MAR.add(days=5), MADE_2MAR.add(days=9)),
                (MADE_2MAR.add(days=8), MADE_2MAR.add(days=20)),
            ],
            "previous one ends",
        ),
        (["ab"], "(start, end) pair"),
        ("ab", "collection of"),
    ],
)
def test_not_in_force_spans_are_ordered_disjoint_and_after_the_making(
    spans: object, problem: str
) -> None:
    """Bad spans are refused, naming the field."""
    with pytest.raises(InvalidValueError, match=re.escape(problem)):
        _varied(not_in_force=spans)


def test_an_order_ended_again_ends_after_its_restoration() -> None:
    """ended_at before the end of the latest not-in-force span is refused."""
    off, on = MADE_2MAR.add(days=100), MADE_2MAR.add(days=160)
    with pytest.raises(InvalidValueError, match="restored"):
        _varied(not_in_force=[(off, on)], ended_at=on.subtract(days=1))
    with pytest.raises(NaiveDatetimeError, match="not_in_force"):
        _varied(not_in_force=[(dt.datetime(2026, 6, 1), on)])


@pytest.mark.parametrize("fold", [0, 1])
def test_version_1_is_decided_at_the_making_as_an_instant_in_the_repeated_autumn_hour(
    fold: int,
) -> None:
    """Made at 01:30 London on 25 October 2026 (BST, or GMT an hour later): version 1
    decided at the same instant in UTC is accepted, at the other 01:30 refused."""
    made = pendulum.datetime(2026, 10, 25, 1, 30, tz="Europe/London").replace(fold=fold)
    day = as_london_date(made)
    first = version(1, day, TWO_YEARS, day)
    for same in (made, made.in_timezone("UTC"), made.in_timezone("Asia/Tokyo")):
        assert order(made, attrs.evolve(first, decided_at=same)).versions[0].decided_at == same
    other = made.replace(fold=1 - fold)
    assert other.timestamp() != made.timestamp()
    for wrong in (other, other.in_timezone("UTC")):
        with pytest.raises(InvalidValueError, match="version 1 is decided when the order was made"):
            order(made, attrs.evolve(first, decided_at=wrong))
