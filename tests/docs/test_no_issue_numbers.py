"""Code and docs say what they mean, not which tracker issue asked for it.

"(issue 3)" or "item 5 of issue 12" means nothing to a reader of the code: each
reference says instead what the rule, target or test is about.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: "issue 3", "Issue #5", "issues 3 and 5", "issue no. 7", "ticket 9", "PR 12", "pull request #4".
REFERENCE = re.compile(
    r"\b(?:issues?|tickets?|PRs?|pull requests?)[ \t]*(?:no\.?|number)?[ \t]*#?[ \t]*\d+",
    re.IGNORECASE,
)
SUFFIXES = {".py", ".md", ".toml", ".txt", ".j2", ".html", ".cfg", ".ini", ".json"}


def files() -> list[Path]:
    """The package, docs, tests and benchmarks, the README and the build files."""
    found = [ROOT / "README.md", ROOT / "noxfile.py", ROOT / "pyproject.toml"]
    for folder in ("spo_tracker", "docs", "tests", "benchmarks"):
        found += [
            path
            for path in sorted((ROOT / folder).rglob("*"))
            if path.suffix in SUFFIXES and path.is_file() and "_build" not in path.parts
        ]
    return [path for path in found if path != Path(__file__).resolve()]  # this file quotes them


def test_the_pattern_catches_the_usual_forms() -> None:
    """Guards the pattern itself: each form is caught, ordinary prose is not."""
    for text in ("(issue 3)", "Issue #5", "issues 3 and 5", "issue no. 7", "PR 12", "ticket 9"):
        assert REFERENCE.search(text), text
    for text in ("an issue with 2 orders", "the issue", "PR review", "SPA2019 s.9(1)"):
        assert not REFERENCE.search(text), text


@pytest.mark.parametrize("path", files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_tracker_issue_numbers(path: Path) -> None:
    """No reference to a tracker issue number: say what is meant instead."""
    text = path.read_text(encoding="utf-8", errors="replace")
    found = [
        f"line {text.count(chr(10), 0, hit.start()) + 1}: {hit.group()}"
        for hit in REFERENCE.finditer(text)
    ]
    assert found == []
