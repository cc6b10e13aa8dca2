"""The application lifecycle's guards, each citing the statute it enforces (see
:mod:`spo_tracker.domain.lifecycles.application`, whose table uses them and which
re-exports them)."""

from __future__ import annotations

from typing import Final

import pendulum

from spo_tracker.domain.appeals import AppealAgainst, AppealedDecision, Party
from spo_tracker.domain.lifecycles._application_records import (
    Application,
    ApplicationCommand,
    AreaConnection,
    CourtKind,
)
from spo_tracker.domain.lifecycles._support import (
    first_conflict,
    london_day,
)
from spo_tracker.domain.people import ChiefOfficer, ForceKind
from spo_tracker.domain.statemachine import Guard
from spo_tracker.domain.statutory_time import corresponding_date

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
    "NO_INTERIM_APPEAL",
    "ONE_APPEAL",
    "ONE_INTERIM_APPEAL",
    "ORDER",
    "ORDER_NAMED",
    "SAME_OFFICER",
    "applicant_connected_to_area",
    "applicant_is_chief_officer",
    "court_findings_met",
    "in_chronological_order",
    "interim_by_same_chief_officer",
    "interim_decision_given",
    "interim_order_made_on_appeal",
    "interim_refusal_appeal_pending",
    "interim_refusal_appealed_by_applying_chief_officer",
    "interim_refusal_not_appealed_before",
    "interim_refusal_to_appeal",
    "no_interim_appeal_pending",
    "order_made_on_appeal",
    "order_named",
    "recorded_times",
    "refusal_appeal_pending",
    "refusal_appealed_by_applying_chief_officer",
    "refusal_not_appealed_before",
    "right_court_for_age",
]


def applicant_is_chief_officer(app: Application, cmd: ApplicationCommand) -> str | None:
    """Only a chief officer of a force listed in s.14(1) may apply (SPA2019 s.1(1), s.14(1))."""
    officer = app.applicant
    if not isinstance(officer, ChiefOfficer) or not isinstance(officer.force.kind, ForceKind):
        kind = getattr(getattr(officer, "force", None), "kind", officer)
        return f"applicant {kind!r} is not a chief officer of a force listed in s.14(1)"
    return None


def applicant_connected_to_area(app: Application, cmd: ApplicationCommand) -> str | None:
    """A territorial chief officer applies only about a defendant linked to its area (s.1(3))."""
    if app.applicant.force.kind is not ForceKind.TERRITORIAL:
        return None
    if not isinstance(cmd.area_connection, AreaConnection):
        return (
            f"area_connection={cmd.area_connection!r}: {app.applicant.force.name} is territorial, "
            "so the defendant must reside in, or be believed to be in or coming to, its area"
        )
    return None


def _under_18_on(born_on: pendulum.Date, day: pendulum.Date) -> bool:
    # The library's anniversary convention (statutory_time): a 29 February
    # birthday falls on 1 March in a common year.
    return day < corresponding_date(born_on, years=18)


def right_court_for_age(app: Application, cmd: ApplicationCommand) -> str | None:
    """Under 18 on the day laid: the youth court; otherwise a magistrates' court (s.13(1))."""
    if app.defendant_born_on is None:
        return None
    day = london_day(cmd.at)
    wanted = CourtKind.YOUTH if _under_18_on(app.defendant_born_on, day) else CourtKind.MAGISTRATES
    if app.court_kind is not wanted:
        return (
            f"court_kind={app.court_kind.value!r}: a defendant born {app.defendant_born_on} "
            f"is heard on {day} by the {wanted.value} court"
        )
    return None


def interim_by_same_chief_officer(app: Application, cmd: ApplicationCommand) -> str | None:
    """The chief officer who made the main application applies for the interim (s.5(2))."""
    officer = cmd.interim_applicant
    if officer is None or officer.key != app.applicant.key:
        found = officer.key if officer is not None else None
        return f"interim_applicant={found!r}: must be the main applicant {app.applicant.key!r}"
    return None


def interim_decision_given(app: Application, cmd: ApplicationCommand) -> str | None:
    """The court's decision on the interim application is recorded (s.5(3))."""
    if cmd.interim_granted is None:
        return "interim_granted=None: say whether the interim order was made"
    if cmd.interim_granted and not cmd.interim_order_id:
        return f"interim_order_id={cmd.interim_order_id!r}: a granted interim order needs its id"
    return None


def court_findings_met(app: Application, cmd: ApplicationCommand) -> str | None:
    """The court is satisfied of all three conditions in s.2(1)(a)-(c)."""
    if cmd.findings is None:
        return "findings=None: the court's findings on s.2(1)(a)-(c) are required"
    unmet = cmd.findings.unmet()
    if unmet:
        return f"findings not met: {', '.join(unmet)}"
    return None


def _appeal_by_applicant(
    app: Application, cmd: ApplicationCommand, decision: AppealedDecision, when: str
) -> str | None:
    """The appeal is against ``decision``, and the appellant is the chief officer who applied."""
    appellant, against = cmd.appellant, cmd.against
    who = appellant.key if appellant is not None else None
    what = against.describe() if against is not None else None
    if against is None or against.decision is not decision:
        return f"against={what!r}: {when}, the appeal is against {decision.value!r} (s.7(2))"
    if appellant is None or not appellant.is_officer(app.applicant):
        return (
            f"appellant={who!r}: only the chief officer who applied "
            f"({Party.chief_officer(app.applicant).key}) may appeal against the {what}"
        )
    return None


def refusal_appealed_by_applying_chief_officer(
    app: Application, cmd: ApplicationCommand
) -> str | None:
    """The chief officer who applied appeals against the refusal (SPA2019 s.7(2)).

    Nobody else may: the defendant has nothing to appeal, and another force did not apply.
    """
    return _appeal_by_applicant(
        app, cmd, AppealedDecision.REFUSAL, "once the application is refused"
    )


def interim_refusal_appealed_by_applying_chief_officer(
    app: Application, cmd: ApplicationCommand
) -> str | None:
    """The chief officer who applied appeals against the refusal of an interim order (s.7(2)).

    Nobody else may: the defendant has nothing to appeal against a refusal, and
    only the chief officer who made the main application applies for interim
    orders on it (s.5(2)).
    """
    return _appeal_by_applicant(
        app, cmd, AppealedDecision.INTERIM_REFUSAL, "while the application is pending"
    )


def interim_refusal_to_appeal(app: Application, cmd: ApplicationCommand) -> str | None:
    """The decision appealed is the latest interim decision, and it was a refusal (s.5(3), s.7(2)).

    A fresh interim application is decided on its own; the appeal is against the
    last one the court refused, before another is made.
    """
    if not app.interim_decisions:
        return "interim_decisions=(): no interim order has been refused on this application"
    last = app.interim_decisions[-1]
    if last.granted:
        return (
            f"interim_decisions[-1].granted=True: the latest interim application was granted "
            f"({last.interim_order_id!r}), so there is no refusal to appeal"
        )
    return None


def refusal_not_appealed_before(app: Application, cmd: ApplicationCommand) -> str | None:
    """One appeal against the refusal: the Crown Court's determination stands (SPA2019 s.7(4)).

    Library rule: s.7(4) makes the Crown Court's order on the appeal the
    decision, so a second appeal to it against the same refusal is refused.
    """
    if AppealAgainst.refusal() in app.decided_appeals:
        return (
            "decided_appeals contains 'refusal': the Crown Court has decided the appeal "
            "against this refusal, and its determination stands"
        )
    return None


def interim_refusal_not_appealed_before(app: Application, cmd: ApplicationCommand) -> str | None:
    """One appeal per interim refusal: the Crown Court's determination stands (SPA2019 s.7(4)).

    Library rule: the refusal appealed is the latest interim decision; once an
    appeal against that refusal is decided it is not appealed again, but a later
    interim application refused is a new decision and may be appealed.
    """
    index = len(app.interim_decisions) - 1
    if index in app.decided_interim_refusals:
        return (
            f"interim_decisions[{index}]: the Crown Court has decided the appeal against "
            "this refusal of an interim order, and its determination stands"
        )
    return None


def no_interim_appeal_pending(app: Application, cmd: ApplicationCommand) -> str | None:
    """Library: one interim question at a time, so the Crown Court decides a pending appeal first.

    A second appeal, or a fresh interim application to the magistrates while the
    Crown Court is deciding whether to make an interim order, is refused rather
    than run beside it.
    """
    if app.appeal is not None:
        return (
            f"appeal={app.appeal.describe()!r}: an appeal against the refusal of an interim "
            "order is pending before the Crown Court"
        )
    return None


def recorded_times(app: Application) -> list[tuple[str, pendulum.DateTime | None]]:
    """What an application's state depends on, as (description, instant).

    The appeal pending counts from when it was lodged (an appeal stored without
    the instant does not move the bound).
    """
    last = app.interim_decisions[-1] if app.interim_decisions else None
    appeal = app.appeal
    return [
        ("the application was laid", app.laid_at),
        ("the interim application", app.interim_applied_at),
        ("the latest interim decision", None if last is None else last.decided_at),
        ("the application was determined", app.determined_at),
        ("the application was withdrawn", app.withdrawn_at),
        ("the appeal pending was lodged", None if appeal is None else appeal.lodged_at),
    ]


def in_chronological_order(app: Application, cmd: ApplicationCommand) -> str | None:
    """Library rule: no event is dated before what the application already records.

    Not before it was laid, the pending interim application, the latest interim
    decision, its determination (an appeal against a refusal follows it), or the
    lodging of the appeal pending (its outcome follows it).
    """
    return first_conflict(cmd.at, recorded_times(app))


def order_named(app: Application, cmd: ApplicationCommand) -> str | None:
    """Granting the application makes an order, which is named (SPA2019 s.2(1))."""
    if not isinstance(cmd.order_id, str) or not cmd.order_id.strip():
        return f"order_id={cmd.order_id!r}: name the order the court makes"
    return None


def order_made_on_appeal(app: Application, cmd: ApplicationCommand) -> str | None:
    """An allowed appeal names the order the Crown Court makes (SPA2019 s.7(4))."""
    if not cmd.order_id:
        return f"order_id={cmd.order_id!r}: name the order the Crown Court makes"
    return None


def refusal_appeal_pending(app: Application, cmd: ApplicationCommand) -> str | None:
    """The Crown Court decides an appeal that was lodged (SPA2019 s.7(4))."""
    if app.appeal is None:
        return "appeal=None: no appeal against the refusal is pending"
    return None


def interim_refusal_appeal_pending(app: Application, cmd: ApplicationCommand) -> str | None:
    """The Crown Court decides an appeal against an interim refusal that was lodged (s.7(4))."""
    pending = app.appeal
    if pending is None or pending.against.decision is not AppealedDecision.INTERIM_REFUSAL:
        shown = None if pending is None else pending.describe()
        return f"appeal={shown!r}: no appeal against the refusal of an interim order is pending"
    return None


def interim_order_made_on_appeal(app: Application, cmd: ApplicationCommand) -> str | None:
    """An allowed appeal names the interim order the Crown Court makes (SPA2019 s.7(4))."""
    if not cmd.interim_order_id:
        shown = cmd.interim_order_id
        return f"interim_order_id={shown!r}: name the interim order the Crown Court makes"
    return None


CHIEF_OFFICER: Final = Guard(
    "applicant_is_chief_officer", "SPA2019 s.1(1), s.14(1)", applicant_is_chief_officer
)
AREA: Final = Guard("applicant_connected_to_area", "SPA2019 s.1(3)", applicant_connected_to_area)
AGE: Final = Guard("right_court_for_age", "SPA2019 s.13(1)", right_court_for_age)
SAME_OFFICER: Final = Guard(
    "interim_by_same_chief_officer", "SPA2019 s.5(2)", interim_by_same_chief_officer
)
DECISION: Final = Guard("interim_decision_given", "SPA2019 s.5(3)", interim_decision_given)
FINDINGS: Final = Guard("court_findings_met", "SPA2019 s.2(1)", court_findings_met)
CHRONO: Final = Guard("in_chronological_order", "library", in_chronological_order)
ORDER: Final = Guard("order_named", "SPA2019 s.2(1)", order_named)
APPELLANT: Final = Guard(
    "refusal_appealed_by_applying_chief_officer",
    "SPA2019 s.7(2)",
    refusal_appealed_by_applying_chief_officer,
)
APPEAL: Final = Guard("refusal_appeal_pending", "SPA2019 s.7(4)", refusal_appeal_pending)
ORDER_NAMED: Final = Guard("order_made_on_appeal", "SPA2019 s.7(4)", order_made_on_appeal)
INTERIM_APPELLANT: Final = Guard(
    "interim_refusal_appealed_by_applying_chief_officer",
    "SPA2019 s.7(2)",
    interim_refusal_appealed_by_applying_chief_officer,
)
INTERIM_REFUSED: Final = Guard(
    "interim_refusal_to_appeal", "SPA2019 s.5(3), s.7(2)", interim_refusal_to_appeal
)
NO_INTERIM_APPEAL: Final = Guard("no_interim_appeal_pending", "library", no_interim_appeal_pending)
ONE_APPEAL: Final = Guard(
    "refusal_not_appealed_before", "SPA2019 s.7(4)", refusal_not_appealed_before
)
ONE_INTERIM_APPEAL: Final = Guard(
    "interim_refusal_not_appealed_before", "SPA2019 s.7(4)", interim_refusal_not_appealed_before
)
INTERIM_APPEAL: Final = Guard(
    "interim_refusal_appeal_pending", "SPA2019 s.7(4)", interim_refusal_appeal_pending
)
INTERIM_NAMED: Final = Guard(
    "interim_order_made_on_appeal", "SPA2019 s.7(4)", interim_order_made_on_appeal
)
