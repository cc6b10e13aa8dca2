"""The JSON Schema of the interchange records for people, places, incidents,
applications, orders and terms (see :mod:`spo_tracker.interchange._schema_build`)."""

from __future__ import annotations

import enum
import types
import typing
from collections.abc import Iterable, Mapping
from typing import Any

import pendulum

from spo_tracker.domain.geo import Circle, GeoPoint, Polygon
from spo_tracker.domain.identities import IdentityKind, Platform
from spo_tracker.domain.incidents import CrimeClassification, IncidentKind
from spo_tracker.domain.lifecycles.application import ApplicationState, AreaConnection, CourtKind
from spo_tracker.domain.orders import OrderKind, OrderOrigin, OrderState, VersionCause
from spo_tracker.domain.terms import CATALOGUE_VERSION, TERM_TYPES, Term
from spo_tracker.interchange._schema import (
    _LONG,
    POLE,
    _array,
    _codes,
    _definitions,
    _described,
    _enum,
    _link,
    _nullable,
    _obj,
    _ref,
    _text,
)
from spo_tracker.interchange._terms import parameter_fields

__all__: list[str] = []


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
