"""What a command says while it runs: progress lines on stderr (with a heartbeat
when it has been silent a while), summary lines on stdout, and ``--quiet``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _progress_of(args: argparse.Namespace) -> Callable[[str], None]:
    """Where a command's progress lines go: stderr (through the run's heartbeat, which then
    stays quiet), or nowhere with ``--quiet``."""
    if _quiet(args):
        return _silent
    heartbeat: _Heartbeat | None = getattr(args, "heartbeat", None)
    return _progress if heartbeat is None else heartbeat.say


def _silent(message: str) -> None:
    """A progress sink that says nothing (``--quiet``)."""


def _quiet(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "quiet", False))


def _say(args: argparse.Namespace, line: str) -> None:
    """A command's summary line on stdout ("wrote ...", counts), left out with ``--quiet``."""
    if not _quiet(args):
        print(line)


class _Heartbeat:
    """Progress lines, plus one of its own whenever a command has said nothing for ``every``
    seconds (the first after ``after``), so that no run longer than about a second is silent
    (reading stored alerts, writing a large report)."""

    def __init__(
        self, write: Callable[[str], None], *, after: float = 1.0, every: float = 5.0
    ) -> None:
        import threading
        import time

        self._write, self._after, self._every = write, after, every
        self._clock = time.monotonic
        self._start = self._last = self._clock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="spo-tracker-heartbeat")
        self._thread.daemon = True

    def say(self, line: str) -> None:
        """Write a progress line (and put off the next heartbeat)."""
        self._last = self._clock()
        self._write(line)

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _beat(self) -> None:
        wait = self._after
        while not self._stop.wait(wait):
            silent = self._clock() - self._last
            limit = self._after if self._last == self._start else self._every
            if silent >= limit:
                elapsed = self._clock() - self._start
                self.say(f"spo-tracker: still working ({elapsed:,.0f} s)")
                wait = self._every
            else:
                wait = limit - silent
