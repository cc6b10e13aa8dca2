"""The storage codec against a reference: the converter as it was before it resolved each
type hint once into a ready-made function, kept here (dispatching on the type hint for
every value, the plainest reading of the rules) so that the fast one is checked against
it, record by record, for every record type of an interchange dataset."""

from __future__ import annotations

import datetime as dt
import enum
import json
import types
import typing
from collections.abc import Mapping
from typing import Any

import attrs
import pendulum
import pytest
from hypothesis import given

from spo_tracker.domain.geo import Circle, GeoPoint, Polygon
from spo_tracker.domain.terms import Term, term_type
from spo_tracker.errors import InvalidValueError
from spo_tracker.interchange import Dataset
from spo_tracker.storage import _codec
from spo_tracker.storage._codec import canonical_json, dump_shape, load_shape, zoned_text
from tests.interchange.strategies import datasets

# -- the reference: one dispatch on the type hint per value ---------------------------------


def _fields(cls: type) -> list[tuple[str, str, Any]]:
    hints = typing.get_type_hints(cls)
    return [(a.name, a.alias, hints[a.name]) for a in attrs.fields(cls) if a.init]


def _is_union(tp: Any) -> bool:
    return typing.get_origin(tp) in (typing.Union, types.UnionType)


def _members(tp: Any) -> list[Any]:
    return [m for m in typing.get_args(tp) if m is not type(None)]


def _is_shape(tp: Any) -> bool:
    members = set(_members(tp)) if _is_union(tp) else {tp}
    return bool(members) and members <= {Circle, Polygon}


def ref_dump_term(term: Term) -> tuple[str, dict[str, Any]]:
    fields = _fields(type(term))
    return type(term).CODE, {
        a: ref_dump(getattr(term, n), t) for n, a, t in fields if a != "term_id"
    }


def ref_dump(value: Any, tp: Any) -> Any:
    """The reference dump."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if value is None:
        return None
    if _is_shape(tp):
        return dump_shape(value)
    if _is_union(tp):
        members = _members(tp)
        if len(members) == 1:
            return ref_dump(value, members[0])
        member = next(m for m in members if isinstance(m, type) and isinstance(value, m))
        return {"type": member.__name__, "value": ref_dump(value, member)}
    if origin is list or (origin is tuple and len(args) == 2 and args[1] is Ellipsis):
        return [ref_dump(v, args[0]) for v in value]
    if origin is tuple:
        return [ref_dump(v, t) for v, t in zip(value, args, strict=True)]
    if origin in (frozenset, set):
        return sorted((ref_dump(v, args[0]) for v in value), key=canonical_json)
    if origin in (dict, Mapping):
        keys = {k: str(k.value) if isinstance(k, enum.Enum) else str(k) for k in value}
        return {keys[k]: ref_dump(v, args[1]) for k, v in value.items()}
    if isinstance(tp, type) and issubclass(tp, Term):
        code, params = ref_dump_term(value)
        return {"code": code, "term_id": value.term_id, "parameters": params}
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return value.value
    if tp in (pendulum.DateTime, dt.datetime):
        return zoned_text(value)
    if tp in (pendulum.Date, dt.date):
        return value.isoformat()
    if attrs.has(tp):
        return {a: ref_dump(getattr(value, n), t) for n, a, t in _fields(tp)}
    assert tp in (str, int, float, bool), tp
    return value


def ref_load_term(code: str, term_id: str, params: Mapping[str, Any]) -> Term:
    cls = term_type(code)
    kwargs = {a: ref_load(params[a], t) for _, a, t in _fields(cls) if a != "term_id"}
    return cls(term_id=term_id, **kwargs)


def ref_load(data: Any, tp: Any) -> Any:
    """The reference load."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if data is None:
        return None
    if _is_shape(tp):
        return load_shape(data)
    if _is_union(tp):
        members = _members(tp)
        if len(members) == 1:
            return ref_load(data, members[0])
        member = next(m for m in members if m.__name__ == data["type"])
        return ref_load(data["value"], member)
    if origin is list:
        return [ref_load(v, args[0]) for v in data]
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return tuple(ref_load(v, args[0]) for v in data)
    if origin is tuple:
        return tuple(ref_load(v, t) for v, t in zip(data, args, strict=True))
    if origin in (frozenset, set):
        return frozenset(ref_load(v, args[0]) for v in data)
    if origin in (dict, Mapping):
        key = args[0] if isinstance(args[0], type) and issubclass(args[0], enum.Enum) else str
        return {key(k): ref_load(v, args[1]) for k, v in data.items()}
    if isinstance(tp, type) and issubclass(tp, Term):
        return ref_load_term(data["code"], data["term_id"], data["parameters"])
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return tp(data)
    if tp in (pendulum.DateTime, dt.datetime):
        return _codec.parse_instant(data)
    if tp in (pendulum.Date, dt.date):
        return pendulum.Date.fromisoformat(data)
    if attrs.has(tp):
        return tp(**{a: ref_load(data[a], t) for _, a, t in _fields(tp) if a in data})
    assert tp in (str, int, float, bool), tp
    return data


# -- the codec against it ---------------------------------------------------------------------


def _records(dataset: Dataset) -> list[Any]:
    return [
        *dataset.defendants,
        *dataset.protected_persons,
        *dataset.applications,
        *dataset.orders,
        *dataset.duties,
        *dataset.incidents,
        *dataset.alerts,
        *dataset.compliance,
    ]


@given(datasets())
def test_every_record_dumps_and_loads_as_the_reference_does(dataset: Dataset) -> None:
    """Each record of every stored type dumps to the same JSON as the reference and loads
    back (through JSON text) equal to what the reference loads, zones and all."""
    for record in _records(dataset):
        tp = type(record)
        dumped = _codec.dump(record, tp)
        assert canonical_json(dumped) == canonical_json(ref_dump(record, tp))
        data = json.loads(canonical_json(dumped))
        loaded = _codec.load(data, tp)
        assert loaded == ref_load(data, tp) == record
        assert canonical_json(ref_dump(loaded, tp)) == canonical_json(dumped)


@given(datasets())
def test_every_term_dumps_and_loads_as_the_reference_does(dataset: Dataset) -> None:
    """Each term of every order version: the same code and parameters, loaded back equal."""
    for term in (t for o in dataset.orders for v in o.versions for t in v.terms):
        code, params = _codec.dump_term(term)
        assert (code, canonical_json(params)) == (
            type(term).CODE,
            canonical_json(ref_dump_term(term)[1]),
        )
        data = json.loads(canonical_json(params))
        assert _codec.load_term(code, term.term_id, data) == ref_load_term(code, term.term_id, data)


def test_a_refused_value_is_still_refused_by_the_records_own_validators() -> None:
    """Loading runs the constructor: a stored point off the globe is a typed error naming
    the field, as before."""
    with pytest.raises(InvalidValueError, match="lat"):
        _codec.load({"lat": 91.0, "lon": 0.0}, GeoPoint)


def test_an_unknown_union_tag_is_a_typed_error_naming_it() -> None:
    """A tagged union member the type does not have is named, not guessed."""
    with pytest.raises(InvalidValueError, match="Square"):
        _codec.load({"type": "Square", "value": {}}, int | str)


def test_a_type_the_converter_has_no_rule_for_is_refused_only_with_a_value() -> None:
    """As before: no rule for a type is an error when a value of it is converted, and
    ``None`` of any type stays ``None``."""
    assert _codec.load(None, complex) is None
    assert _codec.dump(None, complex) is None
    with pytest.raises(TypeError, match="no rule"):
        _codec.load(1j, complex)
    with pytest.raises(TypeError, match="no rule"):
        _codec.dump(1j, complex)
