"""The headless-Chromium harness for reports: load a page, read its DOM, time its load.

Two ways in:

- :func:`load` runs ``chromium --dump-dom`` and returns the DOM after load and the
  console lines (the browser tests' structural checks).
- :func:`measure_load` drives Chromium over the DevTools protocol on a pipe (standard
  library only: no driver, no websocket client) and returns how long a page took to
  load and be laid out; ``benchmarks/bench_reports.py`` prints it. No test asserts a
  time: tests check only that the figures are there and ordered.

Without a browser the callers skip, unless ``CI`` is set: then they fail.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any, Final

import attrs
import pytest

__all__ = ["LoadTiming", "Loaded", "browser", "load", "measure_load"]

_NAMES: Final = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
_FLAGS: Final = (
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
#: How the page is sized for the timing: an ordinary laptop screen.
_WINDOW: Final = "--window-size=1366,768"
#: The forced layout after load: the whole document's height needs every box laid out.
_LAYOUT: Final = "document.documentElement.getBoundingClientRect().height"
_TIMING: Final = (
    "JSON.stringify([performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd,"
    " performance.getEntriesByType('navigation')[0].loadEventStart])"
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


@attrs.frozen
class LoadTiming:
    """How long a page took to load in headless Chromium, in seconds from navigation.

    Attributes:
        dom_ready: the document parsed (``DOMContentLoaded`` handlers done).
        load_event: the ``load`` event fired (navigation timing's ``loadEventStart``).
        laid_out: wall clock from asking for the page until a forced layout of the whole
            document returned: what an officer waits for before the page can be used.
        height: the document's laid-out height in CSS pixels (a page that failed to render
            would be near zero).
    """

    dom_ready: float
    load_event: float
    laid_out: float
    height: float


class _DevTools:
    """The DevTools protocol over ``--remote-debugging-pipe``: JSON messages ending in NUL."""

    def __init__(self, writer: int, reader: int) -> None:
        self._writer, self._reader = writer, reader
        self._buffer = b""
        self._next_id = 0
        self._events: set[str] = set()  # kinds seen while waiting for something else

    def send(self, method: str, session: str | None = None, **params: Any) -> int:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if session is not None:
            message["sessionId"] = session
        os.write(self._writer, json.dumps(message).encode() + b"\0")
        return self._next_id

    def _message(self) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            chunk = os.read(self._reader, 1 << 16)
            if not chunk:
                raise RuntimeError("Chromium closed the DevTools pipe")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        message: dict[str, Any] = json.loads(raw)
        return message

    def wait(self, *, reply_to: int | None = None, event: str | None = None) -> dict[str, Any]:
        """The reply to a command, or an event of a kind (also one that came earlier)."""
        if event is not None and event in self._events:
            return {"method": event}
        while True:
            message = self._message()
            if "method" in message:
                self._events.add(message["method"])
            if reply_to is not None and message.get("id") == reply_to:
                if "error" in message:
                    raise RuntimeError(f"DevTools error: {message['error']}")
                result: dict[str, Any] = message["result"]
                return result
            if event is not None and message.get("method") == event:
                return message

    def call(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        return self.wait(reply_to=self.send(method, session, **params))

    def evaluate(self, session: str, expression: str) -> Any:
        found = self.call("Runtime.evaluate", session, expression=expression, returnByValue=True)
        if "exceptionDetails" in found:
            raise RuntimeError(f"evaluating {expression!r} failed: {found['exceptionDetails']}")
        return found["result"]["value"]


def measure_load(page: Path, profile: Path) -> LoadTiming:
    """Time ``page``'s load in a fresh headless Chromium (its start-up is not counted).

    The browser opens on ``about:blank``; the clock starts when the page is asked
    for and stops when a layout of the whole document, forced right after the
    ``load`` event, returns.
    """
    to_browser, from_harness = os.pipe()
    from_browser, to_harness = os.pipe()

    def plumb() -> None:  # Chromium reads commands on fd 3 and writes replies on fd 4
        # Copies first: a pipe may already be fd 3 or 4, and dup2 onto itself stays close-on-exec.
        commands, replies = os.dup(to_browser), os.dup(to_harness)
        os.dup2(commands, 3)
        os.dup2(replies, 4)

    args = [browser(), *_FLAGS, _WINDOW, f"--user-data-dir={profile}", "--remote-debugging-pipe"]
    process = subprocess.Popen(
        [*args, "about:blank"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=plumb,
        close_fds=False,  # keeps 3 and 4 (plumb's copies); Python's own fds are not inherited
    )
    os.close(to_browser)
    os.close(to_harness)
    tools = _DevTools(from_harness, from_browser)
    try:
        return _timed(tools, page)
    finally:
        _close(tools, process)
        os.close(from_harness)
        os.close(from_browser)


def _close(tools: _DevTools, process: subprocess.Popen[bytes]) -> None:
    """Close the browser so that it stops writing to its profile before that is removed."""
    try:
        tools.send("Browser.close")
        process.wait(timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        process.kill()
        process.wait(timeout=30)


def _timed(tools: _DevTools, page: Path) -> LoadTiming:
    targets = tools.call("Target.getTargets")["targetInfos"]
    target = next(t["targetId"] for t in targets if t["type"] == "page")
    session = tools.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
    tools.call("Page.enable", session)
    start = time.perf_counter()
    tools.call("Page.navigate", session, url=page.as_uri())
    tools.wait(event="Page.loadEventFired")
    height = float(tools.evaluate(session, _LAYOUT))
    laid_out = time.perf_counter() - start
    dom_ready, load_event = json.loads(tools.evaluate(session, _TIMING))
    return LoadTiming(dom_ready / 1000, load_event / 1000, laid_out, height)
