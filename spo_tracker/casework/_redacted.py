"""What an officer's screen shows of stored alerts, scrubbed as a report is.

:func:`~spo_tracker.casework.list_alerts` and :func:`~spo_tracker.casework.alert_detail`
redact by default (``spo-tracker alerts list`` and ``alerts show`` print what they
return): text a person typed, or the library wrote around a label a person typed, can
hold a protected person's name, address or place, and is scrubbed of those of the
persons of the alert's case (see :func:`scrubbing`), as a
report scrubs it. The stored records are unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence, Set
from typing import Final

import attrs

from spo_tracker.casework._alert_entries import AlertDetail, AlertEntry, EvidenceItem
from spo_tracker.domain.alerts import Alert
from spo_tracker.domain.incidents import Incident
from spo_tracker.domain.lifecycles.breach_review import BreachReview
from spo_tracker.domain.ownership import CaseOwner
from spo_tracker.domain.redaction import Redactor
from spo_tracker.errors import InvalidValueError
from spo_tracker.storage import UnitOfWork

__all__ = ["redacted_detail", "redacted_entry", "scrubbing"]

_TOO_LONG: Final = "[withheld: too long to show redacted]"
_REF_TOO_LONG: Final = "[reference withheld: too long to show redacted]"


def scrubbing(
    uow: UnitOfWork, alerts: Sequence[Alert], reason: str, *, also: Iterable[str] = ()
) -> tuple[Redactor, list[frozenset[str]]]:
    """A redactor (names withheld) and the persons each alert's text is scrubbed of: the
    alert's protected persons and those of every order against its defendant (a zone label
    on one order may name the street of a person another order protects, as in a report).
    The persons of ``also`` (an evidence incident's target, say) are read too, for the
    caller to scrub some texts of. The persons' restricted details are read only to scrub
    (each read audited, with ``reason``) and never returned."""
    order_ids = {a.order_id for a in alerts if a.order_id is not None}
    for defendant_id in sorted({a.defendant_id for a in alerts}):
        order_ids.update(uow.orders.ids_where("defendant_id", defendant_id))
    protected: dict[str, set[str]] = {}
    for order in uow.orders.get_many(sorted(order_ids)).values():
        protected.setdefault(order.defendant_id, set()).update(order.protected_person_ids)
    scopes = [
        frozenset(a.protected_person_ids) | protected.get(a.defendant_id, set()) for a in alerts
    ]
    with uow._processing():
        persons = uow.protected_persons.get_many(
            sorted(set().union(*scopes, also)), reason=reason, skip_unreadable=True
        )
    return Redactor(persons, include_names=False), scopes


def redacted_entry(
    entry: AlertEntry, r: Redactor, scope: frozenset[str], also: Set[str] = frozenset()
) -> AlertEntry:
    """``entry`` with its alert's title and explanation, its review's and its case
    owner's text scrubbed of the persons of ``scope`` and of ``also`` (whose unknown
    persons withhold nothing)."""
    every = scope | frozenset(also)
    alert = entry.alert
    alert = attrs.evolve(
        alert,
        title=r.scrub_wording(alert.title, every),
        explanation=r.scrub_wording(alert.explanation, every),
    )
    review = None if entry.review is None else redacted_review(entry.review, r, scope, also)
    owner = None if entry.owner is None else _redacted_owner(entry.owner, r, every)
    return attrs.evolve(entry, alert=alert, review=review, owner=owner)


def redacted_review(
    review: BreachReview, r: Redactor, scope: frozenset[str], also: Set[str] = frozenset()
) -> BreachReview:
    """A review round with its note, referral reference and officers scrubbed. Free text
    is withheld whole if a person of ``scope`` is unknown to ``r`` (as a report withholds
    it); the persons of ``also`` only (an evidence incident's target, say) are scrubbed
    where known, never withholding it."""
    extra = frozenset(also) - scope

    def free(text: str | None) -> str | None:
        if not text:
            return text
        return r.scrub(r.scrub_wording(text, extra) if extra else text, scope)

    def wording(text: str | None) -> str | None:
        return text if not text else r.scrub_wording(text, scope | extra)

    return attrs.evolve(
        review,
        note=free(review.note) or "",
        referral_reference=free(review.referral_reference),
        assignee=wording(review.assignee),
        assigned_by=wording(review.assigned_by),
        reviewer=wording(review.reviewer),
        decided_by=wording(review.decided_by),
    )


def _redacted_owner(owner: CaseOwner, r: Redactor, scope: frozenset[str]) -> CaseOwner:
    return attrs.evolve(
        owner,
        officer=r.scrub_wording(owner.officer, scope),
        unit=r.scrub_wording(owner.unit, scope),
        force=r.scrub_wording(owner.force, scope),
        assigned_by=r.scrub_wording(owner.assigned_by, scope),
    )


def redacted_detail(detail: AlertDetail, r: Redactor, scope: frozenset[str]) -> AlertDetail:
    """``detail`` scrubbed as :func:`~spo_tracker.casework.alert_detail` says: the entry
    and every review round of the persons of ``scope`` and of the evidence's targets,
    each incident and its attribution of ``scope`` and its own target."""
    targets = frozenset(
        t for t in (i.incident.target_person_id for i in detail.evidence) if t is not None
    )
    entry = redacted_entry(detail.entry, r, scope, targets)
    rounds = tuple(redacted_review(review, r, scope, targets) for review in detail.rounds)
    evidence = []
    for item in detail.evidence:
        target = item.incident.target_person_id
        touched = scope if target is None else scope | {target}
        incident = _redacted_incident(item.incident, r, touched)
        evidence.append(EvidenceItem(incident, r.scrub_wording(item.attribution, touched)))
    entry = attrs.evolve(entry, review=rounds[-1] if rounds else None)
    return AlertDetail(entry, rounds, tuple(evidence))


def _redacted_incident(incident: Incident, r: Redactor, scope: frozenset[str]) -> Incident:
    """``incident`` with its summary and evidence references scrubbed and no location (where
    the defendant was seen can be a protected person's home). A summary or reference no
    incident can hold once scrubbed (longer than its limit with the marks in) is withheld."""
    shown = attrs.evolve(incident, location=None)
    try:
        shown = attrs.evolve(shown, summary=r.scrub(incident.summary, scope))
    except InvalidValueError:
        shown = attrs.evolve(shown, summary=_TOO_LONG)
    refs = tuple(r.scrub(ref, scope) for ref in incident.evidence_refs)
    try:
        return attrs.evolve(shown, evidence_refs=refs)
    except InvalidValueError:
        return attrs.evolve(shown, evidence_refs=(_REF_TOO_LONG,))
