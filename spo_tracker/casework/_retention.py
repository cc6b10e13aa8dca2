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
import re
from collections.abc import Iterable

import attrs
import pendulum

from spo_tracker.domain.incidents import Incident
from spo_tracker.domain.lifecycles.application import Application, ApplicationState
from spo_tracker.domain.orders import Order
from spo_tracker.domain.people import Defendant, ProtectedPerson
from spo_tracker.domain.retention import (
    DEFAULT_SCHEDULE,
    RetentionCategory,
    RetentionDecision,
    RetentionReview,
    RetentionSchedule,
    blank_reason,
    case_clear_day,
    next_review_day,
    retention_decision,
)
from spo_tracker.domain.statutory_time import as_london_date, ensure_aware
from spo_tracker.domain.textfold import compact
from spo_tracker.errors import (
    RetentionReasonMissingError,
    RetentionReasonNamesPersonError,
    RetentionRefusedError,
)
from spo_tracker.storage import (
    DISPOSED_NAME,
    Actor,
    Store,
    UnitOfWork,
    erase_defendant,
    erase_incident,
    erase_notification_duty,
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
            is reviewed once retired at expiry) or an application or appeal is pending,
            when it has no event, or once disposed of (unless it holds data stored since:
            then the day of the disposal, so it is due again at once).
        live_orders: the ids of its orders in force (they block disposal).
        open_alerts: the ids of its alerts not yet decided (they block disposal).
        last_decision: its last retention decision (by number), if any.
        pending: its applications not yet determined and its ended orders with an
            appeal pending (they block disposal).
        data_since_disposal: it was disposed of and holds personal data again (stored
            since, or racing the disposal): it is due again and may be disposed of again.
    """

    case_id: str
    category: RetentionCategory
    clear_day: pendulum.Date | None
    next_review: pendulum.Date | None
    live_orders: tuple[str, ...]
    open_alerts: tuple[str, ...]
    last_decision: RetentionReview | None
    pending: tuple[str, ...] = ()
    data_since_disposal: bool = False

    @property
    def disposed(self) -> bool:
        """Whether the case's last decision was to dispose of it."""
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
    its clear day, MoPI) is on or before that day; a case with a live order, an
    application or appeal pending, or disposed of (and holding nothing since) is
    never due. The listing is noted in the audit trail.
    """
    at = ensure_aware(at, field="at")
    today = as_london_date(at)
    with store.unit_of_work(actor, at=at) as uow:
        uow.authorise("retention_due")
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
    in the same transaction, the personal data of the defendant, of their
    notification duties, of the case's incidents and of the protected persons no
    other case still needs (see :func:`~spo_tracker.storage.erase_protected_person`),
    each as an audited change, and then purges the erased bytes from a SQLite
    store's files. Decisions are numbered in the order they are recorded.

    The case's defendant record, and then its protected persons' records, are locked
    for the transaction (PostgreSQL ``FOR UPDATE``), so two decisions on one case, or
    two disposals of cases sharing a protected person, run one after the other.

    Raises:
        RetentionReasonMissingError: ``reason`` is blank (invisible characters count
            as blank).
        RetentionReasonNamesPersonError: ``reason`` holds a name, address line or
            postcode of the case's defendant or protected persons (not quoted).
        InvalidValueError: ``decision`` is neither ``retain`` nor ``dispose``.
        NotFoundError: no case (defendant) ``case_id``.
        RetentionRefusedError: ``at`` is before the case's last decision; a disposal
            while an order of the case is live, an alert open, an application
            undetermined or an ended order under appeal; a decision on a case disposed
            of that holds no data since (nothing changes).
    """
    if blank_reason(reason):
        raise RetentionReasonMissingError(reason)
    chosen = retention_decision(decision)
    at = ensure_aware(at, field="at")
    with store.unit_of_work(actor, at=at) as uow:
        uow.authorise("review_retention")
        uow.defendants.lock(case_id)  # NotFoundError for an unknown case
        standing = _standing(uow, case_id, schedule)
        last = standing.last_decision
        if standing.disposed and not standing.data_since_disposal:
            raise RetentionRefusedError(case_id, "it was already disposed of")
        if last is not None and at < last.decided_at:
            raise RetentionRefusedError(
                case_id,
                f"it is dated {at.isoformat()}, before the case's last decision "
                f"{last.review_id} of {last.decided_at.isoformat()}",
            )
        if chosen is RetentionDecision.DISPOSE:
            _refuse_disposal(standing)
        plan = _plan(uow, case_id)
        _check_reason(case_id, reason, plan)
        review = _review(standing, chosen, reason, at, actor)
        erased = _dispose(uow, plan, reason) if chosen is RetentionDecision.DISPOSE else {}
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
    an order lasts its period), an alert of a suspected breach is undecided (s.8), an
    application is before the court (s.1, s.5 interim) or an appeal is pending (s.7)."""
    if standing.live_orders:
        live = ", ".join(standing.live_orders)
        raise RetentionRefusedError(standing.case_id, f"order(s) {live} still live")
    if standing.pending:
        pending = ", ".join(standing.pending)
        raise RetentionRefusedError(
            standing.case_id,
            f"application(s) or appeal(s) {pending} still pending (SPA2019 s.1, s.5, s.7)",
        )
    if standing.open_alerts:
        shown = ", ".join(standing.open_alerts[:5])
        more = len(standing.open_alerts) - 5
        tail = f" and {more} more" if more > 0 else ""
        raise RetentionRefusedError(standing.case_id, f"alert(s) {shown}{tail} still open")


#: Application states the court has not finished with (SPA2019 s.1 complaint, s.5
#: interim, s.7 appeal against a refusal); a draft is work in hand too.
_UNDETERMINED: frozenset[ApplicationState] = frozenset(
    {
        ApplicationState.DRAFT,
        ApplicationState.LAID,
        ApplicationState.INTERIM_APPLIED,
        ApplicationState.REFUSAL_APPEALED,
    }
)


def _standing(uow: UnitOfWork, case_id: str, schedule: RetentionSchedule) -> CaseRetention:
    """A case's retention standing, read in ``uow``.

    Raises:
        NotFoundError: no defendant ``case_id``.
    """
    uow.defendants.revision(case_id)  # NotFoundError for an unknown case
    orders = _orders(uow, case_id)
    apps = _applications(uow, case_id)
    incidents = _incidents(uow, case_id, _persons(orders, apps), _identities(uow, case_id))
    last = _last_decision(uow, case_id)
    live = tuple(sorted(o.order_id for o in orders if o.state.live))
    pending = sorted(a.application_id for a in apps if a.state in _UNDETERMINED)
    pending += sorted(o.order_id for o in orders if not o.state.live and o.appeal_pending)
    category = schedule.category_of(case_id)
    clear = case_clear_day(
        order_end_days=[_end_day(o) for o in orders],
        incident_times=[i.occurred_at for i in incidents.values()],
        last_review_at=None if last is None else last.decided_at,
        decided_times=[t for a in apps for t in (a.determined_at, a.withdrawn_at) if t],
    )
    disposed = last is not None and last.decision is RetentionDecision.DISPOSE
    since = disposed and _holds_personal_data(uow, case_id)
    due = None if live or pending or clear is None else next_review_day(clear, category)
    if last is not None and last.next_review is not None and due is not None:
        due = max(due, last.next_review)
    if disposed and last is not None:
        due = as_london_date(last.decided_at) if since and due is not None else None
    return CaseRetention(
        case_id,
        category,
        clear,
        due,
        live,
        _open_alerts(uow, case_id),
        last,
        tuple(pending),
        since,
    )


def _orders(uow: UnitOfWork, case_id: str) -> list[Order]:
    return list(uow.orders.get_many(uow.orders.ids_where("defendant_id", case_id)).values())


def _applications(uow: UnitOfWork, case_id: str) -> list[Application]:
    found = uow.applications.get_many(uow.applications.ids_where("defendant_id", case_id))
    return list(found.values())


def _identities(uow: UnitOfWork, case_id: str) -> list[str]:
    """The keys of the identities linked to the defendant and to no other defendant."""
    defendant = uow.defendants.get(case_id)
    keys = sorted({link.identity.key for link in defendant.identities})
    return [k for k in keys if uow.defendants.find_by_identity(k) == [case_id]]


def _end_day(order: Order) -> pendulum.Date | None:
    """The last day of an order: the day it ended, else the last day of its period."""
    if order.ended_at is not None:
        return as_london_date(order.ended_at)
    period = order.period
    return None if period is None else period.last_day


def _incidents(
    uow: UnitOfWork, case_id: str, persons: Iterable[str], identities: Iterable[str]
) -> dict[str, Incident]:
    """The case's incidents: those attributed to the defendant, and those naming no
    defendant that one of the defendant's own identities sent or that were aimed at
    one of ``persons``."""
    keys = set(uow.incidents.ids_where("defendant_id", case_id))
    for person in persons:
        keys.update(uow.incidents.ids_where("target_person_id", person))
    for identity in identities:
        keys.update(uow.incidents.ids_where("actor_key", identity))
    found = uow.incidents.get_many(sorted(keys))
    return {k: i for k, i in found.items() if i.defendant_id is None or i.defendant_id == case_id}


def _persons(orders: Iterable[Order], apps: Iterable[Application] = ()) -> list[str]:
    """The persons the case's orders and applications protect."""
    named = {p for o in orders for p in o.protected_person_ids}
    named.update(p for a in apps for p in a.protected_person_ids)
    return sorted(named)


def _open_alerts(uow: UnitOfWork, case_id: str) -> tuple[str, ...]:
    """The case's alerts whose latest review round is not decided (or that have none)."""
    still_open = []
    for alert_id in uow.alerts.ids_where("defendant_id", case_id):
        rounds = uow.breach_reviews.for_alert(alert_id)
        if not rounds or not max(rounds, key=lambda r: r.round).decided:
            still_open.append(alert_id)
    return tuple(sorted(still_open))


@attrs.frozen
class _Plan:
    """What a disposal of a case erases, and the values it erases (for the reason check)."""

    case_id: str
    defendant: Defendant
    persons: tuple[ProtectedPerson, ...]
    incidents: tuple[str, ...]
    duties: tuple[str, ...]


def _plan(uow: UnitOfWork, case_id: str) -> _Plan:
    """What disposing of ``case_id`` would erase, read in ``uow``.

    The persons of the case are locked first (in id order, so two disposals cannot
    deadlock), then checked against the other cases: a disposal running at the same
    time that shares a person waits, and then sees the other case disposed of.
    """
    orders, apps = _orders(uow, case_id), _applications(uow, case_id)
    persons = _persons(orders, apps)
    for person in persons:
        uow.protected_persons.lock(person)
    erased = [p for p in persons if not _protected_elsewhere(uow, p, case_id)]
    # No-defendant incidents aimed at a person are erased only with that person: while
    # another case keeps the person, they may be that case's evidence.
    incidents = _incidents(uow, case_id, erased, _identities(uow, case_id))
    why = "retention review: checking that the decision's reason names no one"
    people = uow.protected_persons
    found = people.get_many(persons, reason=why, skip_unreadable=True)
    # A person whose details were erased with their key is checked and erased by name.
    return _Plan(
        case_id,
        uow.defendants.get(case_id),
        tuple(found.get(p) or ProtectedPerson(p, people.get_name(p)) for p in erased),
        tuple(sorted(incidents)),
        tuple(uow.notification_duties.ids_where("defendant_id", case_id)),
    )


def _holds_personal_data(uow: UnitOfWork, case_id: str) -> bool:
    """Whether a disposed case holds personal data again: stored since the disposal (or
    by a write that raced it), which a new disposal would erase. Reads no restricted
    details (so the listing adds no read entries to the trail)."""
    defendant = uow.defendants.get(case_id)
    if any(n.name != DISPOSED_NAME for n in defendant.names) or defendant.date_of_birth:
        return True
    if defendant.addresses or defendant.identities:
        return True
    persons = _persons(_orders(uow, case_id), _applications(uow, case_id))
    named = [p for p in persons if uow.protected_persons.get_name(p) != DISPOSED_NAME]
    erasable = [p for p in named if not _protected_elsewhere(uow, p, case_id)]
    if erasable:
        return True
    found = _incidents(uow, case_id, persons, ()).values()
    left = [i for i in found if i.summary or i.actor or i.location or i.evidence_refs]
    return any(i.defendant_id == case_id or i.target_person_id not in named for i in left)


def _values(plan: _Plan) -> list[tuple[str, str]]:
    """The case's personal values a reason must not hold, by kind."""
    found = [("name", n.name) for n in plan.defendant.names]
    for period in plan.defendant.addresses:
        found += [("address", line) for line in period.address.lines]
        found.append(("postcode", period.address.postcode))
    for person in plan.persons:
        found.append(("name", person.name))
        address = person.restricted.address
        if address is not None:
            found += [("address", line) for line in address.lines]
            found.append(("postcode", address.postcode))
        found += [("place", label) for label, _ in person.restricted.places]
    return [(kind, value) for kind, value in found if value != DISPOSED_NAME]


def _folded(text: str) -> str:
    return re.sub(r"\W", "", compact(text))


def _check_reason(case_id: str, reason: str, plan: _Plan) -> None:
    """Refuse a reason that holds a value of the case's personal data (MoPI: the reason
    stays on record after disposal; UK GDPR art.5(1)(c), data minimisation)."""
    text = _folded(reason)
    kinds = sorted(
        {kind for kind, value in _values(plan) if len(f := _folded(value)) >= 3 and f in text}
    )
    if kinds:
        raise RetentionReasonNamesPersonError(case_id, kinds)


def _dispose(uow: UnitOfWork, plan: _Plan, reason: str) -> dict[str, int]:
    """Erase the case's personal data in ``uow``; how many records, by kind."""
    erase_defendant(uow, plan.case_id, reason=reason)
    incidents = sum(erase_incident(uow, key, reason=reason) for key in plan.incidents)
    duties = sum(erase_notification_duty(uow, key, reason=reason) for key in plan.duties)
    persons = [p for p in plan.persons if p.name != DISPOSED_NAME or p.restricted.address]
    for person in persons:
        erase_protected_person(uow, person.person_id, reason=reason)
    return {
        "defendant": 1,
        "incident": incidents,
        "notification_duty": duties,
        "protected_person": len(persons),
    }


def _protected_elsewhere(uow: UnitOfWork, person_id: str, case_id: str) -> bool:
    """Whether another defendant's case, not disposed of, also names this person (in an
    order or an application): their details are still needed there (documented: a
    shared person is kept)."""
    others = {
        o.defendant_id
        for o in uow.orders.get_many(uow.orders.ids()).values()
        if person_id in o.protected_person_ids
    }
    others.update(
        a.defendant_id
        for a in uow.applications.get_many(uow.applications.ids()).values()
        if person_id in a.protected_person_ids
    )
    for other in sorted(others - {case_id}):
        last = _last_decision(uow, other)
        if last is None or last.decision is not RetentionDecision.DISPOSE:
            return True
    return False


def _last_decision(uow: UnitOfWork, case_id: str) -> RetentionReview | None:
    """The case's last decision: the highest number (decisions are numbered in order)."""
    reviews = uow.retention_reviews.get_many(uow.retention_reviews.ids_where("case_id", case_id))
    return max(reviews.values(), key=_number, default=None)
