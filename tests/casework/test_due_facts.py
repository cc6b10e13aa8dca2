"""A nightly run reads again the orders with a fact the previous run did not judge, on every
backend (SPA2019 s.1(2)(b) and s.8(1) requirements; s.11(1)(b) false information).

The previous run judged as of its instant ``P``: a fact dated after ``P`` was not counted
by it even if it was written before it began (the nightly job takes ``at`` from the
clock, then imports, then runs). A fact written while a run reads was not seen by the
choice of orders. A hand-written audit note naming no order ids has every order read.
Each case was found by a hostile review: an incremental store and a twin run with
``full=True`` must hold the same alerts after every run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pendulum
import pytest

from spo_tracker.casework import _detection, run_detection, serve_order
from spo_tracker.detection.config import DetectionConfig
from spo_tracker.detection.engine import Detector
from spo_tracker.domain.alerts import Alert
from spo_tracker.domain.compliance import ComplianceRecord
from spo_tracker.domain.lifecycles.notification_duty import (
    record_false_information,
    record_notification,
)
from spo_tracker.domain.notification import NotificationDuty
from spo_tracker.domain.orders import Order
from spo_tracker.domain.statemachine import Fired
from spo_tracker.domain.terms import NoContact, PositiveRequirement, SignOnSchedule
from spo_tracker.storage import Actor, Store
from tests.casework.builders import stored_alerts, twin_runs
from tests.casework.conftest import NewStore
from tests.detection.builders import MADE, make_defendant, make_order
from tests.storage import builders

ACTOR = Actor("PC 1234", "officer", purpose="nightly-run tests")
LONDON = "Europe/London"
#: Made 15 January 2024 for 2 years: last day 14 January 2026, not in force from the 15th.
ENDED_MADE = pendulum.datetime(2024, 1, 15, 10, 30, tz=LONDON)
#: The previous nightly run, just after midnight on the 16th: the order had ended.
PREVIOUS = pendulum.datetime(2026, 1, 16, 0, 5, tz=LONDON)
#: A fact dated 01:03 that morning, written before that run began.
AFTER_IT = pendulum.datetime(2026, 1, 16, 1, 3, tz=LONDON)
NEXT = PREVIOUS.add(days=1)


def _stored(store: Store) -> dict[str, Alert]:
    return stored_alerts(store, ACTOR)


def _case(store: Store, order: Order) -> None:
    with store.unit_of_work(ACTOR, at=order.made_at) as uow:
        uow.defendants.add(make_defendant())
        uow.protected_persons.add(builders.person("P1", restricted=False))
        uow.orders.add(order)
        uow.commit()


def _twins(new_store: NewStore) -> Iterator[tuple[Store, Store]]:
    with new_store() as incremental, new_store() as full:
        yield incremental, full


def _both(
    stores: tuple[Store, Store], at: pendulum.DateTime, config: DetectionConfig | None = None
) -> bool:
    return twin_runs(stores, at, actor=ACTOR, config=config)[0].incremental


def test_a_requirement_met_after_the_previous_runs_instant_is_judged(new_store: NewStore) -> None:
    """Met at 01:03, written before the 00:05 run began, on an order ended the day before:
    the next night's run reads the order (the alert now says it was met late)."""
    due = PositiveRequirement(
        term_id="T3",
        requirement="assessment",
        description="attend a stalking assessment",
        due_on=pendulum.date(2026, 1, 13),
    )
    order = make_order(NoContact(term_id="T1", persons=("P1",)), due, made_at=ENDED_MADE)
    for stores in _twins(new_store):
        for store in stores:
            _case(store, order)
            with store.unit_of_work(ACTOR, at=AFTER_IT) as uow:
                met = ComplianceRecord("R-1", "D1", order.order_id, "T3", AFTER_IT)
                uow.compliance.add_many([met])
                uow.commit()
        _both(stores, PREVIOUS)
        assert _both(stores, NEXT)
        late = [a for a in _stored(stores[0]).values() if a.rule_id == "requirement.positive"]
        assert len(late) == 1
        assert "late" in late[0].explanation


AREA = "West Midlands"


def _fire(store: Store, event: Callable[[NotificationDuty], Fired[NotificationDuty]]) -> None:
    """Record ``event`` on the store's one duty."""
    duty = _duty(store)
    fired = event(duty)
    with store.unit_of_work(ACTOR, at=fired.record.at) as uow:
        uow.record(fired, expected_revision=duty.revision)
        uow.commit()


def _duty(store: Store) -> NotificationDuty:
    with store.unit_of_work(ACTOR, at=AFTER_IT) as uow:
        (duty,) = uow.notification_duties.get_many(uow.notification_duties.ids()).values()
        return duty


def test_false_information_recorded_after_the_previous_runs_instant_is_judged(
    new_store: NewStore,
) -> None:
    """Recorded at 01:03 (information given while the order was in force), written before
    the 00:05 run began, on the duty of an order ended the day before: an ST19006 alert
    the next night, as a full run raises it."""
    order = make_order(NoContact(term_id="T1", persons=("P1",)), served=False, made_at=ENDED_MADE)
    given = pendulum.datetime(2026, 1, 10, 11, tz=LONDON)
    for stores in _twins(new_store):
        for store in stores:
            _case(store, order)
            serve_order(
                store,
                order.order_id,
                at=order.made_at.add(hours=1),
                actor=ACTOR,
                local_police_area=AREA,
            )
            _fire(
                store,
                lambda d: record_notification(
                    d,
                    at=order.made_at.add(days=1),
                    actor="PC 1",
                    station="Central",
                    police_area=AREA,
                ),
            )
            _fire(
                store,
                lambda d: record_false_information(
                    d, at=AFTER_IT, actor="PC 1", detail="a false home address", notified_at=given
                ),
            )
        _both(stores, PREVIOUS)
        assert _both(stores, NEXT)
        rules = [a.rule_id for a in _stored(stores[0]).values()]
        assert "notification.ST19006" in rules
        assert _both(stores, NEXT.add(days=30))


def test_a_sign_on_written_while_a_run_reads_has_every_order_judged(
    new_store: NewStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A late sign-on for a day of a window the previous run judged, committed after the
    run chose its orders and before it read the compliance: judged as a full run does."""
    sign_on = SignOnSchedule(term_id="T2", station="Central", weekdays=frozenset({0, 2, 4, 5}))
    order = make_order(NoContact(term_id="T1", persons=("P1",)), sign_on)
    week = DetectionConfig(group_days=7)
    start = MADE.start_of("day")
    late = ComplianceRecord("S-9", "D1", order.order_id, "T2", start.add(days=9, hours=10))
    pending: list[Store] = []

    def detector(*args: object, **kwargs: object) -> Detector:
        # Made once per run, after the records are read and before the dated checks.
        if pending:
            with pending.pop().unit_of_work(ACTOR, at=MADE) as uow:
                uow.compliance.add_many([late])
                uow.commit()
        return Detector(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(_detection, "Detector", detector)
    for stores in _twins(new_store):
        for store in stores:
            _case(store, order)
        _both(stores, start.add(days=17), config=week)
        incremental, full = stores
        pending.append(incremental)
        at = start.add(days=18)
        assert run_detection(incremental, at=at, actor=ACTOR, config=week).incremental
        pending.append(full)
        run_detection(full, at=at, actor=ACTOR, config=week, full=True)
        assert _stored(incremental) == _stored(full)


def test_a_hand_written_note_naming_no_order_ids_has_every_order_read(
    new_store: NewStore,
) -> None:
    """A note shaped as a compliance batch naming "orders" that are no ids (a NUL, which
    PostgreSQL text refuses): the nightly run reads every order, and does not fail."""
    order = make_order(NoContact(term_id="T1", persons=("P1",)))
    at = pendulum.datetime(2026, 2, 1, 2, tz=LONDON)
    with new_store() as store:
        _case(store, order)
        run_detection(store, at=at, actor=ACTOR)
        with store.unit_of_work(ACTOR, at=at) as uow:
            crafted = {"count": 1, "orders": ["O\x00X"]}
            subject = ("compliance_records.recorded", "compliance_batch", "C-1..C-1")
            uow.note(*subject, changes=crafted, reason="written by hand")
            uow.commit()
        said: list[str] = []
        night = run_detection(store, at=at.add(days=1), actor=ACTOR, progress=said.append)
        assert night.incremental
        assert not [line for line in said if "dated checks" in line]  # every order read
