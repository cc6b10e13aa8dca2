"""Modules a reader can hold: none of the package's modules is over 600 lines.

Alembic's migrations are left out (each is one revision, read alone); the JSON
schemas are not Python modules. A module that grows past the limit is split by
concern, never let through.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import spo_tracker

ROOT = Path(spo_tracker.__file__).parent
MAX_LINES = 600


def lines(path: Path) -> int:
    """The number of lines of a file, as ``wc -l`` counts them."""
    return path.read_bytes().count(b"\n")


def modules(root: Path) -> Iterable[Path]:
    """The Python modules under ``root``, migrations aside."""
    return (p for p in sorted(root.rglob("*.py")) if "migrations" not in p.relative_to(root).parts)


def oversized(root: Path, limit: int = MAX_LINES) -> dict[str, int]:
    """The modules under ``root`` over ``limit`` lines, by relative path, with their size."""
    found: dict[str, int] = {}
    for path in modules(root):
        size = lines(path)
        if size > limit:
            found[path.relative_to(root).as_posix()] = size
    return found


def test_no_module_is_over_600_lines() -> None:
    """Every module of the package stays at 600 lines or fewer: split it by concern instead."""
    assert oversized(ROOT) == {}


def test_the_check_finds_a_long_module_and_skips_migrations(tmp_path: Path) -> None:
    """601 lines is over, 600 is not; a migration of any size is left out."""
    (tmp_path / "sub").mkdir()
    (tmp_path / "migrations").mkdir()
    (tmp_path / "sub" / "long.py").write_text("x = 1\n" * 601)
    (tmp_path / "short.py").write_text("x = 1\n" * 600)
    (tmp_path / "migrations" / "r0001.py").write_text("x = 1\n" * 2_000)
    assert oversized(tmp_path) == {"sub/long.py": 601}
