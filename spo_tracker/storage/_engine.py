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
import logging
import re
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
from spo_tracker.storage._crypto import DataKeyring
from spo_tracker.storage._files import make_private
from spo_tracker.storage._keys import AuditKeyring
from spo_tracker.storage._stored import read_json

__all__ = [
    "BUSY_TIMEOUT_S",
    "SUPPORTED_URLS",
    "DatabaseUrl",
    "current_revision",
    "head_revision",
    "make_engine",
    "mask_url",
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


#: ``scheme://user:password@``: the password runs to the last ``@`` of the URL (an ``@`` in a
#: password that was not percent-encoded must not leave its end showing).
_CREDENTIALS: Final = re.compile(
    r"(?P<head>\b[A-Za-z][A-Za-z0-9+.\-]*://[^\s:/@'\"]*:)(?P<secret>[^\s'\"]*)@"
)
#: A password given as a query parameter (``?password=...``), which libpq accepts.
_QUERY_SECRET: Final = re.compile(r"(?i)(?P<head>[?&](?:password|passwd|pwd)=)[^&\s'\"]*")


def mask_url(text: str, *, url: str | None = None) -> str:
    """``text`` with the password of every database URL in it replaced by ``***``.

    Works on text that is not a valid URL too (a malformed URL, a driver's message):
    ``postgresql://user:secret@host/db`` becomes ``postgresql://user:***@host/db``, and
    a ``password=`` query parameter is hidden the same way.

    Args:
        text: the message.
        url: the database URL the message is about, if known: its password is hidden
            wherever it appears in ``text``, even outside a URL.
    """
    text = _CREDENTIALS.sub(r"\g<head>***@", text)
    text = _QUERY_SECRET.sub(r"\g<head>***", text)
    secret = None if url is None else url_password(url)
    return text.replace(secret, "***") if secret else text


def _credentials(url: str) -> tuple[int, int] | None:
    """Where the password of ``url`` (the whole text, maybe malformed) starts and ends."""
    start = url.find("://")
    at = url.rfind("@")
    if start < 0 or at < start or url.startswith("/", start + 3):
        return None  # no URL, no '@', or no authority (sqlite:///path)
    colon = url.find(":", start + 3, at)
    return None if colon < 0 else (colon + 1, at)


def _mask_whole(url: str) -> str:
    """``url`` (all of it is the URL, spaces included) with its password hidden."""
    span = _credentials(url)
    masked = url if span is None else f"{url[: span[0]]}***{url[span[1] :]}"
    return mask_url(masked)


def url_password(url: str) -> str | None:
    """The password in ``url`` (even a malformed one), so that messages can be scrubbed of it."""
    span = _credentials(url)
    if span is not None and span[1] > span[0]:
        return url[span[0] : span[1]]
    query = _QUERY_SECRET.search(url)
    if query is not None and query.end() > query.end("head"):
        return url[query.end("head") : query.end()]
    return None


class DatabaseUrl:
    """A checked database URL: the SQLAlchemy URL and how to show it (password hidden)."""

    def __init__(self, url: URL) -> None:
        self.url = url
        self.shown = mask_url(url.render_as_string(hide_password=True))
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
    shown = _mask_whole(url)
    if not _is_utf8(url):
        raise InvalidDatabaseUrlError(
            shown, "not UTF-8 text (a file or folder name in another encoding?): rename it"
        )
    try:
        parsed = make_url(url.strip())
    except (ArgumentError, ValueError) as error:
        reason = mask_url(str(error), url=url)
        raise InvalidDatabaseUrlError(
            shown, f"malformed ({reason}); expected {SUPPORTED_URLS}"
        ) from None
    backend, driver = parsed.get_backend_name(), parsed.get_driver_name()
    if backend == "sqlite" and driver == "pysqlite":
        _check_sqlite(parsed, shown)
    elif backend == "postgresql" and driver in ("psycopg2", "psycopg"):
        parsed = parsed.set(drivername="postgresql+psycopg")
        if not parsed.database:
            raise InvalidDatabaseUrlError(_hide(parsed), "name the database after the host")
        if "@" in (parsed.host or ""):
            raise InvalidDatabaseUrlError(
                _hide(parsed), "an '@' in the user name or password must be written %40"
            )
    else:
        raise InvalidDatabaseUrlError(
            _hide(parsed), f"unsupported backend; expected {SUPPORTED_URLS}"
        )
    return DatabaseUrl(parsed)


def _check_sqlite(parsed: URL, shown: str) -> None:
    if not parsed.database or parsed.database == ":memory:" or parsed.database.startswith("file:"):
        raise InvalidDatabaseUrlError(
            shown, "give the SQLite file's path (for a store in memory use InMemoryStore)"
        )
    if parsed.username or parsed.password or parsed.host or parsed.port:
        raise InvalidDatabaseUrlError(
            shown, "a SQLite URL has no user, password or host: sqlite:///path/to/file.sqlite"
        )


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _hide(url: URL) -> str:
    return mask_url(url.render_as_string(hide_password=True))


#: The logger SQLAlchemy logs an engine's statements and, at DEBUG, its result rows with.
ENGINE_LOGGER: Final = "sqlalchemy.engine.Engine"
_WITHHELD: Final = "<row withheld: rows may hold restricted details>"


class RowsWithheld(logging.Filter):
    """Replaces the row in SQLAlchemy's ``Row %r`` DEBUG records with a placeholder.

    ``hide_parameters`` hides statements' parameters only; at DEBUG SQLAlchemy also logs
    every row a query returns, protected persons' names and addresses included. The record
    is kept (a reader still sees that a row was fetched), its value is not.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and record.msg.endswith("Row %r"):
            record.args = (_WITHHELD,)
        return True


def withhold_rows() -> None:
    """Install :class:`RowsWithheld` on SQLAlchemy's engine logger (once)."""
    logger = logging.getLogger(ENGINE_LOGGER)
    if not any(isinstance(found, RowsWithheld) for found in logger.filters):
        logger.addFilter(RowsWithheld())


def make_engine(target: DatabaseUrl) -> Engine:
    """A lazily connecting engine for ``target`` (nothing is opened until first use).

    Its result rows are never logged (:func:`withhold_rows`), nor its parameters.

    Raises:
        DatabaseUnavailableError: the SQLite file's folder does not exist.
    """
    withhold_rows()
    # hide_parameters: SQLAlchemy logs statements with their parameters once logging is
    # at INFO (an application's basicConfig is enough) and quotes them in its errors;
    # the parameters are protected persons' names and addresses.
    if not target.is_sqlite:
        return create_engine(
            target.url,
            connect_args={"connect_timeout": CONNECT_TIMEOUT_S},
            hide_parameters=True,
            json_deserializer=read_json,
        )
    folder = target.sqlite_path.parent
    if not folder.is_dir():
        raise DatabaseUnavailableError(target.shown, f"folder {str(folder)!r} does not exist")
    engine = create_engine(
        target.url,
        connect_args={"timeout": BUSY_TIMEOUT_S, "check_same_thread": False},
        hide_parameters=True,
        json_deserializer=read_json,
    )
    event.listen(engine, "do_connect", functools.partial(_sqlite_before_open, target))
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _sqlite_before_open(target: DatabaseUrl, *_args: Any) -> None:
    # Before SQLite opens (or creates) the file: it must exist, mode 0600, so that the
    # -wal and -shm files SQLite creates beside it copy that mode.
    try:
        make_private(target.sqlite_path)
    except OSError as error:
        raise DatabaseUnavailableError(
            target.shown,
            f"cannot make {str(target.sqlite_path)!r} private (mode 0600): "
            f"{error.strerror or error}",
        ) from None


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own transaction handling is switched off so that BEGIN is ours.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in (
        "journal_mode=WAL",
        "synchronous=NORMAL",
        "foreign_keys=ON",
        f"busy_timeout={int(BUSY_TIMEOUT_S * 1000)}",
        # Deleted and overwritten content is zeroed, not left in free pages: a destroyed
        # person's key and replaced plaintext are gone from the file's bytes.
        "secure_delete=ON",
        # 32 MiB of page cache (the default is 2 MiB): the incident indexes of a force's
        # year stay in memory while a bulk ingest updates them.
        "cache_size=-32768",
        # Freed space is overwritten with zeros, so a value erased by disposal (a
        # protected person's name, an address) leaves no bytes behind in the file
        # (MoPI disposal; see docs/retention.md). It costs a little on deletes.
        "secure_delete=ON",
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


def run_upgrade(
    engine: Engine,
    target: DatabaseUrl,
    revision: str,
    *,
    keyring: AuditKeyring | None = None,
    data_keyring: DataKeyring | None = None,
) -> None:
    """Migrate the database to ``revision`` in one transaction (``keyring`` seals the
    genesis entry that migration 0008 writes; ``data_keyring`` encrypts the restricted
    details that migration 0010 seals)."""
    config = _alembic_config()
    with translating(target.shown), engine.begin() as conn:
        config.attributes["connection"] = conn
        config.attributes["audit_keyring"] = keyring
        config.attributes["data_keyring"] = data_keyring
        command.upgrade(config, revision)
    _checkpoint_wal(engine, target)


def run_downgrade(
    engine: Engine,
    target: DatabaseUrl,
    revision: str,
    *,
    data_keyring: DataKeyring | None = None,
) -> None:
    """Migrate the database back to ``revision`` (``base`` removes the schema;
    ``data_keyring`` decrypts restricted details when going below 0010)."""
    config = _alembic_config()
    with translating(target.shown), engine.begin() as conn:
        config.attributes["connection"] = conn
        config.attributes["data_keyring"] = data_keyring
        command.downgrade(config, revision)


def _checkpoint_wal(engine: Engine, target: DatabaseUrl) -> None:
    """On SQLite, copy the write-ahead log into the file and truncate it: a migration that
    replaced plaintext (0010) leaves none of it in the ``-wal`` file."""
    if not target.is_sqlite:
        return
    with translating(target.shown):
        raw = engine.raw_connection()  # no BEGIN: a checkpoint runs outside a transaction
        try:
            cursor = raw.cursor()
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            cursor.close()
        finally:
            raw.close()


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
