"""Helpers shared by the lifecycle modules: command fields, table rows, cached day ends.

Private: the public surface is each lifecycle module and the package ``__init__``.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final, Protocol, TypeVar, cast

import attrs
import pendulum

from spo_tracker.domain.statemachine import Command, Guard, Transition
from spo_tracker.domain.statutory_time import (
    DayPeriod,
    as_london_date,
    instant_before,
    start_of_london_day,
)
from spo_tracker.errors import InvalidValueError, UnknownCodeError

__all__ = [
    "PROBE_ACTOR",
    "Revisioned",
    "code_converter",
    "day_start",
    "evolve",
    "first_conflict",
    "is_before",
    "london_day",
    "period_end",
    "row",
    "state_setter",
    "to_event",
]

#: The actor of the payload-free commands that ``Machine.enabled_events`` builds.
PROBE_ACTOR = "enabled-events probe"

E = TypeVar("E", bound=enum.Enum)
S = TypeVar("S", bound=enum.Enum)
T = TypeVar("T", bound="Revisioned")
C = TypeVar("C", bound=Command)


class Revisioned(Protocol):
    """A lifecycle subject: an id, a state and a revision bumped by every fired event."""

    @property
    def subject_id(self) -> str: ...

    @property
    def revision(self) -> int: ...

    @property
    def state(self) -> enum.Enum: ...


def to_event(events: type[E], value: object) -> E:
    """``value`` as a member of ``events``: the member itself, or its name or value as text.

    Raises:
        UnknownCodeError: naming the value and the known event names.
    """
    if isinstance(value, events):
        return value
    if isinstance(value, str):
        for member in events:
            if value in (member.name, member.value):
                return member
    raise UnknownCodeError("event", value, [e.name for e in events])


def evolve(subject: T, **changes: Any) -> T:
    """A copy of ``subject`` with ``changes``, through ``attrs.evolve``.

    Every converter and validator of the record runs again on the copy, so a
    transition cannot produce a record its constructor would refuse (an order
    dated before it was made, versions out of order...); the record's own typed
    error is raised and the caller's subject is unchanged.

    Raises:
        InvalidValueError: a change names a field the subject does not have, or
            the copy breaks one of the record's own rules (the record's error).
    """
    record: Any = subject
    unknown = sorted(changes.keys() - attrs.fields_dict(type(record)).keys())
    if unknown:
        raise InvalidValueError("field", unknown[0], f"not a field of {type(record).__name__}")
    return cast(T, attrs.evolve(record, **changes))


def code_converter(codes: type[E], field: str) -> Callable[[object], E]:
    """A converter to a member of ``codes``: the member itself, or its value or name as text.

    Raises (from the converter):
        UnknownCodeError: naming ``field``, the value and the known values.
    """

    def convert(value: object) -> E:
        if isinstance(value, codes):
            return value
        if isinstance(value, str):
            for member in codes:
                if value in (member.value, member.name):
                    return member
        raise UnknownCodeError(field, value, [str(c.value) for c in codes])

    convert.__name__ = f"to_{field}"
    return convert


def london_day(at: pendulum.DateTime) -> pendulum.Date:
    """The Europe/London day of ``at`` (the statutory day, via statutory_time)."""
    return as_london_date(at)


@functools.lru_cache(maxsize=4096)
def day_start(day: pendulum.Date) -> pendulum.DateTime:
    """The instant ``day`` begins in London (cached: chronology guards ask for it often)."""
    return start_of_london_day(day)


def _shown(at: pendulum.DateTime) -> str:
    return at.in_timezone("Europe/London").to_iso8601_string()


#: Whether instant ``a`` is before instant ``b``, right in the repeated autumn hour.
is_before: Final = instant_before


def first_conflict(
    at: pendulum.DateTime, recorded: Iterable[tuple[str, pendulum.DateTime | None]]
) -> str | None:
    """Library rule: an event is not dated before what its subject already records.

    Args:
        at: the new event's instant.
        recorded: what the subject's state depends on, as (description, instant);
            ``None`` instants (not recorded) are skipped.

    Returns:
        ``None`` when ``at`` is not before any of them; otherwise the reason,
        naming ``at`` and the latest recorded instant it precedes.
    """
    worst: tuple[str, pendulum.DateTime] | None = None
    for what, when in recorded:
        later = when is not None and is_before(at, when)
        if later and (worst is None or is_before(worst[1], when)):  # type: ignore[arg-type]
            worst = (what, when)  # type: ignore[assignment]
    if worst is None:
        return None
    return f"at={_shown(at)}: before {worst[0]} at {_shown(worst[1])}"


@functools.lru_cache(maxsize=4096)
def period_end(period: DayPeriod) -> pendulum.DateTime:
    """``period.ends_at``, cached: guards compare against it on most transitions.

    ``DayPeriod`` is frozen and hashable, so the cache can never go stale.
    """
    return period.ends_at


def state_setter(
    stored: Callable[[S], Any] | None = None,
) -> Callable[[T, S], T]:
    """The ``Machine.set_state`` hook: the subject in ``state``, revision bumped once.

    Rows built by :func:`row` already set the state and the revision in their
    effect (one copy per transition instead of two), so a subject
    already in ``state`` is returned as it is.
    """
    convert = stored or (lambda s: s)

    def set_state(subject: T, state: S) -> T:
        value = convert(state)
        if subject.state is value:
            return subject
        return evolve(subject, state=value, revision=subject.revision + 1)

    return set_state


Changes = Callable[[T, C], Mapping[str, Any]]


def row(
    source: S,
    event: E,
    target: S,
    section: str,
    summary: str,
    *,
    guards: tuple[Guard[T, C], ...] = (),
    changes: Changes[T, C] | None = None,
    stored: Callable[[S], Any] | None = None,
) -> Transition[S, E, T, C]:
    """One table row whose effect applies ``changes``, the target state and revision + 1.

    Args:
        changes: the fields the event changes (dates, versions, flags), computed
            from the subject and the command; guards have already passed.
        stored: maps the machine's state to the value held on the subject (the
            full-order machine keeps :class:`OrderState` on the order).
    """
    value = target if stored is None else stored(target)

    def effect(subject: T, command: C) -> T:
        extra = changes(subject, command) if changes is not None else {}
        return evolve(subject, state=value, revision=subject.revision + 1, **extra)

    effect.__name__ = f"{event.name.lower()}_effect"
    return Transition(source, event, target, section, summary, guards, effect)
