"""A detection run moves its loaded records out of the cyclic collector's sight for the
run (``gc.freeze``) and gives them back at its end, unless the application froze objects
itself (a pre-fork server's setting is left alone)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from spo_tracker._gc import sparing_loaded
from spo_tracker.casework import run_detection
from spo_tracker.demo import DEMO_ACTOR, NOW, Scenario
from spo_tracker.storage import Store
from tests.casework.builders import store_scenario


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
