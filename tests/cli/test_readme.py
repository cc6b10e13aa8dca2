"""The README's demo command: one line under <!-- demo-command -->, and its demo part runs."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def demo_command() -> str:
    """The single command line in the fenced block after the demo-command marker."""
    lines = (ROOT / "README.md").read_text("utf-8").splitlines()
    marker = lines.index("<!-- demo-command -->")
    assert lines[marker + 1].startswith("```")
    assert lines[marker + 3].startswith("```"), "the demo command must be exactly one line"
    return lines[marker + 2]


def demo_part(command: str) -> list[str]:
    """The ``spo-tracker demo ...`` step of the command, as arguments after ``demo``."""
    steps = [shlex.split(step) for step in command.split("&&")]
    demo = [s for s in steps if len(s) >= 2 and s[0].endswith("spo-tracker") and s[1] == "demo"]
    assert len(demo) == 1, command
    return demo[0][2:]


def test_the_demo_command_is_one_line_ending_with_the_demo() -> None:
    """The README's first command installs and runs the demo, in one line."""
    command = demo_command()
    assert "pip install" in command
    assert command.split("&&")[-1].split()[1] == "demo"


def test_the_readme_demo_runs_at_a_small_scale(tmp_path: Path) -> None:
    """The demo step, as the README writes it plus --scale 0, succeeds in a fresh folder."""
    args = [*demo_part(demo_command()), "--scale", "0"]
    script = Path(sys.executable).with_name("spo-tracker")
    program = [str(script)] if script.exists() else [sys.executable, "-m", "spo_tracker.cli"]
    done = subprocess.run(
        [*program, "demo", *args], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    reports = sorted(p.name for p in tmp_path.rglob("breach-alerts.*"))
    assert reports == ["breach-alerts.csv", "breach-alerts.html", "breach-alerts.json"]
    assert "breach-alerts.html" in done.stdout
