"""The PostgreSQL switch: unset, the tests skip with a reason; set, an unreachable server fails."""

from __future__ import annotations

import pytest

from tests.storage.conftest import POSTGRES_ENV, start_server


def test_an_unreachable_server_fails_instead_of_skipping() -> None:
    """Nothing listens on port 1: the session fixture fails (an error, not a skip)."""
    with pytest.raises(pytest.fail.Exception, match="cannot be reached"):
        start_server("postgresql+psycopg://postgres@127.0.0.1:1/test")


def test_an_unset_url_skips_with_the_reason() -> None:
    """Locally, without the variable, the reason names it and where it is set."""
    with pytest.raises(pytest.skip.Exception, match=POSTGRES_ENV):
        start_server(None)
