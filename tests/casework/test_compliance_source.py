"""Detection from a store: positive requirements are checked against stored compliance records.

A scan from a store with a requirement not met raises the alert (SPA2019
s.1(2)(b), s.8(1)); with the compliance recorded, it does not.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import attrs
import pendulum
import pytest

from spo_tracker.casework import detect_stored, load_records, store_alerts, stored_alerts
from spo_tracker.detection import ComplianceRecord
from spo_tracker.domain.alerts import sort_alerts
from spo_tracker.domain.orders import Order
from spo_tracker.domain.terms import SignOnSchedule
from spo_tracker.storage import Actor, InMemoryStore, Store, connect, upgrade
from tests.storage import builders

ACTOR = Actor("PC 1234", "officer", purpose="casework tests")
#: After T11's due day (30 September 2024) and a few weeks of sign-ons (Mondays, Thursdays).
AT = pendulum.datetime(2024, 10, 10, 12, tz="Europe/London")
LONDON = pendulum.timezone("Europe/London")


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A store on each backend holding the storage builders' order O1 (T11 a positive
    requirement, T12 Monday and Thursday sign-ons)."""
    made: Store
    if request.param == "memory":
        made = InMemoryStore()
    else:
        url = f"sqlite:///{tmp_path / 'scan.sqlite'}"
        upgrade(url)
        made = connect(url)
    with made.unit_of_work(ACTOR, at=AT) as uow:
        uow.defendants.add(builders.defendant("D1"))
        uow.protected_persons.add(builders.person("P1"))
        uow.orders.add(builders.order("O1", "D1", ("P1",)))
        uow.commit()
    yield made
    made.close()


def _complied(order: Order, until: pendulum.DateTime) -> Iterator[ComplianceRecord]:
    """The requirement met on 20 September, and a sign-on on every scheduled day."""
    yield ComplianceRecord(
        "ATT-1", "D1", "O1", "T11", pendulum.datetime(2024, 9, 20, 14, tz="Europe/London")
    )
    schedule = next(t for t in order.current.terms if isinstance(t, SignOnSchedule))
    first, last = order.made_at.date().toordinal(), until.date().toordinal()
    for ordinal in range(first, last + 1):
        day = dt.date.fromordinal(ordinal)
        if day.weekday() in schedule.weekdays:
            at = pendulum.DateTime(day.year, day.month, day.day, 9, tzinfo=LONDON)
            yield ComplianceRecord(f"SIGN-{day}", "D1", "O1", "T12", at, recorded_by="desk")


def _requirement_alerts(store: Store) -> list[tuple[str | None, str]]:
    records = load_records(store, actor=ACTOR, at=AT)
    scan = detect_stored(store, records, actor=ACTOR, at=AT)
    return [(a.term_id, a.rule_id) for a in scan.alerts if a.rule_id.startswith("requirement.")]


def _record(store: Store, records: list[ComplianceRecord]) -> None:
    with store.unit_of_work(ACTOR, at=AT) as uow:
        uow.compliance.add_many(records, reason="custody records")
        uow.commit()


def test_a_scan_without_compliance_raises_the_missed_requirement_and_sign_ons(
    store: Store,
) -> None:
    """Nothing recorded: T11 not met by its due day, and the sign-on days missed."""
    found = _requirement_alerts(store)
    assert ("T11", "requirement.positive") in found
    assert ("T12", "requirement.sign_on") in found


def test_a_scan_with_the_compliance_recorded_raises_none(store: Store) -> None:
    """Everything recorded: no requirement alert at all."""
    with store.unit_of_work(ACTOR, at=AT) as uow:
        order = uow.orders.get("O1")
    _record(store, list(_complied(order, AT)))
    assert _requirement_alerts(store) == []


def test_one_missed_sign_on_day_is_one_alert(store: Store) -> None:
    """Everything recorded but Thursday 3 October 2024: one sign-on alert, for that day."""
    with store.unit_of_work(ACTOR, at=AT) as uow:
        order = uow.orders.get("O1")
    kept = [r for r in _complied(order, AT) if r.record_id != "SIGN-2024-10-03"]
    _record(store, kept)
    records = load_records(store, actor=ACTOR, at=AT)
    alerts = [
        a
        for a in detect_stored(store, records, actor=ACTOR, at=AT).alerts
        if a.rule_id.startswith("requirement.")
    ]
    assert [(a.term_id, a.count) for a in alerts] == [("T12", 1)]
    assert "3 October 2024" in alerts[0].explanation


def test_compliance_recorded_after_the_scan_time_does_not_count(store: Store) -> None:
    """The requirement met only after ``at`` is still missed as of ``at``."""
    late = ComplianceRecord("ATT-2", "D1", "O1", "T11", AT.add(days=1))
    _record(store, [late])
    assert ("T11", "requirement.positive") in _requirement_alerts(store)


def test_stored_alerts_reads_back_those_identified_by_at_sorted(store: Store) -> None:
    """The alerts a scan stored (600: more than one bulk-read chunk), read back in report
    order; one identified after ``at`` is left out."""
    records = load_records(store, actor=ACTOR, at=AT)
    raised = list(detect_stored(store, records, actor=ACTOR, at=AT).alerts)
    copies = [attrs.evolve(a, alert_id=f"{a.alert_id}-{n}") for n in range(600) for a in raised[:1]]
    later = attrs.evolve(raised[0], alert_id="LATER", identified_at=AT.add(hours=1))
    store_alerts(store, [*raised, *copies, later], actor=ACTOR, at=AT)
    assert stored_alerts(store, actor=ACTOR, at=AT) == tuple(sort_alerts([*raised, *copies]))


@pytest.mark.parametrize("zone", ["Europe/London", "UTC"])
def test_stored_alerts_compares_instants_in_the_repeated_autumn_hour(
    store: Store, zone: str
) -> None:
    """25 October 2026 in London: 01:50 BST (00:50 UTC) is identified by 01:10 GMT (01:10
    UTC), 01:20 GMT is not, though its wall clock is earlier."""
    records = load_records(store, actor=ACTOR, at=AT)
    raised = detect_stored(store, records, actor=ACTOR, at=AT).alerts[0]
    autumn = pendulum.datetime(2026, 10, 25, 1, 0, tz="Europe/London")
    bst = attrs.evolve(raised, alert_id="BST", identified_at=autumn.replace(minute=50, fold=0))
    gmt = attrs.evolve(raised, alert_id="GMT", identified_at=autumn.replace(minute=20, fold=1))
    store_alerts(store, [bst, gmt], actor=ACTOR, at=autumn.add(hours=3))
    until = autumn.replace(minute=10, fold=1).in_timezone(zone)
    assert [a.alert_id for a in stored_alerts(store, actor=ACTOR, at=until)] == ["BST"]
    later = autumn.replace(minute=20, fold=1).in_timezone(zone)
    assert {a.alert_id for a in stored_alerts(store, actor=ACTOR, at=later)} == {"BST", "GMT"}
