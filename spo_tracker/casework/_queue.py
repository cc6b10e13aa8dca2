"""The officers' queue of stored alerts, and what an officer opens from it.

:func:`list_alerts` is the queue with its filters (status, case owner,
defendant, severity, kind, when identified); :func:`alert_detail` shows one
alert with every review round and its evidence, each incident's attribution
said; :func:`decided_alert_ids` are the alerts a report leaves out by default.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import enum
from collections.abc import Callable, Iterable
from typing import Final

import pendulum

from spo_tracker.casework._alert_entries import (
    AlertDetail,
    AlertEntry,
    EvidenceItem,
    orders_of,
    owner_of,
)
from spo_tracker.casework._redacted import redacted_detail, redacted_entry, scrubbing
from spo_tracker.domain.alerts import Alert, AlertKind, Severity, sort_alerts
from spo_tracker.domain.incidents import Incident
from spo_tracker.domain.lifecycles.breach_review import BreachReview, ReviewState
from spo_tracker.domain.people import Defendant
from spo_tracker.domain.statutory_time import ensure_aware, instant_before
from spo_tracker.errors import InvalidValueError, StoredRecordError, UnknownCodeError
from spo_tracker.storage import Actor, Store, UnitOfWork

__all__ = ["alert_detail", "attribution", "decided_alert_ids", "decided_in", "list_alerts"]

#: The ``status`` filter's words beside the review states.
OPEN: Final = "open"
DECIDED: Final = "decided"
ANY: Final = "all"


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
    redact: bool = True,
) -> tuple[AlertEntry, ...]:
    """The stored alerts an officer's queue shows: most severe first, then earliest.

    Only alerts identified by ``at`` are listed. Filters combine (all must hold);
    officer, unit and force are those of the alert's order's case owner (as stored).

    Redacted by default (what ``spo-tracker alerts list`` prints), as
    :func:`alert_detail` is: each alert's title and explanation, its review's text and
    officers and its case owner's officer, unit and force are scrubbed of the names,
    addresses and places of the persons of the alert's case (its protected persons and
    those of every order against its defendant) and of its evidence's targets.
    ``redact=False`` returns them as stored.

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
        InvalidValueError: ``redact`` is not True or False.
    """
    when = ensure_aware(at, field="at")
    if not isinstance(redact, bool):
        raise InvalidValueError("redact", redact, "is not True or False")
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
    listed = [kept[a.alert_id] for a in sort_alerts(e.alert for e in kept.values())]
    if not redact or not listed:
        return tuple(listed)
    with store.unit_of_work(actor, at=when) as uow:
        # The evidence's targets too, as the detail scrubs of them (one bulk read).
        evidence = sorted({k for e in listed for k in e.alert.evidence_ids})
        aimed = _targets(uow, evidence)
        targets = [
            frozenset(t for k in e.alert.evidence_ids if (t := aimed.get(k))) for e in listed
        ]
        r, scopes = scrubbing(
            uow, [e.alert for e in listed], _REDACT_REASON, also=set().union(*targets)
        )
    return tuple(
        redacted_entry(e, r, scope, also)
        for e, scope, also in zip(listed, scopes, targets, strict=True)
    )


def _targets(uow: UnitOfWork, keys: list[str]) -> dict[str, str | None]:
    """The target of each stored incident of ``keys``, read in bulk. An incident that
    cannot be read (a row changed outside the library) is left out, read one at a time
    only then: it fails its own alert's detail, not every alert's listing."""
    try:
        found = uow.find_incidents(keys)
    except StoredRecordError:
        found = {}
        for key in keys:
            with contextlib.suppress(StoredRecordError):
                found.update(uow.find_incidents([key]))
    return {k: i.target_person_id for k, i in found.items()}


def alert_detail(
    store: Store, alert_id: str, *, actor: Actor, at: _dt.datetime, redact: bool = True
) -> AlertDetail:
    """One alert with every review round and its evidence, each incident's attribution
    said; redacted by default, as a report is.

    Redacted (``redact=True``, what ``spo-tracker alerts show`` prints): the text that can
    hold a protected person's address, place or name is scrubbed of those of the persons
    of the alert's case (its protected persons, those of every order against its
    defendant, and the evidence's targets) as a report scrubs it: the alert's title and
    explanation, each review round's note, referral reference and officers, each
    incident's summary and evidence references and its attribution; an incident's
    location (where the defendant was seen, which can be a protected person's home) is
    left out. Free text about a person whose details can no longer be read is withheld
    whole. The stored records are unchanged: ``redact=False`` returns them as stored.

    Raises:
        NotFoundError: no alert is stored under ``alert_id``.
        NaiveDatetimeError: ``at`` has no time zone.
        InvalidValueError: ``redact`` is not True or False.
    """
    when = ensure_aware(at, field="at")
    if not isinstance(redact, bool):
        raise InvalidValueError("redact", redact, "is not True or False")
    with store.unit_of_work(actor, at=when) as uow:
        uow.authorise("alert_detail")
        alert = uow.alerts.get(alert_id)
        uow.authorise("alert_detail", orders=orders_of(alert))
        rounds = tuple(uow.breach_reviews.for_alert(alert_id))
        owner = owner_of(uow, alert)
        found = uow.find_incidents(list(alert.evidence_ids)) if alert.evidence_ids else {}
        defendant = uow.defendants.get_many([alert.defendant_id]).get(alert.defendant_id)
        # The detail shows these people by id: one consultation entry (DPA 2018 s.62(1)(c)).
        targets = {i.target_person_id for i in found.values() if i.target_person_id}
        uow.consulted(
            defendants=[alert.defendant_id],
            protected_persons=[*alert.protected_person_ids, *targets],
        )
        scrubbed = scrubbing(uow, [alert], _REDACT_REASON, also=targets) if redact else None
    evidence = tuple(
        EvidenceItem(found[k], attribution(found[k], defendant)) for k in alert.evidence_ids
        if k in found
    )  # fmt: skip
    detail = AlertDetail(AlertEntry(alert, rounds[-1] if rounds else None, owner), rounds, evidence)
    if scrubbed is None:
        return detail
    redactor, (scope,) = scrubbed
    return redacted_detail(detail, redactor, scope)


_REDACT_REASON: Final = "redacting alerts for an officer's screen"


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
