"""The private converter between domain records and JSON-ready plain data.

It is driven by each attrs class's resolved type hints, so every field is
converted by its declared type: enums by value, dates as ISO days, aware
datetimes as UTC instants (the instant is kept, the zone is not), tuples and
frozensets as lists (frozensets sorted, so equal sets give equal JSON),
catalogue terms tagged with their stable ``CODE``, and zone shapes as GeoJSON
Features. Loading calls each record's own constructor with its fields named
one by one, so the domain validators run again on the way back in: a
corrupted row is refused, never half-loaded.

Each type hint is read once, into a converter function for that type (cached
per type), so converting a value is one call with no test of its type hint.

Private by design (STYLE: a private converter, never a global one); the
storage mappers and the audit trail are its only users.
"""

from __future__ import annotations

import datetime as _dt
import enum
import functools
import operator
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


#: A converter made once per type: one value in, its conversion out.
_Convert = Callable[[Any], Any]


def _fields(cls: type) -> tuple[tuple[str, str, Any], ...]:
    """(attribute name, init argument name, resolved type) of each init field of ``cls``."""
    hints = typing.get_type_hints(cls)
    return tuple((a.name, a.alias, hints[a.name]) for a in attrs.fields(cls) if a.init)


def _is_shape_type(tp: Any) -> bool:
    members = set(typing.get_args(tp)) if _is_union(tp) else {tp}
    members.discard(type(None))
    return bool(members) and members <= {Circle, Polygon}


def _is_union(tp: Any) -> bool:
    return isinstance(tp, types.UnionType) or typing.get_origin(tp) is typing.Union


def _same(value: Any) -> Any:
    return value


def _nullable(convert: _Convert) -> _Convert:
    """``convert``, with ``None`` passed through (any declared type may hold ``None``)."""

    def run(value: Any) -> Any:
        return None if value is None else convert(value)

    return run


def _no_rule(tp: Any) -> _Convert:
    """A converter refusing every value but ``None``: the converter knows no type ``tp``."""

    def refuse(value: Any) -> Any:
        raise TypeError(f"the storage converter has no rule for {tp!r}")

    return _nullable(refuse)


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
    return _term_dumper(type(term).CODE)(term)


# Each is made once per catalogue code (every Term subclass is in the catalogue).
@functools.cache
def _term_dumper(code: str) -> Callable[[Term], tuple[str, dict[str, Any]]]:
    cls = term_type(code)
    plan = [
        (name, alias, _dumper(tp))
        for name, alias, tp in _fields(cls)
        if alias not in _TERM_BASE_FIELDS
    ]

    def dump_one(term: Term) -> tuple[str, dict[str, Any]]:
        params = {alias: dump_field(getattr(term, name)) for name, alias, dump_field in plan}
        return code, params

    return dump_one


def load_term(code: str, term_id: str, params: Mapping[str, Any]) -> Term:
    """The term of catalogue ``code`` with id ``term_id`` and the parameters from :func:`dump_term`.

    Raises:
        UnknownCodeError: ``code`` is not in the catalogue.
        InvalidValueError: a parameter is missing or refused by the term's validators.
    """
    return _term_loader(code)(term_id, params)


@functools.cache
def _term_loader(code: str) -> Callable[[str, Mapping[str, Any]], Term]:
    cls = term_type(code)
    plan = [(alias, _loader(tp)) for _, alias, tp in _fields(cls) if alias not in _TERM_BASE_FIELDS]

    def load_one(term_id: str, params: Mapping[str, Any]) -> Term:
        kwargs: dict[str, Any] = {"term_id": term_id}
        for alias, load_param in plan:
            if alias not in params:
                message = f"missing from the stored parameters of {code}"
                raise InvalidValueError(alias, None, message)
            kwargs[alias] = load_param(params[alias])
        return cls(**kwargs)

    return load_one


# Each type hint is resolved once into a converter (the nested functions below), so that
# dumping or loading a value is one call of a ready-made function, with no test of its
# type hint: a force's 12,000 orders hold about 130,000 terms, all of a few types. No
# stored record holds its own type (a converter for one would recurse while it is made).


def dump(value: Any, tp: Any) -> Any:
    """``value``, declared as type ``tp``, as JSON-ready data."""
    return _dumper(tp)(value)


@functools.cache
def _dumper(tp: Any) -> _Convert:
    """The converter of values declared as ``tp`` to JSON-ready data."""
    if _is_shape_type(tp):
        return _nullable(dump_shape)
    if _is_union(tp):
        return _union_dumper(tp)
    origin = typing.get_origin(tp)
    if origin in (tuple, list):
        return _sequence_dumper(tp)
    if origin in (frozenset, set):
        (item,) = typing.get_args(tp)
        dump_item = _dumper(item)
        return _nullable(lambda value: sorted(map(dump_item, value), key=canonical_json))
    if origin in (dict, Mapping):
        _, value_tp = typing.get_args(tp)
        dump_value = _dumper(value_tp)
        return _nullable(lambda value: {_key_text(k): dump_value(v) for k, v in value.items()})
    return _plain_dumper(tp)


def _union_dumper(tp: Any) -> _Convert:
    members = [m for m in typing.get_args(tp) if m is not type(None)]
    if len(members) == 1:
        return _dumper(members[0])
    tagged = [(m, m.__name__, _dumper(m)) for m in members if isinstance(m, type)]

    def dump_tagged(value: Any) -> Any:
        for member, name, dump_member in tagged:
            if isinstance(value, member):
                return {"type": name, "value": dump_member(value)}
        raise TypeError(f"{value!r} is none of {tp}")

    return _nullable(dump_tagged)


def _sequence_dumper(tp: Any) -> _Convert:
    args = typing.get_args(tp)
    if (len(args) == 2 and args[1] is Ellipsis) or typing.get_origin(tp) is list:
        dump_item = _dumper(args[0])
        return _nullable(lambda value: [dump_item(v) for v in value])
    dump_items = [_dumper(item) for item in args]
    return _nullable(lambda value: [dump(v) for v, dump in zip(value, dump_items, strict=True)])


def _key_text(key: Any) -> str:
    return str(key.value) if isinstance(key, enum.Enum) else str(key)


def _plain_dumper(tp: Any) -> _Convert:
    if isinstance(tp, type) and issubclass(tp, Term):
        return _nullable(_dump_tagged_term)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return _nullable(operator.attrgetter("value"))
    if tp in (str, int, float, bool):
        return _same
    if tp in (pendulum.DateTime, _dt.datetime):
        return _nullable(zoned_text)
    if tp in (pendulum.Date, _dt.date):
        return _nullable(lambda value: value.isoformat())
    if attrs.has(tp):
        return _record_dumper(tp)
    return _no_rule(tp)


def _dump_tagged_term(term: Term) -> dict[str, Any]:
    code, params = dump_term(term)
    return {"code": code, "term_id": term.term_id, "parameters": params}


def _record_dumper(cls: type) -> _Convert:
    plan = [(name, alias, _dumper(ftp)) for name, alias, ftp in _fields(cls)]
    return _nullable(
        lambda value: {alias: dump_field(getattr(value, name)) for name, alias, dump_field in plan}
    )


def load(data: Any, tp: Any) -> Any:
    """The value of type ``tp`` that :func:`dump` turned into ``data``."""
    return _loader(tp)(data)


@functools.cache
def _loader(tp: Any) -> _Convert:
    """The converter of JSON-ready data back to values of type ``tp``."""
    if _is_shape_type(tp):
        return _nullable(load_shape)
    if _is_union(tp):
        return _union_loader(tp)
    origin = typing.get_origin(tp)
    if origin in (tuple, list):
        return _sequence_loader(tp)
    if origin in (frozenset, set):
        (item,) = typing.get_args(tp)
        load_item = _loader(item)
        return _nullable(lambda data: frozenset(map(load_item, data)))
    if origin in (dict, Mapping):
        key_tp, value_tp = typing.get_args(tp)
        load_key = key_tp if isinstance(key_tp, type) and issubclass(key_tp, enum.Enum) else _same
        load_value = _loader(value_tp)
        return _nullable(lambda data: {load_key(k): load_value(v) for k, v in data.items()})
    return _plain_loader(tp)


def _union_loader(tp: Any) -> _Convert:
    members = [m for m in typing.get_args(tp) if m is not type(None)]
    if len(members) == 1:
        return _loader(members[0])
    tagged = [(getattr(m, "__name__", None), _loader(m)) for m in members]

    def load_tagged(data: Any) -> Any:
        for name, load_member in tagged:
            if name == data.get("type"):
                return load_member(data["value"])
        raise InvalidValueError("type", data.get("type"), f"is none of {tp}")

    return _nullable(load_tagged)


def _sequence_loader(tp: Any) -> _Convert:
    args = typing.get_args(tp)
    if typing.get_origin(tp) is list:
        load_item = _loader(args[0])
        return _nullable(lambda data: [load_item(v) for v in data])
    if len(args) == 2 and args[1] is Ellipsis:
        load_item = _loader(args[0])
        return _nullable(lambda data: tuple(map(load_item, data)))
    load_items = [_loader(item) for item in args]
    return _nullable(lambda data: tuple(load(v) for v, load in zip(data, load_items, strict=True)))


_SCALARS: Final[dict[Any, _Convert]] = {
    str: _same,
    int: _same,
    float: _same,
    bool: _same,
    pendulum.DateTime: _nullable(parse_instant),
    _dt.datetime: _nullable(parse_instant),
    pendulum.Date: _nullable(pendulum.Date.fromisoformat),
    _dt.date: _nullable(pendulum.Date.fromisoformat),
}


def _plain_loader(tp: Any) -> _Convert:
    if isinstance(tp, type) and issubclass(tp, Term):
        return _nullable(lambda data: load_term(data["code"], data["term_id"], data["parameters"]))
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return _nullable(tp)
    scalar = _SCALARS.get(tp)
    if scalar is not None:
        return scalar
    if attrs.has(tp):
        return _record_loader(tp)
    return _no_rule(tp)


def _record_loader(cls: type) -> _Convert:
    """Loads a record by its own constructor, fields named one by one (validators run);
    a field missing from the data takes its default."""
    plan = [(alias, _loader(ftp)) for _, alias, ftp in _fields(cls)]
    return _nullable(
        lambda data: cls(**{alias: load(data[alias]) for alias, load in plan if alias in data})
    )
