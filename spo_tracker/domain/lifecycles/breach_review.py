"""The suspected-breach review lifecycle (SPA2019 s.8).

Breaching an order *without reasonable excuse* is an offence (s.8(1)), and
reasonable excuse is for a court. So software only flags a suspected breach;
a person reviews it and either confirms and refers it or dismisses it with a
reason. The guards refuse decisions recorded by a system actor (``system`` or
``system:<name>``).

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
    aware_at,
    non_empty_text,
    row,
    state_setter,
    to_event,
)
from spo_tracker.domain.statemachine import Fired, Guard, Machine, Transition
from spo_tracker.domain.statutory_time import as_utc, ensure_aware

__all__ = [
    "MACHINE",
    "TABLE",
    "BreachReview",
    "DismissalReason",
    "ReviewCommand",
    "ReviewEvent",
    "ReviewState",
    "confirm_and_refer",
    "decided_by_a_person",
    "dismiss",
    "dismissal_reason_fits",
    "flag_suspected_breach",
    "is_system_actor",
    "start_review",
]


class ReviewState(enum.Enum):
    """Where a review is."""

    FLAGGED = "flagged"
    UNDER_REVIEW = "under_review"
    CONFIRMED_REFERRED = "confirmed_referred"
    DISMISSED = "dismissed"


class ReviewEvent(enum.Enum):
    """What can happen to a review."""

    START_REVIEW = "start_review"
    CONFIRM_AND_REFER = "confirm_and_refer"
    DISMISS = "dismiss"


class DismissalReason(enum.Enum):
    """Why a suspected breach is dismissed."""

    REASONABLE_EXCUSE = "reasonable_excuse"  # s.8(1)
    PRE_SERVICE_CONDUCT = "pre_service_conduct"  # no knowledge of the order (OPEN point)
    FALSE_MATCH = "false_match"  # the identity or the incident was not the defendant's
    DUPLICATE = "duplicate"  # already reviewed under another alert
    NO_BREACH = "no_breach"  # the conduct does not breach the term
    OTHER = "other"  # needs a note


def _event(value: object) -> ReviewEvent:
    return to_event(ReviewEvent, value)


def _aware(value: object) -> pendulum.DateTime:
    return ensure_aware(value, field="at")


def _opt_aware(value: object) -> pendulum.DateTime | None:
    return None if value is None else ensure_aware(value, field="served_at")


@attrs.frozen
class BreachReview:
    """A suspected breach under human review.

    Attributes:
        review_id: stable id.
        alert_id: the detection alert that raised it.
        defendant_id, order_id, term_id: what is said to be breached.
        flagged_at: when it was flagged.
        conduct_at: the first conduct relied on.
        served_at: when the order was served, if known; conduct before it is ``pre_service``.
        state: lifecycle state.
        reviewer: who started the review.
        decided_at, decided_by: the decision.
        dismissal_reason, note, duplicate_of: why it was dismissed.
        referral_reference: the case or crime reference it was referred under.
        revision: bumped by every fired event.
    """

    review_id: str = attrs.field(validator=non_empty_text)
    alert_id: str = attrs.field(validator=non_empty_text)
    defendant_id: str = attrs.field(validator=non_empty_text)
    order_id: str = attrs.field(validator=non_empty_text)
    term_id: str = attrs.field(validator=non_empty_text)
    flagged_at: pendulum.DateTime = attrs.field(converter=_aware)
    conduct_at: pendulum.DateTime = attrs.field(converter=_aware)
    served_at: pendulum.DateTime | None = attrs.field(default=None, converter=_opt_aware)
    state: ReviewState = ReviewState.FLAGGED
    reviewer: str | None = None
    review_started_at: pendulum.DateTime | None = None
    decided_at: pendulum.DateTime | None = None
    decided_by: str | None = None
    dismissal_reason: DismissalReason | None = None
    duplicate_of: str | None = None
    note: str = ""
    referral_reference: str | None = None
    revision: int = 1

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
        reason: DISMISS: why (required).
        note: free text; required with ``DismissalReason.OTHER``.
        duplicate_of: DISMISS as DUPLICATE: the review or alert it duplicates.
        referral_reference: CONFIRM_AND_REFER: the reference it was referred under.
    """

    event: ReviewEvent = attrs.field(converter=_event)
    at: pendulum.DateTime = attrs.field(converter=aware_at)
    actor: str = attrs.field(validator=non_empty_text)
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
    if reason is DismissalReason.OTHER and not cmd.note.strip():
        return "reason=OTHER with note='': explain the reason in the note"
    if reason is DismissalReason.DUPLICATE and not cmd.duplicate_of:
        return f"duplicate_of={cmd.duplicate_of!r}: name the review or alert it duplicates"
    if reason is DismissalReason.PRE_SERVICE_CONDUCT and not review.pre_service:
        return (
            f"reason=PRE_SERVICE_CONDUCT: the conduct at {review.conduct_at.isoformat()} "
            f"came after service at {review.served_at.isoformat() if review.served_at else None}"
        )
    return None


_G = Guard[BreachReview, ReviewCommand]
PERSON: Final = _G("decided_by_a_person", "SPA2019 s.8(1)", decided_by_a_person)
REASON: Final = _G("dismissal_reason_fits", "SPA2019 s.8(1)", dismissal_reason_fits)


# --- effects ----------------------------------------------------------------


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
    row(St.FLAGGED, Ev.START_REVIEW, St.UNDER_REVIEW, "SPA2019 s.8(1)",
        "a person takes the flagged suspected breach for review",
        guards=(PERSON,), changes=_started),
    row(St.UNDER_REVIEW, Ev.CONFIRM_AND_REFER, St.CONFIRMED_REFERRED, "SPA2019 s.8(1)",
        "the reviewer confirms a suspected breach and refers it; a court decides excuse",
        guards=(PERSON,), changes=_referred),
    row(St.FLAGGED, Ev.DISMISS, St.DISMISSED, "SPA2019 s.8(1)",
        "dismissed on sight with a reason (e.g. a false match or a duplicate)",
        guards=(PERSON, REASON), changes=_dismissed),
    row(St.UNDER_REVIEW, Ev.DISMISS, St.DISMISSED, "SPA2019 s.8(1)",
        "dismissed after review with a reason", guards=(PERSON, REASON), changes=_dismissed),
)  # fmt: skip


def _probe(event: ReviewEvent, at: pendulum.DateTime) -> ReviewCommand:
    return ReviewCommand(event, at, PROBE_ACTOR)


#: The validated machine.
MACHINE: Final = Machine(
    name="breach_review",
    states=ReviewState,
    events=ReviewEvent,
    initial=ReviewState.FLAGGED,
    finals=frozenset({ReviewState.CONFIRMED_REFERRED, ReviewState.DISMISSED}),
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
    order_id: str,
    term_id: str,
    flagged_at: pendulum.DateTime,
    conduct_at: pendulum.DateTime,
    served_at: pendulum.DateTime | None,
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
