"""Every ```python example in the README and in docs/ runs, so the docs cannot go stale."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FENCE = re.compile(r"^```python[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)


def documents() -> list[Path]:
    """The README and every Markdown page in docs/."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def examples(path: Path) -> list[str]:
    """The python code blocks of one Markdown file, in order."""
    return FENCE.findall(path.read_text(encoding="utf-8"))


def test_the_readme_has_examples() -> None:
    """The README's tour is there to be executed (guards against a broken fence pattern)."""
    assert examples(ROOT / "README.md")


@pytest.mark.parametrize("path", documents(), ids=lambda p: p.name)
def test_examples_run(path: Path, tmp_path: Path) -> None:
    """A file's examples run in order, in one namespace, in a scratch folder."""
    namespace: dict[str, object] = {"__name__": f"docs_{path.stem}"}
    here = Path.cwd()
    os.chdir(tmp_path)
    try:
        for number, block in enumerate(examples(path), start=1):
            code = compile(block, f"{path.name} example {number}", "exec")
            exec(code, namespace)
    finally:
        os.chdir(here)
