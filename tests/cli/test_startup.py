"""Building the parser, --help and --version stay light: no database or template stack."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from spo_tracker import cli, demo, interchange

HEAVY = ("sqlalchemy", "sqlmodel", "alembic", "jinja2", "jsonschema_rs", "pendulum")

_PROBE = """
import json, sys
from spo_tracker.cli import _parser, main
_parser()
try:
    main({argv!r})
except SystemExit:
    pass
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in {heavy!r})), file=sys.stderr)
"""


def _heavy_modules_after(argv: list[str]) -> list[str]:
    probe = _PROBE.format(argv=argv, heavy=HEAVY)
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    loaded: list[str] = json.loads(done.stderr.strip().splitlines()[-1])
    return loaded


@pytest.mark.parametrize("argv", [["--help"], ["--version"], ["report", "--help"]])
def test_help_and_version_import_no_database_stack(argv: list[str]) -> None:
    """A fresh interpreter builds the parser and answers without SQLAlchemy & co."""
    assert _heavy_modules_after(argv) == []


def test_the_probe_sees_a_heavy_import() -> None:
    """The probe itself works: a command that opens a database does load SQLAlchemy."""
    assert "sqlalchemy" in _heavy_modules_after(["--database", "sqlite://", "scan"])


def test_the_parsers_defaults_are_the_librarys() -> None:
    """The defaults copied into the CLI (to keep it light) equal the library's constants."""
    assert cli.DEFAULT_SCALE == demo.DEFAULT_SCALE
    assert cli.DEFAULT_MAX_IMPORT_BYTES == interchange.DEFAULT_MAX_IMPORT_BYTES
    assert cli.MAX_LINE_BYTES == interchange.MAX_LINE_BYTES
