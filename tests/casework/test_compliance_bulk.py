"""The dated checks read compliance records 500 orders at a time, with the same result.

``run_detection`` asks ``uow.compliance.for_orders`` for the records of many
orders in one query; each order's records must be exactly what
``for_order`` gives it alone (met by ``until``, oldest first), on every backend.
"""

from __future__ import annotations

import pendulum
import pytest

from spo_tracker.demo import DEMO_ACTOR, NOW
from spo_tracker.storage import Store


@pytest.mark.parametrize("days_before", [0, 7, 30])
def test_for_orders_gives_each_order_what_for_order_gives(
    demo_store: Store, days_before: int
) -> None:
    """Every order's records in the bulk read equal its own read, up to ``until``."""
    until = pendulum.instance(NOW).subtract(days=days_before)
    with demo_store.unit_of_work(DEMO_ACTOR, at=NOW) as uow:
        ids = [*uow.orders.ids(), "O-not-stored"]
        bulk = uow.compliance.for_orders(ids, until=until)
        alone = {key: uow.compliance.for_order(key, until=until) for key in ids}
    assert any(alone.values())  # the scenario records compliance
    assert bulk == alone


def test_for_orders_without_until_gives_every_record(demo_store: Store) -> None:
    """No ``until``: every record of each order, oldest first, as ``for_order``."""
    with demo_store.unit_of_work(DEMO_ACTOR, at=NOW) as uow:
        ids = uow.orders.ids()
        assert uow.compliance.for_orders(ids) == {k: uow.compliance.for_order(k) for k in ids}
