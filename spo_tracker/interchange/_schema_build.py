"""The interchange format's JSON Schema: the duty, alert, compliance and header records,
and :func:`build_schema`, which assembles every definition from the domain's codes."""

from __future__ import annotations

from typing import Any

from spo_tracker.domain.alerts import BREACH_CODE, AlertKind, Severity
from spo_tracker.domain.notification import Closure, DutyState, IdentityCheck, Offence
from spo_tracker.domain.terms import CATALOGUE_VERSION, TERM_TYPES
from spo_tracker.interchange._schema import (
    _LONG,
    FORMAT_VERSION,
    INTERCHANGE_FORMAT,
    MAX_ID_LENGTH,
    READABLE_VERSIONS,
    RECORD_TYPES,
    SCHEMA_ID,
    _array,
    _definitions,
    _described,
    _enum,
    _link,
    _nullable,
    _obj,
    _ref,
    _text,
)
from spo_tracker.interchange._schema_records import (
    _application,
    _identity,
    _incident,
    _location,
    _order,
    _order_version,
    _person,
    _record,
    _term,
)

__all__ = ["build_schema"]


def _duty() -> dict[str, Any]:
    notification = _obj(
        {
            "notified_at": _ref("instant"),
            "station": _text(min_length=1),
            "police_area": _text(min_length=1),
            "items": _array(_ref("item"), 100),
            "acknowledged_at": _described(
                _ref("instant_or_null"), "Written acknowledgment (SPA2019 s.10(4))."
            ),
        },
        ("notified_at", "station", "police_area", "items"),
        description="A notification given in person at a police station (SPA2019 s.10).",
    )
    closed = _obj(
        {
            "item": _ref("item"),
            "closed_at": _ref("instant"),
            "closure": _enum(Closure, "How the item stopped being outstanding."),
        },
        ("item", "closed_at", "closure"),
    )
    refusal = _obj(
        {
            "at": _ref("instant"),
            "refused": _enum(IdentityCheck, "What was refused (SPA2019 s.10(5)); ST19005."),
            "note": _text(_LONG),
        },
        ("at", "refused"),
    )
    false_information = _obj(
        {
            "recorded_at": _ref("instant"),
            "notified_at": _ref("instant"),
            "detail": _text(_LONG),
        },
        ("recorded_at", "notified_at", "detail"),
        description="Information notified and known to be false (SPA2019 s.11(1)(b)); ST19006.",
    )
    return _record(
        "notification_duty",
        {
            "state": _enum(DutyState, "Where the duty is."),
            "local_police_area": _text(min_length=1),
            "served_on": _ref("day_or_null"),
            "initial_from": _ref("day_or_null"),
            "part2_final_day": _ref("day_or_null"),
            "part2_registered_at": _described(
                _ref("instant_or_null"),
                "When the defendant became subject to the Sexual Offences Act 2003 Part 2 "
                "notification requirements, while they are (SPA2019 s.9(5)); a Part 2 final "
                "day recorded later may not be before its London day (s.9(6)). Interchange "
                "1.1; absent or null: not subject, or recorded before it was kept.",
            ),
            "ended_at": _ref("instant_or_null"),
            "outstanding": _array(_ref("item"), 1000),
            "closed": _array(closed, 1000),
            "notifications": _array(notification, 1000),
            "refusals": _array(refusal, 1000),
            "false_information": _array(false_information, 1000),
        },
        ("state", "local_police_area"),
        {
            "defendant": _link("person"),
            "order": _link("order"),
            "replaced_orders": _array(_link("order"), 100),
        },
        description=(
            "A defendant's notification duty under an order (SPA2019 s.9-s.11), with every "
            "notification given (s.10), refusals and false information."
        ),
    )


def _alert() -> dict[str, Any]:
    cjs = [BREACH_CODE, *(o.code for o in Offence)]
    return _record(
        "alert",
        {
            "rule_id": _text(min_length=1),
            "kind": _enum(AlertKind, "What the alert is about."),
            "severity": _enum(Severity, "How urgent."),
            "cjs_code": _nullable(
                {
                    "enum": cjs,
                    "description": (
                        "CJS offence code: ST19001 breach (SPA2019 s.8(1)), ST19002-ST19006 "
                        "notification offences (s.11); null for warnings."
                    ),
                }
            ),
            "section": _text(min_length=1),
            "related_sections": _array(_text(), 20),
            "term_id": _nullable(_text(MAX_ID_LENGTH)),
            "term_code": _nullable({"enum": list(TERM_TYPES)}),
            "title": _text(1000, min_length=1),
            "explanation": _text(_LONG, min_length=1),
            "count": {"type": "integer", "minimum": 1},
            "first_seen": _ref("instant_or_null"),
            "last_seen": _ref("instant_or_null"),
            "breach_time": _ref("instant_or_null"),
            "identified_at": _ref("instant"),
            "deadline": _ref("instant_or_null"),
            "window_start": _ref("instant_or_null"),
            "window_end": _ref("instant_or_null"),
            "pre_service": {"type": "boolean"},
            "appeal_pending": {"type": "boolean"},
            "protected_person_ids": _array(_text(MAX_ID_LENGTH), 100),
        },
        ("rule_id", "kind", "severity", "section", "title", "explanation", "identified_at"),
        {
            "defendant": _link("person"),
            "order": _nullable(_link("order")),
            "evidence": _array(_link("incident"), 100_000, "The incidents it rests on."),
        },
        description="An alert for review: software flags, a court decides (SPA2019 s.8(1)).",
    )


def _compliance() -> dict[str, Any]:
    return _record(
        "compliance",
        {
            "term_id": _described(
                _ref("id"),
                "The order's positive requirement (SPO-R01) or sign-on schedule (SPO-R02) met.",
            ),
            "at": _described(
                _ref("instant"), "When it was met; a sign-on counts for its London day."
            ),
            "recorded_by": _nullable(_text(description="Who recorded it, if known.")),
            "note": _text(_LONG),
        },
        ("term_id", "at"),
        {"defendant": _link("person"), "order": _link("order")},
        description=(
            "A positive requirement met or a sign-on made (SPA2019 s.1(2)(b)); a requirement "
            "without one by its due day is a suspected breach (s.8(1)). Since version 1.1."
        ),
    )


def _header() -> dict[str, Any]:
    return _obj(
        {
            "type": {"const": "header"},
            "schema": {"const": INTERCHANGE_FORMAT},
            "version": {
                "enum": list(READABLE_VERSIONS),
                "description": (
                    "The format version; 1.1 added the compliance record type, appeals, "
                    "order not_in_force, order_version decided_at and notification_duty "
                    "part2_registered_at."
                ),
            },
            "created_at": _ref("instant"),
            "generator": _text(),
            "source": _nullable(_text(description="Who produced the file, e.g. a force code.")),
            "term_catalogue": {"const": CATALOGUE_VERSION},
            "restricted": {
                "type": "boolean",
                "description": "Whether protected persons' restricted details are included.",
            },
        },
        ("type", "schema", "version", "created_at", "restricted"),
        description="The first line of every file.",
    )


def build_schema() -> dict[str, Any]:
    """The interchange format's JSON Schema (draft 2020-12), one line's worth.

    Each line of a file is one JSON object valid against this schema: the
    first a ``header``, then records of the types in :data:`RECORD_TYPES`.
    """
    defs = _definitions()
    builders = {
        "header": _header,
        "identity": _identity,
        "location": _location,
        "person": _person,
        "application": _application,
        "order": _order,
        "order_version": _order_version,
        "term": _term,
        "notification_duty": _duty,
        "compliance": _compliance,
        "incident": _incident,
        "alert": _alert,
    }
    for kind, build in builders.items():
        defs[kind] = build()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": f"spo_tracker interchange format {FORMAT_VERSION}",
        "description": (
            "JSON Lines: each line one JSON object, the first a header, then typed records "
            "(POLE: Person, Object, Location, Event) with stable external ids and typed "
            "relationships to other records by id."
        ),
        "type": "object",
        "required": ["type"],
        "properties": {"type": {"enum": ["header", *RECORD_TYPES]}},
        "allOf": [
            {"if": {"properties": {"type": {"const": kind}}}, "then": _ref(kind)}
            for kind in builders
        ],
        "$defs": defs,
    }
