"""The demo on a fresh machine: with no data key configured, it creates one beside its
database (mode 0600), says so, and its follow-on commands name it."""

from __future__ import annotations

import shlex
import stat
from pathlib import Path

import pytest

from spo_tracker.cli import main
from spo_tracker.demo import DATA_KEY_FILE, DATABASE_FILE


def test_the_demo_creates_a_private_data_key_when_none_is_configured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("SPO_TRACKER_DATA_KEY", raising=False)
    monkeypatch.delenv("SPO_TRACKER_DATA_KEY_FILE", raising=False)
    folder = tmp_path / "demo"
    assert main(["demo", "--scale", "0", "--output", str(folder)]) == 0
    out = capsys.readouterr().out
    key = folder / DATA_KEY_FILE
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert f"data key  {key}" in out
    scan = next(
        line
        for line in out.splitlines()
        if line.strip().startswith("spo-tracker") and " scan " in line
    )
    assert f"--data-key-file {key}" in scan
    assert main(shlex.split(scan)[1:]) == 0
    db = f"sqlite:///{folder / DATABASE_FILE}"
    capsys.readouterr()
    assert main(["--database", db, "scan", "--at", "2026-03-20T09:00Z"]) == 2
    assert "no data key is given" in capsys.readouterr().err
    before = key.read_bytes()
    assert main(["demo", "--scale", "0", "--output", str(folder)]) == 0  # the key is kept
    assert key.read_bytes() == before
