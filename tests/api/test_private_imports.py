"""Layering: no module imports another package's private (``_``-prefixed) module.

A private module is an implementation detail of its package; a service layer
that only the command line can reach through one was removed when casework became public.
The check walks every module of ``spo_tracker`` (migrations aside: Alembic
loads them by path) and refuses, in a file outside package ``X``,
``from spo_tracker.X._y import ...``, ``import spo_tracker.X._y``,
``from spo_tracker.X import _y``, a relative import reaching ``X._y``
(``from ..X._y import ...``, ``from ..X import _y``) and a literal
``importlib.import_module("spo_tracker.X._y")``.
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


def _package_of(path: Path) -> list[str]:
    """The dotted package a file is in, as parts (``spo_tracker.casework`` for its modules)."""
    return ["spo_tracker", *path.relative_to(ROOT).parts[:-1]]


def _from_names(node: ast.ImportFrom, path: Path) -> list[str]:
    """The modules a ``from ... import`` names: the module (relative ones resolved against
    ``path``) and, for a private name imported from it, ``module._name`` (a private
    submodule imported as ``from package import _mod``)."""
    if node.level:
        base = _package_of(path)[: len(_package_of(path)) - (node.level - 1)]
        module = ".".join([*base, *([node.module] if node.module else [])])
    else:
        module = node.module or ""
    private = [f"{module}.{a.name}" for a in node.names if a.name.startswith("_")]
    return [module, *private]


def _dynamic(node: ast.Call) -> str | None:
    """The module an ``import_module("...")`` or ``__import__("...")`` call names, if literal."""
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    if name not in {"import_module", "__import__"} or not node.args:
        return None
    first = node.args[0]
    return first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else None


def _imported(tree: ast.AST, path: Path) -> list[tuple[int, str]]:
    """Every module name imported by ``tree`` (the file at ``path``), with its line:
    absolute and relative imports, private names imported from a package, and literal
    ``importlib.import_module`` calls."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            found += [(node.lineno, module) for module in _from_names(node, path)]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.Call) and (module := _dynamic(node)) is not None:
            found.append((node.lineno, module))
    return sorted(found)


def violations(path: Path, source: str) -> list[str]:
    """The imports in ``source`` (the file at ``path``) of another package's private module."""
    own = _own_package(path)
    bad = []
    for line, module in _imported(ast.parse(source), path):
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
    assert {"cli/_program.py", "demo/_run.py", "casework/_detection.py"} <= names


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
    """``wire.py`` belongs to no package: every private import in it is refused."""
    found = violations(ROOT / "wire.py", "from spo_tracker.casework._report import x\n")
    assert found == ["wire.py:1: spo_tracker.casework._report"]


def test_the_other_ways_of_reaching_a_private_module_are_refused() -> None:
    """``from package import _mod``, relative imports into another package and
    ``import_module`` with a literal name are refused like the plain form."""
    source = (
        "from spo_tracker.reports import _write\n"
        "from ..reports._write import write_atomic\n"
        "import importlib; importlib.import_module('spo_tracker.storage._base')\n"
        "from spo_tracker.storage import _codec, connect\n"
        "from ..storage import _engine\n"
    )
    found = violations(ROOT / "casework" / "_report.py", source)
    assert found == [
        "casework/_report.py:1: spo_tracker.reports._write",
        "casework/_report.py:2: spo_tracker.reports._write",
        "casework/_report.py:3: spo_tracker.storage._base",
        "casework/_report.py:4: spo_tracker.storage._codec",
        "casework/_report.py:5: spo_tracker.storage._engine",
    ]


def test_relative_imports_inside_the_own_package_are_allowed() -> None:
    """``from ._detection import x`` and ``from . import _report`` in casework stay inside it;
    a relative import from a top-level module into a package is refused."""
    inside = "from ._detection import run_detection\nfrom . import _report\n"
    assert violations(ROOT / "casework" / "_report.py", inside) == []
    top = violations(ROOT / "wire.py", "from .casework import _detection\n")
    assert top == ["wire.py:1: spo_tracker.casework._detection"]
