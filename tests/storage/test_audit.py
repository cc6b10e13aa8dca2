"""The audit trail is tamper-evident: verify() names the first altered, missing or added entry."""

from __future__ import annotations

from typing import Any

import attrs
import pytest
import sqlalchemy as sa

from spo_tracker.storage import SqlStore, Store, connect, verify
from spo_tracker.storage._audit import (
    AuditEntry,
    PendingEntry,
    chain,
    check_chain,
    genesis_entry,
)
from tests.storage import builders
from tests.storage.conftest import ACTOR, NOW, fixed_clock


def _entries(count: int) -> list[AuditEntry]:
    """The genesis entry (index and number 0) and ``count`` entries after it (index = number)."""
    genesis = genesis_entry(NOW, "nonce")
    pending = [
        PendingEntry(NOW.add(minutes=n), ACTOR, "x.changed", "x", f"X{n}", {"n": n}, "why")
        for n in range(count)
    ]
    return [genesis, *chain(pending, 0, genesis.entry_hash)]


def _renumber(entries: list[AuditEntry]) -> list[AuditEntry]:
    return [attrs.evolve(e, seq=n) for n, e in enumerate(entries)]


def test_an_intact_chain_verifies_and_reports_its_head() -> None:
    """Head number and hash are the last entry's, to be anchored elsewhere."""
    entries = _entries(5)
    report = check_chain(entries, (5, entries[-1].entry_hash))
    assert report.ok
    assert (report.checked, report.head_seq, report.head_hash) == (5, 5, entries[-1].entry_hash)
    assert "intact" in report.describe()


def test_a_trail_of_only_its_genesis_entry_verifies() -> None:
    """Nothing written yet is not a break: the genesis entry is the head."""
    entries = _entries(0)
    report = check_chain(entries, (0, entries[0].entry_hash))
    assert (report.ok, report.checked, report.head_seq) == (True, 0, 0)


@pytest.mark.parametrize("field", ["changes", "reason", "actor_id", "event", "subject_id"])
def test_an_altered_entry_is_named(field: str) -> None:
    """Any field changed in place breaks that entry's hash."""
    entries = _entries(6)
    changes: dict[str, Any] = {field: "forged"}
    entries[4] = attrs.evolve(entries[4], **changes)
    report = check_chain(entries, None)
    assert (report.ok, report.first_bad_seq) == (False, 4)
    assert "altered" in (report.problem or "")


def test_an_altered_time_is_named() -> None:
    """Moving an entry in time breaks its hash too."""
    entries = _entries(4)
    entries[2] = attrs.evolve(entries[2], recorded_at=entries[2].recorded_at.add(seconds=1))
    assert check_chain(entries, None).first_bad_seq == 2


def test_a_deleted_entry_is_named() -> None:
    """A gap in the numbers names the missing entry."""
    entries = _entries(6)
    del entries[3]
    report = check_chain(entries, None)
    assert report.first_bad_seq == 3
    assert "missing" in (report.problem or "")


def test_a_deleted_and_renumbered_entry_is_named() -> None:
    """Closing the gap does not help: the next entry no longer links."""
    entries = _entries(6)
    del entries[3]
    report = check_chain(_renumber(entries), None)
    assert report.first_bad_seq == 3
    assert "link" in (report.problem or "")


def test_an_inserted_entry_is_named() -> None:
    """An entry slipped in (and the rest renumbered) is caught where it sits."""
    entries = _entries(5)
    forged = attrs.evolve(entries[2], subject_id="FORGED")
    entries.insert(3, forged)
    report = check_chain(_renumber(entries), None)
    assert report.first_bad_seq == 3


def test_reordered_entries_are_named() -> None:
    """Swapping two entries breaks the chain at the first of them."""
    entries = _entries(5)
    entries[2], entries[3] = entries[3], entries[2]
    assert check_chain(_renumber(entries), None).first_bad_seq == 2


def test_a_cut_off_tail_is_caught_by_the_head_record() -> None:
    """Deleting the last entries leaves a whole chain, but the head still names them."""
    entries = _entries(6)
    report = check_chain(entries[:5], (6, entries[-1].entry_hash))
    assert (report.ok, report.first_bad_seq) == (False, 5)
    assert "5 to 6" in (report.problem or "")
    assert "BROKEN at entry 5" in report.describe()


# -- in a real database ---------------------------------------------------------------------


def _filled(url: str) -> SqlStore:
    store = connect(url, clock=fixed_clock)
    for n in range(5):
        with store.unit_of_work(ACTOR) as uow:
            uow.defendants.add(builders.defendant(f"D{n}"), reason=f"case {n}")
            uow.commit()
    assert verify(store).ok
    return store


def _execute(store: SqlStore, *statements: str) -> None:
    with store.engine.connect() as conn:
        for statement in statements:
            conn.exec_driver_sql(statement)
        conn.commit()


def _drop_triggers(store: SqlStore) -> None:
    """What an attacker with owner rights would do first."""
    if store.backend == "sqlite":
        _execute(
            store,
            "DROP TRIGGER audit_entries_no_update",
            "DROP TRIGGER audit_entries_no_delete",
        )
    else:
        _execute(store, "DROP TRIGGER audit_entries_no_update_or_delete ON audit_entries")


BACKEND_URLS = [
    pytest.param("sqlite_url", id="sqlite"),
    pytest.param("postgres_url", id="postgres", marks=pytest.mark.postgres),
]


_REFUSED = (
    "UPDATE audit_entries SET reason = 'nothing to see' WHERE seq = 2",
    "DELETE FROM audit_entries WHERE seq = 5",
    "DELETE FROM audit_head",
    "UPDATE audit_head SET last_seq = 1",
)


@pytest.mark.parametrize("url_fixture", BACKEND_URLS)
def test_triggers_refuse_to_rewrite_the_trail(
    url_fixture: str, request: pytest.FixtureRequest
) -> None:
    """The database itself refuses UPDATE and DELETE on the trail and moving the head back."""
    store = _filled(request.getfixturevalue(url_fixture))
    refused = [*_REFUSED, *(["TRUNCATE audit_entries"] if store.backend == "postgresql" else [])]
    for statement in refused:
        with pytest.raises(sa.exc.DatabaseError, match=r"append-only|head"):
            _execute(store, statement)
    assert verify(store).ok
    store.close()


_INSERT_COPY = (
    "INSERT INTO audit_entries (seq, recorded_at, actor_id, actor_role, event, subject_kind,"
    " subject_id, changes, reason, prev_hash, entry_hash, record_digest, key_id, mac)"
    " SELECT {seq}, recorded_at, actor_id, actor_role, event, subject_kind, {subject}, changes,"
    " reason, prev_hash, {digest}, record_digest, key_id, mac FROM audit_entries"
    " WHERE seq = {source}"
)

#: (what was done, statements, first bad entry, words of the problem, statements undoing it)
_TAMPERING: tuple[tuple[str, list[str], int, str, list[str]], ...] = (
    (
        "altered",
        ["UPDATE audit_entries SET reason = 'nothing to see' WHERE seq = 3"],
        3,
        "altered",
        ["UPDATE audit_entries SET reason = 'case 2' WHERE seq = 3"],
    ),
    (
        "deleted",
        [
            _INSERT_COPY.format(seq=102, subject="subject_id", digest="'x'", source=2),
            "DELETE FROM audit_entries WHERE seq = 2",
        ],
        2,
        "missing",
        [],  # undone by restoring the saved row
    ),
    (
        "inserted",
        [
            "UPDATE audit_entries SET seq = seq + 100 WHERE seq >= 3",
            _INSERT_COPY.format(seq=3, subject="'FORGED'", digest="'f'", source=2),
            "UPDATE audit_entries SET seq = seq - 99 WHERE seq >= 103",
        ],
        3,
        "link",
        [
            "DELETE FROM audit_entries WHERE seq = 3",
            "UPDATE audit_entries SET seq = seq + 100 WHERE seq >= 4",
            "UPDATE audit_entries SET seq = seq - 101 WHERE seq >= 104",
        ],
    ),
)


@pytest.mark.parametrize("url_fixture", BACKEND_URLS)
def test_tampering_with_triggers_dropped_is_detected(
    url_fixture: str, request: pytest.FixtureRequest
) -> None:
    """Even an owner who drops the triggers cannot change the trail unseen; undoing the
    change makes the chain whole again, so the check is about content, not luck."""
    store = _filled(request.getfixturevalue(url_fixture))
    _drop_triggers(store)
    for done, statements, first_bad, problem, undo in _TAMPERING:
        saved = _row(store, 2)
        _execute(store, *statements)
        report = verify(store)
        assert (report.ok, report.first_bad_seq) == (False, first_bad), (done, report)
        assert problem in (report.problem or ""), done
        if done == "deleted":
            _restore(store, saved)
        else:
            _execute(store, *undo)
        assert verify(store).ok, done
    store.close()


def _row(store: SqlStore, seq: int) -> dict[str, object]:
    table = sa.table("audit_entries", *(sa.column(c) for c in _COLUMNS))
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(table).where(sa.column("seq") == seq)).mappings().one()
    return dict(row)


def _restore(store: SqlStore, saved: dict[str, object]) -> None:
    table = sa.table("audit_entries", *(sa.column(c) for c in _COLUMNS))
    with store.engine.connect() as conn:
        conn.execute(sa.delete(table).where(sa.column("seq") == 102))
        conn.execute(sa.insert(table).values(**saved))
        conn.commit()


_COLUMNS = (
    "seq",
    "recorded_at",
    "actor_id",
    "actor_role",
    "event",
    "subject_kind",
    "subject_id",
    "changes",
    "reason",
    "prev_hash",
    "entry_hash",
    "record_digest",
    "key_id",
    "mac",
)


def test_verify_works_on_the_in_memory_store(shared_memory_store: Store) -> None:
    """The same chain, the same check."""
    assert verify(shared_memory_store).ok
