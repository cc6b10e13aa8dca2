"""Layering: no module imports another package's private (``_``-prefixed) module.

A private module is an implementation detail of its package; a service layer
that only the command line can reach through one is what issue 10 removed.
The check walks every module of ``spo_tracker`` (migrations aside: Alembic
loads them by path) and refuses ``from spo_tracker.X._y import ...`` (or
``import spo_tracker.X._y``) in a file outside package ``X``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import spo_tracker

ROOT = Path(spo_tracker.__file__).parent


def _own_package(path: Path) -> str | None:
    """The top-level package a file belongs to (``None`` for a top-level module)."""
    parts = path.relative_to(ROOT).parts
    return parts[0] if len(parts) > 1 else None


def _imported(tree: ast.AST) -> list[tuple[int, str]]:
    """Every absolute module name imported by ``tree``, with its line."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
    return found


def violations(path: Path, source: str) -> list[str]:
    """The imports in ``source`` (the file at ``path``) of another package's private module."""
    own = _own_package(path)
    bad = []
    for line, module in _imported(ast.parse(source)):
        parts = module.split(".")
        if parts[0] != "spo_tracker" or len(parts) < 3 or parts[1] == own:
            continue
        if any(part.startswith("_") for part in parts[2:]):
            bad.append(f"{path.relative_to(ROOT)}:{line}: {module}")
    return bad


def _modules() -> list[Path]:
    return [p for p in sorted(ROOT.rglob("*.py")) if "migrations" not in p.parts]


def test_no_module_imports_another_packages_private_module() -> None:
    """The whole package: every import of a private module stays inside its package."""
    bad = [v for p in _modules() for v in violations(p, p.read_text(encoding="utf-8"))]
    assert bad == []


def test_the_check_walks_the_cli_the_demo_and_casework() -> None:
    """The walk reaches the modules the rule was written for."""
    names = {str(p.relative_to(ROOT)) for p in _modules()}
    assert {"cli.py", "demo/_run.py", "casework/_detection.py"} <= names


def test_the_check_refuses_a_private_import_across_packages() -> None:
    """A private module of another package is refused, however it is imported, even
    inside a function; the package's own and public modules are allowed."""
    source = (
        "from spo_tracker.reports._write import write_atomic\n"
        "def f():\n"
        "    import spo_tracker.storage._base\n"
        "from spo_tracker.reports import render\n"
        "from spo_tracker.demo._scenario import NOW\n"
    )
    found = violations(ROOT / "demo" / "_run.py", source)
    assert found == [
        "demo/_run.py:1: spo_tracker.reports._write",
        "demo/_run.py:3: spo_tracker.storage._base",
    ]


def test_a_top_level_module_may_import_no_private_module() -> None:
    """``cli.py`` belongs to no package: every private import in it is refused."""
    found = violations(ROOT / "cli.py", "from spo_tracker.casework._report import x\n")
    assert found == ["cli.py:1: spo_tracker.casework._report"]
