"""The composition root's helpers: database URLs, engines, the schema revision, upgrades.

Nothing here runs at import: engines are built when :func:`connect` or
:func:`upgrade` is called. SQLite connections use WAL (readers never block the
writer), ``synchronous=NORMAL`` (a killed process loses nothing committed),
foreign keys, and a busy timeout; write transactions start with ``BEGIN
IMMEDIATE`` so that two writers queue for the lock (and wait up to the
timeout) instead of failing when one of them upgrades a read to a write.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, OperationalError

from spo_tracker.errors import (
    ConstraintViolationError,
    DatabaseBusyError,
    DatabaseError,
    DatabaseUnavailableError,
    DuplicateRecordError,
    InvalidDatabaseUrlError,
)

__all__ = [
    "BUSY_TIMEOUT_S",
    "SUPPORTED_URLS",
    "DatabaseUrl",
    "current_revision",
    "head_revision",
    "make_engine",
    "parse_url",
    "run_downgrade",
    "run_upgrade",
    "translate",
    "translating",
]

BUSY_TIMEOUT_S: Final = 30.0
CONNECT_TIMEOUT_S: Final = 5
SUPPORTED_URLS: Final = (
    "sqlite:///path/to/file.sqlite or postgresql+psycopg://user@host:5432/database"
)
_MIGRATIONS: Final = Path(__file__).with_name("migrations")


class DatabaseUrl:
    """A checked database URL: the SQLAlchemy URL and how to show it (password hidden)."""

    def __init__(self, url: URL) -> None:
        self.url = url
        self.shown = url.render_as_string(hide_password=True)
        self.is_sqlite = url.get_backend_name() == "sqlite"

    @property
    def sqlite_path(self) -> Path:
        """The SQLite file (only for SQLite URLs)."""
        return Path(str(self.url.database))


def parse_url(url: str) -> DatabaseUrl:
    """Check a database URL. ``postgresql://`` is taken to mean ``postgresql+psycopg://``.

    Raises:
        InvalidDatabaseUrlError: malformed, or not SQLite (with a file) or PostgreSQL (psycopg).
    """
    if not isinstance(url, str) or not url.strip():
        raise InvalidDatabaseUrlError(repr(url), f"give a URL: {SUPPORTED_URLS}")
    try:
        parsed = make_url(url.strip())
    except (ArgumentError, ValueError) as error:
        raise InvalidDatabaseUrlError(
            url, f"malformed ({error}); expected {SUPPORTED_URLS}"
        ) from None
    backend, driver = parsed.get_backend_name(), parsed.get_driver_name()
    if backend == "sqlite" and driver == "pysqlite":
        if (
            not parsed.database
            or parsed.database == ":memory:"
            or parsed.database.startswith("file:")
        ):
            raise InvalidDatabaseUrlError(
                url, "give the SQLite file's path (for a store in memory use InMemoryStore)"
            )
    elif backend == "postgresql" and driver in ("psycopg2", "psycopg"):
        parsed = parsed.set(drivername="postgresql+psycopg")
        if not parsed.database:
            raise InvalidDatabaseUrlError(_hide(parsed), "name the database after the host")
    else:
        raise InvalidDatabaseUrlError(
            _hide(parsed), f"unsupported backend; expected {SUPPORTED_URLS}"
        )
    return DatabaseUrl(parsed)


def _hide(url: URL) -> str:
    return url.render_as_string(hide_password=True)


def make_engine(target: DatabaseUrl) -> Engine:
    """A lazily connecting engine for ``target`` (nothing is opened until first use).

    Raises:
        DatabaseUnavailableError: the SQLite file's folder does not exist.
    """
    if not target.is_sqlite:
        return create_engine(target.url, connect_args={"connect_timeout": CONNECT_TIMEOUT_S})
    folder = target.sqlite_path.parent
    if not folder.is_dir():
        raise DatabaseUnavailableError(target.shown, f"folder {str(folder)!r} does not exist")
    engine = create_engine(
        target.url, connect_args={"timeout": BUSY_TIMEOUT_S, "check_same_thread": False}
    )
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own transaction handling is switched off so that BEGIN is ours.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in (
        "journal_mode=WAL",
        "synchronous=NORMAL",
        "foreign_keys=ON",
        f"busy_timeout={int(BUSY_TIMEOUT_S * 1000)}",
        # 32 MiB of page cache (the default is 2 MiB): the incident indexes of a force's
        # year stay in memory while a bulk ingest updates them.
        "cache_size=-32768",
    ):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _sqlite_on_begin(connection: Connection) -> None:
    mode = connection.get_execution_options().get("sqlite_begin", "IMMEDIATE")
    connection.exec_driver_sql(f"BEGIN {mode}")


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    return config


@functools.cache
def head_revision() -> str:
    """The newest schema revision shipped with this library."""
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine, target: DatabaseUrl) -> str | None:
    """The schema revision of the database (``None`` when it has none).

    Raises:
        DatabaseUnavailableError: the database cannot be reached.
    """
    with translating(target.shown), engine.connect() as conn:
        conn = conn.execution_options(sqlite_begin="DEFERRED")
        return MigrationContext.configure(conn).get_current_revision()


def run_upgrade(engine: Engine, target: DatabaseUrl, revision: str) -> None:
    """Migrate the database to ``revision`` in one transaction."""
    config = _alembic_config()
    with translating(target.shown), engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)


def run_downgrade(engine: Engine, target: DatabaseUrl, revision: str) -> None:
    """Migrate the database back to ``revision`` (``base`` removes the schema)."""
    config = _alembic_config()
    with translating(target.shown), engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, revision)


#: Deadlock, serialization failure, lock not available, statement timeout: a retry may pass.
BUSY_STATES: Final = frozenset({"40P01", "40001", "55P03", "57014"})


def translate(
    error: DBAPIError, url: str, *, kind: str | None = None, key: Any = None
) -> DatabaseError:
    """The library error for a driver error: never let a raw driver exception out.

    Args:
        error: what SQLAlchemy raised.
        url: the database, as shown to people.
        kind: the record kind being written, if any.
        key: the record's id, if any.
    """
    message = (str(error.orig).strip().splitlines() or ["(no message)"])[0]
    state = getattr(error.orig, "sqlstate", None)
    if isinstance(error, IntegrityError):
        duplicate = state == "23505" or message.startswith("UNIQUE constraint failed")
        if duplicate and kind is not None:
            return DuplicateRecordError(kind, key)
        return ConstraintViolationError(kind or "record", key, message)
    if state in BUSY_STATES or "database is locked" in message:
        return DatabaseBusyError(f"{url}: {message}")
    if error.connection_invalidated or (state or "").startswith("08") or _unreachable(error):
        return DatabaseUnavailableError(url, message)
    return DatabaseError(f"{url}: {message}")


def _unreachable(error: DBAPIError) -> bool:
    if not isinstance(error, OperationalError):
        return False
    text = str(error.orig)
    return any(
        hint in text
        for hint in ("unable to open", "connection", "could not", "does not exist", "timeout")
    )


@contextlib.contextmanager
def translating(url: str, *, kind: str | None = None, key: Any = None) -> Iterator[None]:
    """Turn driver errors raised inside the block into library errors."""
    try:
        yield
    except DBAPIError as error:
        raise translate(error, url, kind=kind, key=key) from error
