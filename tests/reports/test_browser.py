"""The HTML report in a real headless Chromium: rows shown, no script error, hostile text inert.

Skips only when no browser is installed *and* ``CI`` is unset; on CI a missing
browser fails the test.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import attrs
import pytest

from spo_tracker.reports import build_report, write_report
from tests.reports.builders import HOSTILE, NOW, world

pytestmark = pytest.mark.browser

_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
)


def browser() -> str:
    """The Chromium executable; skip without one unless CI is set, then fail."""
    for name in _NAMES:
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get("CI"):
        pytest.fail("CI is set but no Chromium is installed (tried: " + ", ".join(_NAMES) + ")")
    pytest.skip("no Chromium installed (and CI is unset)")


@attrs.frozen
class Loaded:
    """What the browser made of a page: the DOM after load, and its console messages."""

    dom: str
    console: list[str]


def load(page: Path, profile: Path) -> Loaded:
    """Open ``page`` in headless Chromium; return the serialised DOM and console lines."""
    done = subprocess.run(
        [browser(), *_FLAGS, f"--user-data-dir={profile}", "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    return Loaded(done.stdout, console)


def test_the_harness_sees_script_errors(tmp_path: Path) -> None:
    """Canary: a page with a failing script does produce a console error here."""
    page = tmp_path / "bad.html"
    page.write_text("<!DOCTYPE html><title>t</title><script>nope()</script>")
    loaded = load(page, tmp_path / "profile")
    assert any("Uncaught ReferenceError" in line for line in loaded.console)


def test_the_report_loads_cleanly_with_hostile_text_inert(tmp_path: Path) -> None:
    """Alert rows render, the console is silent, the title is untouched, the script is text."""
    w = world()
    report = build_report(w.alerts, w.context, now=NOW)
    page = write_report(report, "html", tmp_path / "report.html")
    loaded = load(page, tmp_path / "profile")
    assert loaded.console == []
    title = re.search(r"<title>([^<]*)</title>", loaded.dom)
    assert title is not None
    assert title[1] == report.title
    rows = re.findall(r'<tr class="alert-row" data-alert-id="([^"]+)"', loaded.dom)
    assert rows == [a.alert_id for a in w.alerts]
    assert "<script" not in loaded.dom
    assert HOSTILE.replace("<", "&lt;").replace(">", "&gt;") in loaded.dom
    assert loaded.dom.count('<svg class="chart"') == 1
