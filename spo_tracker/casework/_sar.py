"""Subject access (DPA 2018 s.45): what the library holds about one person.

The use case behind ``spo-tracker sar PERSON_ID``. :func:`subject_access`
gathers, in one unit of work, what is held about a defendant or a protected
person, withholding what s.45(4) allows a controller to withhold to protect
the rights and freedoms of others (s.45(4)(e)) and to avoid prejudicing the
prevention and detection of offences (s.45(4)(b)):

- **As a defendant**: their record (names, date of birth, addresses, sex
  offender registration), their linked identities, the orders against them
  with every version's terms, the incidents attributed to them and the alerts
  about them. Withheld: everything about the protected persons (names,
  addresses, places, ids, how many an order protects is kept), the places and
  labels of exclusion zones and localities, every free text (incident
  summaries, evidence references, order and version reasons, alert titles and
  explanations, requirement descriptions: any may name a victim or a witness),
  incidents' locations, whom they targeted and who reported them, and the
  source of each identity link.
- **As a protected person**: their record with their own restricted details
  (address, places; ``details_disposed`` if their key was destroyed over them,
  which can then never be read), and the orders protecting them. The defendant is named
  as the order names them (id and main name), nothing more: no identities,
  date of birth, addresses, incidents or alerts. Other protected persons on
  the same order are withheld (their number is kept), as are every term's
  free text, zones and labels, and the orders' reasons.

Each export is one disclosure entry in the audit trail (DPA 2018 s.62(1)(d)):
``subject_access.disclosed`` or, for a file, ``subject_access.written``, naming
the person by id (and, for a protected person, the defendant whose name their
orders give), so that it appears in ``spo-tracker audit log --person``.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import html
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Final

import attrs
import pendulum

from spo_tracker.domain.incidents import Incident
from spo_tracker.domain.orders import Order
from spo_tracker.domain.people import Defendant, ProtectedPerson
from spo_tracker.domain.statutory_time import ensure_aware
from spo_tracker.errors import InvalidValueError, NotFoundError, UnknownCodeError
from spo_tracker.reports import london_iso, stage_file
from spo_tracker.storage import Actor, Store, UnitOfWork, database_files, refuse_output_onto

__all__ = [
    "SUBJECT_ACCESS_FORMATS",
    "SubjectAccess",
    "SubjectAccessWritten",
    "subject_access",
    "write_subject_access",
]

#: What a defendant's export gives in place of a linked identity's value (s.45(4)).
IDENTITY_WITHHELD: Final = "[withheld: DPA 2018 s.45(4)]"

#: The formats of a subject-access export.
SUBJECT_ACCESS_FORMATS: Final = ("json", "html")

_DEFENDANT_WITHHELD: Final = (
    "Protected persons' names, addresses, places and ids, and the zones and place labels "
    "of the terms protecting them (DPA 2018 s.45(4)(e): the rights of others).",
    "Free text written by the police or reported by others: incident summaries, evidence "
    "references, order and version reasons, alert titles and explanations, requirement "
    "descriptions (DPA 2018 s.45(4)(b) and (e)).",
    "Who reported each incident, whom it targeted and where it happened, and the source "
    "of each identity link (DPA 2018 s.45(4)(b) and (e)).",
    "The value of each linked identity (the number, address or handle): a link may rest on "
    "what a protected person or a witness reported, and giving the value back would tell "
    "the defendant which account was found (DPA 2018 s.45(4)(b) and (e)); each identity's "
    "kind, platform and when it was linked are given.",
)
_PERSON_WITHHELD: Final = (
    "The defendant's identities, date of birth, addresses, incidents and alerts: only the "
    "id and name the order itself names are given (DPA 2018 s.45(4)(e)).",
    "Other protected persons on the same orders, and the terms' zones, place labels and "
    "free text (DPA 2018 s.45(4)(e)).",
)


@attrs.frozen
class SubjectAccess:
    """What the library holds about one person, as disclosed to them.

    Attributes:
        person_id: whose.
        kind: ``defendant`` or ``protected_person``.
        at: as of this instant.
        content: the export as JSON-ready values (sections by name).
    """

    person_id: str
    kind: str
    at: pendulum.DateTime
    content: Mapping[str, Any]

    def render(self, fmt: str) -> str:
        """The export as ``json`` (canonical, sorted keys) or ``html`` (one page)."""
        if fmt == "json":
            return json.dumps(self.content, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        if fmt == "html":
            return _html(self.content)
        raise UnknownCodeError("format", fmt, SUBJECT_ACCESS_FORMATS)


@attrs.frozen
class SubjectAccessWritten:
    """A subject-access export written by :func:`write_subject_access`.

    Attributes:
        person_id: whose.
        fmt: ``json`` or ``html``.
        path: the file written (readable by its owner only).
        sha256: the SHA-256 digest of its bytes (also in the audit trail).
    """

    person_id: str
    fmt: str
    path: Path
    sha256: str


def _person_id(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidValueError("person_id", value, "must be non-empty text")
    return value.strip()


def _instant(at: _dt.datetime | None) -> dict[str, str | None] | None:
    if at is None:
        return None
    utc = pendulum.instance(at).in_timezone("UTC").to_iso8601_string()
    return {"utc": utc, "london": london_iso(at)}


def _day(day: _dt.date | None) -> str | None:
    return None if day is None else day.isoformat()


def _gather(uow: UnitOfWork, key: str, at: pendulum.DateTime) -> SubjectAccess:
    """The export of ``key`` as whoever it is stored as (a typed error if neither)."""
    is_defendant = uow.defendants.exists(key)
    is_person = uow.protected_persons.exists(key)
    if is_defendant and is_person:
        raise InvalidValueError(
            "person_id", key, "is both a defendant's and a protected person's id; they are "
            "two people, so neither is exported (ask for the record by its other details)",
        )  # fmt: skip
    if is_defendant:
        return SubjectAccess(key, "defendant", at, _as_defendant(uow, key, at))
    if is_person:
        return SubjectAccess(key, "protected_person", at, _as_protected(uow, key, at))
    raise NotFoundError("person", key)


def _header(key: str, kind: str, at: pendulum.DateTime, withheld: Iterable[str]) -> dict[str, Any]:
    return {
        "person_id": key,
        "held_as": kind,
        "as_of": _instant(at),
        "law": "DPA 2018 s.45 (right of access); withheld under s.45(4)",
        "withheld": list(withheld),
    }


def _as_defendant(uow: UnitOfWork, key: str, at: pendulum.DateTime) -> dict[str, Any]:
    defendant: Defendant = uow.defendants.get(key)
    orders = uow.orders.get_many(uow.orders.ids_where("defendant_id", key))
    alerts = uow.alerts.get_many(uow.alerts.ids_where("defendant_id", key))
    cited = {i for a in alerts.values() for i in a.evidence_ids}
    cited.update(uow.incidents.ids_where("defendant_id", key))
    incidents = uow.find_incidents(sorted(cited)) if cited else {}
    linked = {li.identity.key for li in defendant.identities}
    kept = sorted(
        (i for i in incidents.values() if i.defendant_id == key or _acted(i, linked)),
        key=lambda i: (i.occurred_at.timestamp(), i.incident_id),
    )
    return {
        "subject_access": _header(key, "defendant", at, _DEFENDANT_WITHHELD),
        "record": {
            "defendant_id": key,
            "names": [{"name": n.name, "from": _day(n.from_day)} for n in defendant.names],
            "date_of_birth": _day(defendant.date_of_birth),
            "addresses": [
                {
                    "lines": list(p.address.lines),
                    "postcode": p.address.postcode,
                    "from": _day(p.from_day),
                    "until": _day(p.until_day),
                }
                for p in defendant.addresses
            ],
            "sex_offender_registration": _registration(defendant),
        },
        "identities": [
            {
                "kind": li.identity.kind.value,
                "value": IDENTITY_WITHHELD,
                "platform": None if li.identity.platform is None else li.identity.platform.value,
                "linked_at": _instant(li.linked_at),
            }
            for li in defendant.identities
        ],
        "orders": [_order(o, protected=None) for _, o in sorted(orders.items())],
        "incidents": [_incident(i) for i in kept],
        "alerts": [_alert_of(a) for _, a in sorted(alerts.items())],
    }


def _acted(incident: Incident, linked: set[str]) -> bool:
    return incident.actor is not None and incident.actor.key in linked


def _registration(defendant: Defendant) -> dict[str, str | None] | None:
    found = defendant.soa_registration
    if found is None:
        return None
    return {"since": _day(found.since), "final_day": _day(found.final_day)}


def _order(order: Order, *, protected: str | None) -> dict[str, Any]:
    """An order without its protected persons (only ``protected``, the requester, is named)."""
    others = [p for p in order.protected_person_ids if p != protected]
    return {
        "order_id": order.order_id,
        "kind": order.kind.value,
        "origin": order.origin.value,
        "state": order.state.value,
        "court": order.court,
        "applicant": order.applicant.force.name,
        "made_at": _instant(order.made_at),
        "served_at": _instant(order.served_at),
        "ended_at": _instant(order.ended_at),
        "appeal_pending": order.appeal_pending,
        "protects_you": protected is not None,
        "other_protected_persons": len(others),
        "versions": [
            {
                "number": v.number,
                "cause": v.cause.value,
                "decided_on": _day(v.decided_on),
                "terms": [
                    {"term_id": t.term_id, "code": t.CODE, "title": t.TITLE} for t in v.terms
                ],
            }
            for v in order.versions
        ],
    }


def _incident(incident: Incident) -> dict[str, Any]:
    return {
        "incident_id": incident.incident_id,
        "occurred_at": _instant(incident.occurred_at),
        "kind": incident.kind.value,
        "platform": None if incident.platform is None else incident.platform.value,
        "classification": (
            None if incident.classification is None else incident.classification.value
        ),
        "attributed": "directly" if incident.defendant_id is not None else "by linked identity",
    }


def _alert_of(alert: Any) -> dict[str, Any]:
    return {
        "alert_id": alert.alert_id,
        "rule_id": alert.rule_id,
        "kind": alert.kind.value,
        "severity": alert.severity.value,
        "order_id": alert.order_id,
        "term_code": alert.term_code,
        "section": alert.section,
        "identified_at": _instant(alert.identified_at),
        "breach_time": _instant(alert.breach_time),
        "evidence_ids": list(alert.evidence_ids),
    }


def _as_protected(uow: UnitOfWork, key: str, at: pendulum.DateTime) -> dict[str, Any]:
    people = uow.protected_persons
    readable = people.get_many([key], reason="subject access request", skip_unreadable=True)
    # Details erased with the person's key (shred_person_key) can never be read again:
    # the export says so, with the name, which the erasure kept.
    disposed = key not in readable
    person = ProtectedPerson(key, people.get_name(key)) if disposed else readable[key]
    orders = uow.orders.get_many(uow.orders.ids())
    mine = [o for _, o in sorted(orders.items()) if key in o.protected_person_ids]
    defendants = uow.defendants.get_many(sorted({o.defendant_id for o in mine}))
    address = person.restricted.address
    listed = []
    for order in mine:
        item = _order(order, protected=key)
        named = defendants.get(order.defendant_id)
        item["defendant"] = {
            "defendant_id": order.defendant_id,
            "name": None if named is None else named.display_name,
        }
        listed.append(item)
    return {
        "subject_access": _header(key, "protected_person", at, _PERSON_WITHHELD),
        "record": {
            "person_id": key,
            "name": person.name,
            "address": None
            if address is None
            else {"lines": list(address.lines), "postcode": address.postcode},
            "places": [
                {"label": label, "latitude": point.lat, "longitude": point.lon}
                for label, point in person.restricted.places
            ],
            "details_disposed": disposed,
        },
        "orders": listed,
    }


def _covered(found: SubjectAccess) -> dict[str, list[str]]:
    """The requester, whom the disclosure names (the defendant a protected person's orders
    name joins from the unit of work's reads)."""
    if found.kind == "defendant":
        return {"defendants": [found.person_id]}
    return {"protected_persons": [found.person_id]}


def subject_access(
    store: Store,
    person_id: str,
    *,
    at: _dt.datetime,
    actor: Actor,
    reason: str = "subject access request",
) -> SubjectAccess:
    """What the library holds about ``person_id`` as of ``at``, third parties withheld
    (DPA 2018 s.45; see the module docstring for what is given and what withheld).

    One unit of work, one ``subject_access.disclosed`` audit entry naming the person
    (DPA 2018 s.62(1)(d)).

    Raises:
        NotFoundError: no defendant or protected person is stored under ``person_id``
            (nothing is noted).
        InvalidValueError: ``person_id`` is blank, or is both a defendant's and a
            protected person's id.
        NaiveDatetimeError: ``at`` has no time zone.
    """
    key, when = _person_id(person_id), ensure_aware(at, field="at")
    with store.unit_of_work(actor, at=when) as uow:
        uow.authorise("subject_access")
        found = _gather(uow, key, when)
        _note(uow, "subject_access.disclosed", found, {}, reason)
        uow.commit()
    return found


def _note(
    uow: UnitOfWork, event: str, found: SubjectAccess, extra: Mapping[str, Any], reason: str
) -> None:
    covered = _covered(found)
    uow.disclose(
        event,
        found.kind,
        found.person_id,
        defendants=covered.get("defendants", ()),
        protected_persons=covered.get("protected_persons", ()),
        changes={"held_as": found.kind, **extra},
        reason=reason,
    )


def write_subject_access(
    store: Store,
    person_id: str,
    *,
    at: _dt.datetime,
    actor: Actor,
    fmt: str = "json",
    output: str | os.PathLike[str],
    reason: str = "subject access request",
) -> SubjectAccessWritten:
    """Write :func:`subject_access` of ``person_id`` as ``fmt`` to ``output``, audited.

    The file is staged beside its target (mode 0600) and renamed into place only
    once its ``subject_access.written`` disclosure entry is committed: no export
    exists without the record of its disclosure.

    Raises:
        UnknownCodeError: ``fmt`` is not ``json`` or ``html``.
        OutputOntoDatabaseError: ``output`` is the store's database file or a side file.
        NotFoundError: no person is stored under ``person_id``.
        InvalidValueError: ``person_id`` is blank or names two people.
        NaiveDatetimeError: ``at`` has no time zone.
        OutputWriteError: the file cannot be written (no partial file is left behind).

    Nothing is written, and nothing noted, when any of these is raised.
    """
    if fmt not in SUBJECT_ACCESS_FORMATS:
        raise UnknownCodeError("format", fmt, SUBJECT_ACCESS_FORMATS)
    refuse_output_onto(output, database_files(store))
    key, when = _person_id(person_id), ensure_aware(at, field="at")
    with store.unit_of_work(actor, at=when) as uow:
        uow.authorise("write_subject_access")
        found = _gather(uow, key, when)
        data = found.render(fmt).encode("utf-8", errors="backslashreplace")
        staged = stage_file(output, data)
        try:
            digest = hashlib.sha256(data).hexdigest()
            extra = {"format": fmt, "sha256": digest}
            _note(uow, "subject_access.written", found, extra, reason)
            uow.commit()
        except BaseException:
            staged.discard()
            raise
    return SubjectAccessWritten(key, fmt, staged.publish(), digest)


def _html(content: Mapping[str, Any]) -> str:
    """One self-contained page: a section per part of the export, values escaped."""
    header = content["subject_access"]
    title = f"Subject access export: {header['person_id']}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en-GB"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title></head><body>",
        f"<h1>{html.escape(title)}</h1>",
    ]
    for name, value in content.items():
        parts.append(f"<h2>{html.escape(name.replace('_', ' ').capitalize())}</h2>")
        parts.append(_html_value(value))
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _html_value(value: Any) -> str:
    if isinstance(value, Mapping):
        rows = "".join(
            f"<tr><th>{html.escape(str(k))}</th><td>{_html_value(v)}</td></tr>"
            for k, v in value.items()
        )
        return f"<table>{rows}</table>"
    if isinstance(value, list):
        if not value:
            return "<p>None held.</p>"
        return "<ul>" + "".join(f"<li>{_html_value(v)}</li>" for v in value) + "</ul>"
    return html.escape("" if value is None else str(value))
