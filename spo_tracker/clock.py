"""Clocks for services built on spo_tracker: the one place the wall clock may be read.

The library never reads the time itself: domain functions take ``at``/``now``
and stores take a clock (a callable returning an aware instant). A service
passes :class:`SystemClock` at its edge; tests pass
:class:`spo_tracker.testing.FixedClock`. Both satisfy :class:`Clock`, the one
clock type of the package (``spo_tracker.storage.Clock`` is this same
Protocol), accepted wherever :func:`spo_tracker.storage.connect` or
:class:`~spo_tracker.storage.InMemoryStore` take ``clock=``; so is any
function of no arguments returning an aware ``datetime`` (pendulum's included).
"""

from __future__ import annotations

import datetime as _dt
from typing import Protocol, runtime_checkable

import pendulum

__all__ = ["Clock", "SystemClock"]


@runtime_checkable
class Clock(Protocol):
    """Anything that, called, returns the current aware instant."""

    def __call__(self) -> _dt.datetime:
        """The current instant, time-zone aware."""
        ...


class SystemClock:
    """The wall clock, in UTC: for a service's composition root, never inside the library.

    Example::

        store = connect("sqlite:///spo-tracker.sqlite", clock=SystemClock())
    """

    def __call__(self) -> pendulum.DateTime:
        """The current instant in UTC."""
        return pendulum.now("UTC")

    def __repr__(self) -> str:
        return "SystemClock()"
