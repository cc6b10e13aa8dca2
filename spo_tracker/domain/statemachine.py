"""A small engine for lifecycles declared as transition tables.

Each lifecycle is one :class:`Machine`: its states and events are enums, its
transitions are data (source, event, target, the section of the Act it
follows, and named, side-effect-free guards that each cite the statute they
enforce). The code that runs a lifecycle, the tests that enumerate it and the
Mermaid diagram in the docs all read that one table.

Subjects (orders, applications, duties, reviews) are frozen attrs objects, so
firing an event returns a new subject and a record of what happened; a
refused event raises and the caller's object is unchanged.
"""

from __future__ import annotations

import enum
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from typing import Generic, Protocol, TypeVar

import attrs
import pendulum

from spo_tracker.errors import (
    GuardRejectedError,
    IllegalTransitionError,
    MachineDefinitionError,
)

__all__ = [
    "Command",
    "Fired",
    "Guard",
    "Machine",
    "Subject",
    "Transition",
    "TransitionRecord",
]

S = TypeVar("S", bound=enum.Enum)
E = TypeVar("E", bound=enum.Enum)
T = TypeVar("T", bound="Subject")
C = TypeVar("C", bound="Command")


class Command(Protocol):
    """What a lifecycle is asked to do: an event, the instant it happens, and who asks."""

    @property
    def event(self) -> enum.Enum: ...

    @property
    def at(self) -> pendulum.DateTime: ...

    @property
    def actor(self) -> str: ...


class Subject(Protocol):
    """Anything a lifecycle runs on: it has an id."""

    @property
    def subject_id(self) -> str: ...


@attrs.frozen
class Guard(Generic[T, C]):
    """A named, side-effect-free condition that a transition must meet.

    Attributes:
        name: a stable name, shown in errors and diagrams.
        section: the statute the guard enforces, e.g. ``SPA2019 s.4(4)(b)``.
        check: returns ``None`` when the transition may go ahead, otherwise
            the reason it may not, naming the offending value.
    """

    name: str
    section: str
    check: Callable[[T, C], str | None]


def _no_effect(subject: T, command: C) -> T:
    return subject


@attrs.frozen
class Transition(Generic[S, E, T, C]):
    """One row of a lifecycle table.

    Attributes:
        source: the state the subject must be in.
        event: the event that moves it.
        target: the state it ends in (may equal ``source`` for variations).
        section: the section of the Act the transition follows.
        summary: one line of plain English for docs and diagrams.
        guards: all must pass, in order; the first refusal is raised.
        effect: builds the new subject (new order version, recorded dates...);
            the engine sets the target state afterwards.
    """

    source: S
    event: E
    target: S
    section: str
    summary: str
    guards: tuple[Guard[T, C], ...] = ()
    effect: Callable[[T, C], T] = _no_effect


@attrs.frozen
class TransitionRecord:
    """What a transition did: the raw material of audit entries and domain events."""

    machine: str
    subject_id: str
    event: str
    source: str
    target: str
    section: str
    at: pendulum.DateTime
    actor: str


@attrs.frozen
class Fired(Generic[T]):
    """The result of a successful event: the new subject and its record."""

    subject: T
    record: TransitionRecord


@attrs.frozen(eq=False)
class Machine(Generic[S, E, T, C]):
    """A validated lifecycle table and the engine that runs it.

    Attributes:
        name: the lifecycle's name.
        states: the enum of its states.
        events: the enum of its events.
        initial: the single initial state.
        finals: states nothing leaves.
        transitions: the table.
        get_state: reads a subject's state.
        set_state: returns a copy of a subject in another state.
        probe: builds a payload-free command for an event at an instant; used
            by :meth:`enabled_events` ("what could happen now with no more input").
        every_row: guards every transition must pass before its own, such as the
            library's chronology rule (no event dated before what the subject
            records). Kept apart from the rows so the table and the diagram show
            each row's own guards; the docs list them once per lifecycle.
    """

    name: str
    states: type[S]
    events: type[E]
    initial: S
    finals: frozenset[S]
    transitions: tuple[Transition[S, E, T, C], ...]
    get_state: Callable[[T], S]
    set_state: Callable[[T, S], T]
    probe: Callable[[E, pendulum.DateTime], C]
    every_row: tuple[Guard[T, C], ...] = ()
    _index: Mapping[tuple[S, E], Transition[S, E, T, C]] = attrs.field(init=False, repr=False)
    # Per row: every_row's guards, then the row's own, in the order fire() runs them.
    _guards: Mapping[int, tuple[Guard[T, C], ...]] = attrs.field(init=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_index", self._validate())
        object.__setattr__(
            self, "_guards", {id(row): (*self.every_row, *row.guards) for row in self.transitions}
        )

    def _fail(self, problem: str) -> MachineDefinitionError:
        return MachineDefinitionError(self.name, problem)

    def _validate(self) -> dict[tuple[S, E], Transition[S, E, T, C]]:
        index: dict[tuple[S, E], Transition[S, E, T, C]] = {}
        if self.initial in self.finals:
            raise self._fail(f"initial state {self.initial.name} is final")
        for row in self.transitions:
            key = (row.source, row.event)
            if key in index:
                raise self._fail(f"two transitions for ({row.source.name}, {row.event.name})")
            if row.source in self.finals:
                raise self._fail(f"final state {row.source.name} has an outgoing transition")
            if not row.section.startswith(("SPA2019", "SOA2003", "library")):
                raise self._fail(f"transition {row.event.name} cites no statute: {row.section!r}")
            for guard in row.guards:
                if not guard.section:
                    raise self._fail(f"guard {guard.name!r} cites no statute")
            index[key] = row
        for guard in self.every_row:
            if not guard.section:
                raise self._fail(f"guard {guard.name!r} cites no statute")
        self._check_reachability()
        return index

    def _check_reachability(self) -> None:
        reachable = self._closure([self.initial], forward=True)
        unreachable = [s.name for s in self.states if s not in reachable]
        if unreachable:
            raise self._fail(f"unreachable states: {', '.join(unreachable)}")
        if not self.finals:
            raise self._fail("no final state")
        ends = self._closure(list(self.finals), forward=False)
        traps = [s.name for s in self.states if s not in ends]
        if traps:
            raise self._fail(f"trap states (no way to a final state): {', '.join(traps)}")

    def _closure(self, start: list[S], *, forward: bool) -> set[S]:
        seen, todo = set(start), deque(start)
        while todo:
            here = todo.popleft()
            for row in self.transitions:
                src, dst = (row.source, row.target) if forward else (row.target, row.source)
                if src == here and dst not in seen:
                    seen.add(dst)
                    todo.append(dst)
        return seen

    def transition_for(self, state: S, event: E) -> Transition[S, E, T, C] | None:
        """The table row for ``event`` in ``state``, if there is one."""
        return self._index.get((state, event))

    def allowed_events(self, subject: T) -> tuple[E, ...]:
        """The events the table allows from the subject's state, guards aside."""
        state = self.get_state(subject)
        return tuple(e for e in self.events if (state, e) in self._index)

    def enabled_events(self, subject: T, at: pendulum.DateTime) -> tuple[E, ...]:
        """The allowed events whose guards pass at ``at`` with no further input."""
        return tuple(
            e for e in self.allowed_events(subject) if not self.refusals(subject, self.probe(e, at))
        )

    def refusals(self, subject: T, command: C) -> list[tuple[Guard[T, C], str]]:
        """Every guard that would refuse ``command``, with its reason (empty when it may fire)."""
        row = self._row(subject, command)
        found = ((g, g.check(subject, command)) for g in (*self.every_row, *row.guards))
        return [(g, reason) for g, reason in found if reason is not None]

    def _row(self, subject: T, command: C) -> Transition[S, E, T, C]:
        state = self.get_state(subject)
        event = command.event
        if not isinstance(event, self.events):
            raise IllegalTransitionError(
                self.name,
                subject.subject_id,
                state.name,
                str(event),
                "not an event of this lifecycle",
            )
        row = self._index.get((state, event))
        if row is None:
            raise IllegalTransitionError(self.name, subject.subject_id, state.name, event.name)
        return row

    def fire(self, subject: T, command: C) -> Fired[T]:
        """Apply ``command`` to ``subject`` and return the new subject.

        Raises:
            IllegalTransitionError: no transition for the event in this state.
            GuardRejectedError: a guard refused (``every_row`` first, then the
                row's own); its name, section and reason are on the error.
                ``subject`` is unchanged either way.
        """
        row = self._row(subject, command)
        for guard in self._guards[id(row)]:
            reason = guard.check(subject, command)
            if reason is not None:
                raise GuardRejectedError(
                    self.name,
                    subject.subject_id,
                    row.source.name,
                    row.event.name,
                    guard=guard.name,
                    section=guard.section,
                    reason=reason,
                )
        changed = self.set_state(row.effect(subject, command), row.target)
        record = TransitionRecord(
            self.name,
            subject.subject_id,
            row.event.name,
            row.source.name,
            row.target.name,
            row.section,
            command.at,
            command.actor,
        )
        return Fired(changed, record)

    def to_mermaid(self) -> str:
        """The lifecycle as a Mermaid ``stateDiagram-v2``, generated from the table."""
        lines = ["stateDiagram-v2", f"    [*] --> {self.initial.name}"]
        lines.extend(f"    %% every event: [{g.name}] ({g.section})" for g in self.every_row)
        for row in self.transitions:
            guards = "".join(f" [{g.name}]" for g in row.guards)
            label = f"{row.event.name}{guards} ({row.section})"
            lines.append(f"    {row.source.name} --> {row.target.name}: {label}")
        lines.extend(f"    {s.name} --> [*]" for s in self.states if s in self.finals)
        return "\n".join(lines) + "\n"


def describe(machines: Iterable[Machine[S, E, T, C]]) -> str:  # pragma: no cover - docs helper
    """A markdown page of diagrams for several machines."""
    parts = []
    for m in machines:
        parts.append(f"## {m.name}\n\n```mermaid\n{m.to_mermaid()}```\n")
    return "\n".join(parts)
