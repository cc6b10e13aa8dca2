"""The top-level public API: at most 50 names from one table, each resolves, import is cheap."""

from __future__ import annotations

import ast
import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

import spo_tracker

INIT = Path(spo_tracker.__file__)
EXPORTS: dict[str, tuple[str, ...]] = spo_tracker._EXPORTS
NAMES = sorted(name for names in EXPORTS.values() for name in names)
#: The house limit on top-level names (``__version__`` included).
MOST_NAMES = 50


def test_the_top_level_is_small() -> None:
    """At most 50 names: the ones a newcomer needs first; the rest stay in subpackages."""
    assert len(spo_tracker.__all__) <= MOST_NAMES


def test_all_is_exactly_the_exported_names_once_each() -> None:
    """__all__ is read off the one table: nothing hidden, nothing without a source."""
    assert spo_tracker.__all__ == sorted([*NAMES, "__version__"])
    assert len(set(NAMES)) == len(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_every_exported_name_resolves_to_its_modules_object(name: str) -> None:
    """spo_tracker.X is the very object its defining module exports under the same name."""
    (module,) = (module for module, names in EXPORTS.items() if name in names)
    assert getattr(spo_tracker, name) is getattr(importlib.import_module(module), name)


def test_the_type_checking_imports_match_the_lazy_table() -> None:
    """What mypy sees (the TYPE_CHECKING imports) is what runs (the lazy table)."""
    tree = ast.parse(INIT.read_text(encoding="utf-8"))
    guarded = next(
        node
        for node in tree.body
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING"
    )
    seen: dict[str, set[str]] = {}
    for node in guarded.body:
        if isinstance(node, ast.ImportFrom) and node.module != "typing":
            for alias in node.names:
                assert alias.asname == alias.name, "re-exported as itself (X as X)"
                seen.setdefault(str(node.module), set()).add(alias.name)
    assert seen == {module: set(names) for module, names in EXPORTS.items()}


def test_an_unknown_name_is_an_attribute_error() -> None:
    """hasattr and typos behave as for any module."""
    assert not hasattr(spo_tracker, "Orderr")
    with pytest.raises(AttributeError, match="Orderr"):
        spo_tracker.Orderr  # noqa: B018


def test_dir_lists_the_public_names() -> None:
    """Interactive completion shows every export."""
    assert set(spo_tracker.__all__) <= set(dir(spo_tracker))


def test_the_package_is_typed() -> None:
    """py.typed ships beside the package (PEP 561)."""
    assert (INIT.parent / "py.typed").is_file()


_PROBE = """
import json, sys
before = set(sys.modules)
import spo_tracker
loaded = sorted(m for m in set(sys.modules) - before)
print(json.dumps(loaded))
"""


def test_importing_the_package_loads_no_heavy_dependency() -> None:
    """No SQLAlchemy, Alembic, Jinja2, JSON Schema or even pendulum until a name is used."""
    done = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True, timeout=60
    )
    loaded = set(json.loads(done.stdout.strip().splitlines()[-1]))
    heavy = {"sqlalchemy", "sqlmodel", "alembic", "jinja2", "jsonschema_rs", "pendulum", "attrs"}
    heavy |= {"typing"}  # the names are typed for checkers only; nothing typed runs at import
    assert not loaded & heavy
    assert [m for m in loaded if m.startswith("spo_tracker.")] == []


def test_a_name_loads_only_its_own_part() -> None:
    """Using a domain record does not pull in storage."""
    probe = "import sys, spo_tracker; spo_tracker.Order; print('sqlalchemy' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "False"
