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

import enum
from collections.abc import Iterable
from typing import Final

import attrs
import pendulum

from spo_tracker.domain.appeals import AppealAgainst, AppealedDecision, Party, PendingAppeal
from spo_tracker.domain.lifecycles._orders import appeal_record
from spo_tracker.domain.lifecycles._support import (
    PROBE_ACTOR,
    code_converter,
    first_conflict,
    is_before,
    london_day,
    row,
    state_setter,
    to_event,
)
from spo_tracker.domain.people import ChiefOfficer, Defendant, ForceKind
from spo_tracker.domain.statemachine import Fired, Guard, Machine, Transition, TransitionRecord
from spo_tracker.domain.statutory_time import corresponding_date, ensure_aware
from spo_tracker.domain.validators import aware_at, non_empty_text, optional_aware, optional_date
from spo_tracker.errors import InvalidValueError

__all__ = [
    "MACHINE",
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
    "refuse_application",
    "right_court_for_age",
    "withdraw_application",
]


class ApplicationState(enum.Enum):
    """Where an application is."""

    DRAFT = "draft"
    LAID = "laid"
    INTERIM_APPLIED = "interim_applied"
    GRANTED = "granted"
    REFUSED = "refused"
    REFUSAL_APPEALED = "refusal_appealed"
    WITHDRAWN = "withdrawn"


class ApplicationEvent(enum.Enum):
    """What can happen to an application."""

    LAY = "lay"
    APPLY_FOR_INTERIM = "apply_for_interim"
    INTERIM_DECIDED = "interim_decided"
    GRANT = "grant"
    REFUSE = "refuse"
    WITHDRAW = "withdraw"
    LODGE_APPEAL = "lodge_appeal"
    APPEAL_DISMISSED = "appeal_dismissed"
    APPEAL_ALLOWED = "appeal_allowed"


class CourtKind(enum.Enum):
    """The court that hears the complaint (SPA2019 s.13(1))."""

    MAGISTRATES = "magistrates"
    YOUTH = "youth"


class AreaConnection(enum.Enum):
    """Why a territorial chief officer may apply about this defendant (SPA2019 s.1(3))."""

    RESIDES_IN_AREA = "resides_in_area"
    BELIEVED_IN_AREA = "believed_in_area"
    BELIEVED_COMING_TO_AREA = "believed_coming_to_area"


@attrs.frozen
class CourtFindings:
    """The court's findings on the three conditions of SPA2019 s.2(1)."""

    acts_associated_with_stalking: bool
    poses_risk_associated_with_stalking: bool
    order_necessary_to_protect: bool

    def unmet(self) -> list[str]:
        """The conditions the court did not find, by paragraph."""
        found = (
            ("s.2(1)(a) acts associated with stalking", self.acts_associated_with_stalking),
            ("s.2(1)(b) risk associated with stalking", self.poses_risk_associated_with_stalking),
            ("s.2(1)(c) order necessary to protect", self.order_necessary_to_protect),
        )
        return [name for name, met in found if met is not True]


def _applied_at(value: object) -> pendulum.DateTime:
    return ensure_aware(value, field="applied_at")


def _decided_at(value: object) -> pendulum.DateTime:
    return ensure_aware(value, field="decided_at")


def _flag(_: object, attribute: attrs.Attribute[bool], value: object) -> None:
    if not isinstance(value, bool):
        raise InvalidValueError(attribute.name, value, "must be True or False")


def _optional_id(_: object, attribute: attrs.Attribute[str | None], value: object) -> None:
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise InvalidValueError(attribute.name, value, "must be None or a non-empty id")


@attrs.frozen
class InterimDecision:
    """An interim application and the court's decision on it (SPA2019 s.5(3)).

    Raises:
        NaiveDatetimeError: a time without a zone.
        InvalidValueError: decided before applied for (a grant without its order's
            id is refused by the INTERIM_DECIDED guard, not here: records made before
            that guard may lack it).
    """

    applied_at: pendulum.DateTime = attrs.field(converter=_applied_at)
    decided_at: pendulum.DateTime = attrs.field(converter=_decided_at)
    granted: bool = attrs.field(validator=_flag)
    interim_order_id: str | None = attrs.field(default=None, validator=_optional_id)

    def __attrs_post_init__(self) -> None:
        if is_before(self.decided_at, self.applied_at):
            raise InvalidValueError(
                "decided_at",
                self.decided_at.isoformat(),
                f"is before the interim application at {self.applied_at.isoformat()}",
            )


def _person_ids(value: object) -> tuple[str, ...]:
    """The protected persons as a tuple; a bare string is refused, not split into letters."""
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise InvalidValueError(
            "protected_person_ids", value, "give a collection of person ids, e.g. ['P1']"
        )
    ids = tuple(value)
    if not all(isinstance(p, str) and p.strip() for p in ids):
        raise InvalidValueError("protected_person_ids", ids, "each must be a non-empty id")
    return ids


def _decisions(value: object) -> tuple[InterimDecision, ...]:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise InvalidValueError("interim_decisions", value, "must be InterimDecision records")
    decisions = tuple(value)
    if not all(isinstance(d, InterimDecision) for d in decisions):
        raise InvalidValueError("interim_decisions", decisions, "must be InterimDecision records")
    return decisions


def _findings(_: object, attribute: attrs.Attribute[CourtFindings | None], value: object) -> None:
    if value is not None and not isinstance(value, CourtFindings):
        raise InvalidValueError(attribute.name, value, "must be CourtFindings or None")


_COURT_KIND: Final = code_converter(CourtKind, "court_kind")
_STATE: Final = code_converter(ApplicationState, "state")
_AREA: Final = code_converter(AreaConnection, "area_connection")
_LAID: Final = optional_aware("laid_at")
_INTERIM_APPLIED: Final = optional_aware("interim_applied_at")
_DETERMINED: Final = optional_aware("determined_at")
_WITHDRAWN: Final = optional_aware("withdrawn_at")


def _court_kind(value: object) -> CourtKind:
    return _COURT_KIND(value)


def _state(value: object) -> ApplicationState:
    return _STATE(value)


def _area(value: object) -> AreaConnection | None:
    return None if value is None else _AREA(value)


def _laid_at(value: object) -> pendulum.DateTime | None:
    return _LAID(value)


def _interim_applied_at(value: object) -> pendulum.DateTime | None:
    return _INTERIM_APPLIED(value)


def _determined_at(value: object) -> pendulum.DateTime | None:
    return _DETERMINED(value)


def _withdrawn_at(value: object) -> pendulum.DateTime | None:
    return _WITHDRAWN(value)


@attrs.frozen
class Application:
    """An application for an SPO, and what happened to it.

    Attributes:
        application_id: stable id.
        defendant_id: the defendant.
        applicant: the chief officer applying (s.1(1)).
        court: the court's name; ``court_kind`` says magistrates' or youth (s.13(1)).
        defendant_born_on: for the youth-court rule; ``None`` if unknown.
        conduct_last_on: the most recent act relied on. Recorded, never time-barred (s.13(2)).
        laid_at: when the complaint was laid.
        area_connection: the s.1(3) basis recorded when laid.
        interim_applied_at: a pending interim application (s.5(2)).
        interim_decisions: every interim application decided, in order; an interim
            order the Crown Court made on appeal (s.7(4)) is a further decision,
            granted, with the refused application's ``applied_at``.
        findings: the court's s.2(1) findings at determination.
        determined_at: when it was granted or refused; ``withdrawn_at`` if withdrawn.
        order_id: the full order made on it (by the Crown Court on an allowed appeal).
        appeal: the chief officer's appeal against the refusal of the application
            (REFUSAL_APPEALED) or of an interim order (LAID), while pending (s.7(2)).
        decided_appeals: every appeal the Crown Court decided (or that lapsed on
            determination), by the decision appealed, in order (s.7(4)).
        decided_interim_refusals: the indexes in ``interim_decisions`` of the
            interim refusals whose appeal was decided (or lapsed).
        revision: bumped by every fired event.

    Raises:
        UnknownCodeError: a state, court kind or area connection the library does not know.
        NaiveDatetimeError: a time without a zone.
        InvalidValueError: another bad field, naming it and the value.
    """

    application_id: str = attrs.field(validator=non_empty_text)
    defendant_id: str = attrs.field(validator=non_empty_text)
    applicant: ChiefOfficer
    court: str = attrs.field(validator=non_empty_text)
    court_kind: CourtKind = attrs.field(default=CourtKind.MAGISTRATES, converter=_court_kind)
    state: ApplicationState = attrs.field(default=ApplicationState.DRAFT, converter=_state)
    protected_person_ids: tuple[str, ...] = attrs.field(default=(), converter=_person_ids)
    defendant_born_on: pendulum.Date | None = attrs.field(default=None, converter=optional_date)
    conduct_last_on: pendulum.Date | None = attrs.field(default=None, converter=optional_date)
    laid_at: pendulum.DateTime | None = attrs.field(default=None, converter=_laid_at)
    area_connection: AreaConnection | None = attrs.field(default=None, converter=_area)
    interim_applied_at: pendulum.DateTime | None = attrs.field(
        default=None, converter=_interim_applied_at
    )
    interim_decisions: tuple[InterimDecision, ...] = attrs.field(default=(), converter=_decisions)
    findings: CourtFindings | None = attrs.field(default=None, validator=_findings)
    determined_at: pendulum.DateTime | None = attrs.field(default=None, converter=_determined_at)
    withdrawn_at: pendulum.DateTime | None = attrs.field(default=None, converter=_withdrawn_at)
    order_id: str | None = attrs.field(default=None, validator=_optional_id)
    appeal: PendingAppeal | None = attrs.field(default=None)
    decided_appeals: tuple[AppealAgainst, ...] = attrs.field(default=(), converter=tuple)
    decided_interim_refusals: tuple[int, ...] = attrs.field(default=(), converter=tuple)
    note: str = ""
    revision: int = 1

    @appeal.validator
    def _check_appeal(self, _: attrs.Attribute[PendingAppeal | None], value: object) -> None:
        if value is not None and not isinstance(value, PendingAppeal):
            raise InvalidValueError("appeal", value, "must be a PendingAppeal or None")

    @decided_appeals.validator
    def _check_decided(self, _: attrs.Attribute[tuple[AppealAgainst, ...]], value: object) -> None:
        if not all(isinstance(a, AppealAgainst) for a in self.decided_appeals):
            raise InvalidValueError("decided_appeals", value, "must hold AppealAgainst values")

    @decided_interim_refusals.validator
    def _check_interim_refused(self, _: attrs.Attribute[tuple[int, ...]], value: object) -> None:
        if not all(
            isinstance(i, int) and not isinstance(i, bool) and 0 <= i < len(self.interim_decisions)
            for i in self.decided_interim_refusals
        ):
            raise InvalidValueError(
                "decided_interim_refusals", value, "must index this application's interim_decisions"
            )

    @property
    def subject_id(self) -> str:
        """The application id."""
        return self.application_id


def _event(value: object) -> ApplicationEvent:
    return to_event(ApplicationEvent, value)


@attrs.frozen
class ApplicationCommand:
    """An event on an application, with its payload.

    Attributes:
        area_connection: LAY by a territorial chief officer (s.1(3)).
        interim_applicant: APPLY_FOR_INTERIM: who applies (s.5(2)).
        interim_granted, interim_order_id: INTERIM_DECIDED (s.5(3)); ``interim_order_id``
            also APPEAL_ALLOWED on an interim refusal: the interim order the Crown Court made.
        findings: GRANT, APPEAL_ALLOWED (required) or REFUSE (optional): the s.2(1) findings.
        order_id: GRANT, APPEAL_ALLOWED: the order made.
        appellant, against: LODGE_APPEAL: who appeals, against which decision (s.7(2)):
            ``refusal`` once refused, ``interim_refusal`` while pending.
        note: free text for the audit trail.
    """

    event: ApplicationEvent = attrs.field(converter=_event)
    at: pendulum.DateTime = attrs.field(converter=aware_at)
    actor: str = attrs.field(validator=non_empty_text)
    area_connection: AreaConnection | None = attrs.field(default=None, kw_only=True)
    interim_applicant: ChiefOfficer | None = attrs.field(default=None, kw_only=True)
    interim_granted: bool | None = attrs.field(default=None, kw_only=True)
    interim_order_id: str | None = attrs.field(default=None, kw_only=True)
    findings: CourtFindings | None = attrs.field(default=None, kw_only=True)
    order_id: str | None = attrs.field(default=None, kw_only=True)
    appellant: Party | None = attrs.field(default=None, kw_only=True)
    against: AppealAgainst | None = attrs.field(default=None, kw_only=True)
    note: str = attrs.field(default="", kw_only=True)


# --- guards -----------------------------------------------------------------


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
