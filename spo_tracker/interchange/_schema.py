"""The JSON Schema (draft 2020-12) of the interchange format, built from the domain's codes.

:func:`build_schema` is the one source: every enumeration comes from the
domain (incident kinds, platforms, catalogue codes, CJS codes...), so the
schema cannot drift from the code. The package ships the result as
``interchange-1.1.schema.json`` (imports read that file); a test fails when
the shipped file is stale. Regenerate it with::

    .venv/bin/python -m spo_tracker.interchange.schema > \\
        spo_tracker/interchange/interchange-1.1.schema.json

Version 1.1 adds the ``compliance`` record type, the pending appeal of an order
or an application (``appeal``) and the application state ``refusal_appealed``
(SPA2019 s.7(2)): every 1.0 file is a valid 1.1 file, so readers accept both
versions in the header, but a 1.0 reader would refuse a 1.1 file's compliance
lines and appeals, hence the minor version.

Nullable values use a type list (``["string", "null"]``) rather than
``anyOf``, so that a validator's error names the field and the rule broken.
"""

from __future__ import annotations

import enum
import types
import typing
from collections.abc import Iterable, Mapping
from typing import Any, Final

import pendulum

from spo_tracker.domain.alerts import BREACH_CODE, AlertKind, Severity
from spo_tracker.domain.appeals import AppealedDecision, PartyRole
from spo_tracker.domain.geo import Circle, GeoPoint, Polygon
from spo_tracker.domain.identities import IdentityKind, Platform
from spo_tracker.domain.incidents import CrimeClassification, IncidentKind
from spo_tracker.domain.lifecycles.application import ApplicationState, AreaConnection, CourtKind
from spo_tracker.domain.limits import (
    ID_MAX_LENGTH,
    LONG_TEXT_MAX_LENGTH,
    POSTCODE_MAX_LENGTH,
    SHORT_TEXT_MAX_LENGTH,
)
from spo_tracker.domain.notification import Closure, DutyState, IdentityCheck, ItemKind, Offence
from spo_tracker.domain.orders import OrderKind, OrderOrigin, OrderState, VersionCause
from spo_tracker.domain.people import ForceKind
from spo_tracker.domain.terms import CATALOGUE_VERSION, TERM_TYPES, Term
from spo_tracker.interchange._terms import parameter_fields
from spo_tracker.interchange._values import INSTANT_PATTERN

__all__ = [
    "FORMAT_VERSION",
    "INTERCHANGE_FORMAT",
    "MAX_ID_LENGTH",
    "MAX_LINE_BYTES",
    "POLE",
    "READABLE_VERSIONS",
    "RECORD_TYPES",
    "SCHEMA_ID",
    "build_schema",
]

#: The value of the header's ``schema`` field.
INTERCHANGE_FORMAT: Final = "spo-tracker/interchange"
#: The format version this library writes.
FORMAT_VERSION: Final = "1.1"
#: The format versions this library reads (1.1 only added compliance records and appeals).
READABLE_VERSIONS: Final = ("1.0", "1.1")
#: The schema's own URI.
SCHEMA_ID: Final = f"urn:spo-tracker:interchange:{FORMAT_VERSION}"

#: The longest line accepted (bytes, newline excluded); a longer one is refused unread.
MAX_LINE_BYTES: Final = 1_048_576
#: The longest id accepted.
MAX_ID_LENGTH: Final = ID_MAX_LENGTH
_SHORT: Final = SHORT_TEXT_MAX_LENGTH
_LONG: Final = LONG_TEXT_MAX_LENGTH

#: The record types in the order an export writes them, with their POLE class.
POLE: Final[Mapping[str, str]] = {
    "identity": "Object",
    "location": "Location",
    "person": "Person",
    "application": "Event",
    "order": "Event",
    "order_version": "Event",
    "term": "Event",
    "notification_duty": "Event",
    "compliance": "Event",
    "incident": "Event",
    "alert": "Event",
}
#: Every record type (the header excepted).
RECORD_TYPES: Final = tuple(POLE)


def _codes(members: Iterable[enum.Enum]) -> list[Any]:
    return [m.value for m in members]


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/$defs/{name}"}


def _nullable(schema: Mapping[str, Any]) -> dict[str, Any]:
    """``schema`` or ``null`` without ``anyOf``: a type list, or ``null`` added to an enum."""
    out = dict(schema)
    if "enum" in out:
        out["enum"] = [*out["enum"], None]
    elif "const" in out:
        out["enum"] = [out.pop("const"), None]
    else:
        out["type"] = [out["type"], "null"]
    return out


def _text(
    max_length: int = _SHORT, *, description: str = "", min_length: int = 0
) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "string", "maxLength": max_length}
    if min_length:
        out["minLength"] = min_length
    if description:
        out["description"] = description
    return out


def _enum(members: Iterable[enum.Enum], description: str) -> dict[str, Any]:
    return {"enum": _codes(members), "description": description}


def _obj(
    properties: Mapping[str, Any],
    required: Iterable[str] = (),
    *,
    description: str = "",
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": "object",
        "additionalProperties": False,
        "properties": dict(properties),
    }
    if required:
        out["required"] = list(required)
    if description:
        out["description"] = description
    return out


def _array(items: Mapping[str, Any], max_items: int, description: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {"type": "array", "items": dict(items), "maxItems": max_items}
    if description:
        out["description"] = description
    return out


def _described(schema: Mapping[str, Any], description: str) -> dict[str, Any]:
    return {**schema, "description": description}


# --------------------------------------------------------------------------- shared definitions


def _position() -> dict[str, Any]:
    return {
        "type": "array",
        "description": "[longitude, latitude] in WGS84 decimal degrees (RFC 7946).",
        "prefixItems": [
            {"type": "number", "minimum": -180, "maximum": 180},
            {"type": "number", "minimum": -90, "maximum": 90},
        ],
        "items": False,
        "minItems": 2,
    }


def _point() -> dict[str, Any]:
    return _obj(
        {"type": {"const": "Point"}, "coordinates": _ref("position")},
        ("type", "coordinates"),
        description="A GeoJSON Point geometry.",
    )


def _shape() -> dict[str, Any]:
    polygon = _obj(
        {
            "type": {"const": "Polygon"},
            "coordinates": {
                "type": "array",
                "description": "One closed linear ring (holes are not supported).",
                "minItems": 1,
                "maxItems": 1,
                "items": {
                    "type": "array",
                    "minItems": 4,
                    "maxItems": 10_000,
                    "items": _ref("position"),
                },
            },
        },
        ("type", "coordinates"),
    )
    circle_properties = _obj(
        {"radius_m": {"type": "number", "exclusiveMinimum": 0, "description": "Radius in metres."}},
        ("radius_m",),
    )
    return {
        "type": "object",
        "description": (
            "A zone as a GeoJSON Feature: a Polygon with one closed ring, or a circle given "
            "as a Point geometry with a radius_m property."
        ),
        "additionalProperties": False,
        "required": ["type", "geometry", "properties"],
        "properties": {
            "type": {"const": "Feature"},
            "geometry": {
                "type": "object",
                "required": ["type"],
                "properties": {"type": {"enum": ["Point", "Polygon"]}},
            },
            "properties": {"type": ["object", "null"]},
        },
        "allOf": [
            {
                "if": {"properties": {"geometry": {"properties": {"type": {"const": "Point"}}}}},
                "then": {
                    "properties": {"geometry": _ref("point"), "properties": circle_properties}
                },
                "else": {"properties": {"geometry": polygon}},
            }
        ],
    }


def _link(kind: str, meta: Mapping[str, Any] | None = None) -> dict[str, Any]:
    properties: dict[str, Any] = {"type": {"const": kind}, "id": _ref("id")}
    if meta is not None:
        properties["meta"] = meta
    return _obj(properties, ("type", "id"), description=f"A reference to a {kind} record.")


def _applicant() -> dict[str, Any]:
    return _obj(
        {
            "force_code": _text(32, min_length=1, description="The force's code."),
            "force_name": _text(min_length=1),
            "force_kind": _enum(ForceKind, "Which chief officers may apply (SPA2019 s.14(1))."),
            "title": _text(),
        },
        ("force_code", "force_name"),
        description="The chief officer who applied (SPA2019 s.1(1)).",
    )


def _party() -> dict[str, Any]:
    return _obj(
        {
            "role": _enum(PartyRole, "The defendant or a chief officer (SPA2019 s.4(1), s.7)."),
            "chief_officer": _described(
                _nullable(_applicant()), "The chief officer, for a chief_officer party."
            ),
        },
        ("role",),
        description="A party: the defendant, or a chief officer of police with their force.",
    )


def _appeal() -> dict[str, Any]:
    return _obj(
        {
            "appellant": _party(),
            "against": _enum(AppealedDecision, "The decision appealed against (SPA2019 s.7)."),
            "on_application_of": _described(
                _nullable(_party()), "A s.4 decision: whose application it was on."
            ),
            "version": _described(
                _nullable({"type": "integer", "minimum": 2}),
                "A s.4 order: the order version the variation or renewal made.",
            ),
            "lodged_at": _described(
                _ref("instant_or_null"),
                "When the appeal was lodged; no outcome is dated before it. Absent or null: "
                "an appeal recorded before the instant was kept.",
            ),
        },
        ("appellant", "against"),
        description=(
            "An appeal to the Crown Court pending on the order or application (SPA2019 "
            "s.7(1)-(3)); null when none is. Since version 1.1."
        ),
    )


def _item() -> dict[str, Any]:
    offences = [k.offence.code for k in ItemKind]
    return _obj(
        {
            "offence": {
                "enum": offences,
                "description": (
                    "CJS offence code of the item if not notified in time: ST19002 initial "
                    "notification (SPA2019 s.9(1)), ST19003 new name (s.9(3)), ST19004 new home "
                    "address (s.9(4))."
                ),
            },
            "arose_on": _ref("day"),
            "deadline": _described(
                _ref("period"), "The 3 days beginning with arose_on (SPA2019 s.9)."
            ),
            "section": _text(),
            "detail": _text(_LONG),
        },
        ("offence", "arose_on", "deadline", "section"),
        description="Something the defendant must notify, and by when.",
    )


def _definitions() -> dict[str, Any]:
    period = _obj(
        {"first_day": _ref("day"), "last_day": _ref("day")},
        ("first_day", "last_day"),
        description="A run of Europe/London calendar days, both ends included.",
    )
    duration = _obj(
        {
            u: {"type": "integer", "minimum": 0, "maximum": 1000}
            for u in ("years", "months", "weeks", "days")
        },
        description="A length stated in an order (SPA2019 s.6(b)).",
    )
    defs: dict[str, Any] = {
        "id": {
            "type": "string",
            "minLength": 1,
            "maxLength": MAX_ID_LENGTH,
            "pattern": "^[^\\u0000-\\u001f\\u007f]+$",
            "description": "A stable external id: 1-128 characters, no control characters.",
        },
        "instant": {
            "type": "string",
            "pattern": INSTANT_PATTERN,
            "description": "An RFC 3339 instant with a UTC offset; naive timestamps are refused.",
        },
        "day": {
            "type": "string",
            "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
            "description": "A calendar day, YYYY-MM-DD.",
        },
        "position": _position(),
        "point": _point(),
        "shape": _shape(),
        "period": period,
        "duration": duration,
        "applicant": _applicant(),
        "appeal_or_null": _nullable(_appeal()),
        "item": _item(),
        "address": _obj(
            {
                "lines": _array(_text(min_length=1), 10),
                "postcode": _text(POSTCODE_MAX_LENGTH),
                "geometry": _nullable(_point()),
            },
            ("lines", "postcode"),
            description="A postal address.",
        ),
    }
    for name in ("id", "instant", "day", "period", "duration", "point", "shape"):
        defs[f"{name}_or_null"] = _nullable(defs[name])
    return defs


# --------------------------------------------------------------------------- records


def _record(
    kind: str,
    attributes: Mapping[str, Any],
    required: Iterable[str],
    relationships: Mapping[str, Any] | None = None,
    *,
    description: str,
) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "type": {"const": kind},
        "id": _ref("id"),
        "attributes": _obj(attributes, required),
    }
    properties["relationships"] = _obj(relationships or {})
    return _obj(
        properties,
        ("type", "id", "attributes"),
        description=f"{description} POLE class: {POLE[kind]}.",
    )


def _identity() -> dict[str, Any]:
    return _record(
        "identity",
        {
            "kind": _enum(IdentityKind, "phone, email, handle or device."),
            "value": _text(320, min_length=1, description="The identifier; normalised on import."),
            "platform": _nullable(_enum(Platform, "The platform of a handle; null otherwise.")),
        },
        ("kind", "value"),
        description=(
            "A phone number, email address, platform handle or device id. Stored only through "
            "the defendants and incidents that refer to it, so it must come before them."
        ),
    )


def _location() -> dict[str, Any]:
    address = _definitions()["address"]["properties"]
    return _record(
        "location",
        {"kind": {"const": "address"}, **address},
        ("kind", "lines", "postcode"),
        description=(
            "A postal address (a defendant's home address, SPA2019 s.9(2)(b)). Must come before "
            "the persons that refer to it."
        ),
    )


def _person() -> dict[str, Any]:
    defendant_attributes = {
        "role": {"const": "defendant"},
        "names": _array(
            _obj({"name": _text(min_length=1), "from": _ref("day_or_null")}, ("name",)),
            50,
            "Every name used (SPA2019 s.9(2)(a)); the first is the main one.",
        ),
        "date_of_birth": _described(
            _ref("day_or_null"), "Decides the youth court (SPA2019 s.13(1))."
        ),
        "soa_registration": _nullable(
            _obj(
                {"since": _ref("day"), "final_day": _ref("day_or_null")},
                ("since",),
                description="Sexual Offences Act 2003 Part 2 registration (SPA2019 s.9(5)-(7)).",
            )
        ),
    }
    identity_meta = _obj({"linked_at": _ref("instant"), "source": _text()}, ("linked_at",))
    address_meta = _obj({"from": _ref("day"), "until": _ref("day_or_null")}, ("from",))
    defendant_relationships = {
        "identities": _array(
            _link("identity", identity_meta), 1000, "Identities linked to the defendant."
        ),
        "addresses": _array(_link("location", address_meta), 200, "Home address history."),
    }
    restricted = _obj(
        {
            "address": _nullable(_definitions()["address"]),
            "places": _array(
                _obj(
                    {"label": _text(min_length=1), "geometry": _ref("point")}, ("label", "geometry")
                ),
                100,
            ),
        },
        description=(
            "The restricted compartment (the protected person's whereabouts). Present only in a "
            "file exported with restricted details for a force-to-force transfer."
        ),
    )
    protected_attributes = {
        "role": {"const": "protected_person"},
        "name": _text(min_length=1),
        "restricted": restricted,
    }
    role = {"properties": {"attributes": {"properties": {"role": {"const": "defendant"}}}}}
    base = _record(
        "person",
        {"role": {"enum": ["defendant", "protected_person"]}},
        ("role",),
        description="A defendant or a protected person (SPA2019 s.2(1)(c)).",
    )
    base["properties"]["attributes"] = {
        "type": "object",
        "required": ["role"],
        "properties": {"role": {"enum": ["defendant", "protected_person"]}},
    }
    base["properties"]["relationships"] = {"type": "object"}
    base["allOf"] = [
        {
            "if": role,
            "then": {
                "properties": {
                    "attributes": _obj(defendant_attributes, ("role", "names")),
                    "relationships": _obj(defendant_relationships),
                }
            },
            "else": {
                "properties": {
                    "attributes": _obj(protected_attributes, ("role", "name")),
                    "relationships": _obj({}),
                }
            },
        }
    ]
    return base


def _incident() -> dict[str, Any]:
    return _record(
        "incident",
        {
            "occurred_at": _ref("instant"),
            "reported_at": _described(_ref("instant_or_null"), "When the police learned of it."),
            "kind": _enum(IncidentKind, "What happened (acts associated with stalking)."),
            "classification": _nullable(
                _enum(
                    CrimeClassification,
                    "Home Office Counting Rules classification where a crime was recorded: 8Q "
                    "stalking, 8L harassment, 8M racially or religiously aggravated harassment.",
                )
            ),
            "platform": _nullable(_enum(Platform, "The channel or platform.")),
            "via_third_party": {"type": "boolean"},
            "target_person_id": _described(
                _ref("id_or_null"),
                "The person it was aimed at, by the force's person id; need not be a person "
                "record (a person no order protects yet).",
            ),
            "geometry": _described(_ref("point_or_null"), "Where it happened."),
            "summary": _text(_LONG),
            "evidence_refs": _array(_text(), 100),
        },
        ("occurred_at", "kind"),
        {
            "defendant": _nullable(_link("person")),
            "actor": _nullable(_link("identity")),
        },
        description="One reported incident.",
    )


def _application() -> dict[str, Any]:
    decision = _obj(
        {
            "applied_at": _ref("instant"),
            "decided_at": _ref("instant"),
            "granted": {"type": "boolean"},
            "interim_order_id": _ref("id_or_null"),
        },
        ("applied_at", "decided_at", "granted"),
        description="An interim application and the court's decision (SPA2019 s.5(3)).",
    )
    findings = _obj(
        {
            "acts_associated_with_stalking": {"type": "boolean"},
            "poses_risk_associated_with_stalking": {"type": "boolean"},
            "order_necessary_to_protect": {"type": "boolean"},
        },
        (
            "acts_associated_with_stalking",
            "poses_risk_associated_with_stalking",
            "order_necessary_to_protect",
        ),
        description="The court's findings on SPA2019 s.2(1)(a)-(c).",
    )
    return _record(
        "application",
        {
            "state": _enum(ApplicationState, "Where the application is."),
            "applicant": _ref("applicant"),
            "court": _text(min_length=1),
            "court_kind": _enum(CourtKind, "Magistrates' or youth court (SPA2019 s.13(1))."),
            "defendant_born_on": _ref("day_or_null"),
            "conduct_last_on": _ref("day_or_null"),
            "laid_at": _ref("instant_or_null"),
            "area_connection": _nullable(_enum(AreaConnection, "The s.1(3) basis.")),
            "interim_applied_at": _ref("instant_or_null"),
            "interim_decisions": _array(decision, 100),
            "findings": _nullable(findings),
            "determined_at": _ref("instant_or_null"),
            "withdrawn_at": _ref("instant_or_null"),
            "appeal": _described(
                _ref("appeal_or_null"),
                "The applying chief officer's appeal against the refusal of the application "
                "(refusal_appealed) or, while it is pending, of an interim order (laid).",
            ),
            "note": _text(_LONG),
        },
        ("state", "applicant", "court"),
        {
            "defendant": _link("person"),
            "protected_persons": _array(_link("person"), 100),
            "order": _nullable(_link("order")),
        },
        description="An application for an SPO by a chief officer (SPA2019 s.1, s.13).",
    )


def _order() -> dict[str, Any]:
    return _record(
        "order",
        {
            "result_code": {
                "enum": [k.result_code for k in OrderKind],
                "description": "CJS result code: 3306 interim SPO (SPA2019 s.5), 3307 SPO (s.2).",
            },
            "origin": _enum(OrderOrigin, "How the order came about."),
            "applicant": _ref("applicant"),
            "court": _text(min_length=1),
            "made_at": _described(_ref("instant"), "When it was made; its London day is s.6(a)."),
            "state": _enum(OrderState, "Where the order is in its lifecycle."),
            "served_at": _ref("instant_or_null"),
            "appeal_pending": {"type": "boolean", "description": "No stay (SPA2019 s.7)."},
            "appeal": _described(
                _ref("appeal_or_null"),
                "Who appealed, against what; only with appeal_pending (null if not known).",
            ),
            "ended_at": _ref("instant_or_null"),
            "end_reason": _nullable(_text(_LONG)),
            "not_in_force": _array(
                _obj(
                    {"start": _ref("instant"), "end": _ref("instant")},
                    ("start", "end"),
                    description="From the discharge (included) to the restoration (excluded).",
                ),
                100,
                "Spans in which the order was not in force though live again: a discharge "
                "quashed on appeal (SPA2019 s.7(4)); conduct in them breached no order "
                "(s.8(1)). Interchange 1.1; absent or empty: none.",
            ),
        },
        ("result_code", "origin", "applicant", "court", "made_at", "state"),
        {
            "defendant": _link("person"),
            "protected_persons": _array(_link("person"), 100),
            "application": _nullable(_link("application")),
            "replaces": _described(
                _nullable(_link("order")), "The interim order a full order replaces (s.9(1)(a))."
            ),
        },
        description=(
            "A Stalking Protection Order or interim order. Its order_version records follow it, "
            "each followed by its term records."
        ),
    )


def _order_version() -> dict[str, Any]:
    return _record(
        "order_version",
        {
            "number": {"type": "integer", "minimum": 1, "maximum": 10_000},
            "cause": _enum(VersionCause, "What produced the version."),
            "decided_on": _ref("day"),
            "duration": _described(
                _ref("duration_or_null"), "The fixed period stated; null: until further order."
            ),
            "period": _described(
                _ref("period_or_null"),
                "The days the order runs, from the day made (SPA2019 s.3(2)).",
            ),
            "reason": _text(_LONG),
            "decided_at": _described(
                _ref("instant_or_null"),
                "The moment the court decided this version, on the London day decided_on; it "
                "binds from then. Interchange 1.1; absent or null: from the start of "
                "decided_on (version 1: from made_at).",
            ),
        },
        ("number", "cause", "decided_on"),
        {"order": _link("order")},
        description="One immutable version of an order (SPA2019 s.6). Follows its order.",
    )


def _parameter_schema(tp: Any) -> dict[str, Any]:
    """The schema of a term parameter of declared type ``tp`` (``X | None`` is nullable)."""
    members = set(typing.get_args(tp)) if isinstance(tp, types.UnionType) else {tp}
    nullable = type(None) in members
    members.discard(type(None))
    schema = _parameter_member(members)
    if not nullable:
        return schema
    if "$ref" in schema:
        return {"$ref": schema["$ref"] + "_or_null"}
    return _nullable(schema)


def _parameter_member(members: set[Any]) -> dict[str, Any]:
    if members <= {Circle, Polygon}:
        return _ref("shape")
    if members == {GeoPoint}:
        return _ref("point")
    (only,) = members
    origin = typing.get_origin(only)
    if origin in (frozenset, tuple):
        item = _parameter_member({typing.get_args(only)[0]})
        out = _array(item, 100)
        if origin is frozenset:
            out["uniqueItems"] = True
        if item.get("type") == "string":
            out["items"] = _ref("id")
        return out
    if isinstance(only, type) and issubclass(only, enum.Enum):
        return {"enum": _codes(only)}
    if only is pendulum.Date:
        return _ref("day")
    if only is bool:
        return {"type": "boolean"}
    if only is int:
        return {"type": "integer"}
    if only is float:
        return {"type": "number"}
    if only is str:
        return _text(_LONG, min_length=1)
    raise TypeError(f"no interchange schema for term parameter type {only!r}")


def _term_parameters(cls: type[Term]) -> dict[str, Any]:
    fields = parameter_fields(cls)
    return _obj(
        {name: _parameter_schema(tp) for name, tp, _ in fields},
        [name for name, _, required in fields if required],
        description=f"{cls.CODE} {cls.TITLE} ({cls.SECTION}).",
    )


def _term() -> dict[str, Any]:
    record = _record(
        "term",
        {
            "term_id": _described(_ref("id"), "The term's id within its order, e.g. T1."),
            "code": {
                "enum": list(TERM_TYPES),
                "description": f"The term catalogue code (catalogue version {CATALOGUE_VERSION}).",
            },
            "period": _described(
                _ref("period_or_null"), "The term's own period (SPA2019 s.3(3), s.6(e))."
            ),
            "locality": _nullable(
                _obj(
                    {"name": _text(min_length=1), "area": _ref("shape_or_null")},
                    ("name",),
                    description="A locality limit (SPA2019 s.2(4), s.6(d)).",
                )
            ),
            "parameters": {"type": "object", "description": "The term type's parameters."},
        },
        ("term_id", "code", "parameters"),
        {"order_version": _link("order_version")},
        description="A prohibition or requirement of an order version. Follows its version.",
    )
    record["allOf"] = [
        {
            "if": {"properties": {"attributes": {"properties": {"code": {"const": code}}}}},
            "then": {
                "properties": {"attributes": {"properties": {"parameters": _term_parameters(cls)}}}
            },
        }
        for code, cls in TERM_TYPES.items()
    ]
    return record


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
