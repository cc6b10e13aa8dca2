"""Terms of an order as interchange attributes: the catalogue code and its parameters.

Parameters are read and written by each term type's declared field types
(the same catalogue, :data:`~spo_tracker.domain.terms.TERM_TYPES`, drives the
JSON Schema), so a new term type needs no code here unless it brings a new
kind of value.
"""

from __future__ import annotations

import enum
import types
import typing
from collections.abc import Mapping
from typing import Any, Final

import attrs
import pendulum

from spo_tracker.domain.geo import Circle, GeoPoint, Polygon
from spo_tracker.domain.terms import Locality, Term, term_type
from spo_tracker.interchange._values import (
    FieldError,
    day_text,
    field,
    read_day,
    read_period,
    read_point,
    read_shape,
    write_period,
    write_point,
    write_shape,
)

__all__ = ["COMMON_FIELDS", "parameter_fields", "read_term", "write_term"]

#: Fields every term has; the rest are the type's parameters.
COMMON_FIELDS: Final = frozenset({"term_id", "period", "locality"})


_PARAMETERS: dict[type[Term], tuple[tuple[str, Any, bool], ...]] = {}


def parameter_fields(cls: type[Term]) -> tuple[tuple[str, Any, bool], ...]:
    """``(name, resolved type, required)`` of each parameter of a term type (resolved once)."""
    found = _PARAMETERS.get(cls)
    if found is None:
        hints = typing.get_type_hints(cls)
        found = _PARAMETERS[cls] = tuple(
            (a.alias, hints[a.name], a.default is attrs.NOTHING)
            for a in attrs.fields(cls)
            if a.init and a.name not in COMMON_FIELDS
        )
    return found


def _members(tp: Any) -> set[Any]:
    members = set(typing.get_args(tp)) if _is_union(tp) else {tp}
    members.discard(type(None))
    return members


def _is_union(tp: Any) -> bool:
    return isinstance(tp, types.UnionType) or typing.get_origin(tp) is typing.Union


def _write_value(value: Any, tp: Any) -> Any:
    """A parameter value as JSON, by its declared type."""
    members = _members(tp)
    if value is None:
        return None
    if members <= {Circle, Polygon}:
        return write_shape(value)
    if members == {GeoPoint}:
        return write_point(value)
    (only,) = members
    origin = typing.get_origin(only)
    if origin is frozenset:
        return sorted(_write_value(v, typing.get_args(only)[0]) for v in value)
    if origin is tuple:
        return [_write_value(v, typing.get_args(only)[0]) for v in value]
    if isinstance(only, type) and issubclass(only, enum.Enum):
        return value.value
    if only is pendulum.Date:
        return day_text(value)
    return value


def _read_value(value: Any, tp: Any, path: str) -> Any:
    """A parameter value from JSON, by its declared type; the term's validators check it."""
    members = _members(tp)
    if value is None:
        return None
    if members <= {Circle, Polygon}:
        return read_shape(value, path)
    if members == {GeoPoint}:
        return read_point(value, path)
    (only,) = members
    origin = typing.get_origin(only)
    if origin in (frozenset, tuple):
        if not isinstance(value, list):
            raise FieldError(path, f"{value!r} is not a list")
        item = typing.get_args(only)[0]
        return [_read_value(v, item, f"{path}[{i}]") for i, v in enumerate(value)]
    if only is pendulum.Date:
        return read_day(value, path)
    return value


def write_term(term: Term) -> dict[str, Any]:
    """The attributes of a term record: id within the order, code, period, locality, parameters."""
    cls = type(term)
    return {
        "term_id": term.term_id,
        "code": cls.CODE,
        "period": write_period(term.period),
        "locality": _write_locality(term.locality),
        "parameters": {
            name: _write_value(getattr(term, name), tp) for name, tp, _ in parameter_fields(cls)
        },
    }


def _write_locality(locality: Locality | None) -> dict[str, Any] | None:
    if locality is None:
        return None
    return {"name": locality.name, "area": write_shape(locality.area)}


def read_term(attributes: Mapping[str, Any], path: str) -> Term:
    """The term described by a term record's attributes.

    Raises:
        FieldError: an unknown code, a missing or unknown parameter, or a value its
            term type refuses (naming the parameter).
    """
    code = attributes.get("code")
    cls = field(f"{path}.code", term_type, str(code))
    given = attributes.get("parameters") or {}
    if not isinstance(given, Mapping):
        raise FieldError(f"{path}.parameters", f"{given!r} is not an object")
    declared = parameter_fields(cls)
    unknown = sorted(set(given) - {name for name, _, _ in declared})
    if unknown:
        raise FieldError(f"{path}.parameters", f"{unknown} are not parameters of {code}")
    kwargs: dict[str, Any] = {}
    for name, tp, required in declared:
        where = f"{path}.parameters.{name}"
        if name not in given:
            if required:
                raise FieldError(where, f"missing: {code} needs it")
            continue
        kwargs[name] = _read_value(given[name], tp, where)
    kwargs["term_id"] = attributes.get("term_id")
    kwargs["period"] = read_period(attributes.get("period"), f"{path}.period")
    kwargs["locality"] = _read_locality(attributes.get("locality"), f"{path}.locality")
    return _build(cls, kwargs, path)


def _build(cls: type[Term], kwargs: dict[str, Any], path: str) -> Term:
    names = {name for name, _, _ in parameter_fields(cls)}

    def where(error_field: str) -> str:
        if error_field in names:
            return f"{path}.parameters.{error_field}"
        return f"{path}.{error_field}" if error_field in COMMON_FIELDS else f"{path}.parameters"

    try:
        return cls(**kwargs)
    except FieldError:
        raise
    except (ValueError, TypeError) as error:
        name = getattr(error, "field", "")
        # The catalogue names a few fields differently in its errors ("zone" for a shape).
        raise FieldError(where(str(name)), str(error)) from None


def _read_locality(value: object, path: str) -> Locality | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise FieldError(path, f"{value!r} is not an object")
    area = read_shape(value.get("area"), f"{path}.area")
    name = value.get("name")
    return field(f"{path}.name", Locality, name, area)
