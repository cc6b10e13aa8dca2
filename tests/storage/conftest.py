"""Storage test fixtures: stores on every backend, fresh databases, a fixed clock.

PostgreSQL: the URL comes from ``SPO_TRACKER_TEST_POSTGRES_URL`` (CI sets it).
Unset, the PostgreSQL tests are skipped with the reason; set, they run and
*fail* if the server cannot be reached. Each test run makes its own databases
on that server (``spo_test_<pid>_<random>``, migrated once and used as the
template for any fresh database a test asks for) and drops them at the end.
"""

from __future__ import annotations

import itertools
import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pendulum
import pytest
import sqlalchemy as sa

from spo_tracker.storage import (
    Actor,
    DataKeyring,
    InMemoryStore,
    SqlStore,
    Store,
    connect,
    upgrade,
)

POSTGRES_ENV = "SPO_TRACKER_TEST_POSTGRES_URL"

#: When every audit entry in the tests is recorded (the library never reads the wall clock).
NOW = pendulum.datetime(2025, 6, 1, 12, 0, tz="Europe/London")
ACTOR = Actor("PC 1234", "officer")


def fixed_clock() -> pendulum.DateTime:
    """The tests' clock."""
    return NOW


class PostgresServer:
    """The test server: makes and drops this run's databases through the maintenance database."""

    def __init__(self, url: str) -> None:
        self.url = sa.engine.make_url(url).set(drivername="postgresql+psycopg")
        self.prefix = f"spo_test_{os.getpid()}_{secrets.token_hex(3)}"
        self._admin = sa.create_engine(
            self.url.set(database="postgres"),
            isolation_level="AUTOCOMMIT",
            connect_args={"connect_timeout": 5},
        )
        self._made: list[str] = []
        self._count = itertools.count(1)
        self._pool = ThreadPoolExecutor(max_workers=8)
        self._dropping: list[Future[None]] = []
        self.template = ""

    def keep(self, name: str) -> None:
        """Drop ``name`` only at the end of the run."""
        self._made.append(name)

    def url_for(self, database: str) -> str:
        """The URL of one of this run's databases."""
        return self.url.set(database=database).render_as_string(hide_password=False)

    def create(self, *, template: str | None = None) -> str:
        """A new database (a copy of ``template`` if given); returns its name."""
        name = f"{self.prefix}_{next(self._count)}"
        clause = f" TEMPLATE {template}" if template else ""
        with self._admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE {name}{clause}")
        return name

    def drop_later(self, name: str) -> None:
        """Drop a database in the background (a drop takes about half a second)."""
        self._dropping.append(self._pool.submit(self._drop, name))

    def _drop(self, name: str) -> None:
        with self._admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def drop_all(self) -> None:
        """Drop every database this run made (in parallel: each drop waits on a checkpoint)."""
        self._dropping += [self._pool.submit(self._drop, name) for name in self._made]
        for future in self._dropping:
            future.result()
        self._pool.shutdown()
        self._admin.dispose()


def start_server(url: str | None) -> PostgresServer:
    """The server named by ``url`` with its template made; skip if unset, *fail* if unreachable."""
    if not url:
        pytest.skip(f"{POSTGRES_ENV} is not set; PostgreSQL tests run in CI (.ci/run)")
    server = PostgresServer(url)
    try:
        server.template = server.create()
    except sa.exc.OperationalError as error:
        pytest.fail(f"{POSTGRES_ENV}={url} but the server cannot be reached: {error}")
    server.keep(server.template)
    upgrade(server.url_for(server.template))
    return server


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """This run's PostgreSQL server, with a migrated template database."""
    server = start_server(os.environ.get(POSTGRES_ENV))
    yield server
    server.drop_all()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for one test, dropped after it."""
    name = postgres_server.create(template=postgres_server.template)
    yield postgres_server.url_for(name)
    postgres_server.drop_later(name)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test that needs a fresh database."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    """A fresh, migrated SQLite database for one test."""
    path = tmp_path / "spo.sqlite"
    shutil.copy(sqlite_template, path)  # with its mode: 0600, like every database
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def shared_sqlite_store(sqlite_template: Path) -> Iterator[SqlStore]:
    """One SQLite store for the tests that keep to their own ids."""
    path = sqlite_template.with_name("shared.sqlite")
    shutil.copy(sqlite_template, path)  # with its mode: 0600, like every database
    store = connect(f"sqlite:///{path}", clock=fixed_clock)
    yield store
    store.close()


@pytest.fixture(scope="session")
def shared_postgres_store(postgres_server: PostgresServer) -> Iterator[SqlStore]:
    """One PostgreSQL store for the tests that keep to their own ids."""
    name = postgres_server.create(template=postgres_server.template)
    postgres_server.keep(name)
    store = connect(postgres_server.url_for(name), clock=fixed_clock)
    yield store
    store.close()


@pytest.fixture(scope="session")
def shared_memory_store() -> InMemoryStore:
    """One in-memory store for the tests that keep to their own ids."""
    return InMemoryStore(clock=fixed_clock)


_unique = itertools.count(1)


@pytest.fixture
def uid() -> Callable[[str], str]:
    """Ids unique across the run, so tests can share a store: ``uid("D")`` -> ``D-17-1``."""
    run = next(_unique)
    counter = itertools.count(1)
    return lambda prefix: f"{prefix}-{run}-{next(counter)}"


BACKENDS = (
    pytest.param("memory", id="memory"),
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
)


@pytest.fixture
def fresh_store(request: pytest.FixtureRequest) -> Iterator[Store]:
    """A new, empty store on the backend named by the test's ``backend`` parameter."""
    backend = request.param if hasattr(request, "param") else request.getfixturevalue("backend")
    if backend == "memory":
        yield InMemoryStore(clock=fixed_clock)
        return
    url = request.getfixturevalue("sqlite_url" if backend == "sqlite" else "postgres_url")
    store = connect(url, clock=fixed_clock)
    yield store
    store.close()


def plant_details(store: SqlStore, person_id: str, document: str) -> None:
    """Seal ``document`` as the person's restricted details by SQL, past the library's
    checks (as someone holding the data key could): the whole sealed text, address and
    places, under the person's own key."""
    from spo_tracker.storage._crypto import PersonKeys, data_keyring_from_environment
    from spo_tracker.storage._tables import RestrictedDetailsRow

    table: Any = RestrictedDetailsRow.__table__  # type: ignore[attr-defined]
    with store.engine.begin() as conn:
        keys = PersonKeys(conn, data_keyring_from_environment(os.environ))
        sealed = keys.seal(person_id, document.encode())
        stmt = sa.update(table).where(table.c.person_id == person_id).values(sealed=sealed)
        assert conn.execute(stmt).rowcount == 1


def data_keys_for_tests() -> DataKeyring:
    """The data keyring every test store uses (``SPO_TRACKER_DATA_KEY``, set in
    tests/conftest.py)."""
    from spo_tracker.storage._crypto import data_keyring_from_environment

    found = data_keyring_from_environment(os.environ)
    assert found is not None
    return found
