"""Casework fixtures: the storage tests' databases, and stores holding the demo scenario.

The PostgreSQL fixtures are the storage tests' own (``SPO_TRACKER_TEST_POSTGRES_URL``:
unset, those tests are skipped with the reason; set, they run and *fail* if the
server cannot be reached).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from spo_tracker.demo import Scenario, build_scenario
from spo_tracker.storage import InMemoryStore, Store, connect
from tests.casework.builders import store_scenario
from tests.storage.conftest import (
    fixed_clock,
    postgres_server,
    postgres_url,
    sqlite_template,
    sqlite_url,
)

__all__ = ["postgres_server", "postgres_url", "sqlite_template", "sqlite_url"]

BACKENDS = (
    pytest.param("memory", id="memory"),
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
)
SQL_BACKENDS = (
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
)


@pytest.fixture(scope="session")
def scenario() -> Scenario:
    """The demo's scenario alone (scale 0): the seed story and the hard cases."""
    return build_scenario(seed=0, scale=0)


def _empty(request: pytest.FixtureRequest, backend: str) -> Iterator[Store]:
    if backend == "memory":
        yield InMemoryStore(clock=fixed_clock)
        return
    url = request.getfixturevalue("sqlite_url" if backend == "sqlite" else "postgres_url")
    store = connect(url, clock=fixed_clock)
    yield store
    store.close()


@pytest.fixture(params=BACKENDS)
def demo_store(request: pytest.FixtureRequest, scenario: Scenario) -> Iterator[Store]:
    """A store on each backend holding the scenario's records, incidents and compliance."""
    for store in _empty(request, request.param):
        store_scenario(store, scenario)
        yield store


@pytest.fixture(params=BACKENDS)
def empty_store(request: pytest.FixtureRequest) -> Iterator[Store]:
    """An empty store on each backend."""
    yield from _empty(request, request.param)


@pytest.fixture(params=SQL_BACKENDS)
def sql_demo_url(request: pytest.FixtureRequest, scenario: Scenario) -> str:
    """The URL of a SQLite or PostgreSQL database holding the scenario."""
    url: str = request.getfixturevalue(
        "sqlite_url" if request.param == "sqlite" else "postgres_url"
    )
    with connect(url, clock=fixed_clock) as store:
        store_scenario(store, scenario)
    return url
