"""The package as installed: its version, and that importing it does nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from importlib.metadata import version
from pathlib import Path

import spo_tracker

ROOT = Path(__file__).resolve().parents[2]

# Runs in a fresh interpreter with an audit hook installed before spo_tracker is
# imported: it records every write-mode open, directory or file change, socket,
# DNS lookup, subprocess and SQLite connection, then imports every module.
_PROBE = r"""
import json, os, pkgutil, sys, importlib

WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
WATCHED = (
    "socket.", "urllib.", "http.", "ftplib.", "smtplib.", "subprocess.", "os.system",
    "os.exec", "os.spawn", "os.posix_spawn", "os.fork", "os.mkdir", "os.remove", "os.rmdir",
    "os.rename", "os.truncate", "os.chmod", "os.symlink", "os.link", "shutil.", "sqlite3.connect",
    "tempfile.mkstemp", "tempfile.mkdtemp", "webbrowser.",
)
events = []

def hook(event, args):
    if event == "open":
        path, mode, flags = args
        writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            isinstance(flags, int) and flags & WRITE_FLAGS
        )
        if writing:
            events.append(f"open {path!r} mode={mode!r} flags={flags!r}")
    elif event.startswith(WATCHED):
        events.append(f"{event} {args!r}"[:300])

sys.addaudithook(hook)

import spo_tracker
errors, names = [], ["spo_tracker"]
for info in pkgutil.walk_packages(spo_tracker.__path__, "spo_tracker.", onerror=names.append):
    # Alembic revision scripts and env.py are run by Alembic, not imported as modules.
    if ".migrations" in info.name:
        continue
    names.append(info.name)
for name in names:
    try:
        importlib.import_module(name)
    except Exception as error:
        errors.append(f"{name}: {type(error).__name__}: {error}")
print(json.dumps({"events": events, "errors": errors, "modules": names}))
"""


def _import_everything(cwd: Path) -> dict[str, list[str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPO_TRACKER")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # bytecode caches are the interpreter's writes
    done = subprocess.run(
        [sys.executable, "-c", _PROBE],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    result: dict[str, list[str]] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_importing_every_module_does_no_io(tmp_path: Path) -> None:
    """No file written, no directory made, no socket, no subprocess, no database at import."""
    result = _import_everything(tmp_path)
    assert result["errors"] == []
    assert result["events"] == []
    assert list(tmp_path.iterdir()) == []
    assert {"spo_tracker.domain.terms", "spo_tracker.cli"} <= set(result["modules"])


def test_version_is_the_installed_package_metadata() -> None:
    """spo_tracker.__version__ comes from the installed distribution."""
    assert spo_tracker.__version__ == version("spo-tracker")


def test_installed_version_matches_pyproject() -> None:
    """One source: pyproject's version is what is installed (reinstall if this fails)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert version("spo-tracker") == project["version"]
