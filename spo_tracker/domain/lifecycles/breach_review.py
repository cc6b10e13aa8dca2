"""The suspected-breach review lifecycle (SPA2019 s.8).

Breaching an order *without reasonable excuse* is an offence (s.8(1)), and
reasonable excuse is for a court. So software only flags a suspected breach;
a person reviews it and either confirms and refers it or dismisses it with a
reason. The guards refuse decisions recorded by a system actor (``system`` or
``system:<name>``).

Every stored alert is reviewed through this lifecycle: a review is FLAGGED
when the alert is raised, ASSIGNED to an officer, taken UNDER_REVIEW, and
ends in one outcome: CONFIRMED_REFERRED (referred for a charging decision),
WARNING_GIVEN (a warning or words of advice) or DISMISSED with a reason (no
further action, not a breach, a duplicate, a false match...). Each step keeps
who and when, so a review holds the timeliness chain the MoJ electronic
monitoring breach data keeps: identified (``flagged_at``), assigned
(``assigned_at``), first action (``review_started_at``) and decision
(``decided_at``); the breach time is the alert's.

A decided review is final and never rewritten. New evidence on a decided
alert opens a new *round* (:func:`reopen_review`): a new FLAGGED review of
the same alert whose ``reopens`` names the decided one, so every decision
stays on record.

Conduct before the order was served is the obvious "no knowledge" excuse
(when an order takes effect is an OPEN point; the library records both the day
made and the day served). It is flagged, marked ``pre_service``, never dropped,
and PRE_SERVICE_CONDUCT is accepted as a dismissal reason only for such conduct.
"""

from __future__ import annotations

import enum
from typing import Any, Final

import attrs
import pendulum

from spo_tracker.domain.lifecycles._support import (
    PROBE_ACTOR,
    row,
    state_setter,
    to_event,
)
from spo_tracker.domain.statemachine import Fired, Guard, Machine, Transition
from spo_tracker.domain.statutory_time import as_utc, ensure_aware
from spo_tracker.domain.validators import aware_at, non_empty_text, optional_text
from spo_tracker.errors import InvalidValueError

__all__ = [
    "DECIDED",
    "MACHINE",
    "TABLE",
    "BreachReview",
    "DismissalReason",
    "ReviewCommand",
    "ReviewEvent",
    "ReviewState",
    "assign_review",
    "assignee_named",
    "confirm_and_refer",
    "decided_by_a_person",
    "dismiss",
    "dismissal_reason_fits",
    "flag_suspected_breach",
    "give_warning",
    "is_system_actor",
    "reopen_review",
    "review_id_for",
    "start_review",
]


class ReviewState(enum.Enum):
    """Where a review is."""

    FLAGGED = "flagged"
    ASSIGNED = "assigned"
    UNDER_REVIEW = "under_review"
    CONFIRMED_REFERRED = "confirmed_referred"
    WARNING_GIVEN = "warning_given"
    DISMISSED = "dismissed"


class ReviewEvent(enum.Enum):
    """What can happen to a review."""

    ASSIGN = "assign"
    START_REVIEW = "start_review"
    CONFIRM_AND_REFER = "confirm_and_refer"
    GIVE_WARNING = "give_warning"
    DISMISS = "dismiss"


class DismissalReason(enum.Enum):
    """Why a suspected breach is dismissed."""

    REASONABLE_EXCUSE = "reasonable_excuse"  # s.8(1)
    PRE_SERVICE_CONDUCT = "pre_service_conduct"  # no knowledge of the order (OPEN point)
    FALSE_MATCH = "false_match"  # the identity or the incident was not the defendant's
    DUPLICATE = "duplicate"  # already reviewed under another alert
    NO_BREACH = "no_breach"  # the conduct does not breach the term
    NO_FURTHER_ACTION = "no_further_action"  # needs a note saying why
    OTHER = "other"  # needs a note


def _event(value: object) -> ReviewEvent:
    return to_event(ReviewEvent, value)


def _opt_aware(value: object) -> pendulum.DateTime | None:
    return None if value is None else ensure_aware(value, field="served_at")


#: The outcomes: nothing leaves them (a re-opening is a new round, see :func:`reopen_review`).
DECIDED: Final = frozenset(
    {ReviewState.CONFIRMED_REFERRED, ReviewState.WARNING_GIVEN, ReviewState.DISMISSED}
)


def review_id_for(alert_id: str, round: int = 1) -> str:
    """The id of a stored alert's review in ``round`` (``RV-<alert>-<round>``): stable, so a
    second reviewer racing the first meets the same record."""
    return f"RV-{alert_id.removeprefix('AL-')}-{round}"


@attrs.frozen
class BreachReview:
    """A suspected breach under human review.

    Attributes:
        review_id: stable id (:func:`review_id_for` for a stored alert's reviews).
        alert_id: the detection alert that raised it.
        defendant_id: whose conduct it is.
        order_id, term_id: what is said to be breached; ``None`` for an alert that names
            no order (a course of conduct against an unprotected person) or no term (a
            notification failure, a warning).
        flagged_at: when it was flagged (MoJ "time identified").
        conduct_at: the first conduct relied on.
        served_at: when the order was served, if known; conduct before it is ``pre_service``.
        state: lifecycle state.
        assignee, assigned_at, assigned_by: the officer it is assigned to, when and by whom.
        reviewer: who started the review.
        review_started_at: when (MoJ "time of first action").
        decided_at, decided_by: the decision.
        dismissal_reason, note, duplicate_of: why it was dismissed.
        referral_reference: the case or crime reference it was referred under.
        round: 1 for the alert's first review; one more for each re-opening.
        reopens: the decided review this round re-opens, if any.
        revision: bumped by every fired event.
    """

    review_id: str = attrs.field(validator=non_empty_text)
    alert_id: str = attrs.field(validator=non_empty_text)
    defendant_id: str = attrs.field(validator=non_empty_text)
    order_id: str | None = attrs.field(validator=optional_text)
    term_id: str | None = attrs.field(validator=optional_text)
    flagged_at: pendulum.DateTime = attrs.field(converter=aware_at)
    conduct_at: pendulum.DateTime = attrs.field(converter=aware_at)
    served_at: pendulum.DateTime | None = attrs.field(default=None, converter=_opt_aware)
    state: ReviewState = ReviewState.FLAGGED
    assignee: str | None = None
    assigned_at: pendulum.DateTime | None = None
    assigned_by: str | None = None
    reviewer: str | None = None
    review_started_at: pendulum.DateTime | None = None
    decided_at: pendulum.DateTime | None = None
    decided_by: str | None = None
    dismissal_reason: DismissalReason | None = None
    duplicate_of: str | None = None
    note: str = ""
    referral_reference: str | None = None
    round: int = 1
    reopens: str | None = None
    revision: int = 1

    @property
    def decided(self) -> bool:
        """Whether the review has its outcome (a final state)."""
        return self.state in DECIDED

    @property
    def subject_id(self) -> str:
        """The review id."""
        return self.review_id

    @property
    def pre_service(self) -> bool:
        """The conduct came before the order was served (or it is not known to be served)."""
        # Compared in UTC: two London times in the repeated autumn hour compare by wall clock.
        return self.served_at is None or as_utc(self.conduct_at) < as_utc(self.served_at)


@attrs.frozen
class ReviewCommand:
    """An event on a review, with its payload.

    Attributes:
        assignee: ASSIGN: the officer it is assigned to (required, not blank).
        reason: DISMISS: why (required).
        note: free text; required with ``DismissalReason.OTHER``.
        duplicate_of: DISMISS as DUPLICATE: the review or alert it duplicates.
        referral_reference: CONFIRM_AND_REFER: the reference it was referred under.
    """

    event: ReviewEvent = attrs.field(converter=_event)
    at: pendulum.DateTime = attrs.field(converter=aware_at)
    actor: str = attrs.field(validator=non_empty_text)
    assignee: str | None = attrs.field(default=None, kw_only=True)
    reason: DismissalReason | None = attrs.field(default=None, kw_only=True)
    note: str = attrs.field(default="", kw_only=True)
    duplicate_of: str | None = attrs.field(default=None, kw_only=True)
    referral_reference: str | None = attrs.field(default=None, kw_only=True)


def is_system_actor(actor: str) -> bool:
    """Whether ``actor`` names software rather than a person (``system``, ``system:...``)."""
    name = actor.strip().casefold()
    return name == "system" or name.startswith("system:") or name == PROBE_ACTOR


# --- guards -----------------------------------------------------------------


def decided_by_a_person(review: BreachReview, cmd: ReviewCommand) -> str | None:
    """Reasonable excuse is for a court; software flags, a person decides (s.8(1))."""
    if is_system_actor(cmd.actor):
        return f"actor={cmd.actor!r}: a person must review and decide, not software"
    return None


def dismissal_reason_fits(review: BreachReview, cmd: ReviewCommand) -> str | None:
    """A reason is given, and it fits the facts recorded (s.8(1))."""
    reason = cmd.reason
    if not isinstance(reason, DismissalReason):
        return f"reason={reason!r}: give a DismissalReason"
    if reason in _NEEDS_NOTE and not cmd.note.strip():
        return f"reason={reason.name} with note={cmd.note!r}: explain the reason in the note"
    if reason is DismissalReason.DUPLICATE and not cmd.duplicate_of:
        return f"duplicate_of={cmd.duplicate_of!r}: name the review or alert it duplicates"
    if reason is DismissalReason.PRE_SERVICE_CONDUCT and not review.pre_service:
        return (
            f"reason=PRE_SERVICE_CONDUCT: the conduct at {review.conduct_at.isoformat()} "
            f"came after service at {review.served_at.isoformat() if review.served_at else None}"
        )
    return None


_NEEDS_NOTE: Final = frozenset({DismissalReason.OTHER, DismissalReason.NO_FURTHER_ACTION})


def assignee_named(review: BreachReview, cmd: ReviewCommand) -> str | None:
    """A suspected breach is assigned to a named officer, who reviews it (s.8(1))."""
    if not isinstance(cmd.assignee, str) or not cmd.assignee.strip():
        return f"assignee={cmd.assignee!r}: name the officer it is assigned to"
    return None


_G = Guard[BreachReview, ReviewCommand]
PERSON: Final = _G("decided_by_a_person", "SPA2019 s.8(1)", decided_by_a_person)
REASON: Final = _G("dismissal_reason_fits", "SPA2019 s.8(1)", dismissal_reason_fits)
ASSIGNEE: Final = _G("assignee_named", "SPA2019 s.8(1)", assignee_named)


# --- effects ----------------------------------------------------------------


def _assigned(review: BreachReview, cmd: ReviewCommand) -> dict[str, Any]:
    assert cmd.assignee is not None  # assignee_named passed
    return {"assignee": cmd.assignee.strip(), "assigned_at": cmd.at, "assigned_by": cmd.actor}


def _warned(review: BreachReview, cmd: ReviewCommand) -> dict[str, Any]:
    return {"decided_at": cmd.at, "decided_by": cmd.actor, "note": cmd.note}


def _started(review: BreachReview, cmd: ReviewCommand) -> dict[str, Any]:
    return {"reviewer": cmd.actor, "review_started_at": cmd.at}


def _referred(review: BreachReview, cmd: ReviewCommand) -> dict[str, Any]:
    return {
        "decided_at": cmd.at,
        "decided_by": cmd.actor,
        "referral_reference": cmd.referral_reference,
        "note": cmd.note,
    }


def _dismissed(review: BreachReview, cmd: ReviewCommand) -> dict[str, Any]:
    return {
        "decided_at": cmd.at,
        "decided_by": cmd.actor,
        "dismissal_reason": cmd.reason,
        "duplicate_of": cmd.duplicate_of,
        "note": cmd.note,
    }


St, Ev = ReviewState, ReviewEvent
_Row = Transition[ReviewState, ReviewEvent, BreachReview, ReviewCommand]

#: The review lifecycle, one row per (state, event).
TABLE: Final[tuple[_Row, ...]] = (
    row(St.FLAGGED, Ev.ASSIGN, St.ASSIGNED, "SPA2019 s.8(1)",
        "a person assigns the flagged suspected breach to a named officer",
        guards=(PERSON, ASSIGNEE), changes=_assigned),
    row(St.ASSIGNED, Ev.ASSIGN, St.ASSIGNED, "SPA2019 s.8(1)",
        "a person re-assigns it to another officer", guards=(PERSON, ASSIGNEE), changes=_assigned),
    row(St.UNDER_REVIEW, Ev.ASSIGN, St.ASSIGNED, "SPA2019 s.8(1)",
        "a person hands the review to another officer, who starts it again",
        guards=(PERSON, ASSIGNEE), changes=_assigned),
    row(St.FLAGGED, Ev.START_REVIEW, St.UNDER_REVIEW, "SPA2019 s.8(1)",
        "a person takes the flagged suspected breach for review",
        guards=(PERSON,), changes=_started),
    row(St.ASSIGNED, Ev.START_REVIEW, St.UNDER_REVIEW, "SPA2019 s.8(1)",
        "the assigned officer (or another person) starts the review (first action)",
        guards=(PERSON,), changes=_started),
    row(St.UNDER_REVIEW, Ev.CONFIRM_AND_REFER, St.CONFIRMED_REFERRED, "SPA2019 s.8(1)",
        "the reviewer confirms a suspected breach and refers it for a charging decision; "
        "a court decides excuse", guards=(PERSON,), changes=_referred),
    row(St.UNDER_REVIEW, Ev.GIVE_WARNING, St.WARNING_GIVEN, "SPA2019 s.8(1)",
        "the reviewer deals with it by a warning or words of advice",
        guards=(PERSON,), changes=_warned),
    row(St.FLAGGED, Ev.DISMISS, St.DISMISSED, "SPA2019 s.8(1)",
        "dismissed on sight with a reason (e.g. a false match or a duplicate)",
        guards=(PERSON, REASON), changes=_dismissed),
    row(St.ASSIGNED, Ev.DISMISS, St.DISMISSED, "SPA2019 s.8(1)",
        "dismissed by a person before the review starts, with a reason",
        guards=(PERSON, REASON), changes=_dismissed),
    row(St.UNDER_REVIEW, Ev.DISMISS, St.DISMISSED, "SPA2019 s.8(1)",
        "dismissed after review with a reason (no further action, not a breach, a duplicate)",
        guards=(PERSON, REASON), changes=_dismissed),
)  # fmt: skip


def _probe(event: ReviewEvent, at: pendulum.DateTime) -> ReviewCommand:
    return ReviewCommand(event, at, PROBE_ACTOR)


#: The validated machine.
MACHINE: Final = Machine(
    name="breach_review",
    states=ReviewState,
    events=ReviewEvent,
    initial=ReviewState.FLAGGED,
    finals=DECIDED,
    transitions=TABLE,
    get_state=lambda review: review.state,
    set_state=state_setter(),
    probe=_probe,
)


# --- use cases --------------------------------------------------------------


def flag_suspected_breach(
    *,
    review_id: str,
    alert_id: str,
    defendant_id: str,
    order_id: str | None,
    term_id: str | None,
    flagged_at: pendulum.DateTime,
    conduct_at: pendulum.DateTime,
    served_at: pendulum.DateTime | None,
    round: int = 1,
    reopens: str | None = None,
) -> BreachReview:
    """A FLAGGED review; conduct before service is kept and marked ``pre_service``."""
    return BreachReview(
        review_id=review_id,
        alert_id=alert_id,
        defendant_id=defendant_id,
        order_id=order_id,
        term_id=term_id,
        flagged_at=flagged_at,
        conduct_at=conduct_at,
        served_at=served_at,
        round=round,
        reopens=reopens,
    )


def assign_review(
    review: BreachReview, *, at: pendulum.DateTime, actor: str, assignee: str
) -> Fired[BreachReview]:
    """A person assigns the review to a named officer (or re-assigns it)."""
    return MACHINE.fire(review, ReviewCommand(Ev.ASSIGN, at, actor, assignee=assignee))


def give_warning(
    review: BreachReview, *, at: pendulum.DateTime, actor: str, note: str = ""
) -> Fired[BreachReview]:
    """The reviewer deals with the suspected breach by a warning or words of advice."""
    return MACHINE.fire(review, ReviewCommand(Ev.GIVE_WARNING, at, actor, note=note))


def reopen_review(review: BreachReview, *, at: pendulum.DateTime) -> BreachReview:
    """A new FLAGGED round of a decided review, for new evidence on its alert.

    The decided review stays as it is (final, on record); the new round has the
    next round number, the id :func:`review_id_for` gives it, ``flagged_at`` =
    ``at`` and ``reopens`` naming the decided review. Software may do this: it
    flags again, it decides nothing (SPA2019 s.8(1)).

    Raises:
        InvalidValueError: the review is not decided.
    """
    if not review.decided:
        raise InvalidValueError(
            "review", review.review_id, f"is {review.state.value}, not decided: nothing to re-open"
        )
    return flag_suspected_breach(
        review_id=review_id_for(review.alert_id, review.round + 1),
        alert_id=review.alert_id,
        defendant_id=review.defendant_id,
        order_id=review.order_id,
        term_id=review.term_id,
        flagged_at=at,
        conduct_at=review.conduct_at,
        served_at=review.served_at,
        round=review.round + 1,
        reopens=review.review_id,
    )


def start_review(review: BreachReview, *, at: pendulum.DateTime, actor: str) -> Fired[BreachReview]:
    """A person takes the review."""
    return MACHINE.fire(review, ReviewCommand(Ev.START_REVIEW, at, actor))


def confirm_and_refer(
    review: BreachReview,
    *,
    at: pendulum.DateTime,
    actor: str,
    referral_reference: str | None = None,
    note: str = "",
) -> Fired[BreachReview]:
    """The reviewer confirms and refers the suspected breach (SPA2019 s.8(1))."""
    cmd = ReviewCommand(
        Ev.CONFIRM_AND_REFER, at, actor, referral_reference=referral_reference, note=note
    )
    return MACHINE.fire(review, cmd)


def dismiss(
    review: BreachReview,
    *,
    at: pendulum.DateTime,
    actor: str,
    reason: DismissalReason,
    note: str = "",
    duplicate_of: str | None = None,
) -> Fired[BreachReview]:
    """Dismiss the suspected breach with a reason."""
    cmd = ReviewCommand(Ev.DISMISS, at, actor, reason=reason, note=note, duplicate_of=duplicate_of)
    return MACHINE.fire(review, cmd)
