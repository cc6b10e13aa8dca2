"""Every (state, event) pair of every lifecycle in MACHINES.

A legal pair (a table row) must be exercised by a named example test (see
``registry.covers``); an illegal pair must raise IllegalTransitionError naming
the state and the event, and leave the subject as it was. Adding a row without
a test fails here.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import pytest

import tests.lifecycles
from spo_tracker.domain.lifecycles import MACHINES
from spo_tracker.errors import GuardRejectedError, IllegalTransitionError
from tests.lifecycles.builders import MADE_AT, subject_in
from tests.lifecycles.registry import COVERED

PAIRS = [
    (name, state.name, event.name)
    for name, machine in MACHINES.items()
    for state in machine.states
    for event in machine.events
]


def _load_every_test_module() -> None:
    """Import the example tests, so the registry is complete however pytest was invoked."""
    for info in pkgutil.iter_modules(tests.lifecycles.__path__):
        if info.name.startswith("test_"):
            importlib.import_module(f"tests.lifecycles.{info.name}")


def _is_row(name: str, state: str, event: str) -> bool:
    machine = MACHINES[name]
    return machine.transition_for(machine.states[state], machine.events[event]) is not None


def test_the_machines_are_the_five_lifecycles() -> None:
    """The registry the docs and these tests read."""
    assert list(MACHINES) == [
        "application",
        "interim_order",
        "full_order",
        "notification_duty",
        "breach_review",
    ]


@pytest.mark.parametrize(("machine", "state", "event"), [p for p in PAIRS if _is_row(*p)])
def test_every_row_has_a_named_example_test(machine: str, state: str, event: str) -> None:
    """The row is claimed by at least one test decorated with ``covers``."""
    _load_every_test_module()
    assert COVERED.get((machine, state, event)), (
        f"{machine}: row ({state}, {event}) has no example test; add one with @covers"
    )


@pytest.mark.parametrize(("machine", "state", "event"), [p for p in PAIRS if not _is_row(*p)])
def test_every_illegal_pair_raises_and_changes_nothing(
    machine: str, state: str, event: str
) -> None:
    """IllegalTransitionError (not a guard error) naming the state and event; subject unchanged."""
    lifecycle = MACHINES[machine]
    subject: Any = subject_in(machine, state)
    before = (subject, subject.revision)
    command = lifecycle.probe(lifecycle.events[event], MADE_AT.add(days=3))
    with pytest.raises(IllegalTransitionError) as caught:
        lifecycle.fire(subject, command)
    error = caught.value
    assert not isinstance(error, GuardRejectedError)
    assert (error.machine, error.state, error.event) == (machine, state, event)
    assert f"'{event}' is not allowed in state '{state}'" in str(error)
    assert (subject, subject.revision) == before


def test_no_claimed_row_is_missing_from_the_tables() -> None:
    """A test cannot claim a row the tables do not have (a stale claim fails too)."""
    _load_every_test_module()
    stale = [key for key in COVERED if not _is_row(*key)]
    assert not stale, f"claims for rows that do not exist: {stale}"
