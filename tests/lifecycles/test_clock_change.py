"""Instants in London's repeated autumn hour are compared as instants, not wall clocks."""

from __future__ import annotations

import pendulum

from spo_tracker.domain.lifecycles.breach_review import flag_suspected_breach
from spo_tracker.domain.lifecycles.making import serve_order
from spo_tracker.domain.lifecycles.notification_duty import (
    record_notification,
    record_refusal,
    record_service,
)
from spo_tracker.domain.notification import IdentityCheck, notification_failures
from spo_tracker.domain.orders import OrderState

from .builders import duty, full, london

# 01:59 BST, then 01:00 GMT a minute later: the wall clock goes backwards.
FIRST = pendulum.datetime(2026, 10, 25, 0, 59, tz="UTC").in_tz("Europe/London")
LATER = pendulum.datetime(2026, 10, 25, 1, 0, tz="UTC").in_tz("Europe/London")


def test_service_a_minute_after_making_across_the_autumn_change_is_accepted() -> None:
    """Served one minute after it was made, though the London clock reads earlier."""
    order = full(made_at=FIRST)
    assert serve_order(order, at=LATER, actor="officer:1").subject.state is OrderState.SERVED


def test_conduct_before_service_in_the_repeated_hour_is_pre_service() -> None:
    """Conduct at 01:59 BST precedes service at 01:00 GMT (SPA2019 s.8(1) no-knowledge flag)."""
    review = flag_suspected_breach(
        review_id="R1",
        alert_id="AL-1",
        defendant_id="D1",
        order_id="SPO-1",
        term_id="T1",
        flagged_at=LATER,
        conduct_at=FIRST,
        served_at=LATER,
    )
    assert review.pre_service


def test_a_refusal_a_minute_before_now_across_the_autumn_change_counts() -> None:
    """ST19005 recorded at 01:59 BST is in the past at 01:00 GMT a minute later (s.11)."""
    d = record_service(duty(), at=london(2026, 10, 20, 14), actor="PC 1").subject
    d = record_notification(
        d,
        at=london(2026, 10, 21, 9),
        actor="PC",
        station="Lloyd House",
        police_area="West Midlands",
    ).subject
    d = record_refusal(d, at=FIRST, actor="PC", refused=IdentityCheck.FINGERPRINTS).subject
    assert [f.code for f in notification_failures(d, LATER)] == ["ST19005"]
