"""Pausing the cyclic garbage collector while alerts are built.

Building the alerts of a force-scale scan allocates hundreds of thousands of
acyclic objects (alerts, tuples, instants); every few hundred allocations
CPython's cyclic collector walks the young objects, and now and then every
tracked object, for no garbage. No code but the engine's runs inside the
pause (never a caller's iterator, which might make cycles), and the collector
runs again, and catches up, as soon as the block ends.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

__all__ = ["collector_paused"]


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Disable the cyclic collector inside the block, if it was enabled, and restore it."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
