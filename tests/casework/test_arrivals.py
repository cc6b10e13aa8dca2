"""Runs as the incidents arrive end with the same stored alerts as one full run.

A force's nightly job runs detection over what has arrived so far; each alert
found again replaces the stored one as later runs find more. The property:
for generated arrival histories (the demo scenario's incidents, arriving in
the order they happened, cut into nightly batches anywhere), running
:func:`~spo_tracker.casework.run_detection` as of the same instant after each
batch leaves exactly the stored alerts of one run over everything, on every
backend. Runs as of each night's own instant do not (alerts raised on an
earlier night stay stored until reviewed: see docs/integration.md).

Arrivals out of time order (a late report of an old incident) are not in the
property: an escalation raised on the incidents known then keeps its id when
a late incident would have started its episode earlier, and alerts once raised
are kept (see docs/integration.md, "What a run keeps").
"""

from __future__ import annotations

import functools
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from spo_tracker.casework import run_detection
from spo_tracker.demo import DEMO_ACTOR, NOW, Scenario, build_scenario
from spo_tracker.domain.alerts import Alert
from spo_tracker.domain.incidents import Incident
from spo_tracker.storage import InMemoryStore, Store, connect
from tests.casework.builders import store_incidents, store_records
from tests.casework.conftest import BACKENDS
from tests.storage.conftest import PostgresServer, fixed_clock

SEEDS = (0, 1, 2)


@functools.cache
def _scenario(seed: int) -> Scenario:
    return build_scenario(seed=seed, scale=0)


@functools.cache
def _in_time_order(seed: int) -> tuple[Incident, ...]:
    return tuple(
        sorted(_scenario(seed).all_incidents(), key=lambda i: (i.occurred_at, i.incident_id))
    )


@functools.cache
def _full_run(seed: int) -> dict[str, Alert]:
    """The alerts one run over every incident stores (in memory: every backend stores the
    same, see test_run_detection)."""
    store = InMemoryStore(clock=fixed_clock)
    store_records(store, _scenario(seed))
    store_incidents(store, _in_time_order(seed))
    return {a.alert_id: a for a in run_detection(store, at=NOW, actor=DEMO_ACTOR).alerts}


@st.composite
def histories(draw: st.DrawFn) -> tuple[int, list[int]]:
    """A scenario seed and where its time-ordered incidents are cut into nightly batches."""
    seed = draw(st.sampled_from(SEEDS))
    count = len(_in_time_order(seed))
    cuts = draw(st.lists(st.integers(1, count - 1), max_size=5, unique=True))
    return seed, sorted(cuts)


class Stores:
    """Fresh, empty stores on one backend, one per Hypothesis example."""

    def __init__(self, backend: str, request: pytest.FixtureRequest) -> None:
        self.backend = backend
        self.template: Path | None = None
        self.server: PostgresServer | None = None
        if backend == "sqlite":
            self.template = request.getfixturevalue("sqlite_template")
        elif backend == "postgres":
            self.server = request.getfixturevalue("postgres_server")

    @contextmanager
    def fresh(self) -> Iterator[Store]:
        if self.template is not None:
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / "spo.sqlite"
                shutil.copyfile(self.template, path)
                with connect(f"sqlite:///{path}", clock=fixed_clock) as store:
                    yield store
        elif self.server is not None:
            name = self.server.create(template=self.server.template)
            try:
                with connect(self.server.url_for(name), clock=fixed_clock) as store:
                    yield store
            finally:
                self.server.drop_later(name)
        else:
            yield InMemoryStore(clock=fixed_clock)


@pytest.fixture(params=BACKENDS)
def stores(request: pytest.FixtureRequest) -> Stores:
    """Fresh stores on each backend."""
    return Stores(request.param, request)


def _kept(store: Store) -> dict[str, Alert]:
    with store.unit_of_work(DEMO_ACTOR, at=NOW) as uow:
        return uow.alerts.get_many(uow.alerts.ids())


# ``stores`` is a factory: each example takes its own fresh store from it.
@settings(max_examples=12, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=histories())
@example(history=(0, [1, 114]))  # a closing-in run identified later as it grows
def test_runs_as_incidents_arrive_end_with_one_full_runs_alerts(
    stores: Stores, history: tuple[int, list[int]]
) -> None:
    """After a run per nightly batch, the stored alerts are exactly a full run's."""
    seed, cuts = history
    incidents = _in_time_order(seed)
    with stores.fresh() as store:
        store_records(store, _scenario(seed))
        for start, end in zip([0, *cuts], [*cuts, len(incidents)], strict=True):
            store_incidents(store, incidents[start:end])
            run_detection(store, at=NOW, actor=DEMO_ACTOR)
        assert _kept(store) == _full_run(seed)
