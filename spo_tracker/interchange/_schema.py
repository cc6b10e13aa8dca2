"""The JSON Schema (draft 2020-12) of the interchange format, built from the domain's codes.

:func:`~spo_tracker.interchange._schema_build.build_schema` is the one source (this
module holds the format's constants, the schema's building blocks and its shared
definitions; :mod:`._schema_records` and :mod:`._schema_build` the records): every
enumeration comes from the
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
from collections.abc import Iterable, Mapping
from typing import Any, Final

from spo_tracker.domain.appeals import AppealedDecision, PartyRole
from spo_tracker.domain.limits import (
    ID_MAX_LENGTH,
    LONG_TEXT_MAX_LENGTH,
    POSTCODE_MAX_LENGTH,
    SHORT_TEXT_MAX_LENGTH,
)
from spo_tracker.domain.notification import ItemKind
from spo_tracker.domain.people import ForceKind
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
