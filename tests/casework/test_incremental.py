"""Incremental detection runs end with the stored alerts of full runs, on every backend.

Generated histories: the demo scenario's records, and its incidents split into
a random sequence of ingests with a detection run after each. One store runs
incrementally (the default), a twin store runs every run in full; the stored
alerts must end identical. When the incidents arrive in time order and every
run judges as of the same instant, the incremental sequence must also end
with exactly the stored alerts of one full run over the whole history.

(In general a sequence of runs, full or not, can keep an alert one full run
would not raise: an incident reported late can move where an escalation
episode starts, and a stored alert is never deleted by a run. So the exact
comparison with one full run is made where no such alert can arise.)
"""

from __future__ import annotations

import itertools
import random

import pendulum
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spo_tracker.casework import run_detection
from spo_tracker.demo import DEMO_ACTOR, NOW, Scenario
from spo_tracker.domain.alerts import Alert
from spo_tracker.domain.incidents import Incident
from spo_tracker.storage import Store
from tests.casework.builders import store_incidents, store_records
from tests.casework.conftest import NewStore


class Histories:
    """The demo scenario, and fresh stores on one backend to record histories of it in."""

    def __init__(self, scenario: Scenario, new_store: NewStore) -> None:
        self.scenario = scenario
        self.new_store = new_store

    def __repr__(self) -> str:  # Hypothesis prints it with a failing example: keep it short
        return "Histories(demo scenario)"


@pytest.fixture
def histories(new_store: NewStore, scenario: Scenario) -> Histories:
    """Fresh, empty stores on each backend (``new_store``), one per generated history."""
    return Histories(scenario, new_store)


def _stored(store: Store) -> dict[str, Alert]:
    with store.unit_of_work(DEMO_ACTOR, at=NOW) as uow:
        return uow.alerts.get_many(uow.alerts.ids())


_SETTINGS = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


#: Where a history is cut into ingests, in ten-thousandths of its length.
_CUTS = st.lists(st.integers(0, 10_000), min_size=1, max_size=5)


def _split(incidents: list[Incident], cuts: list[int]) -> list[list[Incident]]:
    """``incidents`` cut at ``cuts`` (ten-thousandths of the length), empty parts kept: a
    run with nothing new."""
    bounds = [0, *sorted(c * len(incidents) // 10_000 for c in cuts), len(incidents)]
    return [incidents[a:b] for a, b in itertools.pairwise(bounds)]


@_SETTINGS
@given(
    shuffle=st.randoms(use_true_random=False),
    cuts=_CUTS,
    hours=st.lists(st.integers(0, 24 * 50), min_size=6, max_size=6),
)
def test_incremental_runs_store_what_full_runs_store(
    histories: Histories,
    shuffle: random.Random,
    cuts: list[int],
    hours: list[int],
) -> None:
    """Ingests in any order, each followed by a run at a later (or the same) instant: the
    incremental runs end with exactly the stored alerts of full runs after the same ingests.
    """
    scenario, new_store = histories.scenario, histories.new_store
    incidents = sorted(scenario.all_incidents(), key=lambda i: i.incident_id)
    shuffle.shuffle(incidents)
    parts = _split(incidents, cuts)
    # Instants up to 50 days before NOW (before the first incident), nondecreasing: a run
    # can leave incidents in its future for the next run to find.
    instants = [NOW.subtract(hours=h) for h in sorted(hours[: len(parts)], reverse=True)]
    instants[-1] = NOW  # the last run sees everything
    with new_store() as incremental, new_store() as full:
        _compare_with_full_runs(scenario, parts, instants, incremental, full)


def _compare_with_full_runs(
    scenario: Scenario,
    parts: list[list[Incident]],
    instants: list[pendulum.DateTime],
    incremental: Store,
    full: Store,
) -> None:
    for store in (incremental, full):
        store_records(store, scenario)
    modes = []
    for part, at in zip(parts, instants, strict=True):
        for store in (incremental, full):
            store_incidents(store, part)
        modes.append(run_detection(incremental, at=at, actor=DEMO_ACTOR).incremental)
        run_detection(full, at=at, actor=DEMO_ACTOR, full=True)
    assert modes[0] is False  # the first run has no watermark
    assert all(modes[1:])
    assert _stored(incremental) == _stored(full)


@_SETTINGS
@given(cuts=_CUTS)
def test_incremental_runs_over_a_history_in_time_order_store_one_full_runs_alerts(
    histories: Histories, cuts: list[int]
) -> None:
    """Incidents arriving in time order, a run as of NOW after each ingest: the stored
    alerts are exactly those of one full run over the whole history."""
    scenario, new_store = histories.scenario, histories.new_store
    incidents = sorted(scenario.all_incidents(), key=lambda i: (i.occurred_at, i.incident_id))
    with new_store() as incremental, new_store() as once:
        for store in (incremental, once):
            store_records(store, scenario)
        for part in _split(incidents, cuts):
            store_incidents(incremental, part)
            run_detection(incremental, at=NOW, actor=DEMO_ACTOR)
        store_incidents(once, incidents)
        run_detection(once, at=NOW, actor=DEMO_ACTOR)
        assert _stored(incremental) == _stored(once)
