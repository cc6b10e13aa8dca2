"""The docs and the top level agree: what the docs import from ``spo_tracker`` exists there,
and docs/api.md lists exactly the top-level names with the module that defines each."""

from __future__ import annotations

import importlib
import importlib.util
import re
from pathlib import Path

import pytest

import spo_tracker

ROOT = Path(__file__).resolve().parents[2]
#: ``from spo_tracker import a, b`` or ``from spo_tracker import (a, b,)`` across lines.
FROM_IMPORT = re.compile(r"^\s*from spo_tracker import (?:\(([^)]*)\)|(.*)$)", re.MULTILINE)
#: ``spo_tracker.X`` written out, where X is not a submodule.
ATTRIBUTE = re.compile(r"\bspo_tracker\.(\w+)")
API_ROW = re.compile(r"^\| `(\w+)` \| `(spo_tracker(?:\.\w+)*)` \|", re.MULTILINE)


def documents() -> list[Path]:
    """The README and every Markdown page in docs/."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def _is_submodule(name: str) -> bool:
    try:
        return importlib.util.find_spec(f"spo_tracker.{name}") is not None
    except ModuleNotFoundError:  # spo_tracker.casework_x: a parent that is not a package
        return False


def _imported_names(text: str) -> set[str]:
    names = set()
    for parenthesised, one_line in FROM_IMPORT.findall(text):
        for part in (parenthesised or one_line).replace("\n", ",").split(","):
            name = part.split("#")[0].strip().split(" as ")[0].strip()
            if name:
                names.add(name)
    names |= set(ATTRIBUTE.findall(text))
    return {name for name in names if not _is_submodule(name)}


@pytest.mark.parametrize("path", documents(), ids=lambda p: p.name)
def test_every_top_level_name_the_docs_use_is_exported(path: Path) -> None:
    """A name a page takes from ``spo_tracker`` is in ``__all__`` (else it names its subpackage)."""
    used = _imported_names(path.read_text(encoding="utf-8"))
    assert used <= set(spo_tracker.__all__), sorted(used - set(spo_tracker.__all__))


def test_the_parser_sees_the_readme_tour() -> None:
    """Guards the patterns: the README's tour imports several top-level names."""
    used = _imported_names((ROOT / "README.md").read_text(encoding="utf-8"))
    assert {"make_order", "Detector", "GuardRejectedError"} <= used
    assert _imported_names("from spo_tracker import casework, Nope\nspo_tracker.storage") == {
        "Nope"
    }


def test_the_api_page_lists_exactly_the_top_level_names() -> None:
    """docs/api.md's table of top-level names is ``__all__``, each with its defining module."""
    rows = dict(API_ROW.findall((ROOT / "docs" / "api.md").read_text(encoding="utf-8")))
    assert sorted([*rows]) == [name for name in spo_tracker.__all__ if name != "__version__"]
    for name, module in rows.items():
        assert getattr(importlib.import_module(module), name) is getattr(spo_tracker, name)
