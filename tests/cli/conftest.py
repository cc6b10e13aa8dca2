"""Command-line test fixtures: the storage suite's databases (fresh SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from tests.storage.conftest import (  # noqa: F401 - fixtures shared with the storage tests
    postgres_server,
    postgres_url,
    sqlite_template,
    sqlite_url,
)


@pytest.fixture(autouse=True)
def _supervisor(monkeypatch: pytest.MonkeyPatch) -> None:
    """The command line's behaviour is tested acting as a supervisor with a purpose (every
    case in scope); tests/cli/test_permissions.py tests the default role and refusals."""
    monkeypatch.setenv("SPO_TRACKER_ROLE", "supervisor")
    monkeypatch.setenv("SPO_TRACKER_PURPOSE", "command-line tests")
