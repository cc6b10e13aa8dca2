"""After a disposal the erased values are gone from the database itself: from the bytes of
the SQLite file and its write-ahead log, and from every row of every PostgreSQL table.

Each test first checks that the values *are* there before the disposal, so it cannot
pass for want of having stored them.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from spo_tracker.casework import review_retention
from spo_tracker.storage import METADATA, connect
from tests.casework.test_retention import DUE, PERSONAL, REVIEWER, seed_case
from tests.storage.conftest import fixed_clock


def _file_bytes(url: str) -> bytes:
    path = Path(url.removeprefix("sqlite:///"))
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def _found(data: bytes) -> list[str]:
    return [value for value in PERSONAL if value.encode() in data]


def test_disposed_values_are_gone_from_the_sqlite_file_and_its_wal(sqlite_url: str) -> None:
    """secure_delete zeroes the freed space; the log is checkpointed and truncated."""
    with connect(sqlite_url, clock=fixed_clock) as store:
        seed_case(store)
        # The postcode is only in the address, which is encrypted at rest: never in the file.
        in_plain_text = set(PERSONAL) - {"B15 2TT"}
        assert set(_found(_file_bytes(sqlite_url))) == in_plain_text
        outcome = review_retention(
            store, "D1", decision="dispose", reason="no policing purpose", at=DUE, actor=REVIEWER
        )
        assert outcome.purged
        assert _found(_file_bytes(sqlite_url)) == []
    assert _found(_file_bytes(sqlite_url)) == []


def _rows_holding(url: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            for table in METADATA.sorted_tables:
                sql = sa.text(f'SELECT t::text FROM "{table.name}" AS t')
                for (text,) in connection.execute(sql):
                    hits = [v for v in PERSONAL if v in text]
                    if hits:
                        found.setdefault(table.name, []).extend(hits)
    finally:
        engine.dispose()
    return found


def test_no_postgres_row_holds_a_disposed_value(postgres_url: str) -> None:
    """Every row of every table in the schema (each row as text), after the disposal: none
    holds a value."""
    with connect(postgres_url, clock=fixed_clock) as store:
        seed_case(store)
        before = _rows_holding(postgres_url)
        assert {"defendant_names", "protected_persons", "incidents"} <= set(before)
        review_retention(store, "D1", decision="dispose", reason="gone", at=DUE, actor=REVIEWER)
    assert _rows_holding(postgres_url) == {}
