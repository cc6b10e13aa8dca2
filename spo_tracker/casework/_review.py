"""Officers work through alerts: case ownership and the review of every stored alert.

The use cases behind ``spo-tracker alerts ...`` and ``spo-tracker case
assign``. Every stored alert is reviewed through the breach-review lifecycle
(:mod:`spo_tracker.domain.lifecycles.breach_review`): software only flags, a
person assigns, reviews and decides (SPA2019 s.8(1)). An alert with no stored
review is *new* (FLAGGED); its review is stored with the first step a person
takes, so a detection run never writes thousands of empty reviews.

Each step is one unit of work: the review is stored with the transition in
the audit trail and its event in the outbox. Reviews are optimistic: pass
the ``expected_revision`` a reviewer saw (``AlertEntry.revision``, 0 for a new
alert) and a second reviewer racing the first gets a
:class:`~spo_tracker.errors.ConcurrencyConflictError`, with nothing changed.

New evidence on a decided alert re-opens it: :func:`reopen_reviews` (called
by every detection run for the alerts whose evidence grew) stores a new
FLAGGED round naming the decided one; the decision stays on record.

The records these return are in :mod:`~spo_tracker.casework._alert_entries`;
the queue and an alert's detail in :mod:`~spo_tracker.casework._queue`.
"""

from __future__ import annotations

import datetime as _dt
import enum
from collections.abc import Callable, Iterable, Sequence
from typing import Final

import pendulum

from spo_tracker.casework._alert_entries import AlertEntry, orders_of, owner_of
from spo_tracker.domain.alerts import Alert
from spo_tracker.domain.lifecycles.breach_review import (
    BreachReview,
    DismissalReason,
    ReviewState,
    assign_review,
    confirm_and_refer,
    dismiss,
    flag_suspected_breach,
    give_warning,
    reopen_review,
    review_id_for,
    start_review,
)
from spo_tracker.domain.ownership import CaseOwner
from spo_tracker.domain.permissions import Role
from spo_tracker.domain.statemachine import Fired
from spo_tracker.domain.statutory_time import ensure_aware
from spo_tracker.errors import (
    ConcurrencyConflictError,
    ConstraintViolationError,
    InvalidValueError,
    NotFoundError,
    UnknownCodeError,
)
from spo_tracker.storage import Actor, Store, UnitOfWork

__all__ = [
    "ReviewOutcome",
    "assign_alert",
    "assign_case",
    "reopen_reviews",
    "review_alert",
    "start_alert_review",
]


class ReviewOutcome(enum.Enum):
    """What a reviewer decides about an alert; the value is the code the CLI takes."""

    REFERRED = "referred"  # confirmed and referred for a charging decision
    WARNING = "warning"  # a warning or words of advice
    NO_FURTHER_ACTION = "no_further_action"  # needs a reason
    NOT_A_BREACH = "not_a_breach"  # needs a reason
    DUPLICATE = "duplicate"  # needs the alert it duplicates


#: The outcomes that need a reason in words (``reason``), and those that need ``duplicate_of``.
_NEEDS_REASON: Final = frozenset({ReviewOutcome.NO_FURTHER_ACTION, ReviewOutcome.NOT_A_BREACH})


def _who(actor: Actor) -> str:
    """The name the lifecycle records; an actor in the ``ingest`` role is software."""
    if not isinstance(actor, Actor):
        raise InvalidValueError("actor", actor, "give an Actor(actor_id, role)")
    system = actor.role == Role.INGEST
    return f"system:{actor.actor_id}" if system else actor.actor_id


def _named(field: str, value: object) -> str:
    """``value`` stripped; blank or not text is refused, naming the field and value."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidValueError(field, value, "must be non-empty text")
    return value.strip()


# -- case ownership ----------------------------------------------------------------------


def assign_case(
    store: Store,
    order_id: str,
    *,
    officer: str,
    unit: str,
    force: str,
    at: _dt.datetime,
    actor: Actor,
    reason: str = "case assigned",
) -> CaseOwner:
    """Record who manages an order's case: the officer in the case, unit and force (audited).

    Assigning again re-assigns (one revision on). The order is not changed.

    Returns:
        The case owner as stored.

    Raises:
        InvalidValueError: ``officer``, ``unit`` or ``force`` is blank, naming it.
        NotFoundError: no order is stored under ``order_id`` (nothing is stored).
        NaiveDatetimeError: ``at`` has no time zone.
    """
    when = ensure_aware(at, field="at")
    who, where, which = _named("officer", officer), _named("unit", unit), _named("force", force)
    by = _who(actor)
    with store.unit_of_work(actor, at=when) as uow:
        uow.authorise("assign_case")
        if not uow.orders.exists(order_id):
            raise NotFoundError("order", order_id)
        stored = uow.case_owners.get_many([order_id]).get(order_id)
        if stored is None:
            owner = CaseOwner(order_id, who, where, which, assigned_at=when, assigned_by=by)
            uow.case_owners.add(owner, reason=reason)
        else:
            owner = stored.reassigned(officer=who, unit=where, force=which, at=when, by=by)
            uow.case_owners.update(owner, expected_revision=stored.revision, reason=reason)
        uow.commit()
    return owner


# -- the review of one alert -------------------------------------------------------------


def _flag(uow: UnitOfWork, alert: Alert) -> BreachReview:
    """The FLAGGED first-round review of ``alert`` (not stored)."""
    served = None
    if alert.order_id is not None and uow.orders.exists(alert.order_id):
        served = uow.orders.get(alert.order_id).served_at
    return flag_suspected_breach(
        review_id=review_id_for(alert.alert_id),
        alert_id=alert.alert_id,
        defendant_id=alert.defendant_id,
        order_id=alert.order_id,
        term_id=alert.term_id,
        flagged_at=alert.identified_at,
        conduct_at=alert.breach_time or alert.first_seen or alert.identified_at,
        served_at=served,
    )


Step = Callable[[BreachReview], Fired[BreachReview]]


def _act(
    store: Store,
    alert_id: str,
    steps: Callable[[BreachReview], Sequence[Step]],
    *,
    action: str,
    at: _dt.datetime,
    actor: Actor,
    expected_revision: int | None,
    reason: str,
) -> AlertEntry:
    """Load the alert's current review (or flag it), fire ``steps`` in order, store, commit."""
    when = ensure_aware(at, field="at")
    with store.unit_of_work(actor, at=when) as uow:
        uow.authorise(action)
        # Locked (PostgreSQL: FOR UPDATE) until this decision commits: a detection run that
        # adds evidence to the alert meanwhile waits, then sees the decided review and
        # re-opens it, instead of both committing unseen by the other.
        uow.alerts.lock(alert_id)
        alert = uow.alerts.get(alert_id)
        uow.authorise(action, orders=orders_of(alert))
        rounds = uow.breach_reviews.for_alert(alert_id)
        current = rounds[-1] if rounds else None
        seen = 0 if current is None else current.revision
        if expected_revision is not None and expected_revision != seen:
            key = review_id_for(alert_id) if current is None else current.review_id
            raise ConcurrencyConflictError("breach_review", key, expected_revision, seen)
        flagged = current if current is not None else _flag(uow, alert)
        fired, review = [], flagged
        for step in steps(flagged):
            result = step(review)
            fired.append(result)
            review = result.subject
        if current is None:
            _add_first(uow, flagged, reason)
        base = flagged.revision
        for result in fired:
            uow.breach_reviews.update(
                result.subject, expected_revision=base, transition=result.record, reason=reason
            )
            base = result.subject.revision
        owner = owner_of(uow, alert)
        uow.commit()
    return AlertEntry(alert, review, owner)


def _add_first(uow: UnitOfWork, flagged: BreachReview, reason: str) -> None:
    """Store a new alert's first review; a reviewer who stored it first is a conflict."""
    try:
        uow.breach_reviews.add(flagged, reason=reason)
    except ConstraintViolationError:  # a duplicate key: another reviewer acted first
        raise ConcurrencyConflictError("breach_review", flagged.review_id, 0, None) from None


def assign_alert(
    store: Store,
    alert_id: str,
    *,
    to: str,
    at: _dt.datetime,
    actor: Actor,
    expected_revision: int | None = None,
    reason: str = "alert assigned",
) -> AlertEntry:
    """Assign an alert to a named officer (or re-assign it), audited.

    Args:
        store: where the alert and its review are kept.
        alert_id: the stored alert.
        to: the officer it is assigned to.
        at: when.
        actor: the person assigning it (software may not: SPA2019 s.8(1)).
        expected_revision: the revision the person saw (``AlertEntry.revision``).
        reason: why, for the audit trail.

    Returns:
        The alert with its review after the assignment.

    Raises:
        InvalidValueError: ``to`` is blank, naming the value (nothing changes).
        NotFoundError: no alert is stored under ``alert_id``.
        ConcurrencyConflictError: the review is no longer at ``expected_revision``.
        IllegalTransitionError: the alert is decided.
        GuardRejectedError: ``actor`` is software.
    """
    assignee = _named("assignee", to)
    when, who = ensure_aware(at, field="at"), _who(actor)

    def steps(review: BreachReview) -> list[Step]:
        return [lambda r: assign_review(r, at=when, actor=who, assignee=assignee)]

    return _act(
        store, alert_id, steps, action="assign_alert", at=when, actor=actor,
        expected_revision=expected_revision, reason=reason,
    )  # fmt: skip


def start_alert_review(
    store: Store,
    alert_id: str,
    *,
    at: _dt.datetime,
    actor: Actor,
    expected_revision: int | None = None,
    reason: str = "review started",
) -> AlertEntry:
    """A person starts reviewing an alert (the MoJ "first action"), audited.

    Raises:
        NotFoundError: no alert is stored under ``alert_id``.
        ConcurrencyConflictError: the review is no longer at ``expected_revision``.
        IllegalTransitionError: the review is already started or decided.
        GuardRejectedError: ``actor`` is software.
    """
    who = _who(actor)
    when = ensure_aware(at, field="at")

    def steps(review: BreachReview) -> list[Step]:
        return [lambda r: start_review(r, at=when, actor=who)]

    return _act(
        store, alert_id, steps, action="start_alert_review", at=when, actor=actor,
        expected_revision=expected_revision, reason=reason,
    )  # fmt: skip


def _outcome(value: object) -> ReviewOutcome:
    if isinstance(value, ReviewOutcome):
        return value
    try:
        return ReviewOutcome(str(value).strip().replace("-", "_").casefold())
    except ValueError:
        raise UnknownCodeError("outcome", value, [o.value for o in ReviewOutcome]) from None


def _decision(
    outcome: ReviewOutcome,
    *,
    at: pendulum.DateTime,
    who: str,
    reason: str,
    duplicate_of: str | None,
    referral_reference: str | None,
) -> Step:
    """The lifecycle step that records ``outcome``."""
    if outcome is ReviewOutcome.REFERRED:
        return lambda r: confirm_and_refer(
            r, at=at, actor=who, referral_reference=referral_reference, note=reason
        )
    if outcome is ReviewOutcome.WARNING:
        return lambda r: give_warning(r, at=at, actor=who, note=reason)
    why = {
        ReviewOutcome.NO_FURTHER_ACTION: DismissalReason.NO_FURTHER_ACTION,
        ReviewOutcome.NOT_A_BREACH: DismissalReason.NO_BREACH,
        ReviewOutcome.DUPLICATE: DismissalReason.DUPLICATE,
    }[outcome]
    return lambda r: dismiss(
        r, at=at, actor=who, reason=why, note=reason, duplicate_of=duplicate_of
    )


def _check_reason(outcome: ReviewOutcome, reason: str, duplicate_of: str | None) -> None:
    if outcome in _NEEDS_REASON and not reason.strip():
        raise InvalidValueError(
            "reason", reason, f"outcome {outcome.value!r} needs a reason saying why"
        )
    if outcome is ReviewOutcome.DUPLICATE and not (duplicate_of or "").strip():
        raise InvalidValueError(
            "duplicate_of", duplicate_of, "outcome 'duplicate' needs the alert it duplicates"
        )


def review_alert(
    store: Store,
    alert_id: str,
    *,
    outcome: ReviewOutcome | str,
    at: _dt.datetime,
    actor: Actor,
    reason: str = "",
    duplicate_of: str | None = None,
    referral_reference: str | None = None,
    expected_revision: int | None = None,
) -> AlertEntry:
    """Record a person's decision on an alert (SPA2019 s.8(1)), audited.

    A new or assigned alert's review is started and decided in the same unit of
    work (the start is the first action, at the same instant). Outcomes:
    ``referred`` (for a charging decision), ``warning`` (a warning or words of
    advice), ``no_further_action`` and ``not_a_breach`` (each with a
    ``reason``), ``duplicate`` (with ``duplicate_of``, another stored alert).

    Returns:
        The alert with its decided review.

    Raises:
        UnknownCodeError: ``outcome`` is not one of the five, naming it.
        InvalidValueError: a required reason or ``duplicate_of`` is missing, or
            ``duplicate_of`` names this alert (nothing changes).
        NotFoundError: no alert is stored under ``alert_id`` or ``duplicate_of``.
        ConcurrencyConflictError: the review is no longer at ``expected_revision``.
        IllegalTransitionError: the alert is decided already.
        GuardRejectedError: ``actor`` is software, or the reason does not fit.
    """
    decided = _outcome(outcome)
    text = reason if isinstance(reason, str) else ""
    _check_reason(decided, text, duplicate_of)
    when, who = ensure_aware(at, field="at"), _who(actor)
    if decided is ReviewOutcome.DUPLICATE:
        _check_duplicate(store, alert_id, str(duplicate_of).strip(), when, actor)
    step = _decision(
        decided, at=when, who=who, reason=text.strip(),
        duplicate_of=None if duplicate_of is None else duplicate_of.strip(),
        referral_reference=referral_reference,
    )  # fmt: skip

    def steps(review: BreachReview) -> list[Step]:
        if review.state is ReviewState.UNDER_REVIEW:
            return [step]
        return [lambda r: start_review(r, at=when, actor=who), step]

    return _act(
        store, alert_id, steps, action="review_alert", at=when, actor=actor,
        expected_revision=expected_revision, reason=f"review outcome: {decided.value}",
    )  # fmt: skip


def _check_duplicate(
    store: Store, alert_id: str, other: str, at: pendulum.DateTime, actor: Actor
) -> None:
    if other == alert_id:
        raise InvalidValueError("duplicate_of", other, "an alert cannot duplicate itself")
    with store.unit_of_work(actor, at=at) as uow:
        if not uow.alerts.exists(other):
            raise NotFoundError("alert", other)


# -- re-detection ------------------------------------------------------------------------


def reopen_reviews(
    uow: UnitOfWork, alert_ids: Iterable[str], *, at: _dt.datetime, reason: str = ""
) -> tuple[str, ...]:
    """Re-open the decided reviews of alerts that gained evidence, in ``uow`` (not committed).

    A detection run calls this for the alerts whose evidence grew. A decided
    review stays as it is; a new FLAGGED round naming it is stored. An alert
    with no review, or one still open, is left alone: its review goes on.

    Returns:
        The ids of the new rounds.

    Raises:
        PermissionDeniedError: the unit of work's actor may not reopen reviews.
    """
    uow.authorise("reopen_reviews")
    when = ensure_aware(at, field="at")
    wanted = list(alert_ids)
    # One lookup per 500 alerts for a first round: most alerts a run updates have no review.
    reviewed = uow.breach_reviews.get_many(review_id_for(k) for k in wanted)
    opened = []
    for alert_id in wanted:
        if review_id_for(alert_id) not in reviewed:
            continue
        rounds = uow.breach_reviews.for_alert(alert_id)
        if rounds and rounds[-1].decided:
            fresh = reopen_review(rounds[-1], at=when)
            uow.breach_reviews.add(fresh, reason=reason or "new evidence on a decided alert")
            opened.append(fresh.review_id)
    return tuple(opened)
