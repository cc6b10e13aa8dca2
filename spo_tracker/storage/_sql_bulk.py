"""Bulk writes past SQLAlchemy, for speed: PostgreSQL's ``COPY`` through psycopg itself, and
the errors it then raises unwrapped."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy.engine import Connection


def _copy(conn: Connection, sql: str, rows: Iterable[Sequence[Any]]) -> None:
    """Run the ``COPY ... FROM STDIN`` statement ``sql`` with ``rows``, in the connection's
    current transaction: several times the rows per second of an executemany."""
    driver: Any = conn.connection.driver_connection
    with driver.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def _binds(conn: Connection, table: Any, as_text: Sequence[str]) -> tuple[list[str], list[Any]]:
    """The table's column names and each column type's bind processing (``None``: the value
    as it is), but none for the columns in ``as_text``, whose values are their stored text."""
    dialect = conn.dialect
    columns = list(table.columns)
    binds = [
        None if c.name in as_text else c.type.dialect_impl(dialect).bind_processor(dialect)
        for c in columns
    ]
    return [c.name for c in columns], binds


def _bound(
    rows: Sequence[Mapping[str, Any]], names: Sequence[str], binds: Sequence[Any]
) -> Iterator[list[Any]]:
    """Each row's values in column order, each through its column's bind processing."""
    for row in rows:
        yield [
            value if bind is None else bind(value)
            for value, bind in zip([row[n] for n in names], binds, strict=True)
        ]


def _copy_rows(
    conn: Connection, table: Any, rows: Sequence[Mapping[str, Any]], as_text: Sequence[str] = ()
) -> None:
    """PostgreSQL's COPY of rows given as column values, each passed through its column
    type's bind processing (UTC instants, JSON), in the connection's current transaction;
    the columns in ``as_text`` hold the text to store already (JSON made once)."""
    names, binds = _binds(conn, table, as_text)
    quote = conn.dialect.identifier_preparer.quote
    sql = f"COPY {quote(table.name)} ({', '.join(map(quote, names))}) FROM STDIN"
    _copy(conn, sql, _bound(rows, names, binds))


def _insert_driver(
    conn: Connection, table: Any, rows: Sequence[Mapping[str, Any]], as_text: Sequence[str] = ()
) -> None:
    """SQLite's executemany of one INSERT for rows given as column values, through the
    driver itself (SQLAlchemy's own executemany spends several times as long on each
    row), each value through its column type's bind processing but those in ``as_text``,
    which hold the text to store already; in the connection's current transaction."""
    names, binds = _binds(conn, table, as_text)
    quote = conn.dialect.identifier_preparer.quote
    marks = ", ".join("?" for _ in names)
    sql = f"INSERT INTO {quote(table.name)} ({', '.join(map(quote, names))}) VALUES ({marks})"
    conn.exec_driver_sql(sql, [tuple(values) for values in _bound(rows, names, binds)])


def _duplicate_key(error: Exception) -> str | None:
    """The id a unique violation names in its detail (``Key (alert_id)=(AL-1) already
    exists.``), or ``None``."""
    detail = getattr(getattr(error, "diag", None), "message_detail", None) or ""
    found = re.match(r"Key \([^)]*\)=\((.*)\) already exists", detail)
    return None if found is None else found.group(1)


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]
