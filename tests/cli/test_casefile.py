"""``spo-tracker case file``: a supervisor writes one defendant's case file."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
from pathlib import Path

import pytest

from spo_tracker.cli import main
from spo_tracker.demo import NOW, build_scenario
from spo_tracker.storage import connect, upgrade
from tests.casework.builders import store_scenario

AT = NOW.in_timezone("UTC").isoformat()
BAN = "AL-e16438f369730d61fbb3"


def _stored(url: str) -> str:
    """``url`` holding the demo scenario (scale 0) and the alerts a detection run kept."""
    with connect(url) as store:
        store_scenario(store, build_scenario(seed=0, scale=0))
    assert main(["detect", "--at", AT, "--database", url]) == 0
    return url


@pytest.fixture
def database(tmp_path: Path) -> str:
    """A SQLite database holding the demo scenario and its stored alerts."""
    url = f"sqlite:///{tmp_path / 'force.sqlite'}"
    upgrade(url)
    return _stored(url)


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    try:
        code = main(list(argv))
    except SystemExit as stopped:  # argparse refuses a usage error itself
        code = int(stopped.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def _case(capsys: pytest.CaptureFixture[str], url: str, fmt: str, output: Path, *more: str) -> str:
    code, out, err = _run(
        capsys, "case", "file", "D-1001", "--format", fmt, "--output", str(output),
        "--at", AT, "--database", url, *more,
    )  # fmt: skip
    assert (code, err) == (0, "")
    return out


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_a_supervisor_writes_a_case_file_in_each_format(
    capsys: pytest.CaptureFixture[str], request: pytest.FixtureRequest, tmp_path: Path,
    backend: str,
) -> None:  # fmt: skip
    """HTML, JSON and the CSV evidence schedule, each 0600, redacted, the review outcome in."""
    url = _stored(request.getfixturevalue(f"{backend}_url"))
    code, _, _ = _run(capsys, "alerts", "review", BAN, "--outcome", "referred",
                      "--reason", "file opened", "--reference", "20/1234/26", "--at", AT,
                      "--database", url)  # fmt: skip
    assert code == 0
    out = tmp_path / "out"
    out.mkdir()
    said = _case(capsys, url, "json", out / "case.json")
    assert said.startswith(f"wrote {out / 'case.json'} (json, case file of D-1001, 104 evidence")
    document = json.loads((out / "case.json").read_text(encoding="utf-8"))
    assert document["defendant"]["id"] == "D-1001"
    texts = [e["text"] for e in document["timeline"] if e["subject"] == BAN]
    assert any("reference 20/1234/26" in t for t in texts)
    _case(capsys, url, "csv", out / "case.csv")
    rows = list(csv.DictReader(io.StringIO((out / "case.csv").read_text(encoding="utf-8"))))
    assert len(rows) == 104
    assert rows[0]["occurred_london"] == "2026-03-14T07:14:05+00:00"
    _case(capsys, url, "html", out / "case.html")
    html = (out / "case.html").read_text(encoding="utf-8")
    assert "Protected person P-1001" in html
    assert "Sarah Collins" not in html
    for name in ("case.json", "case.csv", "case.html"):
        assert stat.S_IMODE(os.stat(out / name).st_mode) == 0o600


def test_names_are_shown_only_when_asked(
    capsys: pytest.CaptureFixture[str], database: str, tmp_path: Path
) -> None:
    """--include-protected-names names the victim (internal use only)."""
    _case(capsys, database, "html", tmp_path / "named.html", "--include-protected-names")
    assert "Sarah Collins" in (tmp_path / "named.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["D-9999", "--format", "html"], "'D-9999'"),
        (["D-1001", "--format", "pdf"], "pdf"),
    ],
)
def test_bad_input_is_one_line_naming_the_value_exit_2_and_nothing_written(
    capsys: pytest.CaptureFixture[str], database: str, tmp_path: Path,
    argv: list[str], named: str,
) -> None:  # fmt: skip
    """An unknown defendant or format: exit 2, one line naming it, no file."""
    out = tmp_path / "out"
    out.mkdir()
    code, stdout, err = _run(capsys, "case", "file", *argv, "--output", str(out / "case"),
                             "--at", AT, "--database", database)  # fmt: skip
    assert (code, stdout) == (2, "")
    assert named in err
    assert len(err.strip().splitlines()) == 1
    assert list(out.iterdir()) == []


def test_the_database_file_and_a_dash_are_refused(
    capsys: pytest.CaptureFixture[str], database: str, tmp_path: Path
) -> None:
    """Writing over the database, or to '-', is refused with exit 2; the database is intact."""
    path = tmp_path / "force.sqlite"
    size = path.stat().st_size
    for output in (str(path), "-"):
        code, _, err = _run(capsys, "case", "file", "D-1001", "--format", "csv",
                            "--output", output, "--at", AT, "--database", database)  # fmt: skip
        assert code == 2
        assert err.startswith("spo-tracker: error:")
    assert path.stat().st_size == size
    assert not (tmp_path / "-").exists()
