"""A detection run moves its loaded records out of the cyclic collector's sight for the
run (``gc.freeze``) and gives them back at its end, unless the application froze objects
itself (a pre-fork server's setting is left alone)."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from typing import Any

import pytest

from spo_tracker._gc import collector_paused, sparing_loaded
from spo_tracker.casework import StoredRecords, run_detection
from spo_tracker.casework._detection import _detector
from spo_tracker.demo import DEMO_ACTOR, NOW, Scenario
from spo_tracker.detection import Detector, compiled, engine
from spo_tracker.detection.compiled import DefendantPlan
from spo_tracker.domain.alerts import Alert
from spo_tracker.storage import Store
from tests.casework.builders import store_incidents, store_records, store_scenario


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_the_loaded_records_are_frozen_during_a_run_and_given_back_after(
    unfrozen: None, empty_store: Store, scenario: Scenario
) -> None:
    """While the run detects and stores, what was loaded is frozen; afterwards nothing is."""
    store_scenario(empty_store, scenario)
    seen: list[int] = []
    run_detection(
        empty_store, at=NOW, actor=DEMO_ACTOR, progress=lambda _: seen.append(gc.get_freeze_count())
    )
    assert max(seen) > 0
    assert gc.get_freeze_count() == 0
    seen.clear()
    again = run_detection(
        empty_store, at=NOW, actor=DEMO_ACTOR, progress=lambda _: seen.append(gc.get_freeze_count())
    )
    assert again.incremental  # the nightly path freezes too
    assert max(seen) > 0
    assert gc.get_freeze_count() == 0


def test_objects_the_application_froze_stay_frozen(unfrozen: None) -> None:
    """An application that froze objects itself keeps its setting: nothing is frozen or
    unfrozen by the run."""
    gc.freeze()
    before = gc.get_freeze_count()
    assert before > 0
    with sparing_loaded() as spare:
        made = [[n] for n in range(10_000)]  # tracked objects made after the application froze
        spare()
        # Not frozen by the run (frozen objects freed meanwhile only lower the count).
        assert gc.get_freeze_count() <= before
    assert gc.get_freeze_count() > 0  # and the application's freeze is not undone
    assert len(made) == 10_000


def test_the_freeze_is_given_back_when_the_run_fails(unfrozen: None) -> None:
    """An error inside the block still unfreezes."""
    counts: list[int] = []

    def fail() -> None:
        with sparing_loaded() as spare:
            spare()
            counts.append(gc.get_freeze_count())
            raise RuntimeError("stop")

    with pytest.raises(RuntimeError):
        fail()
    assert counts[0] > 0
    assert gc.get_freeze_count() == 0


# --- the bulk load: what it built goes straight to the oldest generation -----------------


@pytest.fixture
def collecting() -> Iterator[None]:
    """The collector enabled, but with a threshold never reached in a test: no collection
    runs by itself and moves the objects a test looks for to an older generation."""
    was, threshold = gc.isenabled(), gc.get_threshold()
    gc.collect()
    gc.set_threshold(1_000_000_000, *threshold[1:])
    gc.enable()
    yield
    gc.set_threshold(*threshold)
    if not was:
        gc.disable()


def _generation_of(obj: object) -> int | None:
    found = [g for g in range(3) if any(o is obj for o in gc.get_objects(generation=g))]
    return found[0] if found else None


def test_what_a_kept_block_made_is_in_the_oldest_generation(
    unfrozen: None, collecting: None
) -> None:
    """``collector_paused(kept=True)`` (the store's bulk load): on leaving, the records made
    inside are in the oldest generation, none is frozen, and the collector runs again."""
    with collector_paused(kept=True):
        made = [[n] for n in range(1_000)]
        assert not gc.isenabled()
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0
    assert _generation_of(made) == 2
    assert _generation_of(made[-1]) == 2


def test_a_plain_pause_leaves_the_young_young(unfrozen: None, collecting: None) -> None:
    """Without ``kept`` the records stay young (the mutant that always moves them fails)."""
    with collector_paused():
        made = [[n] for n in range(10)]
    assert _generation_of(made) != 2


def test_a_kept_block_leaves_the_applications_freeze_alone(
    unfrozen: None, collecting: None
) -> None:
    """Objects the application froze stay frozen (``gc.unfreeze`` would give them back too):
    the block then only pauses the collector."""
    gc.freeze()
    before = gc.get_freeze_count()
    with collector_paused(kept=True):
        made = [[n] for n in range(1_000)]
    assert gc.get_freeze_count() >= before > 0
    assert _generation_of(made) != 2


def test_a_kept_block_inside_a_pause_moves_nothing(unfrozen: None, collecting: None) -> None:
    """When the caller paused the collector already (``load_records``), the outer block
    decides: the inner one neither moves the records nor starts the collector."""
    with collector_paused():
        with collector_paused(kept=True):
            made = [[n] for n in range(10)]
        assert not gc.isenabled()
        assert _generation_of(made) != 2


def test_each_call_of_spare_freezes_what_was_made_since(unfrozen: None) -> None:
    """A run freezes its records and detector, then its alerts: a second call freezes the
    objects made since the first, and every one is given back at the end."""
    with sparing_loaded() as spare:
        first = [[n] for n in range(1_000)]
        spare()
        after_first = gc.get_freeze_count()
        second = [[n] for n in range(1_000)]
        spare()
        assert gc.get_freeze_count() >= after_first + 1_000
    assert gc.get_freeze_count() == 0
    assert len(first) == len(second) == 1_000


def test_an_application_freeze_declines_every_later_call(unfrozen: None) -> None:
    """Declined at the first call, ``spare`` stays declined: the run never freezes (nor
    unfreezes) around objects the application froze."""
    gc.freeze()
    with sparing_loaded() as spare:
        spare()
        gc.unfreeze()  # the application gives its objects back meanwhile
        made = [[n] for n in range(1_000)]
        spare()
        assert gc.get_freeze_count() == 0
    assert len(made) == 1_000


def test_a_detector_is_compiled_with_the_collector_paused_moving_nothing(
    unfrozen: None, collecting: None, scenario: Scenario
) -> None:
    """Compiling pauses the collector but is not a kept block: a service that builds a
    detector per request does not have its young objects (and their cycles) moved to
    the oldest generation each time (a detection run's own compile is kept, below)."""
    before = [[n] for n in range(10)]
    paused: list[bool] = []
    real = compiled.compile_plans

    def watched(*args: Any, **kwargs: Any) -> Any:
        paused.append(not gc.isenabled())
        return real(*args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(engine, "compile_plans", watched)
        detector = Detector(scenario.orders, scenario.defendants)
    assert paused == [True]
    assert gc.isenabled()
    assert detector.plans
    assert _generation_of(before) != 2
    assert _generation_of(detector.plans) != 2


class _Node:
    me: _Node


def _dropped_cycle() -> weakref.ref[_Node]:
    """A weak reference to an object in a reference cycle nothing else holds."""
    node = _Node()
    node.me = node
    return weakref.ref(node)


def test_spare_frees_young_cyclic_garbage_before_freezing(unfrozen: None) -> None:
    """A cycle dropped before ``spare`` is collected, not frozen for the run."""
    with sparing_loaded() as spare:
        gone = _dropped_cycle()
        spare()
        assert gone() is None


def test_spare_leaves_a_disabled_collector_alone(unfrozen: None) -> None:
    """An application that turned the collector off decides when it runs: ``spare``
    collects nothing then (the cycle stays, frozen, until the block ends)."""

    gc.disable()
    try:
        with sparing_loaded() as spare:
            kept = _dropped_cycle()
            spare()
            assert kept() is not None
            assert gc.get_freeze_count() > 0
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_runs_detector_is_compiled_as_a_kept_block(
    unfrozen: None, collecting: None, scenario: Scenario
) -> None:
    """A detection run's own compile is kept: its plans go straight to the oldest
    generation, so freezing them after (``spare``) walks no young generation of them."""
    records = StoredRecords(scenario.orders, scenario.defendants, ())
    detector = _detector(records, None)
    assert gc.isenabled()
    assert _generation_of(detector.plans) == 2


def _tracked_kinds() -> set[type]:
    return {type(o) for o in gc.get_objects()}  # frozen objects are not listed


def test_a_run_scans_with_the_collector_paused_and_freezes_its_alerts(
    unfrozen: None, empty_store: Store, scenario: Scenario
) -> None:
    """The store's rows are folded with the collector paused and the compiled detector
    frozen (each full collection would walk it), and the alerts found are frozen before
    they are stored; everything is given back at the end."""
    store_scenario(empty_store, scenario)
    said: list[tuple[str, bool, bool]] = []

    def progress(line: str) -> None:
        if line.startswith(("  detection:", "storing")):
            kinds = _tracked_kinds()
            said.append((line, gc.isenabled(), (DefendantPlan in kinds) or (Alert in kinds)))

    run = run_detection(empty_store, at=NOW, actor=DEMO_ACTOR, progress=progress)
    assert run.alerts
    assert [line.split()[0] for line, _, _ in said] == ["detection:", "storing"]
    (_, scanning_enabled, _), _ = said
    assert not scanning_enabled
    assert not any(seen for _, _, seen in said)
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0


def test_the_nightly_run_scans_paused_with_its_detector_frozen(
    unfrozen: None, empty_store: Store, scenario: Scenario
) -> None:
    """The incremental path compiles its detector before freezing and scans paused too."""
    incidents = list(scenario.all_incidents())
    store_records(empty_store, scenario)
    store_incidents(empty_store, incidents[:-20])
    run_detection(empty_store, at=NOW, actor=DEMO_ACTOR)
    store_incidents(empty_store, incidents[-20:])  # the night's: defendants to judge again
    said: list[tuple[bool, bool]] = []

    def progress(line: str) -> None:
        if line.startswith("  detection:"):
            said.append((gc.isenabled(), DefendantPlan in _tracked_kinds()))

    again = run_detection(empty_store, at=NOW, actor=DEMO_ACTOR, progress=progress)
    assert again.incremental
    assert again.new_incidents == 20
    assert said == [(False, False)]
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0
