"""Command-line test fixtures: the storage suite's databases (fresh SQLite and PostgreSQL)."""

from __future__ import annotations

from tests.storage.conftest import (  # noqa: F401 - fixtures shared with the storage tests
    postgres_server,
    postgres_url,
    sqlite_template,
    sqlite_url,
)
