"""The interim order lifecycle (SPA2019 s.5, s.7)."""

from __future__ import annotations

from typing import Any

import pendulum
import pytest

from spo_tracker.domain.lifecycles import (
    dismiss_appeal,
    expire_order,
    lodge_appeal,
    quash_on_appeal,
    serve_order,
    vary_on_appeal,
)
from spo_tracker.domain.lifecycles.interim_order import (
    MACHINE,
    InterimOrderCommand,
    InterimOrderEvent,
    MainOutcome,
    cease_on_determination,
    discharge_interim_order,
    renew_interim_order,
    vary_interim_order,
)
from spo_tracker.domain.lifecycles.parties import Party
from spo_tracker.domain.orders import Duration, Order, OrderState, VersionCause
from spo_tracker.errors import GuardRejectedError, InvalidValueError, UnknownCodeError
from tests.lifecycles.builders import (
    CENTRE,
    GMP,
    MADE_AT,
    NO_CONTACT,
    NO_SURVEILLANCE,
    WMP,
    ZONE,
    assessment_at,
    full,
    interim,
)
from tests.lifecycles.registry import covers

St, Ev = OrderState, InterimOrderEvent
DEFENDANT = Party.defendant()
POLICE = Party.chief_officer(WMP)
SOON = MADE_AT.add(days=7)
LIVE = (St.MADE, St.SERVED)


def in_state(state: OrderState, **changes: Any) -> Order:
    """The standard interim order (8 weeks from 2 March 2026) in ``state``."""
    return interim(state=state, **changes)


def refusal(order: Order, cmd: InterimOrderCommand) -> GuardRejectedError:
    """The guard error ``cmd`` raises; the order is left as it was."""
    before = (order, order.revision, order.versions)
    with pytest.raises(GuardRejectedError) as caught:
        MACHINE.fire(order, cmd)
    assert (order, order.revision, order.versions) == before
    return caught.value


# --- rows -----------------------------------------------------------------------


@covers("interim_order", (St.MADE, Ev.SERVE))
def test_service_is_recorded() -> None:
    """SERVE moves MADE to SERVED and keeps when."""
    fired = serve_order(interim(), at=SOON, actor="PC 1")
    assert fired.subject.state is St.SERVED
    assert fired.subject.served_at == SOON
    assert fired.subject.revision == 2


@covers("interim_order", (St.MADE, Ev.VARY), (St.SERVED, Ev.VARY))
def test_variation_appends_a_version_and_keeps_the_old_one() -> None:
    """VARY on the defendant's or chief officer's application (SPA2019 s.5(7)-(8))."""
    for state, who in ((St.MADE, DEFENDANT), (St.SERVED, POLICE)):
        order = in_state(state)
        terms = (NO_CONTACT, NO_SURVEILLANCE)
        fired = vary_interim_order(order, at=SOON, actor="clerk", applied_by=who, terms=terms)
        varied = fired.subject
        assert varied.state is state
        assert varied.versions[0] == order.versions[0]
        assert varied.current.number == 2
        assert varied.current.cause is VersionCause.VARIED
        assert varied.current.terms == terms
        assert varied.current.decided_on == pendulum.Date(2026, 3, 9)
        assert varied.period == order.period


@covers("interim_order", (St.MADE, Ev.RENEW), (St.SERVED, Ev.RENEW))
def test_renewal_extends_the_fixed_period() -> None:
    """RENEW to a longer period counted from the day made; no minimum (s.5(6)(a), s.5(7))."""
    for state in LIVE:
        fired = renew_interim_order(
            in_state(state), at=SOON, actor="clerk", applied_by=POLICE, duration=Duration(weeks=12)
        )
        assert fired.subject.current.cause is VersionCause.RENEWED
        assert fired.subject.period is not None
        assert fired.subject.period.last_day == pendulum.Date(2026, 5, 24)


@covers("interim_order", (St.MADE, Ev.DISCHARGE), (St.SERVED, Ev.DISCHARGE))
def test_discharge_needs_no_consents_and_has_no_two_year_bar() -> None:
    """DISCHARGE on the defendant's application, a week after making (SPA2019 s.5(7)-(8))."""
    for state in LIVE:
        fired = discharge_interim_order(
            in_state(state), at=SOON, actor="clerk", applied_by=DEFENDANT
        )
        assert fired.subject.state is St.DISCHARGED
        assert fired.subject.ended_at == SOON
        assert fired.subject.end_reason == "discharged on the application of defendant"


@covers("interim_order", (St.MADE, Ev.EXPIRE), (St.SERVED, Ev.EXPIRE))
def test_expiry_ends_the_order_at_the_end_of_its_last_day() -> None:
    """EXPIRE once the fixed period is over; ended_at is the period's end, not when recorded."""
    for state in LIVE:
        order = in_state(state)
        fired = expire_order(order, at=MADE_AT.add(weeks=20), actor="job")
        assert fired.subject.state is St.EXPIRED
        # 8 weeks beginning with 2 March 2026 end at the end of 26 April (BST).
        assert fired.subject.ended_at == pendulum.datetime(2026, 4, 26, 23, tz="UTC")


@covers(
    "interim_order",
    (St.MADE, Ev.MAIN_APPLICATION_DETERMINED),
    (St.SERVED, Ev.MAIN_APPLICATION_DETERMINED),
)
def test_the_order_ceases_when_the_main_application_is_determined() -> None:
    """Granted, refused, or (OPEN choice) withdrawn: CEASED (SPA2019 s.5(6)(b))."""
    for state, outcome in zip(LIVE, MainOutcome, strict=False):
        fired = cease_on_determination(
            in_state(state), at=SOON, actor="clerk", outcome=outcome, application_id="APP-1"
        )
        assert fired.subject.state is St.CEASED
        assert outcome.value in (fired.subject.end_reason or "")
    withdrawn = cease_on_determination(
        interim(), at=SOON, actor="clerk", outcome="withdrawn", application_id="APP-1"
    )
    assert withdrawn.subject.state is St.CEASED
    assert "withdrawn" in (withdrawn.subject.end_reason or "")


@covers("interim_order", (St.MADE, Ev.LODGE_APPEAL), (St.SERVED, Ev.LODGE_APPEAL))
def test_an_appeal_is_a_flag_and_the_order_stays_in_force() -> None:
    """LODGE_APPEAL keeps the state (no stay, SPA2019 s.7)."""
    for state in LIVE:
        fired = lodge_appeal(in_state(state), at=SOON, actor="clerk")
        assert fired.subject.state is state
        assert fired.subject.appeal_pending
        assert fired.subject.in_force_at(SOON.add(days=1))


@covers("interim_order", (St.MADE, Ev.APPEAL_DISMISSED), (St.SERVED, Ev.APPEAL_DISMISSED))
def test_a_dismissed_appeal_clears_the_flag() -> None:
    """APPEAL_DISMISSED: the order stands (SPA2019 s.7(4))."""
    for state in LIVE:
        fired = dismiss_appeal(in_state(state, appeal_pending=True), at=SOON, actor="clerk")
        assert not fired.subject.appeal_pending
        assert fired.subject.state is state


@covers("interim_order", (St.MADE, Ev.APPEAL_VARIED), (St.SERVED, Ev.APPEAL_VARIED))
def test_variation_on_appeal_appends_a_version() -> None:
    """APPEAL_VARIED: a VARIED_ON_APPEAL version, flag cleared (SPA2019 s.7(4))."""
    for state in LIVE:
        order = in_state(state, appeal_pending=True)
        fired = vary_on_appeal(order, at=SOON, actor="Crown Court", duration=Duration(weeks=4))
        assert fired.subject.current.cause is VersionCause.VARIED_ON_APPEAL
        assert not fired.subject.appeal_pending
        assert fired.subject.versions[:1] == order.versions


@covers("interim_order", (St.MADE, Ev.APPEAL_QUASHED), (St.SERVED, Ev.APPEAL_QUASHED))
def test_quashing_on_appeal_ends_the_order() -> None:
    """APPEAL_QUASHED: QUASHED (SPA2019 s.7(4))."""
    for state in LIVE:
        fired = quash_on_appeal(in_state(state, appeal_pending=True), at=SOON, actor="clerk")
        assert fired.subject.state is St.QUASHED
        assert fired.subject.ended_at == SOON
        assert not fired.subject.appeal_pending


# --- guards ---------------------------------------------------------------------


def test_past_its_fixed_period_only_expiry_is_possible() -> None:
    """within_fixed_period refuses service, variation and the rest (SPA2019 s.5(6)(a))."""
    late = MADE_AT.add(weeks=9)
    error = refusal(interim(), InterimOrderCommand(Ev.SERVE, late, "PC 1"))
    assert (error.guard, error.section) == ("within_fixed_period", "SPA2019 s.5(6)(a)")
    assert "2026-04-26" in error.reason
    assert MACHINE.enabled_events(interim(), late) == (Ev.EXPIRE,)


def test_expiry_before_the_end_of_the_last_day_is_refused() -> None:
    """fixed_period_has_ended uses the London day: 23:30 BST on the last day is still in."""
    last_evening = pendulum.datetime(2026, 4, 26, 22, 30, tz="UTC")
    error = refusal(interim(), InterimOrderCommand(Ev.EXPIRE, last_evening, "job"))
    assert (error.guard, error.section) == ("fixed_period_has_ended", "SPA2019 s.5(6)(a)")
    assert expire_order(interim(), at=last_evening.add(minutes=30), actor="job").subject.ended_at


def test_service_before_the_order_was_made_is_refused() -> None:
    """in_chronological_order (library)."""
    error = refusal(interim(), InterimOrderCommand(Ev.SERVE, MADE_AT.subtract(hours=1), "PC"))
    assert (error.guard, error.section) == ("in_chronological_order", "library")
    assert "before the order was made" in error.reason


def test_only_the_defendant_or_the_applying_chief_officer_may_apply() -> None:
    """Another force, or nobody named, is refused (SPA2019 s.5(7))."""
    other = Party.chief_officer(GMP)
    for who in (other, None):
        cmd = InterimOrderCommand(Ev.DISCHARGE, SOON, "clerk", applied_by=who)
        error = refusal(interim(), cmd)
        assert (error.guard, error.section) == ("applicant_may_apply", "SPA2019 s.5(7)")
        assert repr(who.key if who else None) in error.reason


def test_a_variation_must_change_something_well_formed() -> None:
    """Nothing given, the same terms, no terms, or duplicate term ids are refused."""
    order = interim()
    for cmd, says in (
        (InterimOrderCommand(Ev.VARY, SOON, "c", applied_by=POLICE), "nothing to change"),
        (
            InterimOrderCommand(Ev.VARY, SOON, "c", applied_by=POLICE, terms=(NO_CONTACT,)),
            "current ones",
        ),
        (InterimOrderCommand(Ev.VARY, SOON, "c", applied_by=POLICE, terms=()), "at least one"),
        (
            InterimOrderCommand(
                Ev.VARY, SOON, "c", applied_by=POLICE, terms=(NO_CONTACT, NO_CONTACT)
            ),
            "unique",
        ),
    ):
        error = refusal(order, cmd)
        assert error.guard == "variation_changes_something"
        assert says in error.reason


def test_a_variation_may_not_shorten_the_order_into_the_past() -> None:
    """new_period_not_already_over: discharge instead (library)."""
    cmd = InterimOrderCommand(
        Ev.VARY, MADE_AT.add(weeks=3), "c", applied_by=POLICE, duration=Duration(weeks=2)
    )
    error = refusal(interim(), cmd)
    assert error.guard == "new_period_not_already_over"
    assert "2026-03-15" in error.reason


def test_a_renewal_must_extend_the_period() -> None:
    """renewal_extends_period refuses a same or shorter period, or none (SPA2019 s.5(7))."""
    for duration in (Duration(weeks=8), Duration(weeks=6), None):
        cmd = InterimOrderCommand(Ev.RENEW, SOON, "c", applied_by=POLICE, duration=duration)
        error = refusal(interim(), cmd)
        assert error.guard in ("renewal_extends_period", "variation_changes_something")
        if duration == Duration(weeks=6):
            assert (error.guard, error.section) == ("renewal_extends_period", "SPA2019 s.5(7)")
            assert "6 weeks" in error.reason


def test_new_terms_must_not_clash_with_another_live_order() -> None:
    """compatible_with_live_orders names the other order (SPA2019 s.2(6)-(7))."""
    other = full(order_id="SPO-OTHER", terms=(ZONE,))
    cmd = InterimOrderCommand(
        Ev.VARY,
        SOON,
        "c",
        applied_by=POLICE,
        terms=(NO_CONTACT, assessment_at(CENTRE)),
        other_live_orders=(other,),
    )
    error = refusal(interim(), cmd)
    assert (error.guard, error.section) == ("compatible_with_live_orders", "SPA2019 s.2(6)-(7)")
    assert "SPO-OTHER" in error.reason
    ended = full(order_id="SPO-OLD", terms=(ZONE,), state=St.DISCHARGED)
    fine = vary_interim_order(
        interim(),
        at=SOON,
        actor="c",
        applied_by=POLICE,
        terms=(NO_CONTACT, assessment_at(CENTRE)),
        other_live_orders=(ended,),
    )
    assert fine.subject.current.number == 2


def test_determination_must_say_how_and_for_which_application() -> None:
    """main_application_determined (SPA2019 s.5(1), s.5(6)(b)): the order's own application."""
    error = refusal(interim(), InterimOrderCommand(Ev.MAIN_APPLICATION_DETERMINED, SOON, "c"))
    assert (error.guard, error.section) == (
        "main_application_determined",
        "SPA2019 s.5(1), s.5(6)(b)",
    )
    for named in ("APP-2", None):
        wrong = InterimOrderCommand(
            Ev.MAIN_APPLICATION_DETERMINED,
            SOON,
            "c",
            main_outcome=MainOutcome.GRANTED,
            application_id=named,
        )
        assert repr(named) in refusal(interim(), wrong).reason
    unlinked = InterimOrderCommand(
        Ev.MAIN_APPLICATION_DETERMINED, SOON, "c", main_outcome="granted", application_id="APP-1"
    )
    error = refusal(interim(application_id=None), unlinked)
    assert "records no main application" in error.reason


@pytest.mark.parametrize("outcome", ["allowed", 3, MainOutcome])
def test_an_unknown_outcome_is_a_typed_error_naming_it(outcome: object) -> None:
    """UnknownCodeError (not AttributeError) naming the value and the known outcomes."""
    with pytest.raises(UnknownCodeError, match="main_outcome") as caught:
        cease_on_determination(
            interim(),
            at=SOON,
            actor="c",
            outcome=outcome,  # type: ignore[arg-type]
            application_id="APP-1",
        )
    assert caught.value.known == ("granted", "refused", "withdrawn")


def test_appeal_events_need_the_appeal_flag_in_the_right_position() -> None:
    """One appeal at a time; outcomes only of a lodged appeal (SPA2019 s.7)."""
    error = refusal(interim(appeal_pending=True), InterimOrderCommand(Ev.LODGE_APPEAL, SOON, "c"))
    assert (error.guard, error.section) == ("no_appeal_pending", "SPA2019 s.7(1)")
    for event in (Ev.APPEAL_DISMISSED, Ev.APPEAL_QUASHED):
        error = refusal(interim(), InterimOrderCommand(event, SOON, "c"))
        assert (error.guard, error.section) == ("appeal_is_pending", "SPA2019 s.7(4)")
        assert "appeal_pending=False" in error.reason


def test_the_interim_machine_refuses_a_full_order() -> None:
    """A full order is a typed error naming its kind, never run through this table."""
    with pytest.raises(InvalidValueError, match="'full'"):
        MACHINE.fire(full(), InterimOrderCommand(Ev.SERVE, SOON, "PC"))


def test_an_interim_order_cannot_be_made_to_run_until_further_order_on_appeal() -> None:
    """s.5(6)(a): fixed period only."""
    with pytest.raises(InvalidValueError, match="until_further_order"):
        vary_on_appeal(interim(appeal_pending=True), at=SOON, actor="c", until_further_order=True)


def test_the_period_ends_exactly_at_london_midnight_after_its_last_day() -> None:
    """At 00:00 BST on 27 April the order is out of time; one microsecond before, it is not."""
    end = pendulum.datetime(2026, 4, 27, tz="Europe/London")
    assert MACHINE.enabled_events(interim(), end) == (Ev.EXPIRE,)
    just_before = end.subtract(microseconds=1)
    assert Ev.EXPIRE not in MACHINE.enabled_events(interim(), just_before)
    assert Ev.SERVE in MACHINE.enabled_events(interim(), just_before)
