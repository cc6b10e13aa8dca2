"""The lifecycle engine: tables validated when loaded, firing, introspection, diagrams."""

from __future__ import annotations

import enum
from typing import Any

import attrs
import pendulum
import pytest

from spo_tracker.domain.lifecycles._support import evolve
from spo_tracker.domain.statemachine import Fired, Guard, Machine, Transition
from spo_tracker.errors import (
    GuardRejectedError,
    IllegalTransitionError,
    InvalidValueError,
    MachineDefinitionError,
)
from tests.lifecycles import builders


class S(enum.Enum):
    A = "a"
    B = "b"
    C = "c"


class E(enum.Enum):
    GO = "go"
    STOP = "stop"
    BACK = "back"


@attrs.frozen
class Thing:
    thing_id: str
    state: S = S.A
    allowed: bool = True

    @property
    def subject_id(self) -> str:
        return self.thing_id


@attrs.frozen
class Cmd:
    event: E
    at: pendulum.DateTime
    actor: str = "tester"


AT = pendulum.datetime(2026, 3, 29, 0, 30, tz="UTC")


def _allowed(thing: Thing, cmd: Cmd) -> str | None:
    return None if thing.allowed else f"allowed={thing.allowed!r}"


ALLOWED = Guard[Thing, Cmd]("thing_allowed", "SPA2019 s.1(1)", _allowed)
_T = Transition[S, E, Thing, Cmd]


def rows(*extra: _T, base: bool = True) -> tuple[_T, ...]:
    good = (
        _T(S.A, E.GO, S.B, "SPA2019 s.1(1)", "go", (ALLOWED,)),
        _T(S.B, E.BACK, S.A, "library", "back"),
        _T(S.B, E.STOP, S.C, "SPA2019 s.2(1)", "stop"),
    )
    return (*good, *extra) if base else extra


def machine(transitions: tuple[_T, ...], **overrides: Any) -> Machine[S, E, Thing, Cmd]:
    settings: dict[str, Any] = {
        "name": "toy",
        "states": S,
        "events": E,
        "initial": S.A,
        "finals": frozenset({S.C}),
        "transitions": transitions,
        "get_state": lambda t: t.state,
        "set_state": lambda t, s: attrs.evolve(t, state=s),
        "probe": lambda e, at: Cmd(e, at),
    }
    settings.update(overrides)
    return Machine(**settings)


TOY = machine(rows())


def test_a_valid_table_loads() -> None:
    """The toy table passes validation."""
    assert TOY.transition_for(S.A, E.GO) is not None


def test_initial_state_that_is_final_is_rejected() -> None:
    """One initial state, and it is not final."""
    with pytest.raises(MachineDefinitionError, match="initial state A is final"):
        machine(rows(), finals=frozenset({S.A, S.C}))


def test_two_rows_for_one_state_and_event_are_rejected() -> None:
    """One row per (state, event)."""
    with pytest.raises(MachineDefinitionError, match=r"two transitions for \(A, GO\)"):
        machine(rows(_T(S.A, E.GO, S.C, "SPA2019 s.1(1)", "again")))


def test_a_row_leaving_a_final_state_is_rejected() -> None:
    """Nothing leaves a final state."""
    with pytest.raises(MachineDefinitionError, match="final state C has an outgoing"):
        machine(rows(_T(S.C, E.BACK, S.A, "library", "undo")))


def test_a_row_citing_no_statute_is_rejected() -> None:
    """Every row cites a section."""
    with pytest.raises(MachineDefinitionError, match="cites no statute: 'because'"):
        machine(rows(_T(S.A, E.STOP, S.C, "because", "stop early")))


def test_a_guard_citing_no_statute_is_rejected() -> None:
    """Every guard cites a section."""
    bare = Guard[Thing, Cmd]("bare", "", _allowed)
    with pytest.raises(MachineDefinitionError, match="guard 'bare' cites no statute"):
        machine(rows(_T(S.A, E.STOP, S.C, "SPA2019 s.1(1)", "stop", (bare,))))


def test_an_unreachable_state_is_rejected() -> None:
    """Every state is reachable from the initial one."""
    with pytest.raises(MachineDefinitionError, match="unreachable states: B"):
        machine(rows(_T(S.A, E.STOP, S.C, "SPA2019 s.1(1)", "stop"), base=False))


def test_a_trap_state_is_rejected() -> None:
    """Every state can reach a final state."""
    trap = (
        _T(S.A, E.GO, S.B, "SPA2019 s.1(1)", "go"),
        _T(S.A, E.STOP, S.C, "SPA2019 s.1(1)", "stop"),
    )
    with pytest.raises(MachineDefinitionError, match=r"trap states .*: B"):
        machine(trap)


def test_a_table_without_final_states_is_rejected() -> None:
    """A lifecycle ends somewhere."""
    loop = (
        _T(S.A, E.GO, S.B, "SPA2019 s.1(1)", "go"),
        _T(S.B, E.STOP, S.C, "SPA2019 s.1(1)", "stop"),
        _T(S.C, E.BACK, S.A, "SPA2019 s.1(1)", "back"),
    )
    with pytest.raises(MachineDefinitionError, match="no final state"):
        machine(loop, finals=frozenset())


def test_definition_errors_are_type_errors_naming_the_machine() -> None:
    """A bad table is a typed error that also subclasses TypeError."""
    with pytest.raises(TypeError, match="lifecycle 'toy' is invalid"):
        machine(rows(), finals=frozenset({S.A}))


def test_fire_returns_a_new_subject_and_a_record() -> None:
    """A legal event returns the moved subject and what happened."""
    thing = Thing("X1")
    fired = TOY.fire(thing, Cmd(E.GO, AT))
    assert isinstance(fired, Fired)
    assert fired.subject.state is S.B
    assert thing.state is S.A
    assert (fired.record.source, fired.record.event, fired.record.target) == ("A", "GO", "B")
    assert fired.record.section == "SPA2019 s.1(1)"
    assert fired.record.at == AT
    assert fired.record.actor == "tester"


def test_illegal_event_names_the_state_and_event_and_changes_nothing() -> None:
    """No row for the event: IllegalTransitionError with its context."""
    thing = Thing("X1")
    with pytest.raises(IllegalTransitionError) as caught:
        TOY.fire(thing, Cmd(E.STOP, AT))
    error = caught.value
    assert (error.machine, error.subject_id, error.state, error.event) == ("toy", "X1", "A", "STOP")
    assert "'STOP' is not allowed in state 'A'" in str(error)
    assert thing == Thing("X1")


def test_event_of_another_lifecycle_is_illegal() -> None:
    """An event from another enum is refused, not ignored."""

    class Other(enum.Enum):
        GO = "go"

    with pytest.raises(IllegalTransitionError, match="not an event of this lifecycle"):
        TOY.fire(Thing("X1"), Cmd(Other.GO, AT))  # type: ignore[arg-type]


def test_guard_refusal_names_guard_section_and_reason() -> None:
    """A failing guard raises GuardRejectedError and the subject is unchanged."""
    thing = Thing("X1", allowed=False)
    with pytest.raises(GuardRejectedError) as caught:
        TOY.fire(thing, Cmd(E.GO, AT))
    error = caught.value
    assert (error.guard, error.section, error.reason) == (
        "thing_allowed",
        "SPA2019 s.1(1)",
        "allowed=False",
    )
    assert isinstance(error, IllegalTransitionError)
    assert thing == Thing("X1", allowed=False)


def test_allowed_events_ignore_guards_and_enabled_events_apply_them() -> None:
    """Introspection: what the table allows, and what the guards let through now."""
    blocked = Thing("X1", allowed=False)
    assert TOY.allowed_events(blocked) == (E.GO,)
    assert TOY.enabled_events(blocked, AT) == ()
    assert TOY.enabled_events(Thing("X1"), AT) == (E.GO,)


def test_refusals_lists_every_refusing_guard() -> None:
    """``refusals`` reports the guards that would refuse, with reasons."""
    found = TOY.refusals(Thing("X1", allowed=False), Cmd(E.GO, AT))
    assert [(g.name, reason) for g, reason in found] == [("thing_allowed", "allowed=False")]


def test_mermaid_is_generated_from_the_table() -> None:
    """Each row, the initial state and the final states appear in the diagram."""
    text = TOY.to_mermaid()
    assert text.startswith("stateDiagram-v2\n    [*] --> A\n")
    assert "    A --> B: GO [thing_allowed] (SPA2019 s.1(1))" in text
    assert "    C --> [*]" in text


def test_a_copy_refuses_an_unknown_field() -> None:
    """A typo in an effect is a typed error naming the field."""
    with pytest.raises(InvalidValueError, match="'sevred_at'"):
        evolve(builders.full(), sevred_at=builders.MADE_AT)
