"""Notification alerts only for days an order was in force (SPA2019 s.9(1))."""

from __future__ import annotations

import pendulum

from spo_tracker.detection.dated import notification_alerts
from spo_tracker.domain.lifecycles import interim_order, lodge_appeal, quash_on_appeal
from spo_tracker.domain.lifecycles.notification_duty import (
    open_duty,
    order_ended,
    record_service,
    replace_interim_with_full,
)
from spo_tracker.domain.lifecycles.parties import Party
from spo_tracker.domain.notification import NotificationDuty
from spo_tracker.domain.orders import Order
from tests.lifecycles import builders

SERVED = builders.london(2026, 3, 2, 15)  # initial notification due by the end of 4 March
LATER = builders.london(2026, 3, 20, 12)


def _served_duty(order: Order) -> NotificationDuty:
    duty = open_duty(duty_id="N1", order=order, local_police_area="West Midlands")
    return record_service(duty, at=SERVED, actor="PC 1").subject


def _discharged(order: Order, at: pendulum.DateTime) -> Order:
    return interim_order.discharge_interim_order(
        order, at=at, actor="court", applied_by=Party.defendant()
    ).subject


def test_no_st19002_after_an_order_discharged_before_the_deadline() -> None:
    """Discharged on 3 March, the duty left open: no alert for 5 March onwards."""
    order = builders.interim(served_at=SERVED)
    ended = _discharged(order, builders.london(2026, 3, 3, 11))
    alerts = notification_alerts([_served_duty(order)], LATER, orders={ended.order_id: ended})
    assert alerts == []


def test_the_same_duty_without_the_order_still_alerts() -> None:
    """Without the order known the duty alone decides (the check needs ``orders``)."""
    order = builders.interim(served_at=SERVED)
    (alert,) = notification_alerts([_served_duty(order)], LATER)
    assert alert.cjs_code == "ST19002"


def test_a_failure_while_in_force_is_kept_and_ends_with_the_order() -> None:
    """Discharged on 10 March after the failure began on 5 March: alert kept, ended then."""
    order = builders.interim(served_at=SERVED)
    gone = builders.london(2026, 3, 10, 11)
    ended = _discharged(order, gone)
    (alert,) = notification_alerts([_served_duty(order)], LATER, orders={ended.order_id: ended})
    assert alert.cjs_code == "ST19002"
    assert alert.breach_time == builders.london(2026, 3, 5)
    assert "continues" not in alert.explanation
    assert "It ended on" in alert.explanation


def test_a_failure_in_force_the_whole_time_continues() -> None:
    """A live order: the failure continues (the check changes nothing there)."""
    order = builders.interim(served_at=SERVED)
    (alert,) = notification_alerts([_served_duty(order)], LATER, orders={order.order_id: order})
    assert "continues" in alert.explanation


def test_no_deadline_announced_once_the_order_has_ended() -> None:
    """Discharged the day after service: no 'deadline approaching' for the 4 March deadline."""
    order = builders.interim(served_at=SERVED)
    ended = _discharged(order, builders.london(2026, 3, 3, 11))
    soon = builders.london(2026, 3, 4, 20)
    assert notification_alerts([_served_duty(order)], soon, orders={ended.order_id: ended}) == []
    live = notification_alerts([_served_duty(order)], soon, orders={order.order_id: order})
    assert [a.cjs_code for a in live] == ["ST19002"]


def test_a_duty_under_a_full_order_counts_the_interim_it_replaced() -> None:
    """The failure began under the interim order; the full order made later replaces it."""
    interim = builders.interim(served_at=SERVED)
    made = builders.london(2026, 3, 12, 10)
    full = builders.full(order_id="SPO-9", made_at=made, replaces=interim)
    ceased = interim_order.cease_on_determination(
        interim, at=made, actor="court", outcome="granted", application_id="APP-1"
    ).subject
    duty = _served_duty(interim)
    duty = replace_interim_with_full(duty, at=made, actor="court", full_order_id="SPO-9").subject
    orders = {o.order_id: o for o in (ceased, full)}
    (alert,) = notification_alerts([duty], LATER, orders=orders)
    assert alert.cjs_code == "ST19002"
    assert "continues" in alert.explanation


def test_an_ended_duty_and_quashed_order_raise_nothing_new() -> None:
    """Quashed on appeal before the deadline and the duty ended: nothing, as before."""
    order = builders.full(served_at=SERVED)
    appealed = lodge_appeal(order, at=builders.london(2026, 3, 2, 16), actor="solicitor").subject
    quashed = quash_on_appeal(appealed, at=builders.london(2026, 3, 3, 12), actor="court").subject
    duty = _served_duty(order)
    assert notification_alerts([duty], LATER, orders={quashed.order_id: quashed}) == []
    ended = order_ended(duty, at=builders.london(2026, 3, 3, 12), actor="court").subject
    assert notification_alerts([ended], LATER, orders={quashed.order_id: quashed}) == []


def test_the_detector_gives_no_st19002_for_a_discharged_order() -> None:
    """Detector.dated_alerts passes its orders: the same rule holds on that path."""
    from spo_tracker.detection import Detector

    order = builders.interim(served_at=SERVED)
    ended = _discharged(order, builders.london(2026, 3, 3, 11))
    detector = Detector([ended], [builders.defendant()])
    assert detector.dated_alerts(LATER, duties=[_served_duty(order)]) == ()
    live = Detector([order], [builders.defendant()])
    assert [a.cjs_code for a in live.dated_alerts(LATER, duties=[_served_duty(order)])] == [
        "ST19002"
    ]
