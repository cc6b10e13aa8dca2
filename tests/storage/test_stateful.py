"""Model-based test: each repository against a plain dict model, on every backend.

Random sequences of adds, duplicate adds, identity links, order variations,
stale writes and rolled-back work; after every step each stored aggregate and
its revision equal the model's. A store is shared across examples, so ids
come from a counter and the model tracks only its own.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    rule,
    run_state_machine_as_test,
)

from spo_tracker.domain.identities import Identity
from spo_tracker.domain.orders import Order
from spo_tracker.errors import ConcurrencyConflictError, DuplicateRecordError, NotFoundError
from spo_tracker.storage import InMemoryStore, Store, connect, verify
from tests import strategies
from tests.storage import builders
from tests.storage.conftest import ACTOR, fixed_clock

_ids = itertools.count(1)


def _machine(store: Store) -> type[RuleBasedStateMachine]:
    """A state machine class bound to ``store``."""

    class RepositoryAgainstModel(RuleBasedStateMachine):
        defendants = Bundle("defendants")
        orders = Bundle("orders")

        def __init__(self) -> None:
            super().__init__()
            self.model: dict[tuple[str, str], tuple[object, int]] = {}
            self.person = f"P-sm-{next(_ids)}"
            with store.unit_of_work(ACTOR) as uow:
                uow.protected_persons.add(builders.person(self.person, restricted=False))
                uow.commit()

        @rule(target=defendants, identities=st.integers(0, 4))
        def add_defendant(self, identities: int) -> str:
            key = f"D-sm-{next(_ids)}"
            defendant = builders.defendant(key, identities=identities)
            with store.unit_of_work(ACTOR) as uow:
                uow.defendants.add(defendant)
                uow.commit()
            self.model[("defendant", key)] = (defendant, 1)
            return key

        @rule(key=defendants)
        def add_it_again(self, key: str) -> None:
            with store.unit_of_work(ACTOR) as uow:
                with pytest.raises(DuplicateRecordError):
                    uow.defendants.add(builders.defendant(key, identities=0))
                uow.commit()

        @rule(key=defendants, identity=strategies.identities())
        def link_identity(self, key: str, identity: Identity) -> None:
            with store.unit_of_work(ACTOR) as uow:
                linked = uow.defendants.get(key).link(identity, fixed_clock())
                revision = uow.defendants.update(linked, reason="linked")
                uow.commit()
            self.model[("defendant", key)] = (linked, revision)

        @rule(target=orders, defendant=defendants, versions=st.integers(1, 3))
        def add_order(self, defendant: str, versions: int) -> str:
            key = f"O-sm-{next(_ids)}"
            order = builders.order(key, defendant, (self.person,), versions=versions)
            with store.unit_of_work(ACTOR) as uow:
                uow.orders.add(order)
                uow.commit()
            self.model[("order", key)] = (order, order.revision)
            return key

        @rule(key=orders, reason=st.sampled_from(["varied", "renewed", "varied on appeal"]))
        def vary_order(self, key: str, reason: str) -> None:
            with store.unit_of_work(ACTOR) as uow:
                varied = builders.vary(uow.orders.get(key), reason)
                uow.orders.update(varied)
                uow.commit()
            self.model[("order", key)] = (varied, varied.revision)

        @rule(key=orders)
        def stale_write_is_refused(self, key: str) -> None:
            stale, revision = self.model[("order", key)]
            assert isinstance(stale, Order)
            with store.unit_of_work(ACTOR) as uow:
                winner = builders.vary(uow.orders.get(key), "winner")
                uow.orders.update(winner)
                uow.commit()
            self.model[("order", key)] = (winner, winner.revision)
            with store.unit_of_work(ACTOR) as uow, pytest.raises(ConcurrencyConflictError):
                uow.orders.update(builders.vary(stale, "loser"), expected_revision=revision)

        @rule(key=consumes(orders))
        def uncommitted_change_is_rolled_back(self, key: str) -> None:
            with store.unit_of_work(ACTOR) as uow:
                uow.orders.update(builders.vary(uow.orders.get(key), "never committed"))

        @rule(suffix=st.integers(0, 10**6))
        def missing_records_are_not_found(self, suffix: int) -> None:
            with store.unit_of_work(ACTOR) as uow, pytest.raises(NotFoundError):
                uow.orders.get(f"O-missing-{suffix}")

        @invariant()
        def store_equals_model(self) -> None:
            with store.unit_of_work(ACTOR) as uow:
                for (kind, key), (expected, revision) in self.model.items():
                    repo = uow.defendants if kind == "defendant" else uow.orders
                    assert repo.get(key) == expected, key
                    assert repo.revision(key) == revision, key

    return RepositoryAgainstModel


def _run(store: Store, *, cap: int | None = None) -> None:
    current = settings()
    examples = current.max_examples if cap is None else min(current.max_examples, cap)
    run_state_machine_as_test(
        _machine(store), settings=settings(current, max_examples=examples, stateful_step_count=10)
    )
    assert verify(store).ok


def test_in_memory_repository_matches_the_model() -> None:
    """The in-memory store against the dict model."""
    _run(InMemoryStore(clock=fixed_clock))


def test_sqlite_repository_matches_the_model(sqlite_url: str) -> None:
    """SQLite against the dict model (examples capped: every step is several transactions)."""
    store = connect(sqlite_url, clock=fixed_clock)
    _run(store, cap=15)
    store.close()


@pytest.mark.postgres
def test_postgres_repository_matches_the_model(postgres_url: str) -> None:
    """PostgreSQL against the dict model (fewer examples: each step is a round trip)."""
    store = connect(postgres_url, clock=fixed_clock)
    _run(store, cap=10)
    store.close()
