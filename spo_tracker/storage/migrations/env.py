"""Alembic environment: runs on the connection that :func:`spo_tracker.storage.upgrade` passes.

There is no ``alembic.ini``: the library builds the configuration itself, so
the migrations run the same way from the command line (``spo-tracker db
upgrade``), from Python and from the tests.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from spo_tracker.storage._tables import METADATA


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=METADATA,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - the library always passes a connection
    raise RuntimeError("run migrations through spo_tracker.storage.upgrade(url)")
_run(connection)
