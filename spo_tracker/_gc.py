"""Pausing the cyclic garbage collector while many small acyclic objects are built.

A force-scale scan's alerts and a 10,000-alert report each allocate hundreds of
thousands of small objects (records, tuples, instants, strings), none of them in
a reference cycle; yet every few hundred allocations CPython's cyclic collector
walks the young objects, and now and then every tracked object, for no garbage.
Measured A/B (docs/performance.md): about a fifth of a scan and of a report build.
Pausing it changes no result: reference counting still frees everything at once,
and the collector runs again, and catches up, as soon as the block ends. Only the
library's own code runs inside the pause (never a caller's iterator, which might
make cycles; a detection run's ``progress`` callback is the one exception, called a
few times per million rows, and its documentation asks for no cycles).

Loading a force's records in bulk is the same case (``SqlRecords.load_many`` and the
casework's ``load_records`` around it: 12,000 orders with 130,000 terms, 10,000
defendants, their persons): the collector took about 45% of ``load_records``
(docs/performance.md, "Loading the records"). Those records are kept, so they are
paused with ``kept=True``: as the collector resumes they go straight to its oldest
generation instead of being walked by a young collection that finds no garbage.

Compiling a detector is the same case again (``Detector``: a force's plans are about
as many objects as its records, kept for the detector's life): the collector took half
of compiling 12,000 orders. And a detection run's scan of the store's rows folds a
million rows into acyclic state while every full collection walked the compiled
detector: ``detect_stored`` scans with the collector paused, and ``run_detection``
freezes the detector with the records (``sparing_loaded``).

Shared by :mod:`spo_tracker.detection`, :mod:`spo_tracker.reports`,
:mod:`spo_tracker.storage` and :mod:`spo_tracker.casework`, which may not import each
other's private modules; not part of the public API.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Iterator

__all__ = ["collector_paused", "sparing_loaded"]


@contextlib.contextmanager
def collector_paused(*, kept: bool = False) -> Iterator[None]:
    """Disable the cyclic collector inside the block, if it was enabled, and restore it.

    ``kept``: what the block makes is kept (records loaded in bulk). On leaving, every
    object the collector tracks is moved straight to its oldest generation
    (``gc.freeze`` then ``gc.unfreeze``, each a constant-time move of the collector's
    lists), so the collector does not walk the new records in a young collection as it
    resumes (about 0.3 s for a force's 12,000 orders), nor again in the middle one; the
    next full collection still examines them. The young generations are collected as
    the block begins, so garbage made before it is not aged with the records (a service
    that loads often would otherwise keep such garbage until a full collection); cyclic
    garbage made in the block (by another thread, say) does wait for one. Not done when
    the block fails (what a refused load built is garbage: it is left young), when the
    application has frozen objects itself (``gc.unfreeze`` would give them back too),
    nor when the collector was already paused (the outer block decides).
    """
    was_enabled = gc.isenabled()
    moving = kept and was_enabled and gc.get_freeze_count() == 0
    if moving:
        gc.collect(1)  # young garbage made before the block is freed now, not aged with it
    gc.disable()
    done = False
    try:
        yield
        done = True
    finally:
        if was_enabled:
            # Not after a failure: what a refused load built is garbage, left young.
            if moving and done and gc.get_freeze_count() == 0:
                gc.freeze()
                gc.unfreeze()
            gc.enable()


@contextlib.contextmanager
def sparing_loaded() -> Iterator[Callable[[], None]]:
    """Give a function that moves every object tracked now out of the collector's sight
    (``gc.freeze``), to call once a run's records are loaded and again whenever it has
    made more that it keeps to its end; they are given back to it (``gc.unfreeze``) when
    the block ends.

    A detection run loads a force's records (about a million and a half objects, none
    in a cycle), compiles its detector from them (about as many again) and finds its
    alerts (tens of thousands, each a dozen objects), then allocates hundreds of
    thousands more (alerts stored, stored alerts read back): each full collection in
    between walked everything kept so far for no garbage. Each call first collects the
    young generations (if the collector is on), so that cyclic garbage made since the
    last call is freed, not frozen. Frozen objects are still freed by reference counting
    as usual; only cyclic garbage among them waits for the block's end. If something
    else (the application, e.g. a pre-fork server) has frozen objects already when
    ``spare`` is first called, nothing is frozen or unfrozen here, then or at any later
    call: that is the application's setting to keep.
    Freezing is process-wide: an application that freezes objects while a run is under
    way has them unfrozen at the run's end, and two runs at once in one process may
    unfreeze each other's records early (which costs only speed).
    """
    frozen = False
    declined = False

    def spare() -> None:
        nonlocal frozen, declined
        # Decided at the first call: objects the application froze by then stay its own.
        if declined or (not frozen and gc.get_freeze_count() != 0):
            declined = True
            return
        if gc.isenabled():  # an application that turned it off decides when it runs
            gc.collect(1)
        frozen = True  # first: an interrupt after the freeze still gets its unfreeze
        gc.freeze()

    try:
        yield spare
    finally:
        if frozen:
            gc.unfreeze()
