"""Incidents from plain values: the edge where reports enter detection.

:func:`incident_from_record` turns a mapping of plain values (as parsed from
JSON, a CSV row or a form) into a validated :class:`Incident`. Anything wrong
is a typed error from :mod:`spo_tracker.errors` that names the offending value,
and nothing is built from it: a naive timestamp (:class:`NaiveDatetimeError`),
an unknown platform (:class:`UnknownPlatformError`), coordinates out of range
(:class:`InvalidValueError`), an identity in an invalid format
(:class:`InvalidIdentityError`), an unknown kind or field.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Mapping
from typing import Any, Final

import pendulum

from spo_tracker.domain.geo import GeoPoint
from spo_tracker.domain.identities import Identity
from spo_tracker.domain.incidents import Incident
from spo_tracker.domain.statutory_time import ensure_aware
from spo_tracker.errors import InvalidValueError, NaiveDatetimeError

__all__ = ["INCIDENT_FIELDS", "incident_from_record"]

#: The fields a record may have; ``incident_id``, ``occurred_at`` and ``kind`` are required.
INCIDENT_FIELDS: Final = frozenset(
    {
        "incident_id",
        "occurred_at",
        "kind",
        "platform",
        "actor",
        "defendant_id",
        "target_person_id",
        "via_third_party",
        "location",
        "summary",
        "evidence_refs",
        "reported_at",
    }
)
_REQUIRED: Final = ("incident_id", "occurred_at", "kind")
_OFFSET: Final = re.compile(r"\d:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|z|[+-]\d{2}(:?\d{2})?)$")


def _instant(field: str, value: object) -> pendulum.DateTime:
    """An aware instant from a datetime or an ISO 8601 string with an offset."""
    if isinstance(value, str):
        try:
            parsed = pendulum.parse(value, exact=True)
        except (ValueError, TypeError):
            raise InvalidValueError(field, value, "not an ISO 8601 date and time") from None
        if not isinstance(parsed, _dt.datetime):
            raise InvalidValueError(field, value, "not an ISO 8601 date and time")
        if not _OFFSET.search(value.strip()):
            # pendulum reads a time without an offset as UTC; the library refuses to guess.
            raise NaiveDatetimeError(field, value)
        value = parsed
    return ensure_aware(value, field=field)


def _actor(value: object) -> Identity | None:
    if value is None or isinstance(value, Identity):
        return value
    if not isinstance(value, Mapping):
        raise InvalidValueError("actor", value, "give kind, value and (for a handle) platform")
    unknown = sorted(set(value) - {"kind", "value", "platform"})
    if unknown or "kind" not in value or "value" not in value:
        raise InvalidValueError(
            "actor", dict(value), "give kind, value and (for a handle) platform"
        )
    return Identity.parse(str(value["kind"]), str(value["value"]), value.get("platform"))


def _location(value: object) -> GeoPoint | None:
    if value is None or isinstance(value, GeoPoint):
        return value
    if isinstance(value, Mapping) and set(value) == {"lat", "lon"}:
        return GeoPoint(value["lat"], value["lon"])
    if isinstance(value, list | tuple) and len(value) == 2:
        return GeoPoint(value[0], value[1])
    raise InvalidValueError("location", value, "give {'lat': ..., 'lon': ...} or [lat, lon]")


def incident_from_record(record: Mapping[str, Any]) -> Incident:
    """A validated incident from plain values.

    Args:
        record: ``incident_id``, ``occurred_at`` (aware datetime or ISO 8601 with an
            offset) and ``kind`` (an incident kind code) are required; ``platform``
            (a name or alias), ``actor`` (``{"kind", "value", "platform"}``),
            ``defendant_id``, ``target_person_id``, ``via_third_party``, ``location``
            (``{"lat", "lon"}`` or ``[lat, lon]``), ``summary``, ``evidence_refs``
            and ``reported_at`` are optional.

    Raises:
        NaiveDatetimeError: a timestamp without a time zone or offset.
        UnknownPlatformError: a platform that is not known.
        InvalidIdentityError: an actor identity in an invalid format.
        UnknownCodeError: an unknown incident or identity kind.
        InvalidValueError: coordinates out of range, a missing or unknown field.
    """
    if not isinstance(record, Mapping):
        raise InvalidValueError("record", record, "expected a mapping of field names to values")
    unknown = sorted(set(record) - INCIDENT_FIELDS)
    if unknown:
        raise InvalidValueError("record", unknown, "unknown fields")
    missing = [name for name in _REQUIRED if record.get(name) is None]
    if missing:
        raise InvalidValueError("record", missing, "missing required fields")
    reported = record.get("reported_at")
    via = record.get("via_third_party", False)
    if not isinstance(via, bool):
        raise InvalidValueError("via_third_party", via, "must be true or false")
    return Incident(
        incident_id=record["incident_id"],
        occurred_at=_instant("occurred_at", record["occurred_at"]),
        kind=record["kind"],
        platform=record.get("platform"),
        actor=_actor(record.get("actor")),
        defendant_id=record.get("defendant_id"),
        target_person_id=record.get("target_person_id"),
        via_third_party=via,
        location=_location(record.get("location")),
        summary=record.get("summary", ""),
        evidence_refs=tuple(record.get("evidence_refs", ())),
        reported_at=None if reported is None else _instant("reported_at", reported),
    )
