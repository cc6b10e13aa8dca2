"""Retention review and disposal of cases (MoPI): what is due, and the decisions.

A case is a defendant with their records (see :mod:`spo_tracker.domain.retention`);
its id is the defendant's id. :func:`retention_due` lists the cases whose next
review day has come; :func:`review_retention` records a decision to retain
(with the next review day) or to dispose, and a disposal erases the case's
personal data in the same transaction, refused while an order is live or an
alert is open. Each is one audited unit of work.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
from collections.abc import Iterable, Sequence

import attrs
import pendulum

from spo_tracker.domain.incidents import Incident
from spo_tracker.domain.orders import Order
from spo_tracker.domain.retention import (
    DEFAULT_SCHEDULE,
    RetentionCategory,
    RetentionDecision,
    RetentionReview,
    RetentionSchedule,
    case_clear_day,
    next_review_day,
    retention_decision,
)
from spo_tracker.domain.statutory_time import as_london_date, ensure_aware
from spo_tracker.errors import RetentionReasonMissingError, RetentionRefusedError
from spo_tracker.storage import (
    Actor,
    Store,
    UnitOfWork,
    erase_defendant,
    erase_incident,
    erase_protected_person,
    purge_erased_bytes,
)

__all__ = ["CaseRetention", "RetentionOutcome", "retention_due", "review_retention"]


@attrs.frozen
class CaseRetention:
    """Where a case stands for retention review.

    Attributes:
        case_id: the case (its defendant's id).
        category: its retention category.
        clear_day: the London day of its last event (order end, incident, review), if any.
        next_review: the day it is due for review; ``None`` while an order is live (it
            is reviewed once retired at expiry), when it has no event, or once disposed of.
        live_orders: the ids of its orders in force (they block disposal).
        open_alerts: the ids of its alerts not yet decided (they block disposal).
        last_decision: its last retention decision, if any.
    """

    case_id: str
    category: RetentionCategory
    clear_day: pendulum.Date | None
    next_review: pendulum.Date | None
    live_orders: tuple[str, ...]
    open_alerts: tuple[str, ...]
    last_decision: RetentionReview | None

    @property
    def disposed(self) -> bool:
        """Whether the case was disposed of."""
        last = self.last_decision
        return last is not None and last.decision is RetentionDecision.DISPOSE

    def due_on(self, day: _dt.date) -> bool:
        """Whether the case is due for review on ``day``."""
        return self.next_review is not None and self.next_review <= day


@attrs.frozen
class RetentionOutcome:
    """What :func:`review_retention` recorded.

    Attributes:
        review: the decision as stored.
        erased: for a disposal, how many records had personal data erased, by kind.
        purged: the SQLite write-ahead log was checkpointed and truncated (always
            ``True`` on other stores; ``False``: a reader held it: call
            :func:`~spo_tracker.storage.purge_erased_bytes` again, or run
            ``spo-tracker retention purge``).
    """

    review: RetentionReview
    erased: dict[str, int] = attrs.field(factory=dict)
    purged: bool = True


def _due_order(case: CaseRetention) -> tuple[pendulum.Date | None, str]:
    return case.next_review, case.case_id


def retention_due(
    store: Store,
    *,
    at: _dt.datetime,
    actor: Actor,
    schedule: RetentionSchedule = DEFAULT_SCHEDULE,
) -> tuple[CaseRetention, ...]:
    """The cases due for retention review on the London day of ``at``, earliest due first.

    A case is due when its next review day (its category's review period after
    its clear day, MoPI) is on or before that day; a case with a live order, or
    already disposed of, is never due. The listing is noted in the audit trail.
    """
    at = ensure_aware(at, field="at")
    today = as_london_date(at)
    with store.unit_of_work(actor, at=at) as uow:
        cases = [_standing(uow, key, schedule) for key in uow.defendants.ids()]
        due = sorted(
            (c for c in cases if c.due_on(today)), key=lambda c: (c.next_review, c.case_id)
        )
        uow.note(
            "retention.due_listed",
            "retention",
            "due",
            changes={"day": today.isoformat(), "cases": [c.case_id for c in due]},
            reason=actor.purpose or "",
        )
        uow.commit()
    return tuple(due)


def review_retention(
    store: Store,
    case_id: str,
    *,
    decision: RetentionDecision | str,
    reason: str,
    at: _dt.datetime,
    actor: Actor,
    schedule: RetentionSchedule = DEFAULT_SCHEDULE,
) -> RetentionOutcome:
    """Record a retention decision on a case; a disposal erases its personal data with it.

    To retain records the decision, its reason and the next review day (the
    category's review period from the day of the decision). To dispose erases,
    in the same transaction, the personal data of the defendant, of the case's
    incidents and of the protected persons no other live case protects (see
    :func:`~spo_tracker.storage.erase_protected_person`), each as an audited change,
    and then purges the erased bytes from a SQLite store's files.

    Raises:
        RetentionReasonMissingError: ``reason`` is blank.
        InvalidValueError: ``decision`` is neither ``retain`` nor ``dispose``.
        NotFoundError: no case (defendant) ``case_id``.
        RetentionRefusedError: a disposal while an order of the case is live or one of
            its alerts is open, or of a case already disposed of (nothing changes).
    """
    if not isinstance(reason, str) or not reason.strip():
        raise RetentionReasonMissingError(reason)
    chosen = retention_decision(decision)
    at = ensure_aware(at, field="at")
    with store.unit_of_work(actor, at=at) as uow:
        standing = _standing(uow, case_id, schedule)
        if standing.disposed:
            raise RetentionRefusedError(case_id, "it was already disposed of")
        review = _review(standing, chosen, reason, at, actor)
        erased: dict[str, int] = {}
        if chosen is RetentionDecision.DISPOSE:
            _refuse_disposal(standing)
            erased = _dispose(uow, case_id, reason)
        uow.retention_reviews.add(review, reason=reason)
        uow.commit()
    purged = purge_erased_bytes(store) if erased else True
    return RetentionOutcome(review, erased, purged)


def _review(
    standing: CaseRetention,
    decision: RetentionDecision,
    reason: str,
    at: pendulum.DateTime,
    actor: Actor,
) -> RetentionReview:
    case_id = standing.case_id
    number = 1 if standing.last_decision is None else _number(standing.last_decision) + 1
    digest = hashlib.sha256(case_id.encode()).hexdigest()[:16]
    retained = decision is RetentionDecision.RETAIN
    return RetentionReview(
        review_id=f"RR-{digest}-{number}",
        case_id=case_id,
        decision=decision,
        reason=reason,
        category=standing.category.code,
        decided_at=at,
        decided_by=actor.actor_id,
        role=actor.role,
        next_review=next_review_day(as_london_date(at), standing.category) if retained else None,
    )


def _number(review: RetentionReview) -> int:
    return int(review.review_id.rsplit("-", 1)[1])


def _refuse_disposal(standing: CaseRetention) -> None:
    """MoPI disposal only of retired records: not while an order is in force (SPA2019 s.1,
    an order lasts its period) or an alert of a suspected breach is undecided (s.8)."""
    if standing.live_orders:
        live = ", ".join(standing.live_orders)
        raise RetentionRefusedError(standing.case_id, f"order(s) {live} still live")
    if standing.open_alerts:
        shown = ", ".join(standing.open_alerts[:5])
        more = len(standing.open_alerts) - 5
        tail = f" and {more} more" if more > 0 else ""
        raise RetentionRefusedError(standing.case_id, f"alert(s) {shown}{tail} still open")


def _standing(uow: UnitOfWork, case_id: str, schedule: RetentionSchedule) -> CaseRetention:
    """A case's retention standing, read in ``uow``.

    Raises:
        NotFoundError: no defendant ``case_id``.
    """
    uow.defendants.revision(case_id)  # NotFoundError for an unknown case
    orders = list(uow.orders.get_many(uow.orders.ids_where("defendant_id", case_id)).values())
    incidents = _incidents(uow, case_id, orders)
    reviews = uow.retention_reviews.get_many(uow.retention_reviews.ids_where("case_id", case_id))
    last = max(reviews.values(), key=lambda r: (r.decided_at, _number(r)), default=None)
    live = tuple(sorted(o.order_id for o in orders if o.state.live))
    category = schedule.category_of(case_id)
    clear = case_clear_day(
        order_end_days=[_end_day(o) for o in orders],
        incident_times=[i.occurred_at for i in incidents.values()],
        last_review_at=None if last is None else last.decided_at,
    )
    blocked = live or (last is not None and last.decision is RetentionDecision.DISPOSE)
    due = None if blocked or clear is None else next_review_day(clear, category)
    if last is not None and last.next_review is not None and due is not None:
        due = max(due, last.next_review)
    return CaseRetention(case_id, category, clear, due, live, _open_alerts(uow, case_id), last)


def _end_day(order: Order) -> pendulum.Date | None:
    """The last day of an order: the day it ended, else the last day of its period."""
    if order.ended_at is not None:
        return as_london_date(order.ended_at)
    period = order.period
    return None if period is None else period.last_day


def _incidents(uow: UnitOfWork, case_id: str, orders: Sequence[Order]) -> dict[str, Incident]:
    """The case's incidents: those attributed to the defendant, and those aimed at a
    person their orders protect that name no defendant."""
    keys = set(uow.incidents.ids_where("defendant_id", case_id))
    for person in _persons(orders):
        keys.update(uow.incidents.ids_where("target_person_id", person))
    found = uow.incidents.get_many(sorted(keys))
    return {k: i for k, i in found.items() if i.defendant_id is None or i.defendant_id == case_id}


def _persons(orders: Iterable[Order]) -> list[str]:
    return sorted({p for o in orders for p in o.protected_person_ids})


def _open_alerts(uow: UnitOfWork, case_id: str) -> tuple[str, ...]:
    """The case's alerts whose latest review round is not decided (or that have none)."""
    still_open = []
    for alert_id in uow.alerts.ids_where("defendant_id", case_id):
        rounds = uow.breach_reviews.for_alert(alert_id)
        if not rounds or not max(rounds, key=lambda r: r.round).decided:
            still_open.append(alert_id)
    return tuple(sorted(still_open))


def _dispose(uow: UnitOfWork, case_id: str, reason: str) -> dict[str, int]:
    """Erase the case's personal data in ``uow``; how many records, by kind."""
    orders = list(uow.orders.get_many(uow.orders.ids_where("defendant_id", case_id)).values())
    incidents = _incidents(uow, case_id, orders)
    erase_defendant(uow, case_id, reason=reason)
    for key in sorted(incidents):
        erase_incident(uow, key, reason=reason)
    persons = [p for p in _persons(orders) if not _protected_elsewhere(uow, p, case_id)]
    for person in persons:
        erase_protected_person(uow, person, reason=reason)
    return {"defendant": 1, "incident": len(incidents), "protected_person": len(persons)}


def _protected_elsewhere(uow: UnitOfWork, person_id: str, case_id: str) -> bool:
    """Whether another defendant's case, not disposed of, also names this person: their
    details are still needed there (documented: a shared person is kept)."""
    for order in uow.orders.get_many(uow.orders.ids()).values():
        if order.defendant_id != case_id and person_id in order.protected_person_ids:
            disposed = _last_decision(uow, order.defendant_id)
            if disposed is None or disposed.decision is not RetentionDecision.DISPOSE:
                return True
    return False


def _last_decision(uow: UnitOfWork, case_id: str) -> RetentionReview | None:
    reviews = uow.retention_reviews.get_many(uow.retention_reviews.ids_where("case_id", case_id))
    return max(reviews.values(), key=lambda r: (r.decided_at, _number(r)), default=None)
