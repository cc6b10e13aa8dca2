"""The full order lifecycle (SPA2019 s.2, s.3, s.4, s.7)."""

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
from spo_tracker.domain.lifecycles.full_order import (
    MACHINE,
    FullOrderCommand,
    FullOrderEvent,
    FullOrderState,
    discharge_consents_needed,
    discharge_order,
    renew_order,
    two_year_point,
    vary_order,
)
from spo_tracker.domain.lifecycles.parties import Party
from spo_tracker.domain.orders import Duration, Order, OrderState, VersionCause
from spo_tracker.errors import GuardRejectedError, InvalidValueError
from tests.lifecycles.builders import (
    BTP,
    CENTRE,
    GMP,
    MADE_AT,
    MET,
    NO_CONTACT,
    NO_SURVEILLANCE,
    WMP,
    ZONE,
    assessment_at,
    full,
    interim,
    london,
    until_further_order,
)
from tests.lifecycles.registry import covers

St, Ev = FullOrderState, FullOrderEvent
DEFENDANT = Party.defendant()
POLICE = Party.chief_officer(WMP)
SOON = MADE_AT.add(days=7)
LIVE = (St.MADE, St.SERVED)
TWO_YEARS_ON = london(2028, 3, 2, 9)  # the 2-year point is the end of 1 March 2028


def in_state(state: FullOrderState, **changes: Any) -> Order:
    """The standard full order (2 years from 2 March 2026) in ``state``."""
    return full(state=state.order_state, **changes)


def refusal(order: Order, cmd: FullOrderCommand) -> GuardRejectedError:
    """The guard error ``cmd`` raises; the order is left as it was."""
    before = (order, order.revision, order.versions)
    with pytest.raises(GuardRejectedError) as caught:
        MACHINE.fire(order, cmd)
    assert (order, order.revision, order.versions) == before
    return caught.value


def cmd(event: FullOrderEvent, at: pendulum.DateTime = SOON, **payload: Any) -> FullOrderCommand:
    """A command from the court."""
    return FullOrderCommand(event, at, "court", **payload)


# --- rows -----------------------------------------------------------------------


@covers("full_order", (St.MADE, Ev.SERVE))
def test_service_is_recorded() -> None:
    """SERVE moves MADE to SERVED."""
    fired = serve_order(full(), at=SOON, actor="PC 1")
    assert fired.subject.state is OrderState.SERVED
    assert fired.subject.served_at == SOON
    assert fired.record.target == "SERVED"


@covers("full_order", (St.MADE, Ev.VARY), (St.SERVED, Ev.VARY))
def test_variation_appends_a_version() -> None:
    """VARY adds a version; the first one is kept as it was (SPA2019 s.4)."""
    for state in LIVE:
        order = in_state(state)
        fired = vary_order(
            order,
            at=SOON,
            actor="court",
            applied_by=POLICE,
            terms=(NO_CONTACT, NO_SURVEILLANCE),
            necessary_to_protect=True,
            reason="new surveillance evidence",
        )
        assert fired.subject.state is state.order_state
        assert fired.subject.versions[0] == order.versions[0]
        assert fired.subject.current.cause is VersionCause.VARIED
        assert fired.subject.current.reason == "new surveillance evidence"


@covers("full_order", (St.MADE, Ev.RENEW), (St.SERVED, Ev.RENEW))
def test_renewal_extends_a_fixed_order() -> None:
    """RENEW to 3 years, counted from the day made (SPA2019 s.4)."""
    for state in LIVE:
        fired = renew_order(
            in_state(state), at=SOON, actor="court", applied_by=POLICE, duration=Duration(years=3)
        )
        assert fired.subject.current.cause is VersionCause.RENEWED
        assert fired.subject.period is not None
        assert fired.subject.period.last_day == pendulum.Date(2029, 3, 1)


@covers("full_order", (St.MADE, Ev.DISCHARGE), (St.SERVED, Ev.DISCHARGE))
def test_discharge_after_two_years_needs_no_consents() -> None:
    """DISCHARGE after the 2-year point on the defendant's application (SPA2019 s.4(4)(b))."""
    for state in LIVE:
        order = full(state=state.order_state, duration=Duration(years=3))
        fired = discharge_order(order, at=TWO_YEARS_ON, actor="court", applied_by=DEFENDANT)
        assert fired.subject.state is OrderState.DISCHARGED
        assert fired.subject.ended_at == TWO_YEARS_ON


@covers("full_order", (St.MADE, Ev.EXPIRE), (St.SERVED, Ev.EXPIRE))
def test_expiry_at_the_end_of_the_fixed_period() -> None:
    """EXPIRE: ended at 00:00 London on 2 March 2028 (SPA2019 s.3(1))."""
    for state in LIVE:
        fired = expire_order(in_state(state), at=TWO_YEARS_ON.add(days=40), actor="job")
        assert fired.subject.state is OrderState.EXPIRED
        assert fired.subject.ended_at == pendulum.datetime(2028, 3, 2, tz="Europe/London")


@covers(
    "full_order",
    (St.MADE, Ev.LODGE_APPEAL),
    (St.SERVED, Ev.LODGE_APPEAL),
    (St.MADE, Ev.APPEAL_DISMISSED),
    (St.SERVED, Ev.APPEAL_DISMISSED),
)
def test_appeal_lodged_then_dismissed_leaves_the_order_in_force() -> None:
    """LODGE_APPEAL sets the flag, APPEAL_DISMISSED clears it; no stay (SPA2019 s.7)."""
    for state in LIVE:
        lodged = lodge_appeal(in_state(state), at=SOON, actor="court").subject
        assert lodged.appeal_pending
        assert lodged.in_force_at(SOON.add(days=1))
        dismissed = dismiss_appeal(lodged, at=SOON.add(days=30), actor="Crown Court").subject
        assert not dismissed.appeal_pending
        assert dismissed.state is state.order_state


@covers("full_order", (St.MADE, Ev.APPEAL_VARIED), (St.SERVED, Ev.APPEAL_VARIED))
def test_variation_on_appeal() -> None:
    """APPEAL_VARIED can even make the order run until further order (SPA2019 s.7(4))."""
    for state in LIVE:
        order = in_state(state, appeal_pending=True)
        fired = vary_on_appeal(order, at=SOON, actor="Crown Court", until_further_order=True)
        assert fired.subject.period is None
        assert fired.subject.current.duration is None
        assert fired.subject.current.cause is VersionCause.VARIED_ON_APPEAL


@covers("full_order", (St.MADE, Ev.APPEAL_QUASHED), (St.SERVED, Ev.APPEAL_QUASHED))
def test_quashed_on_appeal() -> None:
    """APPEAL_QUASHED ends the order."""
    for state in LIVE:
        fired = quash_on_appeal(in_state(state, appeal_pending=True), at=SOON, actor="cc")
        assert fired.subject.state is OrderState.QUASHED


# --- guards ---------------------------------------------------------------------


def test_relevant_chief_officers_and_the_defendant_may_apply() -> None:
    """s.4(1), s.14(1): the applicant officer, the home force, a believing territorial one."""
    order = full()
    terms = (NO_CONTACT, NO_SURVEILLANCE)
    allowed: list[dict[str, Any]] = [
        {"applied_by": DEFENDANT},
        {"applied_by": POLICE},
        {"applied_by": Party.chief_officer(GMP), "home_force": GMP},
        {"applied_by": Party.chief_officer(MET), "applicant_believes_defendant_in_area": True},
    ]
    for payload in allowed:
        fired = MACHINE.fire(order, cmd(Ev.VARY, terms=terms, necessary_to_protect=True, **payload))
        assert fired.subject.current.number == 2
    refused: list[dict[str, Any]] = [
        {"applied_by": Party.chief_officer(MET)},
        {"applied_by": Party.chief_officer(BTP), "applicant_believes_defendant_in_area": True},
        {"applied_by": None},
    ]
    for payload in refused:
        error = refusal(order, cmd(Ev.VARY, terms=terms, necessary_to_protect=True, **payload))
        assert (error.guard, error.section) == ("applicant_may_apply", "SPA2019 s.4(1), s.14(1)")
        who = payload["applied_by"]
        assert repr(who.key if who else None) in error.reason


def test_additional_terms_need_a_finding_of_necessity() -> None:
    """No additional prohibition unless necessary to protect (SPA2019 s.4(4)(a))."""
    order = full()
    error = refusal(order, cmd(Ev.VARY, applied_by=POLICE, terms=(NO_CONTACT, NO_SURVEILLANCE)))
    assert (error.guard, error.section) == ("additional_terms_necessary", "SPA2019 s.4(4)(a)")
    assert "T2" in error.reason
    assert "T1" not in error.reason
    fewer = vary_order(
        full(terms=(NO_CONTACT, NO_SURVEILLANCE)), at=SOON, actor="c", applied_by=DEFENDANT,
        terms=(NO_CONTACT,),
    )  # fmt: skip
    assert fewer.subject.terms == (NO_CONTACT,)


def test_a_fixed_period_stays_at_least_two_years() -> None:
    """Varying to 23 months is refused, naming the duration (SPA2019 s.3(2))."""
    error = refusal(full(), cmd(Ev.VARY, applied_by=POLICE, duration=Duration(months=23)))
    assert (error.guard, error.section) == ("fixed_period_at_least_two_years", "SPA2019 s.3(2)")
    assert "23 months" in error.reason
    assert "2028-03-01" in error.reason
    longer = vary_order(
        full(duration=Duration(years=3)), at=SOON, actor="c", applied_by=DEFENDANT,
        duration=Duration(years=2),
    )  # fmt: skip
    assert longer.subject.period is not None
    assert longer.subject.period.last_day == pendulum.Date(2028, 3, 1)


def test_renewal_only_of_a_fixed_order_and_only_longer() -> None:
    """renewal_extends_fixed_period (SPA2019 s.3(1), s.4(1))."""
    error = refusal(
        until_further_order(), cmd(Ev.RENEW, applied_by=POLICE, duration=Duration(years=3))
    )
    assert (error.guard, error.section) == (
        "renewal_extends_fixed_period",
        "SPA2019 s.3(1), s.4(1)",
    )
    assert "period=None" in error.reason
    shorter = refusal(
        full(duration=Duration(years=3)),
        cmd(Ev.RENEW, applied_by=POLICE, duration=Duration(years=2)),
    )
    assert shorter.guard == "renewal_extends_fixed_period"
    assert "2 years" in shorter.reason
    indefinite = renew_order(
        full(), at=SOON, actor="c", applied_by=POLICE, until_further_order=True
    )
    assert indefinite.subject.period is None


def test_discharge_within_two_years_needs_the_defendant_and_the_officers() -> None:
    """Defendant applies: consents of defendant, applying officer and home force (s.4(4)(b))."""
    order = full()
    base: dict[str, Any] = {"applied_by": DEFENDANT, "home_force": GMP}
    error = refusal(order, cmd(Ev.DISCHARGE, consents=[DEFENDANT, POLICE], **base))
    assert (error.guard, error.section) == ("discharge_consents_given", "SPA2019 s.4(4)(b)")
    assert "chief-officer:06" in error.reason
    assert "2028-03-01" in error.reason
    every = [DEFENDANT, POLICE, Party.chief_officer(GMP)]
    assert MACHINE.fire(order, cmd(Ev.DISCHARGE, consents=every, **base)).subject.ended_at == SOON


def test_discharge_within_two_years_on_an_officers_application() -> None:
    """An officer applies: the defendant's consent and that officer's (s.4(4)(b))."""
    gmp = Party.chief_officer(GMP)
    payload: dict[str, Any] = {"applied_by": gmp, "home_force": GMP}
    error = refusal(full(), cmd(Ev.DISCHARGE, consents=[gmp], **payload))
    assert "defendant" in error.reason
    fired = MACHINE.fire(full(), cmd(Ev.DISCHARGE, consents=[gmp, DEFENDANT], **payload))
    assert fired.subject.state is OrderState.DISCHARGED


def test_discharge_within_two_years_must_name_the_home_force() -> None:
    """Without the home force the consents cannot be worked out: refused, naming it."""
    error = refusal(full(), cmd(Ev.DISCHARGE, applied_by=DEFENDANT, consents=[DEFENDANT, POLICE]))
    assert "home_force=None" in error.reason
    assert discharge_consents_needed(full(), DEFENDANT, WMP) == frozenset(
        {"defendant", "chief-officer:20"}
    )


def test_the_two_year_point_is_a_london_midnight() -> None:
    """Last instant of 1 March 2028 needs consents; 00:00 on 2 March does not."""
    order = full(duration=Duration(years=3))
    assert two_year_point(order).last_day == pendulum.Date(2028, 3, 1)
    end = pendulum.datetime(2028, 3, 2, tz="Europe/London")
    late = refusal(order, cmd(Ev.DISCHARGE, end.subtract(microseconds=1), applied_by=DEFENDANT))
    assert late.guard == "discharge_consents_given"
    fired = MACHINE.fire(order, cmd(Ev.DISCHARGE, end, applied_by=DEFENDANT))
    assert fired.subject.state is OrderState.DISCHARGED


def test_two_year_point_of_an_order_made_on_29_february() -> None:
    """Made 29 February 2024: consents needed to the end of 28 February 2026."""
    leap = full(made_at=london(2024, 2, 29, 11), duration=Duration(years=5))
    assert two_year_point(leap).last_day == pendulum.Date(2026, 2, 28)
    march_1 = london(2026, 3, 1, 0, 0)
    assert MACHINE.fire(leap, cmd(Ev.DISCHARGE, march_1, applied_by=DEFENDANT)).subject.ended_at


def test_variation_terms_must_not_clash_with_another_live_order() -> None:
    """compatible_with_live_orders (SPA2019 s.2(6)-(7))."""
    other = interim(order_id="ISPO-OTHER", terms=(ZONE,))
    terms = (NO_CONTACT, assessment_at(CENTRE))
    error = refusal(
        full(),
        cmd(
            Ev.VARY,
            applied_by=POLICE,
            terms=terms,
            necessary_to_protect=True,
            other_live_orders=[other],
        ),
    )
    assert (error.guard, error.section) == ("compatible_with_live_orders", "SPA2019 s.2(6)-(7)")
    assert "ISPO-OTHER" in error.reason
    assert "Zone A" in error.reason


def test_an_until_further_order_order_never_expires() -> None:
    """fixed_period_has_ended refuses, naming period=None (SPA2019 s.3(1))."""
    error = refusal(until_further_order(), cmd(Ev.EXPIRE, london(2040, 1, 1)))
    assert (error.guard, error.section) == ("fixed_period_has_ended", "SPA2019 s.3(1)")
    assert "period=None" in error.reason


def test_past_its_period_a_full_order_accepts_only_expiry() -> None:
    """No variation, renewal, discharge or appeal once the period is over."""
    late = TWO_YEARS_ON
    assert MACHINE.enabled_events(full(), late) == (Ev.EXPIRE,)
    error = refusal(full(), cmd(Ev.RENEW, late, applied_by=POLICE, duration=Duration(years=5)))
    assert (error.guard, error.section) == ("within_fixed_period", "SPA2019 s.3(1)")


def test_service_before_the_order_was_made_is_refused() -> None:
    """in_chronological_order (library), naming both instants."""
    error = refusal(full(), cmd(Ev.SERVE, MADE_AT.subtract(minutes=1)))
    assert (error.guard, error.section) == ("in_chronological_order", "library")
    assert "before the order was made at 2026-03-02T10:30:00+00:00" in error.reason
    assert "at=2026-03-02T10:29:00+00:00" in error.reason


def test_a_variation_that_changes_nothing_is_refused() -> None:
    """variation_changes_something (library), for full orders too."""
    error = refusal(full(), cmd(Ev.VARY, applied_by=POLICE, duration=Duration(years=2)))
    assert (error.guard, error.section) == ("variation_changes_something", "library")
    assert "current ones" in error.reason


def test_the_full_machine_refuses_an_interim_order_and_a_ceased_state() -> None:
    """Typed errors naming the kind or the state; nothing changes."""
    with pytest.raises(InvalidValueError, match="'interim'"):
        MACHINE.fire(interim(), cmd(Ev.SERVE))
    with pytest.raises(InvalidValueError, match="'ceased'"):
        MACHINE.fire(full(state=OrderState.CEASED), cmd(Ev.SERVE))


def test_appeal_outcomes_need_a_pending_appeal() -> None:
    """appeal_is_pending and no_appeal_pending (SPA2019 s.7)."""
    assert (
        refusal(full(), cmd(Ev.APPEAL_VARIED, until_further_order=True)).guard
        == "appeal_is_pending"
    )
    assert refusal(full(appeal_pending=True), cmd(Ev.LODGE_APPEAL)).guard == "no_appeal_pending"
