"""Making orders: version 1 checked against the Act (SPA2019 s.2(6)-(7), s.3, s.5(6)(a))."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pendulum
import pytest

from spo_tracker.domain.lifecycles import make_order
from spo_tracker.domain.lifecycles.making import SHORT_TERM_SECTION, MadeOrder
from spo_tracker.domain.orders import Duration, OrderKind, OrderOrigin, OrderState, VersionCause
from spo_tracker.domain.statutory_time import days_beginning_with
from spo_tracker.domain.terms import NoContact
from spo_tracker.errors import (
    IncompatibleTermError,
    InvalidValueError,
    NaiveDatetimeError,
    OrderPeriodError,
    UnknownCodeError,
)
from tests.lifecycles.builders import (
    CENTRE,
    MADE_AT,
    NO_CONTACT,
    WMP,
    ZONE,
    assessment_at,
    full,
    interim,
    london,
)


def make(**overrides: Any) -> MadeOrder:
    """make_order with sensible defaults."""
    settings: dict[str, Any] = {
        "order_id": "SPO-9",
        "kind": OrderKind.FULL,
        "defendant_id": "D1",
        "protected_person_ids": ["P1"],
        "applicant": WMP,
        "court": "Birmingham Magistrates' Court",
        "made_at": MADE_AT,
        "terms": [NO_CONTACT],
        "duration": Duration(years=2),
    }
    settings.update(overrides)
    return make_order(**settings)


def test_a_full_order_is_made_as_version_one() -> None:
    """Version 1, MADE, the s.6 fields, the period from the day made."""
    made = make_order(
        order_id="SPO-9",
        kind="full",
        defendant_id="D1",
        protected_person_ids=["P1"],
        applicant=WMP,
        court="Birmingham Magistrates' Court",
        made_at=MADE_AT,
        terms=[NO_CONTACT],
        duration=Duration(years=2),
        origin="court_on_conviction",
        application_id="APP-1",
    )
    order = made.order
    assert order.state is OrderState.MADE
    assert order.origin is OrderOrigin.COURT_ON_CONVICTION
    assert order.current.number == 1
    assert order.current.cause is VersionCause.MADE
    assert order.current.decided_on == pendulum.Date(2026, 3, 2)
    assert order.period is not None
    assert order.period.last_day == pendulum.Date(2028, 3, 1)
    assert made.warnings == ()


def test_a_full_order_fixed_for_under_two_years_is_refused() -> None:
    """A period under 2 years beginning with the day made names the value (SPA2019 s.3(2))."""
    with pytest.raises(OrderPeriodError, match=r"2026-03-02\.\.2028-02-29.*s\.3\(2\)"):
        make(duration=Duration(years=1, months=11, days=28))


def test_exactly_two_years_from_29_february_is_enough() -> None:
    """Made 29 February 2024 for 2 years: to the end of 28 February 2026."""
    made = make(made_at=london(2024, 2, 29, 16), duration=Duration(years=2))
    assert made.order.period is not None
    assert made.order.period.last_day == pendulum.Date(2026, 2, 28)


def test_a_full_order_may_run_until_further_order() -> None:
    """duration=None: no fixed period (SPA2019 s.3(1)(b))."""
    assert full(fixed=False).period is None


def test_an_interim_order_needs_a_fixed_period_of_any_length() -> None:
    """s.5(6)(a): fixed period only, no minimum."""
    with pytest.raises(OrderPeriodError, match=r"s\.5\(6\)\(a\)"):
        make(kind=OrderKind.INTERIM, duration=None)
    short = interim(duration=Duration(days=3))
    assert short.period == days_beginning_with(pendulum.Date(2026, 3, 2), 3)


def test_terms_shorter_than_two_years_are_a_warning_not_an_error() -> None:
    """OPEN point (s.3(3)): returned as a warning naming the term and its last day."""
    brief = NoContact(
        term_id="T9", persons=("P1",), period=days_beginning_with(pendulum.Date(2026, 3, 2), 200)
    )
    made = make(terms=[NO_CONTACT, brief])
    (warning,) = made.warnings
    assert warning.section == SHORT_TERM_SECTION
    assert warning.subject == "T9"
    assert "2026-09-17" in warning.message
    assert not make(kind=OrderKind.INTERIM, terms=[brief], duration=Duration(weeks=8)).warnings


def test_terms_incompatible_with_another_live_order_are_refused() -> None:
    """s.2(6)-(7): naming the other order; ended orders and other defendants do not count."""
    other = interim(order_id="ISPO-7", terms=(ZONE,))
    with pytest.raises(IncompatibleTermError, match="ISPO-7"):
        make(terms=[assessment_at(CENTRE)], other_live_orders=[other])
    ended = interim(order_id="ISPO-8", terms=(ZONE,), state=OrderState.EXPIRED)
    elsewhere = interim(order_id="ISPO-6", terms=(ZONE,), defendant_id="D2")
    assert make(terms=[assessment_at(CENTRE)], other_live_orders=[ended, elsewhere])


def test_a_full_order_replacing_an_interim_one_links_it_and_ignores_its_terms() -> None:
    """replaces_order_id is recorded (s.9(1)(a)); the interim order ceases, so no clash check."""
    replaced = interim(order_id="ISPO-7", terms=(ZONE,))
    made = make(terms=[assessment_at(CENTRE)], replaces=replaced, other_live_orders=[replaced])
    assert made.order.replaces_order_id == "ISPO-7"


def test_only_a_full_order_replaces_and_only_an_interim_one() -> None:
    """Typed errors naming the order."""
    with pytest.raises(InvalidValueError, match="'SPO-1'"):
        make(replaces=full())
    with pytest.raises(InvalidValueError, match="'ISPO-1'"):
        make(kind=OrderKind.INTERIM, duration=Duration(weeks=4), replaces=interim())
    with pytest.raises(InvalidValueError, match="'D2'"):
        make(replaces=interim(defendant_id="D2"))


def test_bad_input_is_a_typed_error_naming_the_value() -> None:
    """Naive datetimes, unknown codes, no terms, a non-officer applicant."""
    with pytest.raises(NaiveDatetimeError, match="2026"):
        make(made_at=dt.datetime(2026, 3, 2, 10))
    with pytest.raises(UnknownCodeError, match="'temporary'"):
        make(kind="temporary")
    with pytest.raises(UnknownCodeError, match="'by_magic'"):
        make(origin="by_magic")
    with pytest.raises(InvalidValueError, match="at least one term"):
        make(terms=[])
    with pytest.raises(InvalidValueError, match="'Chief Constable Smith'"):
        make(applicant="Chief Constable Smith")
