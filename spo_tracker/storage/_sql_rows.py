"""Rows of the bulk loads read through the driver, past SQLAlchemy's row objects.

Loading a force's records reads every order with its versions, terms and protected
persons (12,000 orders, about 130,000 terms): SQLAlchemy's ORM and core rows cost
several times the driver's own read of the same rows (docs/performance.md, "Loading
the records"). :class:`DriverRows` runs the same ``SELECT`` through
``Connection.exec_driver_sql`` (so driver errors are still translated) and gives each
row as a light tuple whose columns read as attributes, as the mappers read rows.

Each value is converted exactly as SQLAlchemy converts it: by the result processing of
its column's type for the dialect (an instant from SQLite's integer or PostgreSQL's
``timestamptz``, SQLite's day text and 0/1 flags), so the mappers see equal values and
a stored row is refused with the same error. A JSON column is read as its text and
parsed by the engine's reader (:func:`~spo_tracker.storage._stored.read_json`) once per
distinct text in one query (the terms of 500 orders hold about 2,300 distinct parameter
documents for 5,400 terms); the parsed documents are shared, which is safe because the
mappers only read them (the codec builds new values from them).
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import JSON
from sqlalchemy.engine import Connection

from spo_tracker.storage._stored import READ_ERRORS, UnreadableValue, read_json

__all__ = ["DriverRows", "row_type"]

_Convert = Callable[[Any], Any]


@functools.cache
def row_type(table: Any) -> type[tuple[Any, ...]]:
    """The row class of ``table``: a tuple of its columns in table order, each column
    also an attribute of its name (``row.order_id``), as SQLAlchemy's rows read."""
    names = [c.name for c in table.columns]
    members: dict[str, Any] = {n: property(operator.itemgetter(i)) for i, n in enumerate(names)}
    members["__slots__"] = ()
    members["__doc__"] = f"A row of {table.name}, read through the driver."
    return type(f"{table.name}_row", (tuple,), members)


def _is_json(column: Any) -> bool:
    return isinstance(column.type, JSON)


class DriverRows:
    """Reads whole rows of tables by a key column through one SQLAlchemy connection."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._dialect = conn.dialect
        self._sqlite = conn.dialect.name == "sqlite"
        self._shown: dict[Any, str] = {}
        self._steps: dict[Any, list[tuple[int, _Convert | None]]] = {}

    def _columns(self, table: Any) -> str:
        """The column list of the SELECT of ``table``: every column in table order, a
        JSON column as its text."""
        if table not in self._shown:
            quote = self._dialect.identifier_preparer.quote
            self._shown[table] = ", ".join(
                quote(c.name)
                if self._sqlite or not _is_json(c)
                else f"CAST({quote(c.name)} AS TEXT)"
                for c in table.columns
            )
        return self._shown[table]

    def _conversions(self, table: Any, description: Any) -> list[tuple[int, _Convert | None]]:
        """The conversion of each column of ``table`` that has one, by position: its type's
        result processing for the dialect and the driver's type code (``description``),
        as SQLAlchemy finds it; ``None`` for a JSON column (read as its text)."""
        if table not in self._steps:
            dialect, steps = self._dialect, list[tuple[int, _Convert | None]]()
            for i, (column, described) in enumerate(zip(table.columns, description, strict=True)):
                if _is_json(column):
                    steps.append((i, None))
                    continue
                impl = column.type.dialect_impl(dialect)
                convert = impl.result_processor(dialect, described[1])
                if convert is not None:
                    steps.append((i, convert))
            self._steps[table] = steps
        return self._steps[table]

    def rows(
        self, table: Any, column: str, keys: Sequence[str], order_by: Sequence[str] = ()
    ) -> list[Any]:
        """The rows of ``table`` whose ``column`` is one of ``keys`` (at most 500 ids), in
        the order of ``order_by`` (none given: in no set order). A JSON text is parsed
        once per call: rows holding the same text share the parsed document (kept only
        for the call, so a bulk read of 50,000 alerts holds no more than 500 at once)."""
        quote = self._dialect.identifier_preparer.quote
        mark = "?" if self._sqlite else "%s"
        sql = (
            f"SELECT {self._columns(table)} FROM {quote(table.name)} WHERE {quote(column)} IN "
            f"({', '.join([mark] * len(keys))})"
        )
        if order_by:
            sql += f" ORDER BY {', '.join(map(quote, order_by))}"
        make = functools.partial(tuple.__new__, row_type(table))
        result = self._conn.exec_driver_sql(sql, tuple(keys))
        steps = self._conversions(table, result.cursor.description)
        found = result.all()
        if not steps or not found:
            return list(map(make, found))
        # Column by column, as SQLAlchemy calls a column's processing (on every value).
        columns = list(zip(*found, strict=True))
        parsed: dict[str, Any] = {}  # each JSON text of this query, parsed
        stray = JSON().dialect_impl(self._dialect).result_processor(self._dialect, None)

        def read(text: Any) -> Any:
            if text is None:
                return None
            if type(text) is not str:
                # Not text (SQLite keeps a bare number in a JSON column edited by hand): as
                # SQLAlchemy reads it, never remembered (1 and 1.0 are one key).
                return stray(text) if stray is not None else read_json(text)
            document = parsed.get(text, parsed)
            if document is parsed:
                document = parsed[text] = read_json(text)
            return document

        for i, convert in steps:
            each = read if convert is None else convert
            try:
                columns[i] = tuple(map(each, columns[i]))
            except READ_ERRORS:
                # A value the column's type refuses: the column again, value by value, that
                # value standing as unreadable (its record is refused when it is built).
                name = table.columns[i].name
                safe = functools.partial(_or_unreadable, each, name)
                columns[i] = tuple(map(safe, columns[i]))
        return list(map(make, zip(*columns, strict=True)))


def _or_unreadable(convert: Callable[[Any], Any], column: str, value: Any) -> Any:
    """``convert(value)``, or :class:`UnreadableValue` if it refuses the value."""
    try:
        return convert(value)
    except READ_ERRORS:
        return UnreadableValue(column)
