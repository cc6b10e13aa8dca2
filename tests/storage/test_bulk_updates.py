"""Bulk reads with revisions and bulk updates (a detection run's stored alerts), on every
backend: each update written only over the revision it was read at, each audited."""

from __future__ import annotations

import json

import attrs
import pytest

from spo_tracker.domain.alerts import Alert, Severity
from spo_tracker.domain.people import Defendant, NameUse
from spo_tracker.errors import ConcurrencyConflictError, InvalidValueError, NotFoundError
from spo_tracker.storage import InMemoryStore, Store, connect, verify
from spo_tracker.storage._mapping import MAPPERS, Mapper
from tests.storage.builders import defendant
from tests.storage.conftest import ACTOR, BACKENDS, fixed_clock
from tests.storage.test_bulk_alerts import NOW, add, alerts


def changed(alert: Alert) -> Alert:
    """``alert`` as a later run might raise it: a new explanation and severity."""
    explanation = alert.explanation + " Seen again."
    return attrs.evolve(alert, explanation=explanation, severity=Severity.LOW)


def revisions(store: Store, keys: list[str]) -> dict[str, int]:
    with store.unit_of_work(ACTOR, at=NOW) as uow:
        return {k: rev for k, (_, rev) in uow.alerts.get_many_revisions(keys).items()}


@pytest.mark.parametrize("fresh_store", BACKENDS, indirect=True)
class TestBulkUpdates:
    """``get_many_revisions`` and ``update_many``: one contract on memory, SQLite and
    PostgreSQL."""

    def test_each_record_is_read_with_its_stored_revision(self, fresh_store: Store) -> None:
        """Absent ids are left out; a record updated once is at revision 2."""
        batch = alerts("read", 3)
        add(fresh_store, batch)
        with fresh_store.unit_of_work(ACTOR, at=NOW) as uow:
            uow.alerts.get(batch[1].alert_id)
            uow.alerts.update(changed(batch[1]))
            uow.commit()
        with fresh_store.unit_of_work(ACTOR, at=NOW) as uow:
            found = uow.alerts.get_many_revisions([a.alert_id for a in batch] + ["absent"])
        assert found == {
            batch[0].alert_id: (batch[0], 1),
            batch[1].alert_id: (changed(batch[1]), 2),
            batch[2].alert_id: (batch[2], 1),
        }

    def test_many_updates_are_stored_and_audited_one_entry_each(self, fresh_store: Store) -> None:
        """600 records read in bulk (more than one chunk), 550 updated: each moves to
        revision 2 and reads back as written; one ``alert.changed`` entry each, in the
        order given, with what changed; the trail verifies."""
        batch = alerts("many", 600)
        add(fresh_store, batch)
        updates = [changed(a) for a in batch[:550]]
        before = len(list(fresh_store.audit_entries()))
        with fresh_store.unit_of_work(ACTOR, at=NOW) as uow:
            uow.alerts.get_many_revisions(a.alert_id for a in batch)
            done = uow.alerts.update_many(updates, reason="run again")
            uow.commit()
        assert done == {a.alert_id: 2 for a in updates}
        with fresh_store.unit_of_work(ACTOR, at=NOW) as uow:
            stored = uow.alerts.get_many_revisions(a.alert_id for a in batch)
        assert [stored[a.alert_id] for a in updates] == [(a, 2) for a in updates]
        assert [stored[a.alert_id] for a in batch[550:]] == [(a, 1) for a in batch[550:]]
        entries = list(fresh_store.audit_entries())[before:]
        assert [(e.event, e.subject_id) for e in entries] == [
            ("alert.changed", a.alert_id) for a in updates
        ]
        assert {e.reason for e in entries} == {"run again"}
        changes = json.loads(entries[0].changes)
        assert set(changes) >= {"explanation", "severity"}
        assert verify(fresh_store).ok

    def test_nothing_is_written_when_one_update_is_refused(self, fresh_store: Store) -> None:
        """A record not read in this unit of work, one not stored, an id given twice or an
        object of another kind: a typed error naming it, and no record changes."""
        batch = alerts("refused", 3)
        add(fresh_store, batch)
        ghost = alerts("ghost", 1)[0]
        cases: list[tuple[list[object], type[Exception], str]] = [
            ([changed(batch[0]), changed(ghost)], InvalidValueError, ghost.alert_id),
            ([changed(batch[0]), changed(batch[0])], InvalidValueError, batch[0].alert_id),
            ([changed(batch[0]), "not an alert"], InvalidValueError, "str"),
        ]
        for objs, error, named in cases:
            with fresh_store.unit_of_work(ACTOR, at=NOW) as uow:
                uow.alerts.get_many_revisions(a.alert_id for a in batch)
                with pytest.raises(error, match=named):
                    uow.alerts.update_many(objs)  # type: ignore[arg-type]
                uow.commit()
        with fresh_store.unit_of_work(ACTOR, at=NOW) as uow:
            uow.alerts.get_many_revisions(a.alert_id for a in batch)
            uow._seen[("alert", ghost.alert_id)] = 1  # as if read, but never stored
            with pytest.raises(NotFoundError, match=ghost.alert_id):
                uow.alerts.update_many([changed(batch[1]), changed(ghost)])
            uow.commit()
        assert revisions(fresh_store, [a.alert_id for a in batch]) == {a.alert_id: 1 for a in batch}

    def test_a_row_is_written_only_over_the_revision_expected(self, fresh_store: Store) -> None:
        """The backend's bulk write checks each row's revision as it writes: a stale one
        is a conflict naming the record, and the rows written before it are undone."""
        batch = alerts("guard", 2)
        add(fresh_store, batch)
        mapper = MAPPERS[Alert]
        with fresh_store.unit_of_work(ACTOR, at=NOW) as uow:
            records = uow._records()
            writes = [(batch[0], changed(batch[0]), 1, 2), (batch[1], changed(batch[1]), 7, 8)]
            with pytest.raises(ConcurrencyConflictError, match=batch[1].alert_id):
                records.replace_many(mapper, writes)
            assert records.load_many_revisions(mapper, [a.alert_id for a in batch]) == {
                a.alert_id: (a, 1) for a in batch
            }


@pytest.mark.parametrize(
    "backend",
    [
        pytest.param("memory", id="memory"),
        pytest.param("postgres_url", id="postgres", marks=pytest.mark.postgres),
    ],
)
def test_a_record_changed_since_it_was_read_is_never_overwritten(
    backend: str, request: pytest.FixtureRequest
) -> None:
    """Two open units of work read the same records; one updates a record and commits; the
    other's bulk update is refused (at the update on PostgreSQL, at the commit in memory)
    and the winner's record stays. SQLite is left out: its writers queue for the lock."""
    store: Store = (
        InMemoryStore(clock=fixed_clock)
        if backend == "memory"
        else connect(request.getfixturevalue(backend), clock=fixed_clock)
    )
    batch = alerts("race", 2)
    add(store, batch)
    keys = [a.alert_id for a in batch]
    first = store.unit_of_work(ACTOR, at=NOW).__enter__()
    try:
        first.alerts.get_many_revisions(keys)
        winner = attrs.evolve(batch[1], title="Updated by another run")
        with store.unit_of_work(ACTOR, at=NOW) as second:
            second.alerts.get_many_revisions(keys)
            second.alerts.update_many([winner])
            second.commit()

        def update_and_commit() -> None:
            first.alerts.update_many([changed(a) for a in batch])
            first.commit()

        with pytest.raises(ConcurrencyConflictError, match=batch[1].alert_id):
            update_and_commit()
    finally:
        first.__exit__(None, None, None)
    assert revisions(store, keys) == {keys[0]: 1, keys[1]: 2}
    with store.unit_of_work(ACTOR, at=NOW) as uow:
        assert uow.alerts.get_many_revisions(keys)[keys[1]][0] == winner
    store.close()


def test_an_alerts_row_is_built_as_the_generic_mapper_builds_it() -> None:
    """The alert mapper's direct row (the bulk path) holds what the generic path holds,
    with or without the dump given."""
    alert = alerts("row", 1)[0]
    mapper = MAPPERS[Alert]
    generic = Mapper.root_values(mapper, alert, 3)
    assert mapper.root_values(alert, 3) == generic
    assert mapper.root_values(alert, 3, body=generic["body"]) == generic


@pytest.mark.parametrize("fresh_store", BACKENDS, indirect=True)
def test_replacing_records_with_child_rows_is_all_or_nothing(fresh_store: Store) -> None:
    """A kind stored with child tables (defendants: names, identities, addresses) is
    replaced one record at a time; a stale revision on the second undoes the first."""
    first, second = defendant("D1"), defendant("D2")
    with fresh_store.unit_of_work(ACTOR, at=NOW) as uow:
        uow.defendants.add_many([first, second])
        uow.commit()
    mapper = MAPPERS[Defendant]
    renamed = [
        attrs.evolve(d, names=(NameUse(f"Renamed {d.defendant_id}"),)) for d in (first, second)
    ]
    with fresh_store.unit_of_work(ACTOR, at=NOW) as uow:
        records = uow._records()
        writes = [(first, renamed[0], 1, 2), (second, renamed[1], 7, 8)]
        with pytest.raises(ConcurrencyConflictError):
            records.replace_many(mapper, writes)
        assert records.load_many_revisions(mapper, ["D1", "D2"]) == {
            "D1": (first, 1),
            "D2": (second, 1),
        }
