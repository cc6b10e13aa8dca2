"""The package generates no code at run time: no ``exec``, ``eval`` or ``compile`` call."""

from __future__ import annotations

import ast
from pathlib import Path

import spo_tracker

ROOT = Path(spo_tracker.__file__).parent
_GENERATORS = frozenset({"exec", "eval", "compile"})


def generated(source: str) -> list[int]:
    """The lines of ``source`` that call ``exec``, ``eval`` or ``compile`` by name."""
    return [
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in _GENERATORS
    ]


def test_no_module_of_the_package_generates_code() -> None:
    """Every module (migrations aside: Alembic's, run by path) is free of exec/eval/compile."""
    found = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in sorted(ROOT.rglob("*.py"))
        if "migrations" not in path.parts
        for line in generated(path.read_text(encoding="utf-8"))
    ]
    assert found == []


def test_the_check_finds_a_generated_function() -> None:
    """The check sees an ``exec`` such as the slot writers the lifecycles once generated."""
    source = 'scope = {}\nexec("def f(): pass", scope)\nx = compile("1", "s", "eval")\n'
    assert generated(source) == [2, 3]
