"""Officers work through alerts: case ownership, the review of every stored alert, the queue.

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
"""

from __future__ import annotations

import datetime as _dt
import enum
from collections.abc import Callable, Iterable, Sequence
from typing import Final

import attrs
import pendulum

from spo_tracker.domain.alerts import Alert, AlertKind, Severity, sort_alerts
from spo_tracker.domain.incidents import Incident
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
from spo_tracker.domain.people import Defendant
from spo_tracker.domain.permissions import Role
from spo_tracker.domain.statemachine import Fired
from spo_tracker.domain.statutory_time import ensure_aware, instant_before
from spo_tracker.errors import (
    ConcurrencyConflictError,
    ConstraintViolationError,
    InvalidValueError,
    NotFoundError,
    UnknownCodeError,
)
from spo_tracker.storage import Actor, Store, UnitOfWork

__all__ = [
    "AlertDetail",
    "AlertEntry",
    "EvidenceItem",
    "ReviewOutcome",
    "Timeliness",
    "alert_detail",
    "assign_alert",
    "assign_case",
    "attribution",
    "decided_alert_ids",
    "list_alerts",
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

#: The ``status`` filter's words beside the review states.
OPEN: Final = "open"
DECIDED: Final = "decided"
ANY: Final = "all"


@attrs.frozen
class Timeliness:
    """The MoJ electronic-monitoring timeliness chain of one alert (London or UTC instants).

    Attributes:
        breach_time: when the suspected breach began (the alert's).
        identified_at: when it became known (the alert's).
        assigned_at: when it was last assigned to an officer.
        first_action_at: when a person first acted on it (the review started, or the
            decision if it was decided without a separate start).
        decided_at: when it was decided.
    """

    breach_time: pendulum.DateTime | None
    identified_at: pendulum.DateTime
    assigned_at: pendulum.DateTime | None
    first_action_at: pendulum.DateTime | None
    decided_at: pendulum.DateTime | None


@attrs.frozen
class AlertEntry:
    """One stored alert with its current review and the case owner of its order.

    Attributes:
        alert: the alert as stored.
        review: its latest review round, or ``None`` while no person has acted on it.
        owner: who manages its order's case, if recorded.
    """

    alert: Alert
    review: BreachReview | None = None
    owner: CaseOwner | None = None

    @property
    def status(self) -> ReviewState:
        """The review's state; FLAGGED (new) while there is no stored review."""
        return ReviewState.FLAGGED if self.review is None else self.review.state

    @property
    def decided(self) -> bool:
        """Whether the current round has its outcome."""
        return self.review is not None and self.review.decided

    @property
    def revision(self) -> int:
        """The revision a reviewer acts on (``expected_revision``): 0 while new."""
        return 0 if self.review is None else self.review.revision

    @property
    def timeliness(self) -> Timeliness:
        """Breach time, identified, assigned, first action and decision."""
        r = self.review
        first = None if r is None else (r.review_started_at or r.decided_at)
        return Timeliness(
            self.alert.breach_time,
            self.alert.identified_at,
            None if r is None else r.assigned_at,
            first,
            None if r is None else r.decided_at,
        )


@attrs.frozen
class EvidenceItem:
    """One incident an alert rests on, and how it was attributed to the defendant.

    Attributes:
        incident: the incident as stored.
        attribution: plain English, e.g. ``identity handle:x:someone linked to D-1 on
            2026-03-17 (London), source officer``.
    """

    incident: Incident
    attribution: str


@attrs.frozen
class AlertDetail:
    """An alert with every review round and its evidence (``spo-tracker alerts show``).

    Attributes:
        entry: the alert, its current review and case owner.
        rounds: every review round, first first (empty while new).
        evidence: the evidence incidents in the order they happened, with attribution.
    """

    entry: AlertEntry
    rounds: tuple[BreachReview, ...]
    evidence: tuple[EvidenceItem, ...]


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
        alert = uow.alerts.get(alert_id)
        uow.authorise(action, orders=_orders(alert))
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
        owner = _owner(uow, alert)
        uow.commit()
    return AlertEntry(alert, review, owner)


def _add_first(uow: UnitOfWork, flagged: BreachReview, reason: str) -> None:
    """Store a new alert's first review; a reviewer who stored it first is a conflict."""
    try:
        uow.breach_reviews.add(flagged, reason=reason)
    except ConstraintViolationError:  # a duplicate key: another reviewer acted first
        raise ConcurrencyConflictError("breach_review", flagged.review_id, 0, None) from None


def _orders(alert: Alert) -> tuple[str, ...]:
    """The order whose case an alert belongs to (none: any officer may act on it)."""
    return () if alert.order_id is None else (alert.order_id,)


def _owner(uow: UnitOfWork, alert: Alert) -> CaseOwner | None:
    if alert.order_id is None:
        return None
    return uow.case_owners.get_many([alert.order_id]).get(alert.order_id)


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


# -- the queue ---------------------------------------------------------------------------


def _status_filter(value: str) -> Callable[[AlertEntry], bool]:
    word = value.strip().casefold().replace("-", "_")
    if word == OPEN:
        return lambda e: not e.decided
    if word == DECIDED:
        return lambda e: e.decided
    if word == ANY:
        return lambda e: True
    if word == "new":
        word = ReviewState.FLAGGED.value
    try:
        state = ReviewState(word)
    except ValueError:
        known = [OPEN, DECIDED, ANY, "new", *(s.value for s in ReviewState)]
        raise UnknownCodeError("status", value, known) from None
    return lambda e: e.status is state


def _codes(field: str, values: str | Iterable[str] | None, enum_type: type[enum.Enum]) -> set[str]:
    if values is None:
        return set()
    items = [values] if isinstance(values, str) else list(values)
    known = [m.value for m in enum_type]
    for item in items:
        if item not in known:
            raise UnknownCodeError(field, item, known)
    return set(items)


def _within(alert: Alert, since: pendulum.DateTime | None, until: pendulum.DateTime | None) -> bool:
    """Identified at or after ``since`` and before ``until`` (instants, not wall clocks)."""
    if since is not None and instant_before(alert.identified_at, since):
        return False
    return until is None or instant_before(alert.identified_at, until)


def _entries(uow: UnitOfWork) -> list[AlertEntry]:
    """Every stored alert with its latest review round and case owner."""
    alerts = uow.alerts.get_many(uow.alerts.ids())
    latest = _latest(uow.breach_reviews.get_many(uow.breach_reviews.ids()).values())
    owners = uow.case_owners.get_many(uow.case_owners.ids())
    return [
        AlertEntry(a, latest.get(k), None if a.order_id is None else owners.get(a.order_id))
        for k, a in alerts.items()
    ]


def decided_alert_ids(store: Store, *, actor: Actor, at: _dt.datetime) -> frozenset[str]:
    """The ids of the alerts whose current review round is decided (reports leave them out
    by default)."""
    with store.unit_of_work(actor, at=ensure_aware(at, field="at")) as uow:
        uow.authorise("decided_alert_ids")
        return decided_in(uow)


def decided_in(uow: UnitOfWork) -> frozenset[str]:
    """:func:`decided_alert_ids` in ``uow``, unchecked (a report's own action was)."""
    latest = _latest(uow.breach_reviews.get_many(uow.breach_reviews.ids()).values())
    return frozenset(k for k, r in latest.items() if r.decided)


def _latest(reviews: Iterable[BreachReview]) -> dict[str, BreachReview]:
    """Each alert's latest review round, by alert id."""
    latest: dict[str, BreachReview] = {}
    for review in reviews:
        held = latest.get(review.alert_id)
        if held is None or held.round < review.round:
            latest[review.alert_id] = review
    return latest


def list_alerts(
    store: Store,
    *,
    actor: Actor,
    at: _dt.datetime,
    status: str = OPEN,
    officer: str | None = None,
    unit: str | None = None,
    force: str | None = None,
    defendant: str | None = None,
    severity: str | Iterable[str] | None = None,
    kind: str | Iterable[str] | None = None,
    since: _dt.datetime | None = None,
    until: _dt.datetime | None = None,
) -> tuple[AlertEntry, ...]:
    """The stored alerts an officer's queue shows: most severe first, then earliest.

    Only alerts identified by ``at`` are listed. Filters combine (all must hold);
    officer, unit and force are those of the alert's order's case owner.

    Args:
        store: the store to read.
        actor: who is reading, for the unit of work.
        at: list as of this instant.
        status: ``open`` (not decided; the default), ``decided``, ``all``, ``new``, or
            a review state (``assigned``, ``under_review``, ``dismissed``...).
        officer, unit, force: the case owner's.
        defendant: the defendant's id.
        severity, kind: one code or several (any of them).
        since, until: identified at or after ``since`` and before ``until``.

    Returns:
        The matching alerts with their reviews and case owners.

    Raises:
        UnknownCodeError: an unknown status, severity or kind, naming it.
        NaiveDatetimeError: ``at``, ``since`` or ``until`` has no time zone.
    """
    when = ensure_aware(at, field="at")
    start = None if since is None else ensure_aware(since, field="since")
    end = None if until is None else ensure_aware(until, field="until")
    keep_status = _status_filter(status)
    severities = _codes("severity", severity, Severity)
    kinds = _codes("kind", kind, AlertKind)
    with store.unit_of_work(actor, at=when) as uow:
        uow.authorise("list_alerts")
        entries = _entries(uow)

    def keep(e: AlertEntry) -> bool:
        a, o = e.alert, e.owner
        return (
            not instant_before(when, a.identified_at)
            and keep_status(e)
            and _within(a, start, end)
            and (defendant is None or a.defendant_id == defendant)
            and (not severities or a.severity.value in severities)
            and (not kinds or a.kind.value in kinds)
            and (officer is None or (o is not None and o.officer == officer))
            and (unit is None or (o is not None and o.unit == unit))
            and (force is None or (o is not None and o.force == force))
        )

    kept = {e.alert.alert_id: e for e in entries if keep(e)}
    return tuple(kept[a.alert_id] for a in sort_alerts(e.alert for e in kept.values()))


def alert_detail(store: Store, alert_id: str, *, actor: Actor, at: _dt.datetime) -> AlertDetail:
    """One alert with every review round and its evidence, each incident's attribution said.

    Raises:
        NotFoundError: no alert is stored under ``alert_id``.
        NaiveDatetimeError: ``at`` has no time zone.
    """
    when = ensure_aware(at, field="at")
    with store.unit_of_work(actor, at=when) as uow:
        uow.authorise("alert_detail")
        alert = uow.alerts.get(alert_id)
        uow.authorise("alert_detail", orders=_orders(alert))
        rounds = tuple(uow.breach_reviews.for_alert(alert_id))
        owner = _owner(uow, alert)
        found = uow.find_incidents(list(alert.evidence_ids)) if alert.evidence_ids else {}
        defendant = uow.defendants.get_many([alert.defendant_id]).get(alert.defendant_id)
        # The detail shows these people by id: one consultation entry (DPA 2018 s.62(1)(c)).
        targets = {i.target_person_id for i in found.values() if i.target_person_id}
        uow.consulted(
            defendants=[alert.defendant_id],
            protected_persons=[*alert.protected_person_ids, *targets],
        )
    evidence = tuple(
        EvidenceItem(found[k], attribution(found[k], defendant)) for k in alert.evidence_ids
        if k in found
    )  # fmt: skip
    entry = AlertEntry(alert, rounds[-1] if rounds else None, owner)
    return AlertDetail(entry, rounds, evidence)


def attribution(incident: Incident, defendant: Defendant | None) -> str:
    """How ``incident`` was attributed to ``defendant``, in plain English (London dates)."""
    if incident.defendant_id is not None:
        return f"attributed directly to {incident.defendant_id} on the incident record"
    if incident.actor is None:
        return "not attributed (no acting identity)"
    key = incident.actor.key
    links = [] if defendant is None else defendant.identities
    link = next((li for li in links if li.identity.key == key), None)
    if defendant is None or link is None:
        return f"identity {key} (not linked to the defendant)"
    day = link.linked_at.in_timezone("Europe/London").format("ddd D MMM YYYY")
    who = defendant.defendant_id
    return f"identity {key} linked to {who} on {day} (London), source {link.source}"
