"""When a detection run is incremental and when full, and ingests concurrent with a run.

An ingest whose transaction commits after a run read its watermark is found by
the next run, however long that transaction was open: audit entry numbers are
taken in commit order (the head record's lock), never when the rows were written.
"""

from __future__ import annotations

import json
import threading
from collections import Counter

import attrs
import pytest

from spo_tracker.casework import detect_stored, load_records, run_detection
from spo_tracker.casework._incremental import judged_records
from spo_tracker.demo import DEMO_ACTOR, NOW, Scenario
from spo_tracker.detection.config import DetectionConfig
from spo_tracker.domain.identities import Identity, phone
from spo_tracker.domain.incidents import Incident, IncidentKind
from spo_tracker.domain.lifecycles import making
from spo_tracker.domain.people import LinkedIdentity
from spo_tracker.errors import InvalidValueError
from spo_tracker.storage import ScannedIncident, Store
from tests.casework.builders import (
    as_a_full_run_finds,
    store_incidents,
    store_records,
    stored_alerts,
)


def _halves(scenario: Scenario) -> tuple[list[Incident], list[Incident]]:
    incidents = sorted(scenario.all_incidents(), key=lambda i: (i.occurred_at, i.incident_id))
    return incidents[: len(incidents) // 2], incidents[len(incidents) // 2 :]


@pytest.fixture
def half_run(empty_store: Store, scenario: Scenario) -> tuple[Store, list[Incident]]:
    """A store holding the records and the earlier half of the incidents, detected once;
    and the later half, not stored yet."""
    first, second = _halves(scenario)
    store_records(empty_store, scenario)
    store_incidents(empty_store, first)
    assert not run_detection(empty_store, at=NOW, actor=DEMO_ACTOR).incremental
    return empty_store, second


def test_a_run_after_new_incidents_reads_only_their_defendants(
    half_run: tuple[Store, list[Incident]],
) -> None:
    """The later half: counted as new, only its defendants' incidents read, stored as a
    full run stores them."""
    store, second = half_run
    store_incidents(store, second)
    run = run_detection(store, at=NOW, actor=DEMO_ACTOR)
    assert run.incremental
    assert run.new_incidents == len(second)
    assert run.incidents_seen < len(second) * 2
    as_a_full_run_finds(store)


def test_an_order_changed_since_the_last_run_has_its_defendant_judged_again(
    half_run: tuple[Store, list[Incident]],
) -> None:
    """An order's change (here its appeal flag, carried by every alert on it) bears on its
    own defendant's alerts only: the next run stays incremental, judges that defendant's
    incidents again and checks the order whole, and stores what a full run finds."""
    store, _ = half_run
    with store.unit_of_work(DEMO_ACTOR, at=NOW) as uow:
        key = uow.orders.ids()[0]
        order = uow.orders.get(key)
        changed = attrs.evolve(
            order, appeal_pending=not order.appeal_pending, revision=order.revision + 1
        )
        uow.orders.update(changed)
        uow.commit()
    run = run_detection(store, at=NOW, actor=DEMO_ACTOR)
    assert run.incremental, run.full_reason
    assert run.new_incidents == 0
    assert run.incidents_seen > 0  # the defendant's history, judged again
    assert run.stored.updated > 0  # the flag on the order's alerts
    flagged = [a for a in stored_alerts(store, DEMO_ACTOR).values() if a.order_id == key]
    assert flagged
    assert all(a.appeal_pending == changed.appeal_pending for a in flagged)
    as_a_full_run_finds(store)


@pytest.mark.parametrize("through", ["an update", "a lifecycle transition"])
def test_an_order_moved_to_another_defendant_makes_the_next_run_full(
    half_run: tuple[Store, list[Incident]], through: str
) -> None:
    """The defendant the order left would need judging again, and nothing stored names
    them: the next run reads every incident, naming why, whether the order was written by
    an update or by a transition (``uow.record``, whose audit entry holds the diff beside
    the transition)."""
    store, _ = half_run
    with store.unit_of_work(DEMO_ACTOR, at=NOW) as uow:
        orders = uow.orders.get_many(uow.orders.ids())
        order = uow.orders.get(min(orders))
        other = next(
            o.defendant_id for o in orders.values() if o.defendant_id != order.defendant_id
        )
        if through == "an update":
            moved = attrs.evolve(order, defendant_id=other, revision=order.revision + 1)
            uow.orders.update(moved, expected_revision=order.revision)
        else:
            fired = making.lodge_appeal(order, at=NOW, actor="PC 1")
            fired = attrs.evolve(fired, subject=attrs.evolve(fired.subject, defendant_id=other))
            uow.record(fired, expected_revision=order.revision)
        uow.commit()
    run = run_detection(store, at=NOW, actor=DEMO_ACTOR)
    assert run.full_reason is not None
    assert run.full_reason.startswith("an order changed since the last run (")
    assert run_detection(store, at=NOW, actor=DEMO_ACTOR).incremental


def test_a_stored_incident_whose_actor_changed_makes_the_next_run_full(
    half_run: tuple[Store, list[Incident]],
) -> None:
    """The identity that acted is personal data, so the trail does not say whose it was:
    the incident may have left another defendant's alerts, and every incident is read."""
    store, _ = half_run
    with store.unit_of_work(DEMO_ACTOR, at=NOW) as uow:
        key = next(k for k in sorted(uow.incidents.ids()) if uow.incidents.get(k).actor)
        incident = uow.incidents.get(key)
        uow.incidents.update(attrs.evolve(incident, actor=phone("+447700900998")))
        uow.commit()
    run = run_detection(store, at=NOW, actor=DEMO_ACTOR)
    assert run.full_reason is not None
    assert run.full_reason.startswith("an incident changed since the last run (incident.changed")


def test_full_must_be_true_or_false(half_run: tuple[Store, list[Incident]]) -> None:
    """``full="no"`` is a typed error naming ``full``, not a full run by accident."""
    store, _ = half_run
    with pytest.raises(InvalidValueError, match="full"):
        run_detection(store, at=NOW, actor=DEMO_ACTOR, full="no")  # type: ignore[arg-type]


def test_reading_protected_persons_does_not_make_a_run_full(
    half_run: tuple[Store, list[Incident]],
) -> None:
    """A run reads protected persons' restricted details (audited): that changes nothing."""
    store, _ = half_run
    load_records(store, actor=DEMO_ACTOR, at=NOW)
    assert run_detection(store, at=NOW, actor=DEMO_ACTOR).incremental


def test_other_detection_settings_make_the_run_full(
    half_run: tuple[Store, list[Incident]],
) -> None:
    """Alerts judged under other thresholds cannot be kept in part: the run is full."""
    store, _ = half_run
    config = DetectionConfig(escalation_threshold=3)
    run = run_detection(store, at=NOW, actor=DEMO_ACTOR, config=config)
    assert run.full_reason == "the detection settings differ from the last run's"
    assert run_detection(store, at=NOW, actor=DEMO_ACTOR, config=config).incremental


@pytest.mark.postgres
def test_an_ingest_open_while_a_run_reads_is_found_by_the_next_run(
    postgres_url: str, scenario: Scenario
) -> None:
    """PostgreSQL: incidents written before a run began but committed after it read its
    watermark are not in that run, and the next run finds every one of them."""
    from spo_tracker.storage import connect
    from tests.storage.conftest import fixed_clock

    with connect(postgres_url, clock=fixed_clock) as store:
        first, second = _halves(scenario)
        store_records(store, scenario)
        store_incidents(store, first)
        run_detection(store, at=NOW, actor=DEMO_ACTOR)
        with store.unit_of_work(DEMO_ACTOR, at=NOW) as uow:
            uow.add_incidents(second, reason="a slow import")  # written, not committed
            during = run_detection(store, at=NOW, actor=DEMO_ACTOR)
            uow.commit()
        after = run_detection(store, at=NOW, actor=DEMO_ACTOR)
        assert (during.new_incidents, after.new_incidents) == (0, len(second))
        as_a_full_run_finds(store)


def test_an_ingest_committed_while_a_run_detects_is_found_by_the_next_run(
    half_run: tuple[Store, list[Incident]],
) -> None:
    """Another thread commits incidents after the run read its watermark and before it
    stored its alerts: the next run finds them, and the store ends as a full run's."""
    store, second = half_run
    done = threading.Event()

    def ingest_once(_: str) -> None:
        if not done.is_set():
            done.set()
            worker = threading.Thread(target=store_incidents, args=(store, second))
            worker.start()
            worker.join()

    run_detection(store, at=NOW, actor=DEMO_ACTOR, progress=ingest_once)
    assert done.is_set()
    after = run_detection(store, at=NOW, actor=DEMO_ACTOR)
    assert after.new_incidents == len(second)
    as_a_full_run_finds(store)


def test_an_identity_two_defendants_share_stays_ambiguous_in_an_incremental_run(
    empty_store: Store, scenario: Scenario
) -> None:
    """An incremental run compiles only the defendants its rows touch, with every
    defendant linked to an identity they name: an account linked to two defendants is
    unattributed, as in a full run, not given to the one whose orders were compiled."""
    first, second = _halves(scenario)
    senders = Counter(i.actor.key for i in second if i.actor is not None and not i.defendant_id)
    key, _ = senders.most_common(1)[0]
    owner = next(d for d in scenario.defendants if key in {li.identity.key for li in d.identities})
    shared = next(li for li in owner.identities if li.identity.key == key)
    other = next(d for d in scenario.defendants if d.defendant_id != owner.defendant_id)
    twice = attrs.evolve(other, identities=(*other.identities, shared))
    defendants = tuple(twice if d is other else d for d in scenario.defendants)
    store_records(empty_store, attrs.evolve(scenario, defendants=defendants))
    store_incidents(empty_store, first)
    run_detection(empty_store, at=NOW, actor=DEMO_ACTOR)
    store_incidents(empty_store, second)
    run = run_detection(empty_store, at=NOW, actor=DEMO_ACTOR)
    assert run.incremental
    assert {u.identity_key for u in run.unattributed} >= {key}
    as_a_full_run_finds(empty_store)


def test_judged_records_keep_the_named_defendants_and_every_owner_of_a_named_identity(
    scenario: Scenario,
) -> None:
    """The unit under the test above: which orders and defendants a run compiles."""
    first, second, *others = scenario.defendants
    key = first.identities[0].identity.key
    twice = attrs.evolve(second, identities=(*second.identities, first.identities[0]))
    defendants = [first, twice, *others]
    rows = [_row()._replace(actor_key=key)]
    orders, chosen = judged_records(rows, scenario.orders, defendants)
    assert [d.defendant_id for d in chosen] == [first.defendant_id, second.defendant_id]
    assert {o.defendant_id for o in orders} <= {first.defendant_id, second.defendant_id}
    assert next(o for o in scenario.orders if o.defendant_id == first.defendant_id) in orders
    named = [_row()._replace(defendant_id=others[0].defendant_id)]
    assert [d.defendant_id for d in judged_records(named, (), defendants)[1]] == [
        others[0].defendant_id
    ]
    assert judged_records([_row()], scenario.orders, defendants) == ([], [])


def _row() -> ScannedIncident:
    """A stored incident row that names no defendant and no actor."""
    return ScannedIncident("I-1", 0, "message", None, None, None, None, 0, None, None, None)


def test_an_incremental_run_reads_only_the_people_it_judges(
    half_run: tuple[Store, list[Incident]], scenario: Scenario
) -> None:
    """New incidents of one defendant: the run reads (and its consultation entry names)
    that defendant and the persons their orders protect, no other defendant or person;
    the stored alerts are still those of a full run."""
    store, second = half_run
    linked = {li.identity.key: d.defendant_id for d in scenario.defendants for li in d.identities}
    owner = next(i.defendant_id for i in second if i.defendant_id is not None)
    theirs = [
        i
        for i in second
        if i.defendant_id == owner
        or (i.defendant_id is None and i.actor is not None and linked.get(i.actor.key) == owner)
    ]
    head = store.audit_head()
    assert head is not None
    store_incidents(store, theirs)
    run = run_detection(store, at=NOW, actor=DEMO_ACTOR)
    assert run.incremental
    assert run.new_incidents == len(theirs)
    read: dict[str, set[str]] = {"defendants": set(), "protected_persons": set()}
    for entry in store.audit_entries():
        if entry.seq > head[0] and entry.event == "persons.consulted":
            for kind, ids in json.loads(entry.changes)["people"].items():
                read[kind] |= set(ids)
    protected = {
        p for o in scenario.orders if o.defendant_id == owner for p in o.protected_person_ids
    }
    assert read["defendants"] == {owner}
    assert read["protected_persons"] == protected
    assert len(scenario.defendants) > 1
    as_a_full_run_finds(store)


def test_an_incremental_run_judges_what_the_demo_lacks_as_a_full_run(
    empty_store: Store, scenario: Scenario
) -> None:
    """New rows the demo's history lacks: one naming a defendant who is not stored, an
    account linked to two defendants, one linked to a defendant with no order, one linked
    twice to one defendant, an unknown account, a row whose named defendant wins over its
    account's owner, and a loitering near a protected person's address (the no-approach
    rule needs that person's places, read by the run). The incremental run stores what a
    full detection finds, and leaves unattributed what it leaves unattributed."""
    base = {d.defendant_id: d for d in scenario.defendants}
    owner = base["D-1001"]
    shared = owner.identities[0]
    lonely = LinkedIdentity(phone("+447700900999"), NOW.subtract(days=400))
    twice = LinkedIdentity(phone("+447700900888"), NOW.subtract(days=400))
    template = base["D-1003"]
    extra = [
        attrs.evolve(template, defendant_id="D-9001", identities=(shared,)),
        attrs.evolve(template, defendant_id="D-9002", identities=(lonely,)),
        attrs.evolve(template, defendant_id="D-9003", identities=(twice, twice)),
    ]
    store_records(empty_store, attrs.evolve(scenario, defendants=(*scenario.defendants, *extra)))
    first, second = _halves(scenario)
    store_incidents(empty_store, first)
    run_detection(empty_store, at=NOW.subtract(days=1), actor=DEMO_ACTOR)
    plain = next(i for i in second if i.actor is None and i.defendant_id is not None)
    sent = next(i for i in second if i.actor is not None)
    home = next(p for p in scenario.protected_persons if p.person_id == "P-1003")
    assert home.restricted.address is not None
    assert home.restricted.address.location is not None

    def sent_by(n: int, actor: Identity, defendant_id: str | None = None) -> Incident:
        return attrs.evolve(sent, incident_id=f"X-{n}", actor=actor, defendant_id=defendant_id)

    edge = [
        attrs.evolve(plain, incident_id="X-1", defendant_id="D-0000"),
        sent_by(2, shared.identity),
        sent_by(3, lonely.identity),
        sent_by(4, twice.identity),
        sent_by(5, phone("+447700900777")),
        sent_by(6, base["D-1004"].identities[0].identity, "D-1002"),
        attrs.evolve(
            plain,
            incident_id="X-7",
            defendant_id="D-1003",
            kind=IncidentKind.LOITERING,
            occurred_at=NOW.subtract(hours=3),
            location=home.restricted.address.location,
            target_person_id=None,
            via_third_party=False,
            platform=None,
            actor=None,
        ),
    ]
    store_incidents(empty_store, [*second, *edge])
    run = run_detection(empty_store, at=NOW, actor=DEMO_ACTOR)
    assert run.incremental
    assert any(a.rule_id == "breach.no_approach" and "X-7" in a.evidence_ids for a in run.alerts)
    as_a_full_run_finds(empty_store)
    records = load_records(empty_store, actor=DEMO_ACTOR, at=NOW)
    everything = detect_stored(empty_store, records, actor=DEMO_ACTOR, at=NOW)
    expected = {u.incident_id: u for u in everything.unattributed}
    assert {u.incident_id: u for u in run.unattributed} == {
        u.incident_id: expected[u.incident_id] for u in run.unattributed
    }
    assert {"X-2", "X-5"} <= {u.incident_id for u in run.unattributed}
