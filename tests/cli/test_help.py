"""Every command has --help; usage errors are one line; the version is printed."""

from __future__ import annotations

import argparse

import pytest

from spo_tracker import __version__
from spo_tracker.cli import _parser, main


def commands() -> list[list[str]]:
    """Every command path, found by walking the parser (so new commands are covered too)."""
    found: list[list[str]] = [[]]

    def walk(parser: argparse.ArgumentParser, path: list[str]) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    found.append([*path, name])
                    walk(sub, [*path, name])

    walk(_parser(), [])
    return found


def test_the_commands_of_this_issue_are_there() -> None:
    """demo, scan, detect and report exist."""
    names = {" ".join(c) for c in commands()}
    assert {"demo", "scan", "detect", "report"} <= names


@pytest.mark.parametrize("path", commands(), ids=lambda p: " ".join(p) or "top")
def test_help_on_every_command(path: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """``--help`` prints usage and exits 0."""
    with pytest.raises(SystemExit) as done:
        main([*path, "--help"])
    assert done.value.code == 0
    assert capsys.readouterr().out.startswith("usage: spo-tracker")


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    """``--version`` prints the package version."""
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"spo-tracker {__version__}"


@pytest.mark.parametrize(
    "argv",
    [[], ["frobnicate"], ["report"], ["demo", "--scale", "-1"], ["scan", "--limit", "x"]],
    ids=["no command", "unknown command", "missing options", "negative scale", "bad limit"],
)
def test_usage_errors_are_one_line(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """A usage error is exactly one line on stderr, exit code 2."""
    with pytest.raises(SystemExit) as done:
        main(argv)
    assert done.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("spo-tracker")
    assert "error:" in err
