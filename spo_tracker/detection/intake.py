"""Incidents from plain values: the edge where reports enter detection.

:func:`incident_from_record` turns a mapping of plain values (as parsed from
JSON, a CSV row or a form) into a validated :class:`Incident`. Anything wrong
is a typed error from :mod:`spo_tracker.errors` that names the offending field
(and its value, unless it may be personal: a location, an identity, a whole row, text
where a time belongs, evidence references and summaries are described by their type,
never quoted), and nothing is built from it: a wrong type or a table's empty
cell (``NaN``), a naive timestamp (:class:`NaiveDatetimeError`),
an unknown platform (:class:`UnknownPlatformError`), coordinates out of range
(:class:`InvalidValueError`), an identity in an invalid format
(:class:`InvalidIdentityError`), an unknown kind or field.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from collections.abc import Mapping
from typing import Any, Final

import pendulum

from spo_tracker.domain.geo import GeoPoint
from spo_tracker.domain.identities import Identity
from spo_tracker.domain.incidents import Incident
from spo_tracker.domain.statutory_time import ensure_aware
from spo_tracker.domain.validators import Withheld
from spo_tracker.errors import InvalidIdentityError, InvalidValueError, NaiveDatetimeError

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


#: The longest timestamp text read (a longer one is refused before it is parsed).
_MAX_INSTANT_TEXT: Final = 64
#: Text that can only be a (bad) timestamp: quoted when refused. Other text in a time's
#: place (``14 Wren Close``) may be anything, and is not.
_TIME_LIKE: Final = re.compile(r"[0-9TZtz:.,+\- ]{1,64}")
#: A record's field name shown in a refusal; other unknown names are counted, not quoted
#: (a row can put a name or a postcode where a field name goes).
_FIELD_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,39}")
_ROW_WITHHELD: Final = Withheld("a record may hold personal data")
_IDENTITY_WITHHELD: Final = Withheld("an identity is personal data")
_PLACE_WITHHELD: Final = Withheld("a location may be someone's whereabouts")
_TIME_WITHHELD: Final = Withheld("not read as a time")


def _present(field: str, value: object) -> object:
    """``value``, refusing a table's empty cell (NaN): it is not a value, and not ``None``."""
    if isinstance(value, float) and math.isnan(value):
        raise InvalidValueError(field, value, "an empty cell (NaN): give None for no value")
    return value


def _instant(field: str, value: object) -> pendulum.DateTime:
    """An aware instant from a datetime or an ISO 8601 string with an offset."""
    if isinstance(value, str):
        shown = value if _TIME_LIKE.fullmatch(value) else _TIME_WITHHELD
        if len(value) > _MAX_INSTANT_TEXT:
            raise InvalidValueError(field, _TIME_WITHHELD, "not an ISO 8601 date and time")
        try:
            parsed = pendulum.parse(value, exact=True)
        except (ValueError, TypeError, OverflowError):
            raise InvalidValueError(field, shown, "not an ISO 8601 date and time") from None
        if not isinstance(parsed, _dt.datetime):
            raise InvalidValueError(field, shown, "not an ISO 8601 date and time")
        if not _OFFSET.search(value.strip()):
            # pendulum reads a time without an offset as UTC; the library refuses to guess.
            raise NaiveDatetimeError(field, value)
        value = parsed
    return ensure_aware(value, field=field)


def _actor(value: object) -> Identity | None:
    if value is None or isinstance(value, Identity):
        return value
    if not isinstance(value, Mapping):
        reason = f"give kind, value and (for a handle) platform, not {type(value).__name__}"
        raise InvalidValueError("actor", _IDENTITY_WITHHELD, reason)
    if set(value) - {"kind", "value", "platform"} or "kind" not in value or "value" not in value:
        reason = f"give kind, value and (for a handle) platform, not {_names(value)}"
        raise InvalidValueError("actor", _IDENTITY_WITHHELD, reason)
    # The identity functions refuse a wrong type, naming the field (InvalidIdentityError).
    kind = _present("actor.kind", value["kind"])
    text = _present("actor.value", value["value"])
    platform = _present("actor.platform", value.get("platform"))
    try:
        return Identity.parse(kind, text, platform)  # type: ignore[arg-type]
    except InvalidIdentityError as refused:
        if refused.field in ("kind", "identity kind", "platform"):
            raise  # a code, not the identity
        # "07700 900123 Mark Ellison", "mark.ellison": an identity is personal data.
        shown = InvalidIdentityError(refused.field, _IDENTITY_WITHHELD, refused.reason)
    raise shown


def _location(value: object) -> GeoPoint | None:
    if value is None or isinstance(value, GeoPoint):
        return value
    if isinstance(value, Mapping) and set(value) == {"lat", "lon"}:
        return GeoPoint(value["lat"], value["lon"])
    if isinstance(value, list | tuple) and len(value) == 2:
        return GeoPoint(value[0], value[1])
    reason = f"give {{'lat': ..., 'lon': ...}} or [lat, lon], not {_shape(value)}"
    raise InvalidValueError("location", _PLACE_WITHHELD, reason)


def _shape(value: object) -> str:
    """What a value is, without what it holds: its type, and a mapping's field names."""
    return _names(value) if isinstance(value, Mapping) else type(value).__name__


def _names(record: Mapping[Any, Any]) -> str:
    """A mapping's field names, each quoted only if it looks like one (see _FIELD_NAME)."""
    names = sorted(str(n) for n in record)
    shown = [n for n in names if _FIELD_NAME.fullmatch(n)]
    hidden = len(names) - len(shown)
    text = "fields " + ", ".join(repr(n) for n in shown) if shown else "no named fields"
    return f"{text} and {hidden:,} more (names withheld)" if hidden else text


def _unknown_fields(record: Mapping[Any, Any]) -> list[str]:
    """The unknown field names, each quoted only if it looks like one; the others counted."""
    unknown = [name for name in record if name not in INCIDENT_FIELDS]
    shown = sorted(n for n in unknown if isinstance(n, str) and _FIELD_NAME.fullmatch(n))
    hidden = len(unknown) - len(shown)
    return shown + ([f"{hidden:,} more (names withheld)"] if hidden else [])


def incident_from_record(record: Mapping[str, Any]) -> Incident:
    """A validated incident from plain values.

    Only :class:`~spo_tracker.errors.SpoTrackerError` subclasses are raised, for
    any input: a wrong type, a table's empty cell (``NaN``), blank text, an
    instant outside the supported range or text over its limit (see
    :mod:`spo_tracker.domain.limits`) is refused with the field named. ``None``
    for an optional field is "no value".

    Args:
        record: ``incident_id``, ``occurred_at`` (aware datetime or ISO 8601 with an
            offset) and ``kind`` (an incident kind code) are required; ``platform``
            (a name or alias), ``actor`` (``{"kind", "value", "platform"}``),
            ``defendant_id``, ``target_person_id``, ``via_third_party`` (``True`` or
            ``False``), ``location`` (``{"lat", "lon"}`` or ``[lat, lon]``),
            ``summary``, ``evidence_refs`` (a list of texts) and ``reported_at``
            are optional.

    Raises:
        NaiveDatetimeError: a timestamp without a time zone or offset.
        UnknownPlatformError: a platform that is not known.
        InvalidIdentityError: an actor identity in an invalid format.
        UnknownCodeError: an unknown incident or identity kind.
        InvalidValueError: a value of the wrong type, an empty cell (NaN), blank or
            over-long text, coordinates out of range, an instant out of range, a
            missing or unknown field.
    """
    if not isinstance(record, Mapping):
        reason = f"expected a mapping of field names to values, not {type(record).__name__}"
        raise InvalidValueError("record", _ROW_WITHHELD, reason)
    unknown = _unknown_fields(record)
    if unknown:
        raise InvalidValueError("record", unknown, "unknown fields")
    values: dict[str, Any] = {name: _present(name, value) for name, value in record.items()}
    missing = [name for name in _REQUIRED if values.get(name) is None]
    if missing:
        raise InvalidValueError("record", missing, "missing required fields")
    reported = values.get("reported_at")
    via = values.get("via_third_party")
    summary = values.get("summary")
    refs = values.get("evidence_refs")
    return Incident(
        incident_id=values["incident_id"],
        occurred_at=_instant("occurred_at", values["occurred_at"]),
        kind=values["kind"],
        platform=values.get("platform"),
        actor=_actor(values.get("actor")),
        defendant_id=values.get("defendant_id"),
        target_person_id=values.get("target_person_id"),
        via_third_party=False if via is None else via,
        location=_location(values.get("location")),
        summary="" if summary is None else summary,
        evidence_refs=() if refs is None else refs,
        reported_at=None if reported is None else _instant("reported_at", reported),
    )
