"""The domain guide's map of the Act to code and tests stays true: every reference resolves."""

from __future__ import annotations

import ast
import functools
import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "domain.md"
CODE = re.compile(r"`(spo_tracker(?:\.\w+)+)`")
TEST = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")
#: Every section of the Act that the library encodes (s.12 guidance, s.15-16 extent
#: and commencement put nothing in code).
SECTIONS = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "13", "14")


def _text() -> str:
    return GUIDE.read_text(encoding="utf-8")


def _resolve(dotted: str) -> object:
    """Import the longest module prefix of ``dotted`` and read the rest as attributes."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found: object = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for name in parts[cut:]:
            found = getattr(found, name)
        return found
    raise AssertionError(f"{dotted}: no module")


@functools.cache
def _test_names(path: str) -> frozenset[str]:
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    return frozenset(
        node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.ClassDef)
    )


@pytest.mark.parametrize("dotted", sorted(set(CODE.findall(_text()))))
def test_every_code_reference_names_real_code(dotted: str) -> None:
    """A module, class, function, guard or constant the guide names exists."""
    assert _resolve(dotted) is not None


@pytest.mark.parametrize(("path", "name"), sorted(set(TEST.findall(_text()))), ids=lambda v: str(v))
def test_every_test_reference_names_a_real_test(path: str, name: str) -> None:
    """A test the guide cites exists in the file it names."""
    assert (ROOT / path).is_file(), path
    assert name in _test_names(path), f"{path}::{name}"


def _rows() -> list[str]:
    table = _text().split("## Each section of the Act")[1].split("## Every OPEN choice")[0]
    return [line for line in table.splitlines() if line.startswith("| s.")]


def test_every_section_the_library_encodes_has_a_row_with_code_and_tests() -> None:
    """s.1 to s.14 (but s.12): each has a row naming code and at least one test."""
    covered = {n for row in _rows() for n in re.findall(r"s\.(\d+)", row.split("|")[1])}
    assert set(SECTIONS) <= covered
    for row in _rows():
        cells = row.split("|")
        assert CODE.search(cells[3]), row
        assert TEST.search(cells[4]), row


def test_every_open_choice_is_made_documented_and_tested() -> None:
    """Each OPEN row names the code, a page that documents it, and a test."""
    table = _text().split("## Every OPEN choice")[1]
    rows = [line for line in table.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(rows) > 10
    for row in rows[1:]:
        _, choice, made, documented, tested, _ = row.split("|")
        assert CODE.search(made), choice
        assert re.search(r"\]\((?:\w+\.md)?#?[\w-]*\)", documented), choice
        assert TEST.search(tested), choice
