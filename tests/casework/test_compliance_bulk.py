"""The dated checks read compliance records 500 orders at a time, with the same result.

``uow.compliance.for_orders`` gives the records of many orders in one query; each
order's records must be exactly what ``for_order`` gives it alone (met by
``until``, oldest first), on every backend. ``run_detection`` reads them lighter
still (``times_for_orders``: defendant, order, term and instant, no validated
record per sign-on), and lighter again grouped by term (``times_by_term``: one row
per term), and must raise the same alerts from them.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import cast

import pendulum
import pytest

from spo_tracker.casework import dated_alerts, load_records
from spo_tracker.casework._dated import _with_whole_terms
from spo_tracker.demo import DEMO_ACTOR, NOW
from spo_tracker.detection.dated import (
    requirement_alerts_from_term_times,
    requirement_alerts_from_times,
)
from spo_tracker.domain.alerts import sort_alerts
from spo_tracker.domain.orders import Order
from spo_tracker.domain.terms import PositiveRequirement
from spo_tracker.storage import Store
from spo_tracker.storage._types import to_epoch_us


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


@pytest.mark.parametrize("days_before", [0, 7, 30, 400])
def test_the_light_read_gives_every_record_met_by_until_as_its_instant(
    demo_store: Store, days_before: int
) -> None:
    """``times_for_orders`` is ``for_orders`` as light rows: the same records (defendant,
    order, term), each with its instant in whole microseconds, and none met after ``until``."""
    until = pendulum.instance(NOW).subtract(days=days_before)
    with demo_store.unit_of_work(DEMO_ACTOR, at=NOW) as uow:
        ids = [*uow.orders.ids(), "O-not-stored"]
        light = uow.compliance.times_for_orders(ids, until=until)
        bulk = uow.compliance.for_orders(ids, until=until)
    full = [record for records in bulk.values() for record in records]
    expected = sorted((r.defendant_id, r.order_id, r.term_id, to_epoch_us(r.at)) for r in full)
    assert sorted(light) == expected
    assert all(isinstance(row[3], int) for row in light)
    if days_before == 0:
        assert light  # the scenario records compliance


@pytest.mark.parametrize("days_before", [0, 7, 30, 400])
def test_the_dated_checks_over_light_rows_raise_what_the_records_raise(
    demo_store: Store, days_before: int
) -> None:
    """``requirement_alerts_from_times`` over the light read equals ``requirement_alerts``
    over the validated records, order by order (the path ``run_detection`` takes against
    the public ``dated_alerts`` with a compliance source)."""
    at = pendulum.instance(NOW).subtract(days=days_before)
    records = load_records(demo_store, actor=DEMO_ACTOR, at=NOW)
    with demo_store.unit_of_work(DEMO_ACTOR, at=NOW) as uow:
        ids = [o.order_id for o in records.orders]
        times = uow.compliance.times_for_orders(ids, until=at)
        slow = dated_alerts(
            records, at=at, compliance=lambda o: uow.compliance.for_order(o.order_id, until=at)
        )
    fast = requirement_alerts_from_times(records.orders, times, at)
    requirement = [a for a in slow if a.rule_id.startswith("requirement.")]
    assert sort_alerts(fast) == sort_alerts(requirement)
    if days_before == 0:
        assert requirement  # the scenario misses some


def test_the_light_read_keeps_a_record_met_exactly_at_until(demo_store: Store) -> None:
    """Met by ``until`` means at or before it, to the microsecond, on every backend."""
    with demo_store.unit_of_work(DEMO_ACTOR, at=NOW) as uow:
        ids = uow.orders.ids()
        record = next(r for rs in uow.compliance.for_orders(ids).values() for r in rs)
        row = (record.defendant_id, record.order_id, record.term_id, to_epoch_us(record.at))
        at = uow.compliance.times_for_orders([record.order_id], until=record.at)
        before = record.at.subtract(microseconds=1)
        earlier = uow.compliance.times_for_orders([record.order_id], until=before)
    assert row in at
    assert row not in earlier


@pytest.mark.parametrize("days_before", [0, 7, 30, 400])
def test_the_read_by_term_is_the_light_read_grouped(demo_store: Store, days_before: int) -> None:
    """``times_by_term`` is ``times_for_orders`` grouped by (defendant, order, term), each
    term's instants ascending, on every backend."""
    until = pendulum.instance(NOW).subtract(days=days_before)
    with demo_store.unit_of_work(DEMO_ACTOR, at=NOW) as uow:
        ids = [*uow.orders.ids(), "O-not-stored"]
        grouped = uow.compliance.times_by_term(ids, until=until)
        light = uow.compliance.times_for_orders(ids, until=until)
        everything = uow.compliance.times_by_term(ids)
    expected: dict[tuple[str, str, str], list[int]] = {}
    for defendant_id, order_id, term_id, at in sorted(light):
        expected.setdefault((defendant_id, order_id, term_id), []).append(at)
    assert grouped == expected
    assert all(isinstance(t, int) for times in grouped.values() for t in times)
    assert sum(map(len, everything.values())) >= sum(map(len, grouped.values()))
    if days_before == 0:
        assert grouped  # the scenario records compliance


@pytest.mark.parametrize("days_before", [0, 3, 30, 4000])
def test_the_read_by_term_from_an_instant_keeps_the_whole_terms_named(
    demo_store: Store, days_before: int
) -> None:
    """``times_by_term(since=, whole_terms=)``: the records met at or after ``since``, and
    every record of the terms named, on every backend (a nightly run's read of the
    sign-on windows still open and of whole positive requirements)."""
    since = pendulum.instance(NOW).subtract(days=days_before)
    since_us = round(since.timestamp() * 1_000_000)
    with demo_store.unit_of_work(DEMO_ACTOR, at=NOW) as uow:
        ids = uow.orders.ids()
        everything = uow.compliance.times_by_term(ids, until=NOW)
        whole = sorted({(o, t) for _, o, t in everything})[:3]
        cut = uow.compliance.times_by_term(ids, until=NOW, since=since, whole_terms=whole)
        none = uow.compliance.times_by_term(ids, until=NOW, since=since)
    expected = {}
    for key, times in everything.items():
        kept = [t for t in times if t >= since_us or key[1:] in whole]
        if kept:
            expected[key] = kept
    assert cut == expected
    assert none == {
        k: [t for t in v if t >= since_us] for k, v in everything.items() if max(v) >= since_us
    }
    if days_before == 3:
        assert none != everything  # the cut left some records out
        assert cut != none  # and the whole term kept some of them


@pytest.mark.parametrize("days_before", [0, 7, 30, 400])
def test_the_dated_checks_over_the_read_by_term_raise_what_the_records_raise(
    demo_store: Store, days_before: int
) -> None:
    """``requirement_alerts_from_term_times`` over ``times_by_term`` (the path
    ``run_detection`` takes) equals ``requirement_alerts_from_times`` over the light rows."""
    at = pendulum.instance(NOW).subtract(days=days_before)
    records = load_records(demo_store, actor=DEMO_ACTOR, at=NOW)
    with demo_store.unit_of_work(DEMO_ACTOR, at=NOW) as uow:
        ids = [o.order_id for o in records.orders]
        grouped = uow.compliance.times_by_term(ids, until=at)
        light = uow.compliance.times_for_orders(ids, until=at)
    fast = requirement_alerts_from_term_times(records.orders, grouped, at)
    assert sort_alerts(fast) == sort_alerts(
        requirement_alerts_from_times(records.orders, light, at)
    )


def test_the_read_by_term_keeps_a_record_met_exactly_at_until(demo_store: Store) -> None:
    """Met by ``until`` means at or before it, to the microsecond, read by term too."""
    with demo_store.unit_of_work(DEMO_ACTOR, at=NOW) as uow:
        ids = uow.orders.ids()
        record = next(r for rs in uow.compliance.for_orders(ids).values() for r in rs)
        key = (record.defendant_id, record.order_id, record.term_id)
        at = uow.compliance.times_by_term([record.order_id], until=record.at)
        before = record.at.subtract(microseconds=1)
        earlier = uow.compliance.times_by_term([record.order_id], until=before)
    assert to_epoch_us(record.at) in at[key]
    assert to_epoch_us(record.at) not in earlier.get(key, [])


def test_a_cut_read_names_at_most_500_orders_and_whole_terms_together() -> None:
    """The cut read names each positive requirement by order and term id, apart from the
    orders: it is split so that a batch holds at most 500 orders and requirements (no
    query names more than 500 orders or 400 values of requirements: SQLite builds before
    3.32 refuse more than 999 parameters)."""

    def requirement(key: str) -> PositiveRequirement:
        return PositiveRequirement(
            term_id=key,
            requirement="assessment",
            description="attend a stalking assessment",
            due_on=pendulum.date(2026, 1, 1),
        )

    def order(k: int) -> SimpleNamespace:
        held = [requirement(f"R{k}"), requirement(f"R{k}b")]
        return SimpleNamespace(order_id=f"O{k}", terms_in_any_version=lambda kind: held)

    orders = [order(k) for k in range(600)]
    batches = list(_with_whole_terms(cast(list[Order], orders)))
    assert [o for batch, _ in batches for o in batch] == orders
    assert len(batches) > 1
    assert all(len(batch) + len(whole) <= 500 for batch, whole in batches)
    for batch, whole in batches:
        named = {
            (o.order_id, t.term_id)
            for o in batch
            for t in o.terms_in_any_version(PositiveRequirement)
        }
        assert whole == named
