"""The application for a Stalking Protection Order, from draft to determination.

A chief officer of police applies to a magistrates' court by complaint
(SPA2019 s.1(1), s.13(1)); the youth court hears it if the defendant is under
18. There is no 6-month time limit on the complaint (s.13(2)): conduct of any
age counts (s.1(5), s.2(5)), so no guard here looks at how old the conduct is.
While the application is pending the same chief officer may apply for interim
orders (s.5(1)-(2)). The court grants it only if satisfied of all three s.2(1)
conditions. The chief officer who applied may appeal to the Crown Court against
a refusal (s.7(2)), so REFUSED is not final: the appeal is kept on the
application (``appeal``) while it is pending (REFUSAL_APPEALED), and the Crown
Court either dismisses it (back to REFUSED) or allows it and makes the order
(GRANTED, s.7(4)), being satisfied of s.2(1) as the magistrates would have been.

The same chief officer may appeal against the refusal of an interim order
(s.7(2)) while the main application is pending: the appeal is kept on the
application in LAID (it is pending beside the main application, not a state of
its own), the latest interim decision must be a refusal, and the Crown Court
either dismisses it or allows it and makes the interim order (s.7(4)), recorded
as a further interim decision, granted, on the same interim application. That
interim order then runs like any other: it ceases when the main application is
determined (s.5(6)(b)). While that appeal is pending no fresh interim
application is taken (library: one interim question before the courts at a
time).

**The library's choice where the Act is silent:** determining the main
application (granting, refusing or withdrawing it) ends a pending appeal
against an interim refusal. An interim order can be made only pending the
determination of the main application (s.5(1)) and would cease on it
(s.5(6)(b)), so the appeal has nothing left to decide: it lapses. The
determination's record (an :class:`~spo_tracker.domain.lifecycles.parties.AppealRecord`)
and its event (``lapsed_appeal``) name the appeal that lapsed.
"""

from __future__ import annotations

from typing import Final

import pendulum

from spo_tracker.domain.appeals import AppealAgainst, AppealedDecision, Party, PendingAppeal
from spo_tracker.domain.lifecycles._application_guards import (
    AGE,
    APPEAL,
    APPELLANT,
    AREA,
    CHIEF_OFFICER,
    CHRONO,
    DECISION,
    FINDINGS,
    INTERIM_APPEAL,
    INTERIM_APPELLANT,
    INTERIM_NAMED,
    INTERIM_REFUSED,
    NO_INTERIM_APPEAL,
    ONE_APPEAL,
    ONE_INTERIM_APPEAL,
    ORDER,
    ORDER_NAMED,
    SAME_OFFICER,
    applicant_connected_to_area,
    applicant_is_chief_officer,
    court_findings_met,
    in_chronological_order,
    interim_by_same_chief_officer,
    interim_decision_given,
    interim_order_made_on_appeal,
    interim_refusal_appeal_pending,
    interim_refusal_appealed_by_applying_chief_officer,
    interim_refusal_not_appealed_before,
    interim_refusal_to_appeal,
    no_interim_appeal_pending,
    order_made_on_appeal,
    order_named,
    recorded_times,
    refusal_appeal_pending,
    refusal_appealed_by_applying_chief_officer,
    refusal_not_appealed_before,
    right_court_for_age,
)
from spo_tracker.domain.lifecycles._application_records import (
    Application,
    ApplicationCommand,
    ApplicationEvent,
    ApplicationState,
    AreaConnection,
    CourtFindings,
    CourtKind,
    InterimDecision,
)
from spo_tracker.domain.lifecycles._orders import appeal_record
from spo_tracker.domain.lifecycles._support import (
    PROBE_ACTOR,
    row,
    state_setter,
)
from spo_tracker.domain.people import ChiefOfficer, Defendant
from spo_tracker.domain.statemachine import Fired, Machine, Transition, TransitionRecord

__all__ = [
    "AGE",
    "APPEAL",
    "APPELLANT",
    "AREA",
    "CHIEF_OFFICER",
    "CHRONO",
    "DECISION",
    "FINDINGS",
    "INTERIM_APPEAL",
    "INTERIM_APPELLANT",
    "INTERIM_NAMED",
    "INTERIM_REFUSED",
    "MACHINE",
    "NO_INTERIM_APPEAL",
    "ONE_APPEAL",
    "ONE_INTERIM_APPEAL",
    "ORDER",
    "ORDER_NAMED",
    "SAME_OFFICER",
    "TABLE",
    "Application",
    "ApplicationCommand",
    "ApplicationEvent",
    "ApplicationMachine",
    "ApplicationState",
    "AreaConnection",
    "CourtFindings",
    "CourtKind",
    "InterimDecision",
    "allow_interim_refusal_appeal",
    "allow_refusal_appeal",
    "applicant_connected_to_area",
    "applicant_is_chief_officer",
    "apply_for_interim",
    "court_findings_met",
    "decide_interim",
    "dismiss_refusal_appeal",
    "draft_application",
    "grant_application",
    "in_chronological_order",
    "interim_by_same_chief_officer",
    "interim_decision_given",
    "interim_order_made_on_appeal",
    "interim_refusal_appeal_pending",
    "interim_refusal_appealed_by_applying_chief_officer",
    "interim_refusal_not_appealed_before",
    "interim_refusal_to_appeal",
    "lay_application",
    "lodge_interim_refusal_appeal",
    "lodge_refusal_appeal",
    "no_interim_appeal_pending",
    "order_made_on_appeal",
    "order_named",
    "recorded_times",
    "refusal_appeal_pending",
    "refusal_appealed_by_applying_chief_officer",
    "refusal_not_appealed_before",
    "refuse_application",
    "right_court_for_age",
    "withdraw_application",
]


# --- effects ----------------------------------------------------------------


def _laid(app: Application, cmd: ApplicationCommand) -> dict[str, object]:
    return {"laid_at": cmd.at, "area_connection": cmd.area_connection}


def _interim_applied(app: Application, cmd: ApplicationCommand) -> dict[str, object]:
    return {"interim_applied_at": cmd.at}


def _interim_decided(app: Application, cmd: ApplicationCommand) -> dict[str, object]:
    assert app.interim_applied_at is not None  # INTERIM_APPLIED always has it
    decision = InterimDecision(
        app.interim_applied_at, cmd.at, bool(cmd.interim_granted), cmd.interim_order_id
    )
    return {"interim_applied_at": None, "interim_decisions": (*app.interim_decisions, decision)}


# Determining the application ends an appeal against an interim refusal: it lapses
# (SPA2019 s.5(1), s.5(6)(b); the library's choice, see the module docstring).
def _determined(app: Application, cmd: ApplicationCommand) -> dict[str, object]:
    return {
        **_decided(app),
        "determined_at": cmd.at,
        "findings": cmd.findings,
        "order_id": cmd.order_id,
        "interim_applied_at": None,
        "appeal": None,
        "note": cmd.note,
    }


def _withdrawn(app: Application, cmd: ApplicationCommand) -> dict[str, object]:
    return {"withdrawn_at": cmd.at, "interim_applied_at": None, "appeal": None, "note": cmd.note}


def _appealed(app: Application, cmd: ApplicationCommand) -> dict[str, object]:
    assert cmd.appellant is not None  # the guard checked both
    assert cmd.against is not None
    return {"appeal": PendingAppeal(cmd.appellant, cmd.against, lodged_at=cmd.at)}


def _decided(app: Application) -> dict[str, object]:
    """The pending appeal is decided (or lapses): remember what it was against (s.7(4))."""
    if app.appeal is None:
        return {}
    changes: dict[str, object] = {"decided_appeals": (*app.decided_appeals, app.appeal.against)}
    if app.appeal.against.decision is AppealedDecision.INTERIM_REFUSAL and app.interim_decisions:
        index = len(app.interim_decisions) - 1  # the guards appealed the latest refusal
        changes["decided_interim_refusals"] = (*app.decided_interim_refusals, index)
    return changes


def _appeal_dismissed(app: Application, cmd: ApplicationCommand) -> dict[str, object]:
    return {**_decided(app), "appeal": None}


def _allowed(app: Application, cmd: ApplicationCommand) -> dict[str, object]:
    return _determined(app, cmd)


def _interim_allowed(app: Application, cmd: ApplicationCommand) -> dict[str, object]:
    refused = app.interim_decisions[-1]  # the guards checked an interim refusal was appealed
    made = InterimDecision(refused.applied_at, cmd.at, True, cmd.interim_order_id)
    return {**_decided(app), "interim_decisions": (*app.interim_decisions, made), "appeal": None}


St, Ev = ApplicationState, ApplicationEvent
_Row = Transition[ApplicationState, ApplicationEvent, Application, ApplicationCommand]


def _determinations(source: ApplicationState) -> tuple[_Row, ...]:
    return (
        row(source, Ev.GRANT, St.GRANTED, "SPA2019 s.2(1)",
            "the court is satisfied of s.2(1)(a)-(c) and makes the order",
            guards=(FINDINGS, ORDER), changes=_determined),
        row(source, Ev.REFUSE, St.REFUSED, "SPA2019 s.2(1)",
            "the court is not satisfied and refuses the application", changes=_determined),
        row(source, Ev.WITHDRAW, St.WITHDRAWN, "library",
            "the chief officer withdraws the complaint (the Act is silent on withdrawal)",
            changes=_withdrawn),
    )  # fmt: skip


#: The application lifecycle, one row per (state, event).
TABLE: Final[tuple[_Row, ...]] = (
    row(St.DRAFT, Ev.LAY, St.LAID, "SPA2019 s.13(1)",
        "laid by complaint; no 6-month limit on the conduct relied on (s.13(2))",
        guards=(CHIEF_OFFICER, AREA, AGE), changes=_laid),
    row(St.DRAFT, Ev.WITHDRAW, St.WITHDRAWN, "library",
        "a draft that is never laid is abandoned", changes=_withdrawn),
    row(St.LAID, Ev.APPLY_FOR_INTERIM, St.INTERIM_APPLIED, "SPA2019 s.5(1)-(2)",
        "the same chief officer applies for an interim order while the application is pending",
        guards=(SAME_OFFICER, NO_INTERIM_APPEAL), changes=_interim_applied),
    row(St.LAID, Ev.LODGE_APPEAL, St.LAID, "SPA2019 s.7(2)",
        "the chief officer who applied appeals against the refusal of an interim order; "
        "the main application stays pending", guards=(INTERIM_APPELLANT, INTERIM_REFUSED,
        NO_INTERIM_APPEAL, ONE_INTERIM_APPEAL), changes=_appealed),
    row(St.LAID, Ev.APPEAL_DISMISSED, St.LAID, "SPA2019 s.7(4)",
        "the Crown Court confirms the refusal of the interim order", guards=(INTERIM_APPEAL,),
        changes=_appeal_dismissed),
    row(St.LAID, Ev.APPEAL_ALLOWED, St.LAID, "SPA2019 s.7(4)",
        "the Crown Court allows the appeal and makes the interim order (it ceases on "
        "determination, s.5(6)(b))", guards=(INTERIM_APPEAL, INTERIM_NAMED),
        changes=_interim_allowed),
    row(St.INTERIM_APPLIED, Ev.INTERIM_DECIDED, St.LAID, "SPA2019 s.5(3)",
        "the court makes or refuses the interim order", guards=(DECISION,),
        changes=_interim_decided),
    *_determinations(St.LAID),  # each ends a pending interim appeal: it lapses (s.5(6)(b))
    *_determinations(St.INTERIM_APPLIED),
    row(St.REFUSED, Ev.LODGE_APPEAL, St.REFUSAL_APPEALED, "SPA2019 s.7(2)",
        "the chief officer who applied appeals against the refusal to the Crown Court",
        guards=(APPELLANT, ONE_APPEAL), changes=_appealed),
    row(St.REFUSAL_APPEALED, Ev.APPEAL_DISMISSED, St.REFUSED, "SPA2019 s.7(4)",
        "the Crown Court confirms the refusal", guards=(APPEAL,), changes=_appeal_dismissed),
    row(St.REFUSAL_APPEALED, Ev.APPEAL_ALLOWED, St.GRANTED, "SPA2019 s.7(4)",
        "the Crown Court allows the appeal and makes the order, satisfied of s.2(1)(a)-(c)",
        guards=(APPEAL, FINDINGS, ORDER_NAMED), changes=_allowed),
)  # fmt: skip


def _probe(event: ApplicationEvent, at: pendulum.DateTime) -> ApplicationCommand:
    return ApplicationCommand(event, at, PROBE_ACTOR)


#: The events that decide or end the appeal pending on the application, if there is one.
_ENDS_APPEAL: Final = frozenset(
    {Ev.APPEAL_DISMISSED, Ev.APPEAL_ALLOWED, Ev.GRANT, Ev.REFUSE, Ev.WITHDRAW}
)


class ApplicationMachine(
    Machine[ApplicationState, ApplicationEvent, Application, ApplicationCommand]
):
    """The application's machine: a transition about an appeal has an ``AppealRecord``.

    The application keeps the pending appeal only until it is decided (or lapses),
    so the record names it, for the audit trail and the events built from it:
    LODGE_APPEAL the appeal lodged (section ``SPA2019 s.7(2)``); APPEAL_DISMISSED
    and APPEAL_ALLOWED the appeal decided; GRANT, REFUSE and WITHDRAW the appeal
    against an interim refusal that the determination ended (it lapses, s.5(6)(b)).
    """

    def fire(self, subject: Application, command: ApplicationCommand) -> Fired[Application]:
        """As :meth:`Machine.fire`; the record names the appeal lodged, decided or ended."""
        fired = super().fire(subject, command)
        pending = _appeal_concerned(subject, command)
        if pending is None:
            return fired
        base: TransitionRecord = fired.record
        return Fired(fired.subject, appeal_record(base, pending, base.section))


def _appeal_concerned(app: Application, cmd: ApplicationCommand) -> PendingAppeal | None:
    if cmd.event is Ev.LODGE_APPEAL and cmd.appellant is not None and cmd.against is not None:
        return PendingAppeal(cmd.appellant, cmd.against, lodged_at=cmd.at)
    return app.appeal if cmd.event in _ENDS_APPEAL else None


#: The validated machine.
MACHINE: Final = ApplicationMachine(
    name="application",
    states=ApplicationState,
    events=ApplicationEvent,
    initial=ApplicationState.DRAFT,
    finals=frozenset({St.GRANTED, St.WITHDRAWN}),
    transitions=TABLE,
    get_state=lambda app: app.state,
    set_state=state_setter(),
    probe=_probe,
    every_row=(CHRONO,),
)


# --- use cases --------------------------------------------------------------


def draft_application(
    *,
    application_id: str,
    defendant: Defendant,
    applicant: ChiefOfficer,
    court: str,
    court_kind: CourtKind = CourtKind.MAGISTRATES,
    protected_person_ids: tuple[str, ...] = (),
    conduct_last_on: pendulum.Date | None = None,
) -> Application:
    """A draft application about ``defendant`` (date of birth copied for s.13(1))."""
    return Application(
        application_id=application_id,
        defendant_id=defendant.defendant_id,
        applicant=applicant,
        court=court,
        court_kind=court_kind,
        protected_person_ids=protected_person_ids,
        defendant_born_on=defendant.date_of_birth,
        conduct_last_on=conduct_last_on,
    )


def lay_application(
    app: Application,
    *,
    at: pendulum.DateTime,
    actor: str,
    area_connection: AreaConnection | None = None,
) -> Fired[Application]:
    """Lay the complaint (SPA2019 s.13(1)).

    Raises:
        GuardRejectedError: not a s.14(1) chief officer, no s.1(3) connection, or the
            wrong court for the defendant's age (s.13(1)).
    """
    cmd = ApplicationCommand(Ev.LAY, at, actor, area_connection=area_connection)
    return MACHINE.fire(app, cmd)


def apply_for_interim(
    app: Application, *, at: pendulum.DateTime, actor: str, applicant: ChiefOfficer
) -> Fired[Application]:
    """Apply for an interim order on the pending application (SPA2019 s.5(2))."""
    cmd = ApplicationCommand(Ev.APPLY_FOR_INTERIM, at, actor, interim_applicant=applicant)
    return MACHINE.fire(app, cmd)


def decide_interim(
    app: Application,
    *,
    at: pendulum.DateTime,
    actor: str,
    granted: bool,
    interim_order_id: str | None = None,
) -> Fired[Application]:
    """Record the court's decision on the interim application (SPA2019 s.5(3))."""
    cmd = ApplicationCommand(
        Ev.INTERIM_DECIDED, at, actor, interim_granted=granted, interim_order_id=interim_order_id
    )
    return MACHINE.fire(app, cmd)


def grant_application(
    app: Application,
    *,
    at: pendulum.DateTime,
    actor: str,
    findings: CourtFindings,
    order_id: str | None = None,
) -> Fired[Application]:
    """The court makes the order (SPA2019 s.2(1): all three findings needed).

    Raises:
        GuardRejectedError: a finding not met, or no order named.
    """
    cmd = ApplicationCommand(Ev.GRANT, at, actor, findings=findings, order_id=order_id)
    return MACHINE.fire(app, cmd)


def refuse_application(
    app: Application,
    *,
    at: pendulum.DateTime,
    actor: str,
    findings: CourtFindings | None = None,
    note: str = "",
) -> Fired[Application]:
    """The court refuses the application."""
    cmd = ApplicationCommand(Ev.REFUSE, at, actor, findings=findings, note=note)
    return MACHINE.fire(app, cmd)


def withdraw_application(
    app: Application, *, at: pendulum.DateTime, actor: str, note: str = ""
) -> Fired[Application]:
    """Withdraw the application (or abandon the draft)."""
    return MACHINE.fire(app, ApplicationCommand(Ev.WITHDRAW, at, actor, note=note))


def lodge_refusal_appeal(
    app: Application,
    *,
    at: pendulum.DateTime,
    actor: str,
    appellant: Party,
    note: str = "",
) -> Fired[Application]:
    """The chief officer who applied appeals against the refusal (SPA2019 s.7(2)).

    Raises:
        GuardRejectedError: the appellant is not the chief officer who applied.
    """
    cmd = ApplicationCommand(
        Ev.LODGE_APPEAL, at, actor, appellant=appellant, against=AppealAgainst.refusal(), note=note
    )
    return MACHINE.fire(app, cmd)


def dismiss_refusal_appeal(
    app: Application, *, at: pendulum.DateTime, actor: str
) -> Fired[Application]:
    """The Crown Court confirms the refusal appealed (SPA2019 s.7(4)).

    After a refused application it is refused again; after a refused interim order
    the application stays pending with no interim order.
    """
    return MACHINE.fire(app, ApplicationCommand(Ev.APPEAL_DISMISSED, at, actor))


def allow_refusal_appeal(
    app: Application,
    *,
    at: pendulum.DateTime,
    actor: str,
    findings: CourtFindings,
    order_id: str,
    note: str = "",
) -> Fired[Application]:
    """The Crown Court allows the appeal and makes the order (SPA2019 s.7(4), s.2(1)).

    Record the order itself with :func:`~spo_tracker.domain.lifecycles.make_order`
    (its ``court`` the Crown Court, its ``application_id`` this application).

    Raises:
        GuardRejectedError: no appeal pending, a s.2(1) finding not met, or no order id.
    """
    cmd = ApplicationCommand(
        Ev.APPEAL_ALLOWED, at, actor, findings=findings, order_id=order_id, note=note
    )
    return MACHINE.fire(app, cmd)


def lodge_interim_refusal_appeal(
    app: Application,
    *,
    at: pendulum.DateTime,
    actor: str,
    appellant: Party,
    note: str = "",
) -> Fired[Application]:
    """The chief officer who applied appeals against the refusal of an interim order (s.7(2)).

    The application must be pending (LAID, no interim application open) and its
    latest interim decision a refusal. The appeal is kept on the application until
    the Crown Court decides it, or it lapses when the application is determined.

    Raises:
        GuardRejectedError: the appellant is not the chief officer who applied, the
            latest interim decision was not a refusal, or an appeal is already pending.
    """
    against = AppealAgainst.interim_refusal()
    cmd = ApplicationCommand(
        Ev.LODGE_APPEAL, at, actor, appellant=appellant, against=against, note=note
    )
    return MACHINE.fire(app, cmd)


def allow_interim_refusal_appeal(
    app: Application, *, at: pendulum.DateTime, actor: str, interim_order_id: str
) -> Fired[Application]:
    """The Crown Court allows the appeal and makes the interim order (SPA2019 s.7(4), s.5(3)).

    Recorded as a further interim decision, granted, on the refused interim
    application. Record the interim order itself with
    :func:`~spo_tracker.domain.lifecycles.make_order` (``kind="interim"``, its
    ``court`` the Crown Court, its ``application_id`` this application): it runs
    like any interim order and ceases when the application is determined (s.5(6)(b)).

    Raises:
        GuardRejectedError: no appeal against an interim refusal pending, or no order id.
    """
    cmd = ApplicationCommand(Ev.APPEAL_ALLOWED, at, actor, interim_order_id=interim_order_id)
    return MACHINE.fire(app, cmd)
