"""Writes are atomic: a whole report or nothing, never a partial file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from spo_tracker.errors import OutputWriteError, UnknownCodeError
from spo_tracker.reports import FORMATS, build_report, render, write_report
from tests.reports.builders import NOW, world


def unwritable_folder(tmp_path: Path) -> Path:
    """A folder this process cannot create files in (root ignores modes: use /sys then)."""
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    probe = folder / "probe"
    try:
        probe.write_text("x")
    except PermissionError:
        return folder
    probe.unlink()
    return Path("/sys")


def test_each_format_is_written_whole(tmp_path: Path) -> None:
    """The file holds exactly the rendered text; no temporary file is left."""
    w = world()
    report = build_report(w.alerts, w.context, now=NOW)
    for fmt in FORMATS:
        path = write_report(report, fmt, tmp_path / f"r.{fmt}")
        assert path.read_bytes() == render(report, fmt).encode("utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.csv", "r.html", "r.json"]


def test_reports_are_private_to_their_owner(tmp_path: Path) -> None:
    """Reports hold sensitive data: mode 0600."""
    w = world()
    path = write_report(build_report(w.alerts, w.context, now=NOW), "csv", tmp_path / "r.csv")
    assert path.stat().st_mode & 0o777 == 0o600


def test_an_unknown_format_writes_nothing(tmp_path: Path) -> None:
    """The format is checked before any file is touched."""
    w = world()
    with pytest.raises(UnknownCodeError, match="'pdf'"):
        write_report(build_report(w.alerts, w.context, now=NOW), "pdf", tmp_path / "r.pdf")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("where", ["missing", "file", "folder", "unwritable"])
def test_bad_targets_are_refused_with_nothing_left(tmp_path: Path, where: str) -> None:
    """A missing folder, a file as folder, a folder as file, an unwritable folder."""
    w = world()
    report = build_report(w.alerts, w.context, now=NOW)
    (tmp_path / "plain").write_text("x")
    target = {
        "missing": tmp_path / "nope" / "r.html",
        "file": tmp_path / "plain" / "r.html",
        "folder": tmp_path,
        "unwritable": unwritable_folder(tmp_path) / "r.html",
    }[where]
    before = sorted(os.listdir(target.parent)) if target.parent.is_dir() else None
    with pytest.raises(OutputWriteError, match="cannot write"):
        write_report(report, "html", target)
    if before is not None:
        assert sorted(os.listdir(target.parent)) == before


def test_a_failure_mid_write_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the final rename fails, the previous report is intact and no temp file remains."""
    w = world()
    report = build_report(w.alerts, w.context, now=NOW)
    target = tmp_path / "r.json"
    target.write_text("previous")

    def refuse(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OutputWriteError, match="No space left"):
        write_report(report, "json", target)
    assert target.read_text() == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]
