"""Domain records as interchange records and back, one explicit mapping per record type.

A record is a JSON object with a ``type``, a stable external ``id``, its
``attributes`` and its typed ``relationships`` to other records by id (POLE:
Person, Object, Location, Event). Writers give the canonical record of a
domain object; readers build the domain object through its own constructors,
so the domain's validators run, and raise
:class:`~spo_tracker.interchange._values.FieldError` naming the field.

``write(read(record))`` is a record's *normal form*: the importer compares
normal forms to decide whether a record is already stored (idempotent
re-import) or clashes with what is stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from spo_tracker.domain.alerts import Alert
from spo_tracker.domain.compliance import ComplianceRecord
from spo_tracker.domain.incidents import Incident
from spo_tracker.domain.notification import (
    ClosedItem,
    Closure,
    DutyState,
    FalseInformation,
    IdentityCheck,
    NotifiableItem,
    Notification,
    NotificationDuty,
    Refusal,
    notification_deadline,
)
from spo_tracker.interchange._record_base import (
    ITEM_OFFENCES,
    RESULT_CODES,
    Record,
    Ref,
    Resolver,
    _attrs,
    _construct,
    _link,
    _link_id,
    _link_ids,
    _opt_day,
    _opt_instant,
    _record,
    content_digest,
    diff,
    read_defendant,
    read_identity,
    read_location,
    read_protected_person,
    references,
    write_defendant,
    write_identity,
    write_location,
    write_protected_person,
)
from spo_tracker.interchange._record_orders import (
    OrderParts,
    _enum,
    read_appeal,
    read_application,
    read_order,
    write_appeal,
    write_application,
    write_order,
)
from spo_tracker.interchange._values import (
    FieldError,
    day_text,
    field,
    instant_text,
    read_day,
    read_instant,
    read_optional_day,
    read_optional_instant,
    read_period,
    read_point,
    write_period,
    write_point,
)
from spo_tracker.wire import canonical_json as canonical

__all__ = [
    "RESULT_CODES",
    "OrderParts",
    "Ref",
    "Resolver",
    "canonical",
    "content_digest",
    "diff",
    "read_alert",
    "read_appeal",
    "read_application",
    "read_compliance",
    "read_defendant",
    "read_duty",
    "read_identity",
    "read_incident",
    "read_location",
    "read_order",
    "read_protected_person",
    "references",
    "write_alert",
    "write_appeal",
    "write_application",
    "write_compliance",
    "write_defendant",
    "write_duty",
    "write_identity",
    "write_incident",
    "write_location",
    "write_order",
    "write_protected_person",
]
# --------------------------------------------------------------------------- incidents (Event)


def write_incident(incident: Incident) -> Record:
    """An incident (POLE Event); its place is an inline GeoJSON Point."""
    actor = incident.actor
    attributes = {
        "occurred_at": instant_text(incident.occurred_at),
        "reported_at": _opt_instant(incident.reported_at),
        "kind": incident.kind.value,
        "classification": None
        if incident.classification is None
        else incident.classification.value,
        "platform": None if incident.platform is None else incident.platform.value,
        "via_third_party": incident.via_third_party,
        "target_person_id": incident.target_person_id,
        "geometry": write_point(incident.location),
        "summary": incident.summary,
        "evidence_refs": list(incident.evidence_refs),
    }
    relationships = {
        "defendant": _link("person", incident.defendant_id),
        "actor": None if actor is None else _link("identity", actor.key),
    }
    return _record("incident", incident.incident_id, attributes, relationships)


_INCIDENT_FIELDS: Final = {
    "occurred_at": "attributes.occurred_at",
    "reported_at": "attributes.reported_at",
    "kind": "attributes.kind",
    "classification": "attributes.classification",
    "platform": "attributes.platform",
    "summary": "attributes.summary",
}


def read_incident(record: Mapping[str, Any], resolve: Resolver) -> Incident:
    """The incident of an incident record."""
    a = _attrs(record)
    actor_id = _link_id(record, "actor")
    actor = None if actor_id is None else resolve.identity(actor_id, "relationships.actor.id")
    values = {
        "incident_id": str(record.get("id")),
        "occurred_at": read_instant(a.get("occurred_at"), "attributes.occurred_at"),
        "kind": a.get("kind"),
        "classification": a.get("classification"),
        "platform": a.get("platform"),
        "actor": actor,
        "defendant_id": _link_id(record, "defendant"),
        "target_person_id": a.get("target_person_id"),
        "via_third_party": bool(a.get("via_third_party", False)),
        "location": read_point(a.get("geometry"), "attributes.geometry"),
        "summary": a.get("summary", ""),
        "evidence_refs": tuple(a.get("evidence_refs") or ()),
        "reported_at": read_optional_instant(a.get("reported_at"), "attributes.reported_at"),
    }
    return _construct(Incident, values, _INCIDENT_FIELDS)


# --------------------------------------------------------------------------- notification duties


def _write_item(item: NotifiableItem) -> Record:
    return {
        "offence": item.offence.code,
        "arose_on": day_text(item.arose_on),
        "deadline": write_period(item.deadline),
        "section": item.section,
        "detail": item.detail,
    }


def _read_item(value: Mapping[str, Any], path: str) -> NotifiableItem:
    kind = ITEM_OFFENCES.get(str(value.get("offence")))
    if kind is None:
        known = ", ".join(ITEM_OFFENCES)
        raise FieldError(
            f"{path}.offence",
            f"{value.get('offence')!r} is not a notifiable item's offence ({known})",
        )
    arose = read_day(value.get("arose_on"), f"{path}.arose_on")
    deadline = read_period(value.get("deadline"), f"{path}.deadline")
    expected = notification_deadline(arose)
    if deadline != expected:
        # SPA2019 s.9(1), s.9(3)-(4): "within the period of 3 days beginning with" the day it arose.
        raise FieldError(
            f"{path}.deadline",
            f"{write_period(deadline)} is not the 3 days beginning with arose_on {arose}, "
            f"{expected.first_day}..{expected.last_day} (SPA2019 s.9(1), s.9(3)-(4))",
        )
    return NotifiableItem(
        kind, arose, expected, str(value.get("section")), str(value.get("detail", ""))
    )


def write_duty(duty: NotificationDuty) -> Record:
    """A notification duty (SPA2019 s.9-s.11): what is outstanding and every notification given."""
    attributes = {
        "state": duty.state.value,
        "local_police_area": duty.local_police_area,
        "served_on": _opt_day(duty.served_on),
        "initial_from": _opt_day(duty.initial_from),
        "part2_final_day": _opt_day(duty.part2_final_day),
        "part2_registered_at": _opt_instant(duty.part2_registered_at),
        "ended_at": _opt_instant(duty.ended_at),
        "outstanding": [_write_item(i) for i in duty.outstanding],
        "closed": [
            {
                "item": _write_item(c.item),
                "closed_at": instant_text(c.closed_at),
                "closure": c.closure.value,
            }
            for c in duty.closed
        ],
        "notifications": [
            {
                "notified_at": instant_text(n.notified_at),
                "station": n.station,
                "police_area": n.police_area,
                "items": [_write_item(i) for i in n.items],
                "acknowledged_at": _opt_instant(n.acknowledged_at),
            }
            for n in duty.notifications
        ],
        "refusals": [
            {"at": instant_text(r.at), "refused": r.refused.value, "note": r.note}
            for r in duty.refusals
        ],
        "false_information": [
            {
                "recorded_at": instant_text(f.recorded_at),
                "notified_at": instant_text(f.notified_at),
                "detail": f.detail,
            }
            for f in duty.false_information
        ],
    }
    relationships = {
        "defendant": _link("person", duty.defendant_id),
        "order": _link("order", duty.order_id),
        "replaced_orders": [_link("order", o) for o in duty.replaced_order_ids],
    }
    return _record("notification_duty", duty.duty_id, attributes, relationships)


def read_duty(record: Mapping[str, Any]) -> NotificationDuty:
    """The notification duty of a notification_duty record."""
    a = _attrs(record)
    p = "attributes"
    values = {
        "duty_id": str(record.get("id")),
        "defendant_id": _link_id(record, "defendant"),
        "order_id": _link_id(record, "order"),
        "local_police_area": a.get("local_police_area"),
        "state": _enum(DutyState, a.get("state"), f"{p}.state"),
        "served_on": read_optional_day(a.get("served_on"), f"{p}.served_on"),
        "initial_from": read_optional_day(a.get("initial_from"), f"{p}.initial_from"),
        "outstanding": tuple(
            _read_item(v, f"{p}.outstanding[{i}]") for i, v in enumerate(a.get("outstanding") or ())
        ),
        "closed": tuple(
            _read_closed(v, f"{p}.closed[{i}]") for i, v in enumerate(a.get("closed") or ())
        ),
        "notifications": tuple(
            _read_notification(v, f"{p}.notifications[{i}]")
            for i, v in enumerate(a.get("notifications") or ())
        ),
        "refusals": tuple(
            Refusal(
                read_instant(v.get("at"), f"{p}.refusals[{i}].at"),
                _enum(IdentityCheck, v.get("refused"), f"{p}.refusals[{i}].refused"),
                str(v.get("note", "")),
            )
            for i, v in enumerate(a.get("refusals") or ())
        ),
        "false_information": tuple(
            FalseInformation(
                read_instant(v.get("recorded_at"), f"{p}.false_information[{i}].recorded_at"),
                read_instant(v.get("notified_at"), f"{p}.false_information[{i}].notified_at"),
                str(v.get("detail")),
            )
            for i, v in enumerate(a.get("false_information") or ())
        ),
        "replaced_order_ids": tuple(_link_ids(record, "replaced_orders")),
        "part2_final_day": read_optional_day(a.get("part2_final_day"), f"{p}.part2_final_day"),
        "part2_registered_at": read_optional_instant(
            a.get("part2_registered_at"), f"{p}.part2_registered_at"
        ),
        "ended_at": read_optional_instant(a.get("ended_at"), f"{p}.ended_at"),
    }
    return _construct(
        NotificationDuty,
        values,
        {"defendant_id": "relationships.defendant", "order_id": "relationships.order"},
    )


def _read_closed(value: Mapping[str, Any], path: str) -> ClosedItem:
    return ClosedItem(
        _read_item(value.get("item") or {}, f"{path}.item"),
        read_instant(value.get("closed_at"), f"{path}.closed_at"),
        _enum(Closure, value.get("closure"), f"{path}.closure"),
    )


def _read_notification(value: Mapping[str, Any], path: str) -> Notification:
    return field(
        path,
        Notification,
        read_instant(value.get("notified_at"), f"{path}.notified_at"),
        str(value.get("station")),
        str(value.get("police_area")),
        tuple(_read_item(v, f"{path}.items[{i}]") for i, v in enumerate(value.get("items") or ())),
        read_optional_instant(value.get("acknowledged_at"), f"{path}.acknowledged_at"),
    )


# --------------------------------------------------------------------------- alerts


_ALERT_INSTANTS: Final = (
    "first_seen",
    "last_seen",
    "breach_time",
    "identified_at",
    "deadline",
    "window_start",
    "window_end",
)
_ALERT_PLAIN: Final = (
    "rule_id",
    "kind",
    "severity",
    "cjs_code",
    "section",
    "related_sections",
    "term_id",
    "term_code",
    "title",
    "explanation",
    "count",
    "pre_service",
    "appeal_pending",
    "protected_person_ids",
)


def write_alert(alert: Alert) -> Record:
    """An alert for review (a suspected breach or notification failure, or a warning)."""
    attributes: Record = {}
    for name in _ALERT_PLAIN:
        value = getattr(alert, name)
        attributes[name] = (
            value.value
            if hasattr(value, "value")
            else (list(value) if isinstance(value, tuple) else value)
        )
    for name in _ALERT_INSTANTS:
        attributes[name] = _opt_instant(getattr(alert, name))
    relationships = {
        "defendant": _link("person", alert.defendant_id),
        "order": _link("order", alert.order_id),
        "evidence": [_link("incident", i) for i in alert.evidence_ids],
    }
    return _record("alert", alert.alert_id, attributes, relationships)


def read_alert(record: Mapping[str, Any]) -> Alert:
    """The alert of an alert record."""
    a = _attrs(record)
    values: dict[str, Any] = {name: a[name] for name in _ALERT_PLAIN if name in a}
    for name in ("related_sections", "protected_person_ids"):
        values[name] = tuple(values.get(name) or ())
    for name in _ALERT_INSTANTS:
        values[name] = read_optional_instant(a.get(name), f"attributes.{name}")
    values["alert_id"] = str(record.get("id"))
    values["defendant_id"] = _link_id(record, "defendant")
    values["order_id"] = _link_id(record, "order")
    values["evidence_ids"] = tuple(_link_ids(record, "evidence"))
    return _construct(
        Alert,
        values,
        {"evidence_ids": "relationships.evidence", "defendant_id": "relationships.defendant"},
    )


# --------------------------------------------------------------------------- compliance


def write_compliance(record: ComplianceRecord) -> Record:
    """A positive requirement met or a sign-on made (SPA2019 s.1(2)(b))."""
    attributes = {
        "term_id": record.term_id,
        "at": instant_text(record.at),
        "recorded_by": record.recorded_by,
        "note": record.note,
    }
    relationships = {
        "defendant": _link("person", record.defendant_id),
        "order": _link("order", record.order_id),
    }
    return _record("compliance", record.record_id, attributes, relationships)


def read_compliance(record: Mapping[str, Any]) -> ComplianceRecord:
    """The compliance record of a compliance record line."""
    a = _attrs(record)
    values = {
        "record_id": str(record.get("id")),
        "defendant_id": _link_id(record, "defendant"),
        "order_id": _link_id(record, "order"),
        "term_id": a.get("term_id"),
        "at": read_instant(a.get("at"), "attributes.at"),
        "recorded_by": a.get("recorded_by"),
        "note": a.get("note", ""),
    }
    paths = {"defendant_id": "relationships.defendant", "order_id": "relationships.order"}
    return _construct(ComplianceRecord, values, paths)
