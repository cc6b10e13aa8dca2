"""Two officers recording the same thing at once: one command wins, the other writes nothing."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from spo_tracker import casework
from spo_tracker.casework import _commands
from spo_tracker.domain.orders import Duration
from spo_tracker.domain.terms import NoContact
from spo_tracker.errors import ConcurrencyConflictError, IllegalTransitionError
from spo_tracker.storage import SqlStore, Store, verify
from tests.casework.conftest import ACTOR
from tests.casework.test_intake import _together
from tests.lifecycles import builders as lifecycle

DECIDED = lifecycle.london(2026, 3, 2, 10, 30)
SERVED = lifecycle.london(2026, 3, 2, 15)


def _loads_meet(monkeypatch: pytest.MonkeyPatch, store: Store) -> None:
    """Both commands load the order before either writes (not on SQLite, whose write
    transactions take turns), so both decide on the same revision."""
    if isinstance(store, SqlStore) and store.backend == "sqlite":
        return
    gate, original = threading.Barrier(2), _commands._order

    def loaded(*args: Any) -> Any:
        found = original(*args)
        gate.wait(timeout=60)
        return found

    monkeypatch.setattr(_commands, "_order", loaded)


def test_two_services_of_one_order_at_once_make_one_duty(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One SERVE and one duty; the other is refused (stale or already served), writing nothing."""
    casework.decide_interim(
        store,
        "APP-1",
        at=DECIDED,
        actor=ACTOR,
        granted=True,
        order_id="ISPO-1",
        terms=(NoContact(term_id="T1", persons=("P1",)),),
        duration=Duration(weeks=8),
    )
    _loads_meet(monkeypatch, store)

    def serve() -> None:
        casework.serve_order(
            store, "ISPO-1", at=SERVED, actor=ACTOR, local_police_area="West Midlands"
        )

    errors = _together([serve, serve])
    monkeypatch.undo()
    assert len(errors) == 1
    assert isinstance(errors[0], ConcurrencyConflictError | IllegalTransitionError)
    with store.unit_of_work(ACTOR) as uow:
        assert uow.notification_duties.ids() == ["DUTY-ISPO-1"]
        assert uow.orders.get("ISPO-1").revision == 2
    events = [e.event for e in store.audit_entries()]
    assert events.count("interim_order.SERVE") == 1
    assert events.count("notification_duty.ORDER_SERVED") == 1
    assert verify(store).ok
