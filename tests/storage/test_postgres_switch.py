"""The PostgreSQL switch: with the URL set, an unreachable server fails the run (no skip)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.storage.conftest import POSTGRES_ENV

ROOT = Path(__file__).resolve().parents[2]


def test_an_unreachable_server_fails_the_postgres_tests_instead_of_skipping() -> None:
    """Nothing listens on port 1: the PostgreSQL test errors out and pytest exits non-zero."""
    env = {**os.environ, POSTGRES_ENV: "postgresql+psycopg://postgres@127.0.0.1:1/test"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/storage/test_cli.py::test_db_upgrade_and_verify_on_postgres",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0, done.stdout
    assert "cannot be reached" in done.stdout
    assert "skipped" not in done.stdout.splitlines()[-1]
