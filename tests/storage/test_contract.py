"""The storage contract, run against the in-memory store, SQLite and PostgreSQL.

Each backend subclass only says how to get its store; every behaviour below
must hold on all three. The stores are shared across tests, so each test keeps
to its own ids (the ``uid`` fixture).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import attrs
import pendulum
import pytest

from spo_tracker.domain.identities import email, handle, phone
from spo_tracker.domain.orders import Order
from spo_tracker.domain.people import LinkedIdentity
from spo_tracker.domain.statemachine import Fired, TransitionRecord
from spo_tracker.errors import (
    BatchRejectedError,
    ConcurrencyConflictError,
    ConstraintViolationError,
    DuplicateRecordError,
    InvalidValueError,
    NotFoundError,
)
from spo_tracker.storage import (
    IDENTITIES_UNLINKED,
    Actor,
    AuditEntry,
    InMemoryStore,
    SqlStore,
    Store,
    ingest_incidents,
    scan_incident_rows,
    scan_incidents,
    verify,
)
from spo_tracker.storage._mapping import CHANGED
from tests.lifecycles import builders as lifecycle_builders
from tests.storage import builders
from tests.storage.conftest import ACTOR, NOW

Uid = Callable[[str], str]


def entries_for(store: Store, subject_id: str) -> list[AuditEntry]:
    """The audit entries about one record, oldest first."""
    return [e for e in store.audit_entries() if e.subject_id == subject_id]


def save(store: Store, *objs: object, reason: str = "") -> None:
    """Add ``objs`` in one committed unit of work."""
    with store.unit_of_work(ACTOR) as uow:
        for obj in objs:
            uow.repository_for(obj).add(obj, reason=reason)
        uow.commit()


def saved_order(store: Store, uid: Uid, *, versions: int = 3) -> Order:
    """A stored order, with its stored defendant, protected persons and application."""
    d, p1, p2, app = uid("D"), uid("P"), uid("P"), uid("APP")
    order = builders.order(uid("O"), d, (p1, p2), versions=versions, application_id=app)
    application = lifecycle_builders.draft(application_id=app, defendant_id=d)
    save(store, builders.defendant(d), builders.person(p1), builders.person(p2), application)
    save(store, order)
    return order


class StoreContract:
    """Behaviour every store must have."""

    @pytest.fixture
    def store(self) -> Iterator[Store]:
        raise NotImplementedError

    # -- round trips ---------------------------------------------------------------------

    def test_a_saved_defendant_loads_equal(self, store: Store, uid: Uid) -> None:
        """Names, address history, linked identities and SOA registration all come back."""
        original = builders.defendant(uid("D"), identities=4)
        save(store, original)
        with store.unit_of_work(ACTOR) as uow:
            assert uow.defendants.get(original.defendant_id) == original

    def test_a_saved_protected_person_loads_equal(self, store: Store, uid: Uid) -> None:
        """The restricted details come back with the person."""
        original = builders.person(uid("P"))
        save(store, original)
        with store.unit_of_work(ACTOR) as uow:
            assert uow.protected_persons.get(original.person_id, reason="test") == original

    def test_a_saved_order_loads_equal_with_every_version_and_term(
        self, store: Store, uid: Uid
    ) -> None:
        """Every version, every term type, circles, polygons and aware instants come back."""
        original = saved_order(store, uid)
        with store.unit_of_work(ACTOR) as uow:
            loaded = uow.orders.get(original.order_id)
            assert uow.orders.revision(original.order_id) == original.revision
        assert loaded == original
        assert loaded.served_at == original.served_at
        assert loaded.terms == original.terms

    def test_a_saved_incident_loads_equal(self, store: Store, uid: Uid) -> None:
        """An incident with every field filled comes back equal."""
        original = builders.incident(uid("I"), 3)
        save(store, original)
        with store.unit_of_work(ACTOR) as uow:
            assert uow.incidents.get(original.incident_id) == original

    def test_loading_a_missing_record_raises_not_found(self, store: Store, uid: Uid) -> None:
        """The error names the kind and the id."""
        missing = uid("O")
        with store.unit_of_work(ACTOR) as uow, pytest.raises(NotFoundError, match=missing):
            uow.orders.get(missing)
        with store.unit_of_work(ACTOR) as uow:
            assert not uow.orders.exists(missing)

    # -- constraints ---------------------------------------------------------------------

    def test_adding_an_existing_id_is_refused_and_writes_nothing(
        self, store: Store, uid: Uid
    ) -> None:
        """A duplicate id is a typed error; the first record and the trail are unchanged."""
        first = builders.defendant(uid("D"))
        save(store, first)
        other = attrs.evolve(first, date_of_birth=pendulum.Date(1970, 1, 1))
        with store.unit_of_work(ACTOR) as uow:
            with pytest.raises(DuplicateRecordError, match=first.defendant_id):
                uow.defendants.add(other)
            uow.commit()
        with store.unit_of_work(ACTOR) as uow:
            assert uow.defendants.get(first.defendant_id) == first
        assert len(entries_for(store, first.defendant_id)) == 1

    def test_an_order_for_an_unknown_defendant_is_a_constraint_violation(
        self, store: Store, uid: Uid
    ) -> None:
        """A record that refers to nothing stored is refused, and the unit of work goes on."""
        p = uid("P")
        save(store, builders.person(p, restricted=False))
        order = builders.order(uid("O"), uid("D-unknown"), (p,))
        keeper = builders.defendant(uid("D"))
        with store.unit_of_work(ACTOR) as uow:
            with pytest.raises(ConstraintViolationError, match=order.order_id):
                uow.orders.add(order)
            uow.defendants.add(keeper)
            uow.commit()
        with store.unit_of_work(ACTOR) as uow:
            assert not uow.orders.exists(order.order_id)
            assert uow.defendants.exists(keeper.defendant_id)

    def test_an_order_naming_an_application_not_stored_is_refused(
        self, store: Store, uid: Uid
    ) -> None:
        """add and add_many refuse a dangling application link naming both; nothing is kept."""
        d, p, app = uid("D"), uid("P"), uid("APP-missing")
        save(store, builders.defendant(d), builders.person(p, restricted=False))
        dangling = builders.order(uid("O"), d, (p,), versions=1, application_id=app)
        fine = builders.order(uid("O"), d, (p,), versions=1)
        with store.unit_of_work(ACTOR) as uow:
            with pytest.raises(ConstraintViolationError, match=app) as err:
                uow.orders.add(dangling)
            assert err.value.key == dangling.order_id
            assert f"application {app!r}" in str(err.value)
            with pytest.raises(ConstraintViolationError, match=app):
                uow.orders.add_many([fine, dangling])
            uow.commit()
        with store.unit_of_work(ACTOR) as uow:
            assert not uow.orders.exists(dangling.order_id)
            assert not uow.orders.exists(fine.order_id)

    def test_an_application_stored_in_the_same_unit_of_work_meets_the_link(
        self, store: Store, uid: Uid
    ) -> None:
        """The application may be added just before the order, in the same transaction."""
        d, p, app = uid("D"), uid("P"), uid("APP")
        save(store, builders.defendant(d), builders.person(p, restricted=False))
        orders = [
            builders.order(uid("O"), d, (p,), versions=1, application_id=app) for _ in range(2)
        ]
        with store.unit_of_work(ACTOR) as uow:
            uow.applications.add(lifecycle_builders.draft(application_id=app, defendant_id=d))
            uow.orders.add(orders[0])
            uow.orders.add_many(orders[1:])
            uow.commit()
        with store.unit_of_work(ACTOR) as uow:
            assert [uow.orders.get(o.order_id).application_id for o in orders] == [app, app]

    def test_an_update_may_not_link_an_order_to_an_application_not_stored(
        self, store: Store, uid: Uid
    ) -> None:
        """Changing the link on update is checked too (no foreign key holds it)."""
        order = saved_order(store, uid, versions=1)
        missing = uid("APP-missing")
        with store.unit_of_work(ACTOR) as uow:
            current = uow.orders.get(order.order_id)
            changed = attrs.evolve(current, application_id=missing, revision=current.revision + 1)
            with pytest.raises(ConstraintViolationError, match=missing):
                uow.orders.update(changed)
        with store.unit_of_work(ACTOR) as uow:
            assert uow.orders.get(order.order_id).application_id == order.application_id

    def test_text_with_a_nul_character_is_refused(self, store: Store, uid: Uid) -> None:
        """PostgreSQL cannot hold NUL in text, so no backend accepts it (the same contract)."""
        with pytest.raises(InvalidValueError, match="NUL"):
            builders.incident(uid("I"), summary="a\x00b")
        bad = builders.incident(uid("I"))
        object.__setattr__(bad, "summary", "a\x00b")  # past the constructor: the store checks too
        with store.unit_of_work(ACTOR) as uow, pytest.raises(InvalidValueError, match="NUL"):
            uow.incidents.add(bad)
        with pytest.raises(BatchRejectedError, match="NUL"):
            ingest_incidents(store, [bad], actor=ACTOR)

    # -- unit of work ----------------------------------------------------------------------

    def test_work_is_rolled_back_unless_committed(self, store: Store, uid: Uid) -> None:
        """Leaving the block without commit() writes nothing, not even an audit entry."""
        d = builders.defendant(uid("D"))
        with store.unit_of_work(ACTOR) as uow:
            uow.defendants.add(d)
        with store.unit_of_work(ACTOR) as uow:
            assert not uow.defendants.exists(d.defendant_id)
        assert entries_for(store, d.defendant_id) == []

    def test_work_after_a_commit_is_rolled_back_on_leaving(self, store: Store, uid: Uid) -> None:
        """commit() keeps what came before it; later work needs its own commit."""
        kept, dropped = builders.defendant(uid("D")), builders.defendant(uid("D"))
        with store.unit_of_work(ACTOR) as uow:
            uow.defendants.add(kept)
            uow.commit()
            uow.defendants.add(dropped)
        with store.unit_of_work(ACTOR) as uow:
            assert uow.defendants.exists(kept.defendant_id)
            assert not uow.defendants.exists(dropped.defendant_id)

    def test_a_unit_of_work_needs_a_time_for_its_audit_entries(self) -> None:
        """Without a clock or at=, the library refuses rather than read the wall clock."""
        with pytest.raises(InvalidValueError, match="at"):
            InMemoryStore().unit_of_work(ACTOR)
        uow = InMemoryStore().unit_of_work(ACTOR, at=NOW)
        assert uow.actor == ACTOR

    def test_a_closed_unit_of_work_refuses_work(self, store: Store, uid: Uid) -> None:
        """Using a unit of work outside its block is an error, not a silent no-op."""
        with store.unit_of_work(ACTOR) as uow:
            pass
        with pytest.raises(InvalidValueError, match="closed"):
            uow.defendants.add(builders.defendant(uid("D")))

    # -- optimistic concurrency ----------------------------------------------------------------

    def test_an_update_moves_the_revision_on(self, store: Store, uid: Uid) -> None:
        """A defendant (no domain revision) goes 1 -> 2; an order takes its own revision."""
        d = builders.defendant(uid("D"), identities=1)
        save(store, d)
        with store.unit_of_work(ACTOR) as uow:
            current = uow.defendants.get(d.defendant_id)
            linked = current.link(handle("x", "someone"), NOW)
            assert uow.defendants.update(linked, reason="seen on X") == 2
            uow.commit()
        with store.unit_of_work(ACTOR) as uow:
            assert uow.defendants.get(d.defendant_id) == linked
            assert uow.defendants.revision(d.defendant_id) == 2

    def test_a_stale_update_raises_conflict_and_writes_nothing(
        self, store: Store, uid: Uid
    ) -> None:
        """Two edits from the same revision: the second is refused and the first stands."""
        order = saved_order(store, uid)
        with store.unit_of_work(ACTOR) as uow:
            base = uow.orders.revision(order.order_id)
        with store.unit_of_work(ACTOR) as uow:
            uow.orders.update(builders.vary(order, "first"), expected_revision=base)
            uow.commit()
        with store.unit_of_work(ACTOR) as uow, pytest.raises(ConcurrencyConflictError) as caught:
            uow.orders.update(builders.vary(order, "second"), expected_revision=base)
        assert (caught.value.key, caught.value.expected) == (order.order_id, base)
        with store.unit_of_work(ACTOR) as uow:
            stored = uow.orders.get(order.order_id)
        assert stored.current.reason == "first"
        assert stored.revision == base + 1
        changes = [e for e in entries_for(store, order.order_id) if e.event == "order.changed"]
        assert len(changes) == 1

    def test_a_conflict_is_not_retried_blindly(self, store: Store, uid: Uid) -> None:
        """After a conflict the unit of work does not take the stored revision as its base."""
        order = saved_order(store, uid)
        with store.unit_of_work(ACTOR) as uow:
            uow.orders.update(builders.vary(order, "winner"), expected_revision=order.revision)
            uow.commit()
        with store.unit_of_work(ACTOR) as uow:
            stale = builders.vary(order, "loser")
            for _ in range(2):
                with pytest.raises(ConcurrencyConflictError):
                    uow.orders.update(stale, expected_revision=order.revision)

    def test_an_update_needs_a_known_base_revision(self, store: Store, uid: Uid) -> None:
        """Not loaded in this unit of work and no expected_revision: refused, naming the id."""
        d = builders.defendant(uid("D"))
        save(store, d)
        with store.unit_of_work(ACTOR) as uow, pytest.raises(InvalidValueError, match="loaded"):
            uow.defendants.update(d)

    def test_an_order_change_must_move_its_revision_on(self, store: Store, uid: Uid) -> None:
        """An order whose own revision was not bumped cannot overwrite the stored one."""
        order = saved_order(store, uid)
        with store.unit_of_work(ACTOR) as uow:
            uow.orders.get(order.order_id)
            with pytest.raises(InvalidValueError, match="revision"):
                uow.orders.update(attrs.evolve(order, appeal_pending=True))

    def test_a_stored_order_version_is_never_rewritten(self, store: Store, uid: Uid) -> None:
        """Changing or dropping an earlier version is refused (SPA2019 s.6: versions are kept)."""
        order = saved_order(store, uid)
        first = attrs.evolve(order.versions[0], reason="rewritten")
        rewritten = attrs.evolve(order, versions=(first, *order.versions[1:]), revision=9)
        dropped = attrs.evolve(order, versions=order.versions[:1], revision=9)
        with store.unit_of_work(ACTOR) as uow:
            uow.orders.get(order.order_id)
            with pytest.raises(InvalidValueError, match="never rewritten") as caught:
                uow.orders.update(rewritten)
            assert caught.value.value == 1
            with pytest.raises(InvalidValueError, match="never rewritten"):
                uow.orders.update(dropped)

    # -- audit ---------------------------------------------------------------------------------

    def test_every_change_is_audited_with_who_when_what_and_why(
        self, store: Store, uid: Uid
    ) -> None:
        """Creation and change entries carry actor, role, time, the diff and the reason."""
        d = builders.defendant(uid("D"), identities=1)
        save(store, d, reason="charged")
        supervisor = Actor("DS 99", "supervisor", purpose="tests")
        with store.unit_of_work(supervisor, at=NOW.add(hours=1)) as uow:
            uow.defendants.update(
                uow.defendants.get(d.defendant_id).link(phone("+447700900999"), NOW),
                reason="new phone",
            )
            uow.commit()
        created, changed = entries_for(store, d.defendant_id)
        assert (created.event, created.actor_id, created.reason) == (
            "defendant.created",
            "PC 1234",
            "charged",
        )
        assert (changed.actor_id, changed.actor_role) == ("DS 99", "supervisor")
        assert changed.recorded_at == NOW.add(hours=1)
        # The trail says the identities changed, never the identity (release 0011 on: a
        # disposal must find no personal value in the trail; see docs/retention.md), and
        # how many were unlinked (none: the next detection run can stay incremental).
        assert json.loads(changed.changes) == {"identities": CHANGED, IDENTITIES_UNLINKED: 0}
        assert "447700900999" not in changed.changes
        assert "Smith" not in created.changes
        assert changed.prev_hash != created.prev_hash
        assert verify(store).ok

    def test_a_transition_is_audited_with_its_section(self, store: Store, uid: Uid) -> None:
        """record(fired) stores the subject and names the machine, event and statute."""
        order = saved_order(store, uid)
        served = attrs.evolve(builders.vary(order), appeal_pending=True)
        record = TransitionRecord(
            "full_order",
            order.order_id,
            "LODGE_APPEAL",
            "SERVED",
            "SERVED",
            "SPA2019 s.7(1)",
            NOW,
            "defence solicitor",
        )
        with store.unit_of_work(ACTOR) as uow:
            uow.orders.get(order.order_id)
            assert uow.record(Fired(served, record), reason="appeal lodged") == served.revision
            uow.commit()
        last = entries_for(store, order.order_id)[-1]
        assert last.event == "full_order.LODGE_APPEAL"
        assert "SPA2019 s.7(1)" in last.changes
        assert "appeal_pending" in last.changes

    def test_reading_restricted_details_is_audited_even_without_commit(
        self, store: Store, uid: Uid
    ) -> None:
        """Who read a protected person's whereabouts is recorded whatever else happens."""
        p = builders.person(uid("P"))
        save(store, p)
        with store.unit_of_work(Actor("PC 7", "officer", purpose="tests")) as uow:
            uow.protected_persons.get(p.person_id, reason="risk assessment")
        read = entries_for(store, p.person_id)[-1]
        assert (read.event, read.actor_id, read.reason) == (
            "protected_person.restricted_read",
            "PC 7",
            "risk assessment",
        )

    def test_a_name_lookup_reads_no_restricted_details(self, store: Store, uid: Uid) -> None:
        """get_name() is for reports: no whereabouts, so no read entry."""
        p = builders.person(uid("P"))
        save(store, p)
        with store.unit_of_work(ACTOR) as uow:
            assert uow.protected_persons.get_name(p.person_id) == "Jane Doe"
            with pytest.raises(NotFoundError):
                uow.protected_persons.get_name(uid("P"))
        assert [e.event for e in entries_for(store, p.person_id)] == ["protected_person.created"]

    def test_restricted_details_never_reach_the_audit_trail(self, store: Store, uid: Uid) -> None:
        """The trail says they changed, never what they are."""
        p = builders.person(uid("P"))
        save(store, p)
        moved = attrs.evolve(p, restricted=builders.person("x", restricted=False).restricted)
        with store.unit_of_work(ACTOR) as uow:
            uow.protected_persons.get(p.person_id)
            uow.protected_persons.update(moved)
            uow.commit()
        text = " ".join(e.changes for e in entries_for(store, p.person_id))
        assert "Safe House" not in text
        assert "B15" not in text
        assert "52.45" not in text
        assert "restricted details changed" in text

    def test_note_appends_an_audit_entry(self, store: Store, uid: Uid) -> None:
        """Events that change no record (a report sent) can be audited too."""
        subject = uid("R")
        with store.unit_of_work(ACTOR) as uow:
            uow.note("report.sent", "report", subject, changes={"to": "CPS"}, reason="file")
            uow.commit()
        (entry,) = entries_for(store, subject)
        assert (entry.event, entry.changes, entry.reason) == ("report.sent", '{"to":"CPS"}', "file")

    # -- queries -------------------------------------------------------------------------------

    def test_defendants_are_found_by_linked_identity(self, store: Store, uid: Uid) -> None:
        """Identity resolution: the key of a linked handle leads to the defendant."""
        d = builders.defendant(uid("D"))
        save(store, d)
        key = handle("x", d.defendant_id.lower()).key
        with store.unit_of_work(ACTOR) as uow:
            assert uow.defendants.find_by_identity(key) == [d.defendant_id]
            assert d.defendant_id in uow.defendants.ids()

    def test_defendants_are_found_by_many_identities_at_once(self, store: Store, uid: Uid) -> None:
        """``find_by_identities`` over more keys than one query takes (500): every link, an
        account shared by two defendants, one listed twice on one defendant; a key linked
        to nobody is absent; a single key as text is refused, not read as its letters."""
        made = pendulum.datetime(2024, 1, 5, tz="Europe/London")
        defendants = []
        for n in range(1_100):
            key = uid("D")
            own = LinkedIdentity(handle("x", key.lower()), made)
            linked = [own, own] if n % 11 == 0 else [own]
            if n % 2 == 0:
                pair = f"pair-{key.lower()}"
            linked.append(LinkedIdentity(email(f"{pair}@example.org"), made))
            defendants.append(attrs.evolve(builders.defendant(key), identities=tuple(linked)))
        with store.unit_of_work(ACTOR) as uow:
            uow.defendants.add_many(defendants, reason="links")
            uow.commit()
        expected: dict[str, list[str]] = {}
        for d in defendants:
            for li in d.identities:
                owners = expected.setdefault(li.identity.key, [])
                if d.defendant_id not in owners:
                    owners.append(d.defendant_id)
        nobody = [handle("x", uid("nobody").lower()).key for _ in range(3)]
        with store.unit_of_work(ACTOR) as uow:
            found = uow.defendants.find_by_identities([*reversed(expected), *nobody])
            with pytest.raises(InvalidValueError, match="identity_keys"):
                uow.defendants.find_by_identities(nobody[0])
        assert found == {k: sorted(v) for k, v in expected.items()}
        assert len(found) > 1_100
        assert sum(len(v) == 2 for v in found.values()) == 550

    # -- bulk ingest and scans -----------------------------------------------------------------

    def test_ingest_commits_whole_batches_and_audits_each(self, store: Store, uid: Uid) -> None:
        """25 incidents in batches of 10: three batches, three audit entries."""
        d = uid("D")
        batch = builders.incidents(uid("I"), 25, defendant_id=d)
        report = ingest_incidents(store, iter(batch), actor=ACTOR, batch_size=10)
        assert (report.batches, report.incidents) == (3, 25)
        assert list(scan_incidents(store, defendant_id=d)) == batch
        first = batch[0].incident_id
        (entry,) = entries_for(store, f"{first}..{batch[9].incident_id}")
        assert entry.event == "incidents.ingested"
        assert '"count":10' in entry.changes

    def test_a_rejected_batch_leaves_earlier_batches_committed(
        self, store: Store, uid: Uid
    ) -> None:
        """A duplicate in batch 2 rolls back batch 2 only; the error says what stays."""
        d, prefix = uid("D"), uid("I")
        save(store, builders.incident(f"{prefix}-000025", 25, defendant_id=d))
        batch = builders.incidents(prefix, 30, defendant_id=d)
        with pytest.raises(BatchRejectedError) as caught:
            ingest_incidents(store, batch, actor=ACTOR, batch_size=10)
        error = caught.value
        assert (error.batch_index, error.committed_batches, error.committed_records) == (2, 2, 20)
        assert isinstance(error.cause, DuplicateRecordError)
        assert error.cause.key == f"{prefix}-000025"
        stored = [i.incident_id for i in scan_incidents(store, defendant_id=d)]
        assert stored == [i.incident_id for i in batch[:20]] + [f"{prefix}-000025"]

    def test_a_batch_holding_an_id_twice_is_rejected_whole(self, store: Store, uid: Uid) -> None:
        """Validation happens before anything of the batch is written."""
        d, key = uid("D"), uid("I")
        twice = [builders.incident(key, defendant_id=d), builders.incident(key, 1, defendant_id=d)]
        with pytest.raises(BatchRejectedError, match="twice"):
            ingest_incidents(store, twice, actor=ACTOR)
        assert list(scan_incidents(store, defendant_id=d)) == []

    def test_ingest_refuses_what_is_not_an_incident(self, store: Store) -> None:
        """The offending item and its position are named."""
        with pytest.raises(BatchRejectedError, match=r"incidents\[0\]"):
            ingest_incidents(store, ["not an incident"], actor=ACTOR)  # type: ignore[list-item]
        with pytest.raises(InvalidValueError, match="batch_size"):
            ingest_incidents(store, [], actor=ACTOR, batch_size=0)

    def test_scans_stream_oldest_first_and_filter(self, store: Store, uid: Uid) -> None:
        """Order by time whatever the insert order; since/until bound by instants."""
        d = uid("D")
        batch = builders.incidents(uid("I"), 12, defendant_id=d)
        ingest_incidents(store, reversed(batch), actor=ACTOR, batch_size=5)
        assert list(scan_incidents(store, defendant_id=d, chunk_size=5)) == batch
        since, until = batch[3].occurred_at.in_timezone("Asia/Tokyo"), batch[7].occurred_at
        window = scan_incidents(store, defendant_id=d, since=since, until=until)
        assert list(window) == batch[3:7]

    def test_light_rows_agree_with_domain_incidents(self, store: Store, uid: Uid) -> None:
        """The rows detection consumes carry the same facts as the domain incidents."""
        d = uid("D")
        batch = builders.incidents(uid("I"), 6, defendant_id=d)
        ingest_incidents(store, batch, actor=ACTOR)
        rows = list(scan_incident_rows(store, defendant_id=d, chunk_size=4))
        for row, incident in zip(rows, batch, strict=True):
            assert row.incident_id == incident.incident_id
            assert row.occurred_at == incident.occurred_at
            assert row.via_third_party == int(incident.via_third_party)
            assert type(row.via_third_party) is int
            assert row.actor_key == incident.actor.key  # type: ignore[union-attr]
            assert (row.lat, row.lon) == (incident.location.lat, incident.location.lon)  # type: ignore[union-attr]
            assert (row.kind, row.platform) == ("message", "instagram")

    def test_the_audit_trail_verifies(self, store: Store) -> None:
        """Everything the tests above did leaves a whole chain."""
        report = verify(store)
        assert report.ok, report.describe()
        assert report.head_seq == report.checked


class TestInMemoryStore(StoreContract):
    """The contract on the in-memory store."""

    @pytest.fixture
    def store(self, shared_memory_store: InMemoryStore) -> Store:
        return shared_memory_store


class TestSqliteStore(StoreContract):
    """The contract on SQLite."""

    @pytest.fixture
    def store(self, shared_sqlite_store: SqlStore) -> Store:
        return shared_sqlite_store


@pytest.mark.postgres
class TestPostgresStore(StoreContract):
    """The contract on PostgreSQL."""

    @pytest.fixture
    def store(self, shared_postgres_store: SqlStore) -> Store:
        return shared_postgres_store
