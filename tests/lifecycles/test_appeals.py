"""Who may appeal to the Crown Court, and against which decision (SPA2019 s.7(1)-(3))."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from spo_tracker.domain.lifecycles import application, full_order, interim_order, lodge_appeal
from spo_tracker.domain.lifecycles.full_order import FullOrderCommand, FullOrderEvent
from spo_tracker.domain.lifecycles.interim_order import InterimOrderCommand, InterimOrderEvent
from spo_tracker.domain.lifecycles.making import vary_on_appeal
from spo_tracker.domain.lifecycles.parties import (
    AppealAgainst,
    AppealedDecision,
    AppealRecord,
    Party,
)
from spo_tracker.domain.orders import Duration, Order, OrderState
from spo_tracker.domain.people import ChiefOfficer
from spo_tracker.errors import GuardRejectedError, IllegalTransitionError, InvalidValueError
from tests.lifecycles.builders import (
    BTP,
    GMP,
    MADE_AT,
    MET,
    NO_CONTACT,
    NO_SURVEILLANCE,
    WMP,
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


# --- what is not modelled yet (docs/domain.md, OPEN) ---------------------------------


def test_an_appeal_against_a_discharge_or_a_refused_application_has_no_transition() -> None:
    """Deferred: a discharged order and a refused application are final, with no appeal row."""
    discharged = full_order.discharge_order(
        full(),
        at=SOON,
        actor="court",
        applied_by=DEFENDANT,
        consents=(DEFENDANT, APPLICANT),
        home_force=WMP,
    ).subject
    against = AppealAgainst.s4_order(version=2, on_application_of=DEFENDANT)
    with pytest.raises(IllegalTransitionError) as caught:
        lodge_appeal(discharged, at=LATER, actor="clerk", appellant=APPLICANT, against=against)
    assert (caught.value.state, caught.value.event) == ("DISCHARGED", "LODGE_APPEAL")
    refused_state = application.ApplicationState.REFUSED
    assert refused_state in application.MACHINE.finals
    assert not [r for r in application.MACHINE.transitions if r.source is refused_state]
