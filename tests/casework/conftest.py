"""Casework fixtures: the storage tests' databases, stores holding the demo scenario, and a
store holding one case to work on.

The PostgreSQL fixtures are the storage tests' own (``SPO_TRACKER_TEST_POSTGRES_URL``:
unset, those tests are skipped with the reason; set, they run and *fail* if the
server cannot be reached).

The case: defendant ``D1``, protected person ``P1`` and application ``APP-1``
by West Midlands Police, laid on 1 March 2026 with an interim application pending.
"""

from __future__ import annotations

import contextlib
import itertools
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pendulum
import pytest

from spo_tracker.demo import Scenario, build_scenario
from spo_tracker.domain.lifecycles import application
from spo_tracker.domain.lifecycles.application import AreaConnection
from spo_tracker.storage import Actor, InMemoryStore, Store, connect
from tests.casework.builders import store_scenario
from tests.lifecycles import builders as lifecycle
from tests.storage import builders
from tests.storage.conftest import (
    PostgresServer,
    fixed_clock,
    postgres_server,
    postgres_url,
    sqlite_template,
    sqlite_url,
)

__all__ = ["postgres_server", "postgres_url", "sqlite_template", "sqlite_url"]

ACTOR = Actor("PC 1234", "officer", purpose="casework tests")
LAID = lifecycle.london(2026, 3, 1, 10)

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


def open_store(request: pytest.FixtureRequest, backend: str) -> Store:
    """A new, empty store on ``backend`` (closed by the caller)."""
    if backend == "memory":
        return InMemoryStore(clock=fixed_clock)
    url = request.getfixturevalue("sqlite_url" if backend == "sqlite" else "postgres_url")
    return connect(url, clock=fixed_clock)


def seed(store: Store) -> None:
    """The defendant, the person and the application laid, interim applied for."""
    draft = lifecycle.draft()
    laid = application.lay_application(
        draft, at=LAID, actor="DI 1", area_connection=AreaConnection.RESIDES_IN_AREA
    ).subject
    pending = application.apply_for_interim(
        laid, at=LAID.add(minutes=5), actor="DI 1", applicant=lifecycle.WMP
    ).subject
    with store.unit_of_work(ACTOR, at=LAID) as uow:
        uow.defendants.add(lifecycle.defendant())
        uow.protected_persons.add(builders.person("P1", restricted=False))
        uow.applications.add(pending)
        uow.commit()


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest) -> Iterator[Store]:
    """A store on each backend, holding the case."""
    opened = open_store(request, request.param)
    seed(opened)
    yield opened
    opened.close()


@pytest.fixture
def at() -> pendulum.DateTime:
    """When the interim order is decided."""
    return lifecycle.london(2026, 3, 2, 10, 30)


#: Opens a fresh, empty store; closed (and on PostgreSQL dropped) when its block ends.
NewStore = Callable[[], contextlib.AbstractContextManager[Store]]
_numbers = itertools.count(1)


@pytest.fixture(params=BACKENDS)
def new_store(request: pytest.FixtureRequest, sqlite_template: Path) -> Iterator[NewStore]:
    """Makes fresh, empty stores on each backend, one per generated example (closed when
    its ``with`` block ends: PostgreSQL's connections are shared with other test runs)."""
    folder = Path(tempfile.mkdtemp(prefix="spo-casework-"))
    server: PostgresServer | None = None
    if request.param == "postgres":
        server = request.getfixturevalue("postgres_server")

    @contextlib.contextmanager
    def make() -> Iterator[Store]:
        if request.param == "memory":
            store: Store = InMemoryStore(clock=fixed_clock)
        elif request.param == "sqlite":
            path = folder / f"store-{next(_numbers)}.sqlite"
            shutil.copyfile(sqlite_template, path)
            store = connect(f"sqlite:///{path}", clock=fixed_clock)
        else:
            assert server is not None
            name = server.create(template=server.template)
            store = connect(server.url_for(name), clock=fixed_clock)
        with store:
            yield store
        if server is not None:
            server.drop_later(name)  # dropped at once, in the background

    yield make
    shutil.rmtree(folder, ignore_errors=True)
