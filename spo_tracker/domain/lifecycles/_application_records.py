"""The application lifecycle's records: its states, events, court findings, interim
decisions, the application itself and its command (see
:mod:`spo_tracker.domain.lifecycles.application`, which re-exports them)."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Final

import attrs
import pendulum

from spo_tracker.domain.appeals import AppealAgainst, Party, PendingAppeal
from spo_tracker.domain.lifecycles._support import (
    code_converter,
    is_before,
    to_event,
)
from spo_tracker.domain.people import ChiefOfficer
from spo_tracker.domain.statutory_time import ensure_aware
from spo_tracker.domain.validators import aware_at, non_empty_text, optional_aware, optional_date
from spo_tracker.errors import InvalidValueError

__all__ = [
    "Application",
    "ApplicationCommand",
    "ApplicationEvent",
    "ApplicationState",
    "AreaConnection",
    "CourtFindings",
    "CourtKind",
    "InterimDecision",
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
