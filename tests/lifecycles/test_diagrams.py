"""The lifecycles docs page is generated from the tables and kept in step with them."""

from __future__ import annotations

from pathlib import Path

import pytest

from spo_tracker.cli import main
from spo_tracker.domain.lifecycles import MACHINES
from spo_tracker.domain.lifecycles.diagrams import OPEN_CHOICES, lifecycles_markdown

DOCS_PAGE = Path(__file__).resolve().parents[2] / "docs" / "lifecycles.md"


def test_the_committed_lifecycles_page_is_up_to_date() -> None:
    """docs/lifecycles.md equals what the tables render now."""
    assert DOCS_PAGE.read_text(encoding="utf-8") == lifecycles_markdown(), (
        "docs/lifecycles.md is stale: run `spo-tracker diagram --output docs/lifecycles.md`"
    )


def test_every_machine_has_a_diagram_and_every_row_a_table_line() -> None:
    """One mermaid block per machine; each row's source, event and section appear."""
    page = lifecycles_markdown()
    assert page.count("```mermaid\nstateDiagram-v2\n") == len(MACHINES)
    for machine in MACHINES.values():
        assert f"## {machine.name}\n" in page
        for row in machine.transitions:
            line = f"| {row.source.name} | `{row.event.name}` | {row.target.name} | {row.section} |"
            assert line in page
            for guard in row.guards:
                assert f"`{guard.name}` ({guard.section})" in page


def test_the_open_choices_are_listed() -> None:
    """Every OPEN choice the library makes is on the page."""
    page = lifecycles_markdown()
    assert all(f"- {choice}" in page for choice in OPEN_CHOICES)


def test_the_diagram_command_writes_the_page(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`spo-tracker diagram --output PATH` writes the rendered page."""
    target = tmp_path / "lifecycles.md"
    assert main(["diagram", "--output", str(target)]) == 0
    assert target.read_text(encoding="utf-8") == lifecycles_markdown()
    assert str(target) in capsys.readouterr().out


def test_the_diagram_command_reports_an_unwritable_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A folder that does not exist is a one-line error, exit code 2."""
    assert main(["diagram", "--output", str(tmp_path / "missing" / "x.md")]) == 2
    assert "spo-tracker: error:" in capsys.readouterr().err
