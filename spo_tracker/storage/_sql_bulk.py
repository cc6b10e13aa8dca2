"""Bulk writes past SQLAlchemy, for speed: PostgreSQL's ``COPY`` through psycopg itself, and
the errors it then raises unwrapped."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy.engine import Connection


def _copy(conn: Connection, sql: str, rows: Iterable[Sequence[Any]]) -> None:
    """Run the ``COPY ... FROM STDIN`` statement ``sql`` with ``rows``, in the connection's
    current transaction: several times the rows per second of an executemany."""
    driver: Any = conn.connection.driver_connection
    with driver.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def _copy_rows(conn: Connection, table: Any, rows: Sequence[Mapping[str, Any]]) -> None:
    """PostgreSQL's COPY of rows given as column values, each passed through its column
    type's bind processing (UTC instants, JSON), in the connection's current transaction."""
    dialect = conn.dialect
    columns = list(table.columns)
    names = [c.name for c in columns]
    binds = [c.type.dialect_impl(dialect).bind_processor(dialect) for c in columns]
    quote = dialect.identifier_preparer.quote
    sql = f"COPY {quote(table.name)} ({', '.join(map(quote, names))}) FROM STDIN"
    _copy(
        conn,
        sql,
        (
            [
                value if bind is None else bind(value)
                for value, bind in zip([row[n] for n in names], binds, strict=True)
            ]
            for row in rows
        ),
    )


def _duplicate_key(error: Exception) -> str | None:
    """The id a unique violation names in its detail (``Key (alert_id)=(AL-1) already
    exists.``), or ``None``."""
    detail = getattr(getattr(error, "diag", None), "message_detail", None) or ""
    found = re.match(r"Key \([^)]*\)=\((.*)\) already exists", detail)
    return None if found is None else found.group(1)


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]
