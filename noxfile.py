"""Developer sessions: tests, PostgreSQL tests, lint, typing, docs, demo, bench."""

from __future__ import annotations

import os

import nox

nox.options.sessions = ["tests", "lint", "typing"]
nox.options.default_venv_backend = "venv"

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@nox.session(python="3.11")
def tests(session: nox.Session) -> None:
    """Run the test suite (PostgreSQL tests run too when SPO_TRACKER_TEST_POSTGRES_URL is set)."""
    session.install("-e", ".[test]")
    session.run("pytest", *session.posargs)


@nox.session(python="3.11")
def tests_postgres(session: nox.Session) -> None:
    """Run the suite with the PostgreSQL backend switched on; fails if the server is down."""
    session.install("-e", ".[test]")
    url = os.environ.get("SPO_TRACKER_TEST_POSTGRES_URL", PG_URL)
    session.run("pytest", *session.posargs, env={"SPO_TRACKER_TEST_POSTGRES_URL": url})


@nox.session(python="3.11")
def lint(session: nox.Session) -> None:
    """ruff check, ruff format --check, and the import-linter contracts in pyproject.toml."""
    session.install("ruff", "import-linter", "-e", ".")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("lint-imports")


@nox.session(python="3.11")
def typing(session: nox.Session) -> None:
    """mypy --strict on the package, the tests and the benchmarks."""
    session.install("-e", ".[dev]")
    session.run("mypy")


@nox.session(python="3.11")
def docs(session: nox.Session) -> None:
    """Build the documentation with warnings as errors."""
    session.install("-e", ".[dev]")
    session.run("sphinx-build", "-W", "--keep-going", "-b", "html", "docs", "docs/_build/html")


@nox.session(python="3.11")
def demo(session: nox.Session) -> None:
    """Run the bundled SQLite demo."""
    session.install("-e", ".")
    session.run("spo-tracker", "demo", *session.posargs)


@nox.session(python="3.11")
def bench(session: nox.Session) -> None:
    """Run every benchmark script and print its figures."""
    session.install("-e", ".[dev]")
    for script in sorted(os.listdir("benchmarks")):
        if script.startswith("bench_") and script.endswith(".py"):
            session.run("python", f"benchmarks/{script}", *session.posargs)
