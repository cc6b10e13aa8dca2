"""The private converter between domain records and JSON-ready plain data.

It is driven by each attrs class's resolved type hints, so every field is
converted by its declared type: enums by value, dates as ISO days, aware
datetimes as UTC instants (the instant is kept, the zone is not), tuples and
frozensets as lists (frozensets sorted, so equal sets give equal JSON),
catalogue terms tagged with their stable ``CODE``, and zone shapes as GeoJSON
Features. Loading calls each record's own constructor with its fields named
one by one, so the domain validators run again on the way back in: a
corrupted row is refused, never half-loaded.

Private by design (STYLE: a private converter, never a global one); the
storage mappers and the audit trail are its only users.
"""

from __future__ import annotations

import datetime as _dt
import enum
import functools
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, Final

import attrs
import pendulum

from spo_tracker.domain.geo import Circle, GeoPoint, Polygon
from spo_tracker.domain.terms import Term, term_type
from spo_tracker.errors import InvalidValueError
from spo_tracker.storage._types import in_zone, zone_name
from spo_tracker.wire import canonical_json, instant_text, parse_utc_text

__all__ = [
    "canonical_json",
    "dump",
    "dump_shape",
    "dump_term",
    "instant_text",
    "load",
    "load_shape",
    "load_term",
    "parse_instant",
    "zoned_text",
]

UTC: Final = pendulum.UTC

_TERM_BASE_FIELDS: Final = frozenset({"term_id"})


def zoned_text(at: _dt.datetime) -> str:
    """UTC text followed by the zone: ``2024-10-27T00:30:00.000000Z[Europe/London]``."""
    return f"{instant_text(at)}[{zone_name(at)}]"


def parse_instant(text: str) -> pendulum.DateTime:
    """The datetime written by :func:`instant_text` (UTC) or :func:`zoned_text` (in its zone)."""
    instant, _, zone = text.partition("[")
    parsed = parse_utc_text(instant)
    return in_zone(parsed, zone.rstrip("]") or None)


_FIELDS: dict[type, tuple[tuple[str, str, Any], ...]] = {}


def _fields(cls: type) -> tuple[tuple[str, str, Any], ...]:
    """(attribute name, init argument name, resolved type) of each init field of ``cls``."""
    found = _FIELDS.get(cls)
    if found is None:
        hints = typing.get_type_hints(cls)
        found = tuple((a.name, a.alias, hints[a.name]) for a in attrs.fields(cls) if a.init)
        _FIELDS[cls] = found
    return found


# The type tests below are asked of the same few annotations for every field of every
# stored record (a force's 12,000 orders hold about 130,000 terms): answered once per type.
_origin: Final[Callable[[Any], Any]] = functools.cache(typing.get_origin)
_args: Final[Callable[[Any], tuple[Any, ...]]] = functools.cache(typing.get_args)


@functools.cache
def _is_shape_type(tp: Any) -> bool:
    members = set(typing.get_args(tp)) if _is_union(tp) else {tp}
    members.discard(type(None))
    return bool(members) and members <= {Circle, Polygon}


@functools.cache
def _is_union(tp: Any) -> bool:
    return isinstance(tp, types.UnionType) or typing.get_origin(tp) is typing.Union


def dump_shape(shape: Circle | Polygon) -> dict[str, Any]:
    """A zone as a GeoJSON Feature: a circle is a Point with ``radius_m``; a polygon keeps
    whether its ring was given closed, so that loading gives back an equal shape."""
    if isinstance(shape, Circle):
        centre = [shape.centre.lon, shape.centre.lat]
        return {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": centre},
            "properties": {"shape": "circle", "radius_m": shape.radius_m},
        }
    ring = [[p.lon, p.lat] for p in shape.ring]
    closed = shape.ring[0] == shape.ring[-1]
    return {
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [ring if closed else [*ring, ring[0]]]},
        "properties": {"shape": "polygon", "ring_closed": closed},
    }


def load_shape(data: Mapping[str, Any]) -> Circle | Polygon:
    """The shape written by :func:`dump_shape`.

    Raises:
        InvalidValueError: not a Point or Polygon Feature.
    """
    geometry, properties = data.get("geometry") or {}, data.get("properties") or {}
    kind = geometry.get("type")
    if kind == "Point":
        lon, lat = geometry["coordinates"]
        return Circle(GeoPoint(lat, lon), properties["radius_m"])
    if kind == "Polygon":
        ring = [GeoPoint(lat, lon) for lon, lat in geometry["coordinates"][0]]
        if not properties.get("ring_closed", False):
            ring = ring[:-1]
        return Polygon(tuple(ring))
    raise InvalidValueError("zone", data, "expected a GeoJSON Point or Polygon Feature")


def dump_term(term: Term) -> tuple[str, dict[str, Any]]:
    """A term as its catalogue code and the JSON of its parameters (every field but its id)."""
    params = {
        alias: dump(getattr(term, name), tp)
        for name, alias, tp in _fields(type(term))
        if alias not in _TERM_BASE_FIELDS
    }
    return type(term).CODE, params


def load_term(code: str, term_id: str, params: Mapping[str, Any]) -> Term:
    """The term of catalogue ``code`` with id ``term_id`` and the parameters from :func:`dump_term`.

    Raises:
        UnknownCodeError: ``code`` is not in the catalogue.
        InvalidValueError: a parameter is missing or refused by the term's validators.
    """
    cls = term_type(code)
    kwargs: dict[str, Any] = {"term_id": term_id}
    for _, alias, tp in _fields(cls):
        if alias in _TERM_BASE_FIELDS:
            continue
        if alias not in params:
            raise InvalidValueError(alias, None, f"missing from the stored parameters of {code}")
        kwargs[alias] = load(params[alias], tp)
    return cls(**kwargs)


def dump(value: Any, tp: Any) -> Any:
    """``value``, declared as type ``tp``, as JSON-ready data."""
    if value is None:
        return None
    if _is_shape_type(tp):
        return dump_shape(value)
    if _is_union(tp):
        return _dump_union(value, tp)
    origin = _origin(tp)
    if origin in (tuple, list):
        return _dump_sequence(value, tp)
    if origin in (frozenset, set):
        (item,) = _args(tp)
        return sorted((dump(v, item) for v in value), key=canonical_json)
    if origin in (dict, Mapping):
        _, value_tp = _args(tp)
        return {_key_text(k): dump(v, value_tp) for k, v in value.items()}
    return _dump_plain(value, tp)


@functools.cache
def _members(tp: Any) -> tuple[Any, ...]:
    """The members of a union type other than ``None``."""
    return tuple(m for m in typing.get_args(tp) if m is not type(None))


def _dump_union(value: Any, tp: Any) -> Any:
    members = _members(tp)
    if len(members) == 1:
        return dump(value, members[0])
    for member in members:
        if isinstance(member, type) and isinstance(value, member):
            return {"type": member.__name__, "value": dump(value, member)}
    raise TypeError(f"{value!r} is none of {tp}")


def _dump_sequence(value: Any, tp: Any) -> list[Any]:
    args = _args(tp)
    if (len(args) == 2 and args[1] is Ellipsis) or _origin(tp) is list:
        return [dump(v, args[0]) for v in value]
    return [dump(v, item) for v, item in zip(value, args, strict=True)]


def _key_text(key: Any) -> str:
    return str(key.value) if isinstance(key, enum.Enum) else str(key)


def _dump_plain(value: Any, tp: Any) -> Any:
    if isinstance(tp, type) and issubclass(tp, Term):
        code, params = dump_term(value)
        return {"code": code, "term_id": value.term_id, "parameters": params}
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return value.value
    if tp in (str, int, float, bool):
        return value
    if tp in (pendulum.DateTime, _dt.datetime):
        return zoned_text(value)
    if tp in (pendulum.Date, _dt.date):
        return value.isoformat()
    if attrs.has(tp):
        return {alias: dump(getattr(value, name), ftp) for name, alias, ftp in _fields(tp)}
    raise TypeError(f"the storage converter has no rule for {tp!r}")


def load(data: Any, tp: Any) -> Any:
    """The value of type ``tp`` that :func:`dump` turned into ``data``."""
    if data is None:
        return None
    if _is_shape_type(tp):
        return load_shape(data)
    if _is_union(tp):
        return _load_union(data, tp)
    origin = _origin(tp)
    if origin in (tuple, list):
        return _load_sequence(data, tp)
    if origin in (frozenset, set):
        (item,) = _args(tp)
        return frozenset(load(v, item) for v in data)
    if origin in (dict, Mapping):
        key_tp, value_tp = _args(tp)
        return {_load_key(k, key_tp): load(v, value_tp) for k, v in data.items()}
    return _load_plain(data, tp)


def _load_union(data: Any, tp: Any) -> Any:
    members = _members(tp)
    if len(members) == 1:
        return load(data, members[0])
    for member in members:
        if getattr(member, "__name__", None) == data.get("type"):
            return load(data["value"], member)
    raise InvalidValueError("type", data.get("type"), f"is none of {tp}")


def _load_sequence(data: Any, tp: Any) -> Any:
    args = _args(tp)
    if _origin(tp) is list:
        return [load(v, args[0]) for v in data]
    if len(args) == 2 and args[1] is Ellipsis:
        return tuple(load(v, args[0]) for v in data)
    return tuple(load(v, item) for v, item in zip(data, args, strict=True))


def _load_key(key: str, tp: Any) -> Any:
    return tp(key) if isinstance(tp, type) and issubclass(tp, enum.Enum) else key


_SCALARS: Final[dict[Any, Callable[[Any], Any]]] = {
    str: lambda v: v,
    int: lambda v: v,
    float: lambda v: v,
    bool: lambda v: v,
    pendulum.DateTime: parse_instant,
    _dt.datetime: parse_instant,
    pendulum.Date: lambda v: pendulum.Date.fromisoformat(v),
    _dt.date: lambda v: pendulum.Date.fromisoformat(v),
}


def _load_plain(data: Any, tp: Any) -> Any:
    if isinstance(tp, type) and issubclass(tp, Term):
        return load_term(data["code"], data["term_id"], data["parameters"])
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return tp(data)
    scalar = _SCALARS.get(tp)
    if scalar is not None:
        return scalar(data)
    if attrs.has(tp):
        kwargs = {alias: load(data[alias], ftp) for _, alias, ftp in _fields(tp) if alias in data}
        return tp(**kwargs)
    raise TypeError(f"the storage converter has no rule for {tp!r}")
