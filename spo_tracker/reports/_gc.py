"""Pausing the cyclic garbage collector while a report is built or rendered.

A 10,000-alert report allocates hundreds of thousands of small objects (records,
tuples, strings) and none of them forms a reference cycle; yet every few
thousand allocations CPython's cyclic collector walks the young objects, and
now and then the whole heap, which cost about a quarter of the build. Pausing
it changes no result: reference counting still frees everything at once, and
the collector runs again (and catches up) as soon as the work is done.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

__all__ = ["paused_gc"]


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Disable the cyclic collector inside the block, if it was enabled, and restore it."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
