"""Who may appeal to the Crown Court, and against which decision (SPA2019 s.7(1)-(3))."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
import pendulum
import pytest

from spo_tracker.domain.lifecycles import (
    application,
    full_order,
    interim_order,
    lodge_appeal,
    make_order,
)
from spo_tracker.domain.lifecycles.full_order import FullOrderCommand, FullOrderEvent
from spo_tracker.domain.lifecycles.interim_order import InterimOrderCommand, InterimOrderEvent
from spo_tracker.domain.lifecycles.making import dismiss_appeal, quash_on_appeal, vary_on_appeal
from spo_tracker.domain.lifecycles.parties import (
    AppealAgainst,
    AppealedDecision,
    AppealRecord,
    Party,
    PendingAppeal,
)
from spo_tracker.domain.orders import Duration, Order, OrderState
from spo_tracker.domain.people import ChiefOfficer
from spo_tracker.errors import GuardRejectedError, InvalidValueError
from tests.lifecycles.builders import (
    BTP,
    GMP,
    MADE_AT,
    MET,
    NO_CONTACT,
    NO_SURVEILLANCE,
    WMP,
    draft,
    full,
    interim,
)
from tests.lifecycles.registry import covers

DEFENDANT = Party.defendant()
APPLICANT = Party.chief_officer(WMP)  # the chief officer who applied for the orders built here
SOON = MADE_AT.add(days=7)
LATER = MADE_AT.add(days=30)
MAKING = AppealAgainst.making()


def varied_by(who: Party) -> Order:
    """The standard full order, varied on ``who``'s application: version 2 is a s.4 order."""
    return full_order.vary_order(
        full(),
        at=SOON,
        actor="court",
        applied_by=who,
        terms=(NO_CONTACT, NO_SURVEILLANCE),
        necessary_to_protect=True,
        home_force=GMP,
    ).subject


def refused(order: Order, appellant: Party, against: AppealAgainst, **facts: Any) -> str:
    """The guard that refuses the appeal, with its section; the order is left as it was."""
    before = (order, order.revision)
    with pytest.raises(GuardRejectedError) as caught:
        lodge_appeal(order, at=LATER, actor="clerk", appellant=appellant, against=against, **facts)
    assert (order, order.revision) == before
    error = caught.value
    assert repr(appellant.key) in error.reason  # the error names the appellant...
    assert against.decision.value in error.reason  # ...and the decision
    return f"{error.guard} ({error.section})"


def allowed(order: Order, appellant: Party, against: AppealAgainst, **facts: Any) -> str:
    """The paragraph the appeal is lodged under (the record's section); the flag is set."""
    fired = lodge_appeal(
        order, at=LATER, actor="clerk", appellant=appellant, against=against, **facts
    )
    assert fired.subject.appeal_pending
    assert fired.subject.state is order.state  # no stay (s.7)
    record = fired.record
    assert isinstance(record, AppealRecord)
    assert (record.appellant, record.against) == (appellant.key, against.decision.value)
    return record.section


# --- the making (s.7(1)(a)-(b)) ---------------------------------------------------


@covers(
    "full_order",
    (full_order.FullOrderState.MADE, FullOrderEvent.LODGE_APPEAL),
    (full_order.FullOrderState.SERVED, FullOrderEvent.LODGE_APPEAL),
)
def test_the_defendant_appeals_against_the_making_of_a_full_order() -> None:
    """s.7(1)(a): the record names the defendant, the making and the paragraph."""
    for state in (OrderState.MADE, OrderState.SERVED):
        assert allowed(full(state=state), DEFENDANT, MAKING) == "SPA2019 s.7(1)(a)"


@covers(
    "interim_order",
    (OrderState.MADE, InterimOrderEvent.LODGE_APPEAL),
    (OrderState.SERVED, InterimOrderEvent.LODGE_APPEAL),
)
def test_the_defendant_appeals_against_the_making_of_an_interim_order() -> None:
    """s.7(1)(b)."""
    for state in (OrderState.MADE, OrderState.SERVED):
        assert allowed(interim(state=state), DEFENDANT, MAKING) == "SPA2019 s.7(1)(b)"


def test_lodge_appeal_defaults_to_the_defendant_against_the_making() -> None:
    """The common case needs no more than the order, the instant and who records it."""
    record = lodge_appeal(full(), at=LATER, actor="clerk").record
    assert isinstance(record, AppealRecord)
    assert (record.appellant, record.against, record.section) == (
        "defendant",
        "making",
        "SPA2019 s.7(1)(a)",
    )


@pytest.mark.parametrize("officer", [WMP, GMP, BTP])
def test_no_chief_officer_appeals_against_the_making(officer: ChiefOfficer) -> None:
    """Not even the one who applied: s.7(2) gives chief officers refusals only."""
    who = Party.chief_officer(officer)
    assert refused(full(), who, MAKING) == "making_appealed_by_defendant (SPA2019 s.7(1)(a))"
    assert refused(interim(), who, MAKING) == "making_appealed_by_defendant (SPA2019 s.7(1)(b))"


# --- s.4 orders (s.7(1)(c), s.7(3)) -----------------------------------------------


def test_the_defendant_appeals_a_s4_order_made_on_a_chief_officers_application() -> None:
    """s.7(1)(c), whichever relevant chief officer applied."""
    for officer in (WMP, GMP):
        who = Party.chief_officer(officer)
        against = AppealAgainst.s4_order(version=2, on_application_of=who)
        assert allowed(varied_by(who), DEFENDANT, against) == "SPA2019 s.7(1)(c)"


def test_the_defendant_may_not_appeal_a_s4_order_made_on_their_own_application() -> None:
    """s.7(1)(c) is about a chief officer's application; s.7(3) gives that appeal to the police."""
    against = AppealAgainst.s4_order(version=2, on_application_of=DEFENDANT)
    assert refused(varied_by(DEFENDANT), DEFENDANT, against) == (
        "s4_order_appealed_by_other_side (SPA2019 s.7(1)(c), s.7(3))"
    )


@pytest.mark.parametrize(
    ("appellant", "facts"),
    [
        (WMP, {}),  # applied for the order
        (GMP, {"home_force": GMP}),  # where the defendant lives
        (MET, {"appellant_believes_defendant_in_area": True}),  # territorial, believes
    ],
)
def test_a_relevant_chief_officer_appeals_a_s4_order_made_on_the_defendants_application(
    appellant: ChiefOfficer, facts: dict[str, Any]
) -> None:
    """s.7(3), with "relevant" as in s.14(1)."""
    against = AppealAgainst.s4_order(version=2, on_application_of=DEFENDANT)
    who = Party.chief_officer(appellant)
    assert allowed(varied_by(DEFENDANT), who, against, **facts) == "SPA2019 s.7(3)"


@pytest.mark.parametrize(
    ("appellant", "facts"),
    [
        (GMP, {}),  # not the applicant, home force not given
        (GMP, {"home_force": MET}),  # not where the defendant lives
        (BTP, {"appellant_believes_defendant_in_area": True}),  # not territorial
    ],
)
def test_a_chief_officer_who_is_not_relevant_may_not_appeal_a_s4_order(
    appellant: ChiefOfficer, facts: dict[str, Any]
) -> None:
    """s.7(3) gives the appeal to a relevant chief officer only."""
    against = AppealAgainst.s4_order(version=2, on_application_of=DEFENDANT)
    who = Party.chief_officer(appellant)
    guard = refused(varied_by(DEFENDANT), who, against, **facts)
    assert guard == "s4_order_appealed_by_other_side (SPA2019 s.7(1)(c), s.7(3))"


def test_a_chief_officer_may_not_appeal_a_s4_order_made_on_police_application() -> None:
    """Neither the applicant nor another force: s.7(3) is about the defendant's application."""
    against = AppealAgainst.s4_order(version=2, on_application_of=APPLICANT)
    for officer in (WMP, GMP):
        guard = refused(varied_by(APPLICANT), Party.chief_officer(officer), against, home_force=GMP)
        assert guard == "s4_order_appealed_by_other_side (SPA2019 s.7(1)(c), s.7(3))"


def test_a_renewal_is_a_s4_order_too() -> None:
    """s.7(1)(c) covers renewals (s.4(1))."""
    renewed = full_order.renew_order(
        full(), at=SOON, actor="court", applied_by=APPLICANT, duration=Duration(years=3)
    ).subject
    against = AppealAgainst.s4_order(version=2, on_application_of=APPLICANT)
    assert allowed(renewed, DEFENDANT, against) == "SPA2019 s.7(1)(c)"


def test_the_s4_order_must_be_a_variation_or_renewal_of_this_order() -> None:
    """appeal_decision_named: a version it does not have, or the Crown Court's own version."""
    against = AppealAgainst.s4_order(version=2, on_application_of=APPLICANT)
    assert refused(full(), DEFENDANT, against) == "appeal_decision_named (SPA2019 s.7(1)-(3))"
    on_appeal = vary_on_appeal(
        full(appeal_pending=True), at=SOON, actor="Crown Court", duration=Duration(years=3)
    ).subject
    guard = refused(on_appeal, DEFENDANT, against)
    assert guard == "appeal_decision_named (SPA2019 s.7(1)-(3))"


# --- refusals of s.4 applications (s.7(1)(d), s.7(2)) ------------------------------


def test_the_party_whose_s4_application_was_refused_appeals() -> None:
    """The defendant (s.7(1)(d)) and the chief officer who applied (s.7(2))."""
    for who, paragraph in ((DEFENDANT, "SPA2019 s.7(1)(d)"), (APPLICANT, "SPA2019 s.7(2)")):
        against = AppealAgainst.s4_refusal(on_application_of=who)
        assert allowed(full(), who, against) == paragraph


@pytest.mark.parametrize(
    ("appellant", "applicant"),
    [
        (DEFENDANT, APPLICANT),
        (APPLICANT, DEFENDANT),
        (Party.chief_officer(GMP), APPLICANT),
    ],
)
def test_nobody_else_appeals_a_refused_s4_application(appellant: Party, applicant: Party) -> None:
    """s.7(1)(d) and s.7(2) give the appeal to the party refused, and to nobody else."""
    against = AppealAgainst.s4_refusal(on_application_of=applicant)
    guard = refused(full(), appellant, against, home_force=GMP)
    assert guard == "refusal_appealed_by_applicant (SPA2019 s.7(1)(d), s.7(2))"


# --- interim orders have no s.4 decisions -----------------------------------------


@pytest.mark.parametrize(
    "against",
    [
        AppealAgainst.s4_order(version=2, on_application_of=APPLICANT),
        AppealAgainst.s4_refusal(on_application_of=DEFENDANT),
    ],
)
def test_an_interim_orders_variations_and_refusals_are_not_appealable(
    against: AppealAgainst,
) -> None:
    """They are made under s.5(7), which s.7 does not list."""
    varied = interim_order.vary_interim_order(
        interim(), at=SOON, actor="court", applied_by=APPLICANT, duration=Duration(weeks=10)
    ).subject
    guard = refused(varied, DEFENDANT, against)
    assert guard == "appeal_decision_named (SPA2019 s.7(1)-(3))"


def test_s7_3_facts_for_an_interim_order_are_a_typed_error() -> None:
    """home_force means nothing for an interim order: refused, naming it."""
    order = interim()
    with pytest.raises(InvalidValueError, match="home_force='06'"):
        lodge_appeal(order, at=LATER, actor="clerk", home_force=GMP)
    assert not order.appeal_pending


# --- the command must say who and what ----------------------------------------------


def test_an_appeal_without_appellant_or_decision_is_refused() -> None:
    """appeal_decision_named, on both order lifecycles; so the probe never enables it."""
    unnamed = FullOrderCommand(FullOrderEvent.LODGE_APPEAL, LATER, "c")
    with pytest.raises(GuardRejectedError) as caught:
        full_order.MACHINE.fire(full(), unnamed)
    assert caught.value.guard == "appeal_decision_named"
    assert "appellant=None, against=None" in caught.value.reason
    no_decision = InterimOrderCommand(
        InterimOrderEvent.LODGE_APPEAL, LATER, "c", appellant=DEFENDANT
    )
    with pytest.raises(GuardRejectedError) as caught:
        interim_order.MACHINE.fire(interim(), no_decision)
    assert caught.value.guard == "appeal_decision_named"
    assert "appellant='defendant', against=None" in caught.value.reason
    assert FullOrderEvent.LODGE_APPEAL not in full_order.MACHINE.enabled_events(full(), LATER)


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (
            lambda: AppealAgainst(AppealedDecision.MAKING, on_application_of=DEFENDANT),
            "on_application_of",
        ),
        (lambda: AppealAgainst(AppealedDecision.S4_REFUSAL), "on_application_of"),
        (lambda: AppealAgainst(AppealedDecision.S4_ORDER, on_application_of=DEFENDANT), "version"),
        (lambda: AppealAgainst.s4_order(version=1, on_application_of=DEFENDANT), "version"),
        (lambda: AppealAgainst.s4_order(version=True, on_application_of=DEFENDANT), "version"),
        (
            lambda: AppealAgainst(
                AppealedDecision.S4_REFUSAL, on_application_of=DEFENDANT, version=2
            ),
            "version",
        ),
        (lambda: AppealAgainst("making"), "decision"),  # type: ignore[arg-type]
    ],
)
def test_a_malformed_decision_is_a_typed_error(
    build: Callable[[], AppealAgainst], field: str
) -> None:
    """Each names the field and the offending value."""
    with pytest.raises(InvalidValueError) as caught:
        build()
    assert caught.value.field == field
    assert repr(caught.value.value) in str(caught.value)


# --- the pending appeal is kept on the order, and outcomes check it (s.7(4)) --------


def lodged(order: Order, appellant: Party, against: AppealAgainst, **facts: Any) -> Order:
    """The order with the appeal lodged."""
    return lodge_appeal(
        order, at=LATER, actor="clerk", appellant=appellant, against=against, **facts
    ).subject


def outcome_refused(order: Order, fire: Callable[[Order], object]) -> str:
    """The guard refusing an outcome; the order is left as it was."""
    before = (order, order.revision)
    with pytest.raises(GuardRejectedError) as caught:
        fire(order)
    assert (order, order.revision) == before
    return f"{caught.value.guard}: {caught.value.reason}"


def test_the_order_keeps_who_appealed_against_what_until_the_outcome() -> None:
    """The appeal is persisted on the order; the outcome's record names it, and clears it."""
    against = AppealAgainst.s4_order(version=2, on_application_of=APPLICANT)
    order = lodged(varied_by(APPLICANT), DEFENDANT, against)
    assert order.appeal == PendingAppeal(DEFENDANT, against, lodged_at=LATER)
    fired = dismiss_appeal(order, at=LATER.add(days=1), actor="Crown Court")
    assert (fired.subject.appeal, fired.subject.appeal_pending) == (None, False)
    record = fired.record
    assert isinstance(record, AppealRecord)
    assert (record.appellant, record.against, record.appealed_version) == (
        "defendant",
        "s4_order",
        2,
    )
    assert record.on_application_of == APPLICANT.key


def test_an_appeal_is_kept_only_with_the_pending_flag() -> None:
    """A typed error naming the value: the appeal without appeal_pending is refused."""
    with pytest.raises(InvalidValueError, match="appeal"):
        full(appeal=PendingAppeal(DEFENDANT, MAKING))


@pytest.mark.parametrize(
    ("appellant", "against"),
    [
        (DEFENDANT, AppealAgainst.s4_order(version=2, on_application_of=APPLICANT)),
        (DEFENDANT, AppealAgainst.s4_refusal(on_application_of=DEFENDANT)),
        (APPLICANT, AppealAgainst.discharge_refusal(on_application_of=APPLICANT)),
    ],
)
def test_quashing_follows_only_an_appeal_against_the_making(
    appellant: Party, against: AppealAgainst
) -> None:
    """Quashing ends the order; a s.4 decision appealed is given effect otherwise."""
    order = lodged(varied_by(APPLICANT), appellant, against)
    reason = outcome_refused(
        order, lambda o: quash_on_appeal(o, at=LATER.add(days=1), actor="Crown Court")
    )
    assert reason.startswith("appeal_outcome_fits: appeal=")
    assert against.decision.value in reason


def test_an_appeal_recorded_without_its_facts_can_still_be_quashed() -> None:
    """An order stored before the appeal was kept (appeal_pending, appeal None): as before."""
    order = full(appeal_pending=True)
    fired = quash_on_appeal(order, at=LATER, actor="Crown Court")
    assert fired.subject.state is OrderState.QUASHED
    assert not isinstance(fired.record, AppealRecord)


@covers(
    "full_order",
    (full_order.FullOrderState.MADE, FullOrderEvent.APPEAL_DISCHARGED),
    (full_order.FullOrderState.SERVED, FullOrderEvent.APPEAL_DISCHARGED),
)
def test_the_crown_court_discharges_on_an_appeal_against_a_refused_discharge() -> None:
    """s.7(1)(d) appeal allowed: the order is discharged on appeal, s.7(4)."""
    against = AppealAgainst.discharge_refusal(on_application_of=DEFENDANT)
    for state in (OrderState.MADE, OrderState.SERVED):
        order = lodged(full(state=state), DEFENDANT, against)
        fired = full_order.discharge_on_appeal(order, at=LATER.add(days=1), actor="Crown Court")
        assert fired.subject.state is OrderState.DISCHARGED
        assert fired.subject.end_reason == "discharged on appeal (s.7(4))"
        assert fired.subject.appeal is None
        assert not fired.subject.appeal_pending
    making = lodged(full(), DEFENDANT, MAKING)
    reason = outcome_refused(
        making, lambda o: full_order.discharge_on_appeal(o, at=LATER, actor="Crown Court")
    )
    assert "'defendant against making'" in reason
    assert "discharge_refusal" in reason


def discharged_on(who: Party, *, served: bool = True) -> Order:
    """The standard full order, served, then discharged on ``who``'s application."""
    order = full(served_at=MADE_AT.add(days=1), state=OrderState.SERVED) if served else full()
    return full_order.discharge_order(
        order,
        at=SOON,
        actor="court",
        applied_by=who,
        consents=(DEFENDANT, APPLICANT),
        home_force=WMP,
    ).subject


@covers(
    "full_order",
    (full_order.FullOrderState.DISCHARGED, FullOrderEvent.LODGE_APPEAL),
    (full_order.FullOrderState.DISCHARGED, FullOrderEvent.APPEAL_RESTORED),
)
def test_a_discharge_appealed_and_quashed_restores_the_order() -> None:
    """s.7(3): the police appeal a discharge on the defendant's application; s.7(4) restores."""
    order = discharged_on(DEFENDANT)
    against = AppealAgainst.discharge(on_application_of=DEFENDANT)
    assert allowed_discharged(order, APPLICANT, against) == "SPA2019 s.7(3)"
    pending = lodged(order, APPLICANT, against)
    assert pending.state is OrderState.DISCHARGED
    assert pending.appeal_pending
    fired = full_order.restore_on_appeal(pending, at=LATER.add(days=1), actor="Crown Court")
    restored = fired.subject
    assert restored.state is OrderState.SERVED
    assert (restored.ended_at, restored.end_reason, restored.appeal) == (None, None, None)
    assert restored.in_force_at(LATER.add(days=2))
    assert isinstance(fired.record, AppealRecord)
    assert fired.record.against == "discharge"


@covers("full_order", (full_order.FullOrderState.DISCHARGED, FullOrderEvent.APPEAL_DISMISSED))
def test_a_discharge_appeal_dismissed_leaves_the_order_discharged() -> None:
    """s.7(1)(c): the defendant appeals a discharge on police application; it is confirmed."""
    against = AppealAgainst.discharge(on_application_of=APPLICANT)
    pending = lodged(discharged_on(APPLICANT), DEFENDANT, against)
    fired = dismiss_appeal(pending, at=LATER.add(days=1), actor="Crown Court")
    assert fired.subject.state is OrderState.DISCHARGED
    assert (fired.subject.appeal, fired.subject.appeal_pending) == (None, False)
    assert fired.subject.ended_at == pending.ended_at


def allowed_discharged(order: Order, appellant: Party, against: AppealAgainst) -> str:
    """The paragraph an appeal against the discharge is lodged under."""
    fired = lodge_appeal(order, at=LATER, actor="clerk", appellant=appellant, against=against)
    assert fired.subject.state is OrderState.DISCHARGED
    record = fired.record
    assert isinstance(record, AppealRecord)
    return record.section


@pytest.mark.parametrize(
    ("order", "appellant", "against", "guard"),
    [
        # the wrong side: s.7(1)(c) for the defendant, s.7(3) for the police
        (
            lambda: discharged_on(DEFENDANT),
            DEFENDANT,
            AppealAgainst.discharge(on_application_of=DEFENDANT),
            "s4_order_appealed_by_other_side (SPA2019 s.7(1)(c), s.7(3))",
        ),
        # not the application the order was discharged on
        (
            lambda: discharged_on(DEFENDANT),
            DEFENDANT,
            AppealAgainst.discharge(on_application_of=APPLICANT),
            "discharged_on_that_application (SPA2019 s.7(1)(c), s.7(3))",
        ),
        # a discharged order is appealed against its discharge only
        (
            lambda: discharged_on(DEFENDANT),
            DEFENDANT,
            MAKING,
            "appeal_decision_named (SPA2019 s.7(1)-(3))",
        ),
        # a live order has no discharge to appeal
        (
            lambda: full(),
            DEFENDANT,
            AppealAgainst.discharge(on_application_of=APPLICANT),
            "appeal_decision_named (SPA2019 s.7(1)-(3))",
        ),
        # restoring an unserved order is not modelled (library)
        (
            lambda: discharged_on(APPLICANT, served=False),
            DEFENDANT,
            AppealAgainst.discharge(on_application_of=APPLICANT),
            "discharged_after_service (library)",
        ),
    ],
)
def test_appeals_against_a_discharge_the_act_does_not_give_are_refused(
    order: Callable[[], Order], appellant: Party, against: AppealAgainst, guard: str
) -> None:
    """Each refused by its named guard, naming the appellant and the decision."""
    assert refused(order(), appellant, against, home_force=WMP) == guard


def test_a_discharge_by_the_crown_court_is_not_appealed_to_it() -> None:
    """s.7 gives appeals against s.4 orders; a discharge on appeal (s.7(4)) is not one."""
    against = AppealAgainst.discharge_refusal(on_application_of=DEFENDANT)
    served = full(served_at=MADE_AT.add(days=1), state=OrderState.SERVED)
    pending = lodge_appeal(
        served, at=SOON.subtract(days=1), actor="clerk", appellant=DEFENDANT, against=against
    ).subject
    order = full_order.discharge_on_appeal(pending, at=SOON, actor="Crown Court").subject
    again = AppealAgainst.discharge(on_application_of=DEFENDANT)
    guard = refused(order, APPLICANT, again)
    assert guard == "discharged_on_that_application (SPA2019 s.7(1)(c), s.7(3))"


def test_restoring_needs_an_appeal_against_the_discharge() -> None:
    """appeal_is_pending: nothing to restore without one."""
    order = discharged_on(DEFENDANT)
    reason = outcome_refused(
        order, lambda o: full_order.restore_on_appeal(o, at=LATER, actor="Crown Court")
    )
    assert reason.startswith("appeal_is_pending")


# --- the refusal of an application (s.7(2)) ------------------------------------------


def refused_application() -> application.Application:
    """APP-1, laid by West Midlands Police and refused."""
    laid = application.lay_application(
        draft(), at=MADE_AT, actor="PC", area_connection=application.AreaConnection.RESIDES_IN_AREA
    ).subject
    return application.refuse_application(laid, at=SOON, actor="court").subject


FOUND = application.CourtFindings(True, True, True)


@covers(
    "application",
    (application.ApplicationState.REFUSED, application.ApplicationEvent.LODGE_APPEAL),
    (application.ApplicationState.REFUSAL_APPEALED, application.ApplicationEvent.APPEAL_ALLOWED),
)
def test_the_applying_chief_officer_appeals_a_refusal_and_the_crown_court_makes_the_order() -> None:
    """s.7(2), then s.7(4): granted on appeal, with the order the Crown Court made."""
    appealed = application.lodge_refusal_appeal(
        refused_application(), at=LATER, actor="force solicitor", appellant=APPLICANT
    ).subject
    assert appealed.state is application.ApplicationState.REFUSAL_APPEALED
    assert appealed.appeal == PendingAppeal(APPLICANT, AppealAgainst.refusal(), lodged_at=LATER)
    granted = application.allow_refusal_appeal(
        appealed, at=LATER.add(days=20), actor="Crown Court", findings=FOUND, order_id="SPO-CC"
    ).subject
    assert granted.state is application.ApplicationState.GRANTED
    assert (granted.order_id, granted.appeal, granted.findings) == ("SPO-CC", None, FOUND)


@covers(
    "application",
    (application.ApplicationState.REFUSAL_APPEALED, application.ApplicationEvent.APPEAL_DISMISSED),
)
def test_a_refusal_appeal_dismissed_leaves_the_application_refused() -> None:
    """s.7(4): the refusal is confirmed."""
    appealed = application.lodge_refusal_appeal(
        refused_application(), at=LATER, actor="force solicitor", appellant=APPLICANT
    ).subject
    dismissed = application.dismiss_refusal_appeal(appealed, at=LATER, actor="Crown Court")
    assert dismissed.subject.state is application.ApplicationState.REFUSED
    assert dismissed.subject.appeal is None


@pytest.mark.parametrize("appellant", [DEFENDANT, Party.chief_officer(GMP)])
def test_only_the_chief_officer_who_applied_appeals_a_refusal(appellant: Party) -> None:
    """s.7(2): the guard names the appellant; the application is unchanged."""
    app = refused_application()
    with pytest.raises(GuardRejectedError) as caught:
        application.lodge_refusal_appeal(app, at=LATER, actor="clerk", appellant=appellant)
    assert caught.value.guard == "refusal_appealed_by_applying_chief_officer"
    assert caught.value.section == "SPA2019 s.7(2)"
    assert repr(appellant.key) in caught.value.reason
    assert app.state is application.ApplicationState.REFUSED
    assert app.appeal is None


def test_an_order_refusal_is_appealed_on_the_application_not_an_order() -> None:
    """appeal_decision_named: AppealAgainst.refusal() on an order is refused."""
    guard = refused(full(), APPLICANT, AppealAgainst.refusal())
    assert guard == "appeal_decision_named (SPA2019 s.7(1)-(3))"


@pytest.mark.parametrize(
    ("findings", "order_id", "guard"),
    [
        (application.CourtFindings(True, False, True), "SPO-CC", "court_findings_met"),
        (FOUND, None, "order_made_on_appeal"),
    ],
)
def test_the_crown_court_makes_the_order_only_on_the_s2_findings_and_names_it(
    findings: application.CourtFindings, order_id: str | None, guard: str
) -> None:
    """s.2(1) binds the Crown Court too; s.7(4): the order made is named."""
    appealed = application.lodge_refusal_appeal(
        refused_application(), at=LATER, actor="force solicitor", appellant=APPLICANT
    ).subject
    cmd = application.ApplicationCommand(
        application.ApplicationEvent.APPEAL_ALLOWED,
        LATER,
        "Crown Court",
        findings=findings,
        order_id=order_id,
    )
    with pytest.raises(GuardRejectedError) as caught:
        application.MACHINE.fire(appealed, cmd)
    assert caught.value.guard == guard


# --- the refusal of an interim order, while the application is pending (s.7(2)) -------

INTERIM_REFUSAL = AppealAgainst.interim_refusal()


def interim_refused(*outcomes: bool) -> application.Application:
    """APP-1, laid by West Midlands Police, its interim applications decided with ``outcomes``
    (granted or not, in order; by default one, refused)."""
    app = application.lay_application(
        draft(), at=MADE_AT, actor="PC", area_connection=application.AreaConnection.RESIDES_IN_AREA
    ).subject
    for n, granted in enumerate(outcomes or (False,)):  # each applied for after the last
        applied = MADE_AT.add(hours=n)
        app = application.apply_for_interim(app, at=applied, actor="PC", applicant=WMP).subject
        order_id = f"ISPO-{n + 1}" if granted else None
        app = application.decide_interim(
            app,
            at=applied.add(minutes=30),
            actor="court",
            granted=granted,
            interim_order_id=order_id,
        ).subject
    return app


def interim_appealed() -> application.Application:
    """APP-1 with the applying chief officer's appeal against the interim refusal pending."""
    return application.lodge_interim_refusal_appeal(
        interim_refused(), at=SOON, actor="force solicitor", appellant=APPLICANT
    ).subject


@covers(
    "application",
    (application.ApplicationState.LAID, application.ApplicationEvent.LODGE_APPEAL),
    (application.ApplicationState.LAID, application.ApplicationEvent.APPEAL_ALLOWED),
)
def test_the_crown_court_makes_the_interim_order_refused_and_it_ceases_on_determination() -> None:
    """s.7(2) lodged on the pending application, s.7(4) allowed; the order runs as any interim
    order and ceases when the application is determined (s.5(6)(b))."""
    app = interim_refused()
    lodged = application.lodge_interim_refusal_appeal(
        app, at=SOON, actor="force solicitor", appellant=APPLICANT
    )
    assert lodged.subject.state is application.ApplicationState.LAID  # still pending
    assert lodged.subject.appeal == PendingAppeal(APPLICANT, INTERIM_REFUSAL, lodged_at=SOON)
    assert isinstance(lodged.record, AppealRecord)
    assert (lodged.record.appellant, lodged.record.against, lodged.record.section) == (
        "chief-officer:20",
        "interim_refusal",
        "SPA2019 s.7(2)",
    )
    allowed_at = SOON.add(days=7)
    allowed = application.allow_interim_refusal_appeal(
        lodged.subject, at=allowed_at, actor="Crown Court", interim_order_id="ISPO-CC"
    )
    after = allowed.subject
    assert (after.state, after.appeal) == (application.ApplicationState.LAID, None)
    refusal, made = after.interim_decisions
    assert (refusal.granted, made.granted, made.interim_order_id) == (False, True, "ISPO-CC")
    assert (made.applied_at, made.decided_at) == (refusal.applied_at, allowed_at)
    assert isinstance(allowed.record, AppealRecord)
    assert allowed.record.against == "interim_refusal"
    order = make_order(
        order_id="ISPO-CC",
        kind="interim",
        defendant_id=after.defendant_id,
        protected_person_ids=after.protected_person_ids,
        applicant=after.applicant,
        court="Birmingham Crown Court",
        made_at=allowed_at,
        terms=(NO_CONTACT,),
        duration=Duration(weeks=8),
        application_id=after.application_id,
    ).order
    granted = application.grant_application(
        after, at=allowed_at.add(days=30), actor="court", findings=FOUND, order_id="SPO-1"
    )
    ceased = interim_order.cease_on_determination(
        order,
        at=allowed_at.add(days=30),
        actor="court",
        outcome=interim_order.MainOutcome.GRANTED,
        application_id=granted.subject.application_id,
    ).subject
    assert ceased.state is OrderState.CEASED
    assert not isinstance(granted.record, AppealRecord)  # nothing was pending to lapse


@covers(
    "application",
    (application.ApplicationState.LAID, application.ApplicationEvent.APPEAL_DISMISSED),
)
def test_an_interim_refusal_appeal_dismissed_leaves_the_application_pending_without_one() -> None:
    """s.7(4): the refusal stands; the application is pending and may apply for one again."""
    dismissed = application.dismiss_refusal_appeal(
        interim_appealed(), at=LATER, actor="Crown Court"
    ).subject
    assert (dismissed.state, dismissed.appeal) == (application.ApplicationState.LAID, None)
    assert [d.granted for d in dismissed.interim_decisions] == [False]
    again = application.apply_for_interim(dismissed, at=LATER, actor="PC", applicant=WMP)
    assert again.subject.state is application.ApplicationState.INTERIM_APPLIED


@pytest.mark.parametrize("appellant", [DEFENDANT, Party.chief_officer(GMP)])
def test_only_the_chief_officer_who_applied_appeals_an_interim_refusal(appellant: Party) -> None:
    """s.7(2): the defendant has nothing to appeal, another force did not apply; unchanged."""
    app = interim_refused()
    with pytest.raises(GuardRejectedError) as caught:
        application.lodge_interim_refusal_appeal(app, at=SOON, actor="clerk", appellant=appellant)
    error = caught.value
    assert (error.guard, error.section) == (
        "interim_refusal_appealed_by_applying_chief_officer",
        "SPA2019 s.7(2)",
    )
    assert repr(appellant.key) in error.reason
    assert "interim_refusal" in error.reason
    assert (app.state, app.appeal, app.revision) == (application.ApplicationState.LAID, None, 4)


@pytest.mark.parametrize("against", [AppealAgainst.refusal(), MAKING, None])
def test_a_pending_application_is_appealed_only_against_an_interim_refusal(
    against: AppealAgainst | None,
) -> None:
    """s.7(2): the application is not refused yet, and no order was made on it."""
    app = interim_refused()
    cmd = application.ApplicationCommand(
        application.ApplicationEvent.LODGE_APPEAL,
        SOON,
        "clerk",
        appellant=APPLICANT,
        against=against,
    )
    with pytest.raises(GuardRejectedError) as caught:
        application.MACHINE.fire(app, cmd)
    assert caught.value.guard == "interim_refusal_appealed_by_applying_chief_officer"
    assert f"against={None if against is None else against.describe()!r}" in caught.value.reason
    assert app.appeal is None


@pytest.mark.parametrize(
    ("app", "shown"),
    [
        (
            application.lay_application(
                draft(),
                at=MADE_AT,
                actor="PC",
                area_connection=application.AreaConnection.RESIDES_IN_AREA,
            ).subject,
            "interim_decisions=()",
        ),
        (interim_refused(False, True), "interim_decisions[-1].granted=True"),
    ],
    ids=["no interim decision", "the latest was granted"],
)
def test_the_interim_refusal_appealed_is_the_latest_interim_decision(
    app: application.Application, shown: str
) -> None:
    """s.5(3), s.7(2): no refusal to appeal; the application is unchanged."""
    with pytest.raises(GuardRejectedError) as caught:
        application.lodge_interim_refusal_appeal(app, at=SOON, actor="clerk", appellant=APPLICANT)
    assert caught.value.guard == "interim_refusal_to_appeal"
    assert caught.value.reason.startswith(shown)
    assert app.appeal is None


def test_the_latest_refusal_is_appealable_after_an_earlier_grant() -> None:
    """A later refusal is its own decision: it may be appealed though an earlier one was granted."""
    app = interim_refused(True, False)
    lodged = application.lodge_interim_refusal_appeal(
        app, at=LATER, actor="force solicitor", appellant=APPLICANT
    )
    assert lodged.subject.appeal == PendingAppeal(APPLICANT, INTERIM_REFUSAL, lodged_at=LATER)


@pytest.mark.parametrize(
    "fire",
    [
        lambda app: application.lodge_interim_refusal_appeal(
            app, at=LATER, actor="clerk", appellant=APPLICANT
        ),
        lambda app: application.apply_for_interim(app, at=LATER, actor="PC", applicant=WMP),
    ],
    ids=["a second appeal", "a fresh interim application"],
)
def test_one_interim_question_at_a_time(
    fire: Callable[[application.Application], Any],
) -> None:
    """Library: while the Crown Court decides the appeal, nothing else on the interim order."""
    app = interim_appealed()
    with pytest.raises(GuardRejectedError) as caught:
        fire(app)
    assert (caught.value.guard, caught.value.section) == ("no_interim_appeal_pending", "library")
    assert "interim_refusal" in caught.value.reason
    assert app.appeal == PendingAppeal(APPLICANT, INTERIM_REFUSAL, lodged_at=SOON)


@pytest.mark.parametrize(
    ("event", "payload", "guard"),
    [
        (application.ApplicationEvent.APPEAL_DISMISSED, {}, "interim_refusal_appeal_pending"),
        (
            application.ApplicationEvent.APPEAL_ALLOWED,
            {"interim_order_id": "ISPO-CC"},
            "interim_refusal_appeal_pending",
        ),
    ],
)
def test_the_crown_court_decides_only_an_interim_appeal_that_was_lodged(
    event: application.ApplicationEvent, payload: dict[str, Any], guard: str
) -> None:
    """s.7(4): no appeal pending on the laid application, nothing to decide."""
    app = interim_refused()
    cmd = application.ApplicationCommand(event, LATER, "Crown Court", **payload)
    with pytest.raises(GuardRejectedError) as caught:
        application.MACHINE.fire(app, cmd)
    assert caught.value.guard == guard
    assert caught.value.reason.startswith("appeal=None")


@pytest.mark.parametrize("order_id", [None, ""])
def test_an_allowed_interim_appeal_names_the_interim_order(order_id: str | None) -> None:
    """s.7(4): the Crown Court's interim order is named, as the magistrates' would be (s.5(3))."""
    app = interim_appealed()
    cmd = application.ApplicationCommand(
        application.ApplicationEvent.APPEAL_ALLOWED,
        LATER,
        "Crown Court",
        interim_order_id=order_id,
        findings=FOUND,
        order_id="SPO-CC",  # a full order's id is not an interim order's
    )
    with pytest.raises(GuardRejectedError) as caught:
        application.MACHINE.fire(app, cmd)
    assert caught.value.guard == "interim_order_made_on_appeal"
    assert f"interim_order_id={order_id!r}" in caught.value.reason
    assert app.appeal is not None
    assert len(app.interim_decisions) == 1


DETERMINATIONS: list[Callable[[application.Application], Any]] = [
    lambda app: application.grant_application(
        app, at=LATER, actor="court", findings=FOUND, order_id="SPO-1"
    ),
    lambda app: application.refuse_application(app, at=LATER, actor="court"),
    lambda app: application.withdraw_application(app, at=LATER, actor="PC"),
]


@pytest.mark.parametrize("determine", DETERMINATIONS, ids=["grant", "refuse", "withdraw"])
def test_determining_the_application_ends_a_pending_interim_appeal(
    determine: Callable[[application.Application], Any],
) -> None:
    """The library's choice (s.5(1), s.5(6)(b)): an interim order could no longer be made, nor
    last, so the appeal lapses; the determination's record names it."""
    fired = determine(interim_appealed())
    assert fired.subject.appeal is None
    assert fired.subject.state in (
        application.ApplicationState.GRANTED,
        application.ApplicationState.REFUSED,
        application.ApplicationState.WITHDRAWN,
    )
    record = fired.record
    assert isinstance(record, AppealRecord)
    assert (record.appellant, record.against) == ("chief-officer:20", "interim_refusal")
    assert record.section == MACHINE_SECTIONS[record.event]


MACHINE_SECTIONS = {"GRANT": "SPA2019 s.2(1)", "REFUSE": "SPA2019 s.2(1)", "WITHDRAW": "library"}


def test_a_refusal_after_a_lapsed_interim_appeal_may_itself_be_appealed() -> None:
    """s.7(2): the lapsed interim appeal leaves nothing behind; the refusal is appealed afresh."""
    refused_app = application.refuse_application(interim_appealed(), at=LATER, actor="court")
    appealed = application.lodge_refusal_appeal(
        refused_app.subject, at=LATER.add(days=1), actor="force solicitor", appellant=APPLICANT
    ).subject
    assert appealed.state is application.ApplicationState.REFUSAL_APPEALED
    assert appealed.appeal == PendingAppeal(
        APPLICANT, AppealAgainst.refusal(), lodged_at=LATER.add(days=1)
    )


def test_an_interim_refusal_is_appealed_on_the_application_not_an_order() -> None:
    """appeal_decision_named: AppealAgainst.interim_refusal() on an order is refused."""
    for order in (full(), interim()):
        guard = refused(order, APPLICANT, INTERIM_REFUSAL)
        assert guard == "appeal_decision_named (SPA2019 s.7(1)-(3))"


def test_an_interim_refusal_names_no_applicant_or_version() -> None:
    """Not a s.4 decision: the chief officer who applied is the application's applicant."""
    assert INTERIM_REFUSAL.describe() == "interim_refusal"
    assert INTERIM_REFUSAL.decision.on_application
    assert not INTERIM_REFUSAL.decision.is_s4
    with pytest.raises(InvalidValueError):
        AppealAgainst(AppealedDecision.INTERIM_REFUSAL, on_application_of=APPLICANT)


# --- an appeal is decided after it was lodged (library chronology) ----------------


def _refused_before_lodging(subject: Any, fire: Callable[[Any], object], lodged_at: str) -> None:
    """in_chronological_order names the lodging; the subject is left as it was."""
    before = (subject, subject.revision)
    with pytest.raises(GuardRejectedError) as caught:
        fire(subject)
    assert (caught.value.guard, caught.value.section) == ("in_chronological_order", "library")
    assert f"before the appeal pending was lodged at {lodged_at}" in caught.value.reason
    assert (subject, subject.revision) == before


def test_an_order_keeps_when_its_appeal_was_lodged() -> None:
    """The LODGE_APPEAL command's instant, with the appellant and the decision."""
    order = lodged(full(), DEFENDANT, MAKING)
    assert order.appeal is not None
    assert order.appeal.lodged_at == LATER


@pytest.mark.parametrize(
    ("against", "outcome"),
    [
        (MAKING, lambda o, at: dismiss_appeal(o, at=at, actor="Crown Court")),
        (MAKING, lambda o, at: quash_on_appeal(o, at=at, actor="Crown Court")),
        (
            AppealAgainst.discharge_refusal(on_application_of=DEFENDANT),
            lambda o, at: full_order.discharge_on_appeal(o, at=at, actor="Crown Court"),
        ),
    ],
    ids=["dismissed", "quashed", "discharged"],
)
def test_an_order_appeal_decided_before_it_was_lodged_is_refused(
    against: AppealAgainst, outcome: Callable[[Order, Any], object]
) -> None:
    """Lodged 30 days after the making, decided 10 days before that: refused, unchanged."""
    order = lodged(full(served_at=MADE_AT.add(days=1), state=OrderState.SERVED), DEFENDANT, against)
    _refused_before_lodging(
        order, lambda o: outcome(o, LATER.subtract(days=10)), "2026-04-01T10:30:00+01:00"
    )
    assert outcome(order, LATER) is not None  # at the lodging itself: accepted


def test_a_restoration_before_the_appeal_against_the_discharge_was_lodged_is_refused() -> None:
    """Discharged on SOON, appealed on LATER: a restoration between them is refused."""
    order = lodged(
        discharged_on(DEFENDANT), APPLICANT, AppealAgainst.discharge(on_application_of=DEFENDANT)
    )
    _refused_before_lodging(
        order,
        lambda o: full_order.restore_on_appeal(o, at=LATER.subtract(days=1), actor="Crown Court"),
        "2026-04-01T10:30:00+01:00",
    )


def test_an_appeal_stored_without_its_lodging_keeps_the_earlier_bound() -> None:
    """An appeal recorded before the instant was kept is decided as before (library)."""
    served = full(served_at=MADE_AT.add(days=1), state=OrderState.SERVED)
    order = attrs.evolve(served, appeal_pending=True, appeal=PendingAppeal(DEFENDANT, MAKING))
    fired = dismiss_appeal(order, at=MADE_AT.add(days=2), actor="Crown Court")
    assert (fired.subject.appeal, fired.subject.appeal_pending) == (None, False)


def test_an_application_appeal_decided_before_it_was_lodged_is_refused() -> None:
    """s.7(2) appeals on the application: the interim refusal and the refusal, each bound."""
    interim_app = interim_appealed()
    assert interim_app.appeal is not None
    assert interim_app.appeal.lodged_at == SOON
    early = SOON.subtract(days=2)
    for fire in (
        lambda a: application.allow_interim_refusal_appeal(
            a, at=early, actor="Crown Court", interim_order_id="ISPO-9"
        ),
        lambda a: application.dismiss_refusal_appeal(a, at=early, actor="Crown Court"),
    ):
        _refused_before_lodging(interim_app, fire, "2026-03-09T10:30:00+00:00")
    appealed = application.lodge_refusal_appeal(
        refused_application(), at=LATER, actor="force solicitor", appellant=APPLICANT
    ).subject
    for fire in (
        lambda a: application.allow_refusal_appeal(
            a, at=LATER.subtract(hours=1), actor="Crown Court", findings=FOUND, order_id="SPO-CC"
        ),
        lambda a: application.dismiss_refusal_appeal(
            a, at=LATER.subtract(hours=1), actor="Crown Court"
        ),
    ):
        _refused_before_lodging(appealed, fire, "2026-04-01T10:30:00+01:00")


def test_a_lodging_instant_is_aware() -> None:
    """A naive or non-datetime lodged_at is a typed error naming the field and value."""
    for bad in (pendulum.naive(2026, 3, 2, 10), "yesterday"):
        with pytest.raises(InvalidValueError) as caught:
            PendingAppeal(DEFENDANT, MAKING, lodged_at=bad)
        assert caught.value.field == "lodged_at"


# --- one appeal per decision: the Crown Court's determination stands (s.7(4)) --------


def test_a_refusal_appealed_and_dismissed_is_not_appealed_again() -> None:
    """s.7(4): the dismissal is remembered, and a second appeal against the refusal is refused."""
    appealed = application.lodge_refusal_appeal(
        refused_application(), at=LATER, actor="force solicitor", appellant=APPLICANT
    ).subject
    dismissed = application.dismiss_refusal_appeal(appealed, at=LATER, actor="Crown Court").subject
    assert dismissed.decided_appeals == (AppealAgainst.refusal(),)
    with pytest.raises(GuardRejectedError) as caught:
        application.lodge_refusal_appeal(
            dismissed, at=LATER.add(days=1), actor="force solicitor", appellant=APPLICANT
        )
    assert (caught.value.guard, caught.value.section) == (
        "refusal_not_appealed_before",
        "SPA2019 s.7(4)",
    )
    assert "refusal" in caught.value.reason
    assert (dismissed.state, dismissed.appeal) == (application.ApplicationState.REFUSED, None)


def test_a_refusal_not_yet_appealed_has_no_decided_appeals() -> None:
    """The first appeal against a refusal is lodged; nothing is remembered until it is decided."""
    app = refused_application()
    assert app.decided_appeals == ()
    appealed = application.lodge_refusal_appeal(
        app, at=LATER, actor="force solicitor", appellant=APPLICANT
    ).subject
    assert appealed.decided_appeals == ()


def test_an_interim_refusal_appealed_and_dismissed_is_not_appealed_again() -> None:
    """s.7(4): the Crown Court confirmed this interim refusal; a second appeal is refused."""
    dismissed = application.MACHINE.fire(
        interim_appealed(),
        application.ApplicationCommand(
            application.ApplicationEvent.APPEAL_DISMISSED, SOON.add(days=3), "Crown Court"
        ),
    ).subject
    assert dismissed.decided_appeals == (INTERIM_REFUSAL,)
    assert dismissed.decided_interim_refusals == (0,)
    with pytest.raises(GuardRejectedError) as caught:
        application.lodge_interim_refusal_appeal(
            dismissed, at=SOON.add(days=4), actor="force solicitor", appellant=APPLICANT
        )
    assert (caught.value.guard, caught.value.section) == (
        "interim_refusal_not_appealed_before",
        "SPA2019 s.7(4)",
    )
    assert "interim_decisions[0]" in caught.value.reason
    assert dismissed.appeal is None


def test_a_later_interim_refusal_can_still_be_appealed() -> None:
    """A fresh interim application refused after the dismissal is a new decision (s.7(2))."""
    at = SOON.add(days=3)
    dismissed = application.MACHINE.fire(
        interim_appealed(),
        application.ApplicationCommand(application.ApplicationEvent.APPEAL_DISMISSED, at, "CC"),
    ).subject
    again = application.apply_for_interim(
        dismissed, at=at.add(days=1), actor="PC", applicant=WMP
    ).subject
    again = application.decide_interim(
        again, at=at.add(days=1, hours=1), actor="court", granted=False
    ).subject
    lodged = application.lodge_interim_refusal_appeal(
        again, at=at.add(days=2), actor="force solicitor", appellant=APPLICANT
    ).subject
    assert lodged.appeal == PendingAppeal(APPLICANT, INTERIM_REFUSAL, lodged_at=at.add(days=2))
    allowed = application.allow_interim_refusal_appeal(
        lodged, at=at.add(days=5), actor="Crown Court", interim_order_id="ISPO-CC"
    ).subject
    assert allowed.decided_appeals == (INTERIM_REFUSAL, INTERIM_REFUSAL)
    assert allowed.decided_interim_refusals == (0, 1)


def test_an_interim_appeal_lapsing_on_determination_is_remembered() -> None:
    """s.5(6)(b): determining the application ends the pending interim appeal; it is kept."""
    granted = application.grant_application(
        interim_appealed(),
        at=SOON.add(days=1),
        actor="court",
        findings=FOUND,
        order_id="SPO-1",
    ).subject
    assert granted.appeal is None
    assert (granted.decided_appeals, granted.decided_interim_refusals) == ((INTERIM_REFUSAL,), (0,))


@pytest.mark.parametrize(
    ("field", "value"),
    [("decided_appeals", ("refusal",)), ("decided_interim_refusals", (0,))],
)
def test_decided_appeals_are_checked(field: str, value: Any) -> None:
    """A decided appeal that is not an AppealAgainst, or an index with no interim decision."""
    with pytest.raises(InvalidValueError) as caught:
        attrs.evolve(refused_application(), **{field: value})
    assert caught.value.field == field
