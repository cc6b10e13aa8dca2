"""The base of every event record: the five facts every event has, its plain form,
and the converters that name the field a bad value was given for.

Private: import the events from :mod:`spo_tracker.events`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar, Final

import attrs
import pendulum

from spo_tracker.domain.statutory_time import ensure_aware, ensure_date
from spo_tracker.domain.validators import non_blank
from spo_tracker.errors import InvalidValueError, UnknownCodeError

__all__ = [
    "DomainEvent",
    "as_arose_on",
    "as_breach_time",
    "as_deadline",
    "as_due_by",
    "as_ended_at",
    "as_ends_on",
    "as_final_day",
    "as_occurred_at",
    "as_strings",
    "optional_positive_version",
    "positive_version",
]


def positive_version(_: object, attribute: attrs.Attribute[int], value: object) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise InvalidValueError(attribute.name, value, "must be a whole number, 1 or more")


def optional_positive_version(
    _: object, attribute: attrs.Attribute[int | None], value: object
) -> None:
    if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
        raise InvalidValueError(attribute.name, value, "must be a whole number, 1 or more")


def _instant(value: object, field: str) -> pendulum.DateTime:
    """An aware instant, from a datetime or the ISO 8601 text ``as_dict`` writes."""
    if isinstance(value, str):
        try:
            value = pendulum.parse(value, tz=None)  # text without an offset stays naive: refused
        except ValueError:
            raise InvalidValueError(field, value, "not an ISO 8601 datetime") from None
    return ensure_aware(value, field=field)


def _day(value: object, field: str) -> pendulum.Date:
    """A calendar day, from a date or ``YYYY-MM-DD``."""
    if isinstance(value, str):
        try:
            value = pendulum.parse(value, exact=True)
        except ValueError:
            raise InvalidValueError(field, value, "not an ISO 8601 date") from None
    return ensure_date(value, field=field)


# One named converter per field, so that an error names the field (mypy's attrs
# plugin understands plain named functions only).
def as_occurred_at(value: object) -> pendulum.DateTime:
    return _instant(value, "occurred_at")


def as_ended_at(value: object) -> pendulum.DateTime:
    return _instant(value, "ended_at")


def as_breach_time(value: object) -> pendulum.DateTime | None:
    return None if value is None else _instant(value, "breach_time")


def as_deadline(value: object) -> pendulum.DateTime | None:
    return None if value is None else _instant(value, "deadline")


def as_ends_on(value: object) -> pendulum.Date | None:
    return None if value is None else _day(value, "ends_on")


def as_final_day(value: object) -> pendulum.Date | None:
    return None if value is None else _day(value, "final_day")


def as_arose_on(value: object) -> pendulum.Date:
    return _day(value, "arose_on")


def as_due_by(value: object) -> pendulum.Date:
    return _day(value, "due_by")


def as_strings(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class DomainEvent:
    """Something that happened to one aggregate; the base of every event.

    Attributes:
        originator_id: the id of the order, application, duty, review or alert.
        originator_version: the aggregate's revision after the event (ordering key).
        occurred_at: when it happened: the lifecycle command's ``at`` (aware).
        actor: who recorded it.
        section: the section of the Act it follows, e.g. ``SPA2019 s.9(1)``.
    """

    #: The kind of aggregate the events of a class happen to (``order``, ``alert``...).
    originator_kind: ClassVar[str] = ""

    originator_id: str = attrs.field(validator=non_blank)
    originator_version: int = attrs.field(validator=positive_version)
    occurred_at: pendulum.DateTime = attrs.field(converter=as_occurred_at)
    actor: str = attrs.field(validator=non_blank)
    section: str = attrs.field(validator=non_blank)

    @property
    def event_type(self) -> str:
        """The event's type name, e.g. ``OrderServed`` (stable: it is the class name)."""
        return type(self).__name__

    @property
    def aggregate_key(self) -> tuple[str, str]:
        """``(originator_kind, originator_id)``: events are ordered within one key."""
        return (self.originator_kind, self.originator_id)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready values: ``type`` and every field (instants and days as ISO 8601)."""
        out: dict[str, Any] = {"type": self.event_type}
        for field in attrs.fields(type(self)):
            out[field.name] = _plain(getattr(self, field.name))
        return out

    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> DomainEvent:
        """The event that :meth:`as_dict` wrote.

        Raises:
            UnknownCodeError: ``type`` is not an event type of this library.
            InvalidValueError: a field is missing, unknown or malformed.
        """
        # The event types are listed where every module of them is imported; looked up
        # here, when an event is read, since each of those modules imports this one.
        from spo_tracker.events._records import _BY_NAME

        values = dict(data)
        name = values.pop("type", None)
        cls = _BY_NAME.get(name) if isinstance(name, str) else None
        if cls is None:
            raise UnknownCodeError("type", name, sorted(_BY_NAME))
        unknown = sorted(set(values) - {f.name for f in attrs.fields(cls)})
        if unknown:
            raise InvalidValueError("event", unknown, f"unknown fields of {name}")
        try:
            return cls(**values)
        except TypeError as error:
            raise InvalidValueError("event", sorted(values), str(error)) from None


#: The exact types :func:`_plain` gives back as they are (tested first: most values are).
_AS_THEY_ARE: Final = frozenset({str, int, bool, float, type(None)})


def _plain(value: object) -> object:
    if type(value) in _AS_THEY_ARE:
        return value
    if isinstance(value, pendulum.DateTime):
        return value.isoformat()
    if isinstance(value, pendulum.Date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value
