"""One alert per suspected notification offence or warning, however often it is recorded
(SPA2019 s.9-s.11).

Two findings with the same alert id (a false-information record entered twice,
s.11(1)(b); two new names arising on one day, whose deadline is the same, s.9(3))
used to give two alerts with one id, and every detection run, full or nightly, then
refused to store its alerts ("alert_id ... appears twice"): one such record stopped all
detection for the force. Found by the twin-store tests (test_dormant_orders.py).
"""

from __future__ import annotations

import attrs
import pendulum

from spo_tracker.casework import run_detection
from spo_tracker.detection.dated import notification_alerts
from spo_tracker.domain.lifecycles.notification_duty import (
    open_duty,
    record_false_information,
    record_new_name,
    record_notification,
    record_service,
)
from spo_tracker.domain.notification import NotificationDuty
from spo_tracker.domain.orders import Order
from spo_tracker.storage import Actor, InMemoryStore
from tests.detection.builders import make_defendant
from tests.lifecycles import builders
from tests.storage import builders as person_builders
from tests.storage.conftest import fixed_clock

SERVED = builders.london(2026, 3, 2, 15)
ACTOR = Actor("PC 1234", "officer", purpose="notification tests")


def _served(order: Order) -> NotificationDuty:
    duty = open_duty(duty_id="N1", order=order, local_police_area="West Midlands")
    return record_service(duty, at=SERVED, actor="PC 1").subject


def _false_twice(duty: NotificationDuty) -> NotificationDuty:
    """The same false information recorded twice, about one notification."""
    notified = builders.london(2026, 3, 3, 10)
    duty = record_notification(
        duty, at=notified, actor="PC 1", station="Central", police_area="West Midlands"
    ).subject
    for hour in (11, 12):
        duty = record_false_information(
            duty,
            at=builders.london(2026, 3, 10, hour),
            actor="PC 1",
            detail="a false home address",
            notified_at=notified,
        ).subject
    return duty


def _two_names(duty: NotificationDuty) -> NotificationDuty:
    """Two new names arising on one day: both must be notified by the same deadline."""
    for name in ("Alias One", "Alias Two"):
        duty = record_new_name(
            duty, at=builders.london(2026, 3, 10, 9), actor="PC 1", name=name
        ).subject
    return duty


def test_a_false_information_record_entered_twice_is_one_alert() -> None:
    order = builders.interim(served_at=SERVED)
    duty = _false_twice(_served(order))
    alerts = notification_alerts(
        [duty], builders.london(2026, 3, 20), orders={order.order_id: order}
    )
    false = [a for a in alerts if a.rule_id == "notification.ST19006"]
    assert len(false) == 1
    assert len({a.alert_id for a in alerts}) == len(alerts)


def test_two_names_arising_on_one_day_are_one_warning_and_two_failures() -> None:
    """The warning names the kind and the deadline: one; each name missed is its own
    suspected offence (its detail is the name): two."""
    order = builders.interim(served_at=SERVED)
    duty = _two_names(_served(order))
    by = {order.order_id: order}
    deadline = min(i.deadline.ends_at for i in duty.outstanding if i.detail == "Alias One")
    soon = notification_alerts([duty], deadline.subtract(hours=2), orders=by)
    assert [a.rule_id for a in soon].count("notification.deadline_approaching") == 1
    late = notification_alerts([duty], deadline.add(days=2), orders=by)
    assert [a.rule_id for a in late].count("notification.ST19003") == 2
    for alerts in (soon, late):
        assert len({a.alert_id for a in alerts}) == len(alerts)


def test_two_duties_under_one_order_do_not_stop_detection() -> None:
    """A duty entered twice under one order (two ids): one of each alert, and a detection
    run stores them."""
    order = builders.full(served_at=SERVED)
    first = _false_twice(_served(order))
    second = attrs.evolve(first, duty_id="N2")
    at = builders.london(2026, 3, 20)
    alerts = notification_alerts([first, second], at, orders={order.order_id: order})
    assert alerts == notification_alerts([first], at, orders={order.order_id: order})
    store = InMemoryStore(clock=fixed_clock)
    with store.unit_of_work(ACTOR, at=at) as uow:
        uow.defendants.add(make_defendant(order.defendant_id))
        for person in order.protected_person_ids:
            uow.protected_persons.add(person_builders.person(person, restricted=False))
        uow.orders.add(order)
        uow.notification_duties.add(first)
        uow.notification_duties.add(second)
        uow.commit()
    run = run_detection(store, at=at, actor=ACTOR)
    assert [a.rule_id for a in run.alerts].count("notification.ST19006") == 1
    again = run_detection(store, at=pendulum.instance(at).add(days=1), actor=ACTOR)
    assert (again.stored.new, again.stored.updated) == (0, 0)
