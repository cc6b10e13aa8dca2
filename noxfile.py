"""Developer sessions: tests, PostgreSQL tests, lint, typing, docs, demo, bench.

Every session runs on each Python in ``PYTHONS``: every CPython from 3.11 (the
floor, ``requires-python``) that this machine can install. Its pyenv holds
3.11, 3.12 and 3.13 (make them all visible to nox with
``pyenv global 3.11.7 3.12.1 3.13.0``); the classifiers in ``pyproject.toml``
list the same versions. The test suite passed on each (docs/getting-started.md
says how it was run); ``.ci/run`` runs it on 3.11, the README's version.

Tools come from the PEP 735 dependency groups in ``pyproject.toml``.
"""

from __future__ import annotations

import os

import nox

nox.options.sessions = ["tests", "lint", "typing"]
nox.options.default_venv_backend = "venv"

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PYTHONS = ["3.11", "3.12", "3.13"]
PYPROJECT = nox.project.load_toml("pyproject.toml")


def _group(name: str) -> list[str]:
    """The requirements of one dependency group (PEP 735), includes resolved."""
    return list(nox.project.dependency_groups(PYPROJECT, name))


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """Run the test suite (PostgreSQL tests run too when SPO_TRACKER_TEST_POSTGRES_URL is set)."""
    session.install("-e", ".", *_group("test"))
    session.run("pytest", "-n", "auto", *session.posargs)


@nox.session(python=PYTHONS)
def tests_postgres(session: nox.Session) -> None:
    """Run the suite with the PostgreSQL backend switched on; fails if the server is down."""
    session.install("-e", ".", *_group("test"))
    url = os.environ.get("SPO_TRACKER_TEST_POSTGRES_URL", PG_URL)
    session.run(
        "pytest", "-n", "auto", *session.posargs, env={"SPO_TRACKER_TEST_POSTGRES_URL": url}
    )


@nox.session(python=PYTHONS)
def lint(session: nox.Session) -> None:
    """ruff check, ruff format --check, and the import-linter contracts in pyproject.toml."""
    session.install("-e", ".", *_group("lint"))
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("lint-imports")


@nox.session(python=PYTHONS)
def typing(session: nox.Session) -> None:
    """mypy --strict on the package, the tests and the benchmarks."""
    session.install("-e", ".", *_group("dev"))
    session.run("mypy")


@nox.session(python=PYTHONS)
def docs(session: nox.Session) -> None:
    """Build the documentation with warnings as errors."""
    session.install("-e", ".", *_group("dev"))
    session.run("sphinx-build", "-W", "--keep-going", "-b", "html", "docs", "docs/_build/html")


@nox.session(python=PYTHONS)
def demo(session: nox.Session) -> None:
    """Run the bundled SQLite demo."""
    session.install("-e", ".")
    session.run("spo-tracker", "demo", *session.posargs)


@nox.session(python=PYTHONS)
def bench(session: nox.Session) -> None:
    """Run every benchmark script and print its figures."""
    session.install("-e", ".", *_group("dev"))
    for script in sorted(os.listdir("benchmarks")):
        if script.startswith("bench_") and script.endswith(".py"):
            session.run("python", f"benchmarks/{script}", *session.posargs)
