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
from spo_tracker.domain.terms import NoContact, PlatformBan
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
        make(kind=OrderKind.INTERIM, duration=None, application_id="APP-1")
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
    interim_made = make(
        kind=OrderKind.INTERIM, terms=[brief], duration=Duration(weeks=8), application_id="APP-1"
    )
    assert not interim_made.warnings


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
    made = make(
        terms=[assessment_at(CENTRE)],
        replaces=replaced,
        other_live_orders=[replaced],
        application_id="APP-1",
    )
    assert made.order.replaces_order_id == "ISPO-7"


def test_the_replaced_interim_order_ceases_when_the_full_order_is_made() -> None:
    """s.5(6)(b): returned ceased at made_at, granted, with its record; nothing left in force."""
    served = interim(served_at=MADE_AT.add(hours=2), state=OrderState.SERVED)
    made_at = MADE_AT.add(days=30)
    made = make(made_at=made_at, replaces=served, application_id="APP-1")
    assert made.ceased is not None
    ceased = made.ceased.subject
    assert (ceased.order_id, ceased.state, ceased.ended_at) == (
        "ISPO-1",
        OrderState.CEASED,
        made_at,
    )
    assert "granted" in (ceased.end_reason or "")
    assert not ceased.in_force_at(made_at.add(days=1))
    assert made.order.in_force_at(made_at.add(days=1))
    assert (made.ceased.record.event, made.ceased.record.source) == (
        "MAIN_APPLICATION_DETERMINED",
        "SERVED",
    )
    assert made.ceased.record.actor == "Birmingham Magistrates' Court"
    assert make().ceased is None


@pytest.mark.parametrize(
    ("replaced", "at", "shown"),
    [
        (interim(state=OrderState.EXPIRED, ended_at=london(2026, 4, 27)), 40, "expired"),
        (interim(state=OrderState.DISCHARGED, ended_at=london(2026, 3, 9)), 20, "discharged"),
        (interim(state=OrderState.CEASED, ended_at=london(2026, 3, 9)), 20, "ceased"),
        (interim(), 60, "not in force at made_at 2026-05-01"),  # its 8 weeks are over
        (interim(made_at=MADE_AT.add(days=5)), 1, "not in force at made_at 2026-03-03"),
    ],
)
def test_a_full_order_replaces_only_an_interim_order_in_force_when_it_is_made(
    replaced: Any, at: int, shown: str
) -> None:
    """s.5(6)(b): an ended or expired interim order is not replaced; s.9(1) starts again."""
    before = (replaced, replaced.revision)
    with pytest.raises(InvalidValueError, match="'ISPO-1'") as caught:
        make(made_at=MADE_AT.add(days=at), replaces=replaced, application_id="APP-1")
    assert shown in str(caught.value)
    assert "without replaces=" in str(caught.value)
    assert (replaced, replaced.revision) == before
    full_order_afresh = make(made_at=MADE_AT.add(days=at), application_id="APP-1").order
    assert full_order_afresh.replaces_order_id is None


def test_a_full_order_replaces_the_interim_order_on_its_own_application() -> None:
    """s.5(1), s.5(6)(b): the same main application, named on both."""
    for application_id in (None, "APP-2"):
        with pytest.raises(InvalidValueError, match="'APP-1'") as caught:
            make(replaces=interim(), application_id=application_id)
        assert repr(application_id) in str(caught.value)


def test_an_interim_order_is_made_on_a_main_application() -> None:
    """s.5(1): application_id is required for an interim order, and named in the error."""
    with pytest.raises(InvalidValueError, match=r"application_id=None.*s\.5\(1\)"):
        make(kind=OrderKind.INTERIM, duration=Duration(weeks=4))
    made = make(kind=OrderKind.INTERIM, duration=Duration(weeks=4), application_id="APP-1")
    assert made.order.application_id == "APP-1"


def test_only_a_full_order_replaces_and_only_an_interim_one() -> None:
    """Typed errors naming the order."""
    with pytest.raises(InvalidValueError, match="'SPO-1'"):
        make(replaces=full(), application_id="APP-1")
    with pytest.raises(InvalidValueError, match="'ISPO-1'"):
        make(
            kind=OrderKind.INTERIM,
            duration=Duration(weeks=4),
            replaces=interim(),
            application_id="APP-1",
        )
    with pytest.raises(InvalidValueError, match="'D2'"):
        make(replaces=interim(defendant_id="D2"), application_id="APP-1")


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


def test_protected_persons_given_as_one_string_are_refused_not_split() -> None:
    """'P12' is not the persons P, 1 and 2, even when no term names a person (a ban)."""
    ban = PlatformBan(platforms=("instagram",), term_id="T1")
    with pytest.raises(InvalidValueError, match="protected_person_ids") as raised:
        make(protected_person_ids="P12", terms=[ban])
    assert "'P12'" in str(raised.value)
    assert make(protected_person_ids=("P12",), terms=[ban]).order.protected_person_ids == ("P12",)
    # A one-shot iterable is read once.
    made = make(protected_person_ids=iter(["P1"]))
    assert made.order.protected_person_ids == ("P1",)
