"""An audit trail that tells the truth: each tampering a review tried is caught by the mode the
docs say catches it (plain verify, verify with a key, --deep, --checkpoint), on SQLite and
PostgreSQL; the tampering is planted with SQL, as an owner who drops the triggers would."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
import sqlalchemy as sa

from spo_tracker.cli import main
from spo_tracker.errors import (
    AuditKeyError,
    BatchRejectedError,
    InvalidValueError,
    OutputWriteError,
)
from spo_tracker.storage import (
    METADATA,
    Actor,
    AuditKeyring,
    InMemoryStore,
    SqlStore,
    checkpoint,
    connect,
    ingest_incidents,
    read_checkpoint,
    upgrade,
    verify,
    write_checkpoint,
)
from spo_tracker.storage._audit import entry_hash
from spo_tracker.storage._codec import canonical_json
from spo_tracker.storage._crypto import PersonKeys, data_keyring_from_environment
from spo_tracker.storage._digests import batch_bytes
from spo_tracker.storage._keys import keyring_from_environment, new_key_line
from tests.storage import builders
from tests.storage.conftest import ACTOR, fixed_clock
from tests.storage.test_bulk_alerts import alerts

BACKEND_URLS = [
    pytest.param("sqlite_url", id="sqlite"),
    pytest.param("postgres_url", id="postgres", marks=pytest.mark.postgres),
]

K1 = AuditKeyring.from_text(f"k1 {'11' * 32}", source="test")
K2 = AuditKeyring.from_text(f"k1 {'11' * 32}\nk2 {'22' * 32}", source="test")
WRONG = AuditKeyring.from_text(f"k1 {'33' * 32}", source="test")
POSTCODE = "B15 2TT"


@pytest.fixture(params=BACKEND_URLS)
def url(request: pytest.FixtureRequest) -> str:
    """A fresh, migrated database on each backend."""
    return str(request.getfixturevalue(request.param))


def _store(url: str, keyring: AuditKeyring | None = None) -> SqlStore:
    return connect(url, clock=fixed_clock, audit_keyring=keyring)


@pytest.fixture
def filled(url: str) -> str:
    """A case: a defendant, a protected person, an order, two incident batches (unkeyed)."""
    _fill(_store(url))
    return url


def _fill(store: SqlStore) -> None:
    with store.unit_of_work(ACTOR) as uow:
        uow.defendants.add(builders.defendant("D1"), reason="charged")
        uow.protected_persons.add(builders.person("P1"), reason="victim")
        uow.orders.add(builders.order("O1", "D1", ("P1",)), reason="made")
        uow.commit()
    ingest_incidents(store, builders.incidents("I", 6), actor=ACTOR, batch_size=3)
    store.close()


def _sql(url: str, *statements: str) -> None:
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            for statement in statements:
                conn.exec_driver_sql(statement)
    finally:
        engine.dispose()


def _drop_triggers(url: str) -> None:
    """What an attacker with the owner's rights does first."""
    if url.startswith("sqlite"):
        names = ("audit_entries_no_update", "audit_entries_no_delete", "audit_head_no_delete")
        _sql(url, *(f"DROP TRIGGER {n}" for n in (*names, "audit_head_forward_only")))
    else:
        _sql(
            url,
            "DROP TRIGGER audit_entries_no_update_or_delete ON audit_entries",
            "DROP TRIGGER audit_entries_no_truncate ON audit_entries",
            "DROP TRIGGER audit_head_forward_only ON audit_head",
            "DROP TRIGGER audit_head_no_truncate ON audit_head",
        )


def _check(url: str, keyring: AuditKeyring | None = None, **options: Any) -> Any:
    store = _store(url, keyring)
    try:
        return verify(store, **options)
    finally:
        store.close()


def _cut_tail(url: str, keep: int, *, head: str) -> None:
    """Delete the entries after ``keep`` and set the head as given ('delete' or 'move')."""
    _drop_triggers(url)
    _sql(url, f"DELETE FROM audit_entries WHERE seq > {keep}")
    if head == "delete":
        _sql(url, "DELETE FROM audit_head")
    else:
        _sql(
            url,
            "UPDATE audit_head SET last_seq = (SELECT max(seq) FROM audit_entries), last_hash ="
            " (SELECT entry_hash FROM audit_entries ORDER BY seq DESC LIMIT 1)",
        )


# -- the trail cannot be emptied or cut silently ------------------------------------------


def test_a_new_database_starts_with_a_genesis_entry(url: str) -> None:
    """The migration writes entry 0; a trail of it alone verifies with 0 entries."""
    store = _store(url)
    try:
        entries = list(store.audit_entries())
        assert [(e.seq, e.event) for e in entries] == [(0, "audit.genesis")]
        assert store.audit_head() == (0, entries[0].entry_hash)
        report = verify(store)
        assert (report.ok, report.checked, report.head_seq) == (True, 0, 0)
        assert "unkeyed: appended forgeries undetectable" in report.describe()
    finally:
        store.close()


def test_an_intact_trail_verifies_in_every_mode(filled: str, tmp_path: Path) -> None:
    """Plain, deep and against a checkpoint: nothing to report on an untouched database."""
    report = _check(filled, deep=True)
    assert (report.ok, report.findings, report.checked) == (True, (), 5)
    store = _store(filled)
    write_checkpoint(checkpoint(store), tmp_path / "head.json")
    store.close()
    assert _check(filled, checkpoint=read_checkpoint(tmp_path / "head.json")).ok


def test_deleting_the_last_entries_with_the_head_row_fails(filled: str) -> None:
    """Tampering: the tail and the head row deleted together."""
    _cut_tail(filled, 4, head="delete")
    report = _check(filled)
    assert (report.ok, report.first_bad_seq) == (False, 5)
    assert "head record is missing" in (report.problem or "")


def test_truncating_both_tables_fails(filled: str) -> None:
    """Tampering: both tables emptied; 'intact: 0 entries' is a failure."""
    _drop_triggers(filled)
    _sql(filled, "DELETE FROM audit_entries", "DELETE FROM audit_head")
    report = _check(filled)
    assert (report.ok, report.first_bad_seq) == (False, 0)
    assert "empty" in (report.problem or "")


def test_deleting_the_genesis_entry_fails(filled: str) -> None:
    """The start of the trail cannot be cut either."""
    _drop_triggers(filled)
    _sql(filled, "DELETE FROM audit_entries WHERE seq = 0")
    report = _check(filled)
    assert (report.ok, report.first_bad_seq) == (False, 0)
    assert "genesis" in (report.problem or "")


def test_a_tail_cut_with_the_head_moved_back_is_caught_by_deep_and_checkpoint(
    filled: str, tmp_path: Path
) -> None:
    """Plain verify cannot see a consistent cut; the records and a checkpoint can."""
    store = _store(filled)
    write_checkpoint(checkpoint(store), tmp_path / "head.json")
    store.close()
    _cut_tail(filled, 3, head="move")
    assert _check(filled).ok  # the documented limit of the chain alone
    cut = _check(filled, checkpoint=read_checkpoint(tmp_path / "head.json"))
    assert (cut.ok, cut.first_bad_seq) == (False, 5)
    assert "cut after the checkpoint" in (cut.problem or "")
    deep = _check(filled, deep=True)
    assert not deep.ok
    assert any("incident_batch 'I-000000..I-000002'" in f for f in deep.findings)


# -- a keyed chain -------------------------------------------------------------------------


def _forge_append(url: str) -> None:
    """Copy the last entry as a new one blaming another officer, with a correct SHA-256,
    and move the head to it (what a security review did with a fake restricted read)."""
    store = _store(url, K2)
    last = list(store.audit_entries())[-1]
    store.close()
    forged = attrs.evolve(
        last,
        seq=last.seq + 1,
        actor_id="PC 9999",
        event="protected_person.restricted_read",
        prev_hash=last.entry_hash,
    )
    digest = forged.computed_hash()
    table = METADATA.tables["audit_entries"]
    values = {c.name: getattr(forged, c.name) for c in table.columns}
    values["entry_hash"] = digest
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.insert(table), values)
        conn.execute(
            sa.text("UPDATE audit_head SET last_seq = :s, last_hash = :h"),
            {"s": forged.seq, "h": digest},
        )
    engine.dispose()


def test_an_appended_forgery_is_caught_only_with_a_key(url: str) -> None:
    """Unkeyed, a forgery with a correct hash verifies (and the report says so); sealed,
    it does not, even when the forger copies a seal."""
    _fill(_store(url, K1))
    _forge_append(url)
    report = _check(url, K1)
    assert (report.ok, report.first_bad_seq) == (False, 7)
    assert "seal does not match" in (report.problem or "")
    unkeyed = _check(url, None)
    assert unkeyed.ok
    assert "seals not checked" in unkeyed.describe()


def test_an_unsealed_forgery_after_sealed_entries_is_caught_even_without_the_key(
    url: str,
) -> None:
    """Dropping the seal does not help: an unsealed entry may not follow sealed ones."""
    _fill(_store(url, K1))
    store = _store(url, K1)
    last = list(store.audit_entries())[-1]
    store.close()
    forged = attrs.evolve(last, seq=last.seq + 1, prev_hash=last.entry_hash, key_id=None, mac=None)
    forged = attrs.evolve(forged, entry_hash=forged.computed_hash())
    table = METADATA.tables["audit_entries"]
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.insert(table), {c.name: getattr(forged, c.name) for c in table.columns})
        conn.execute(
            sa.text("UPDATE audit_head SET last_seq = :s, last_hash = :h"),
            {"s": forged.seq, "h": forged.entry_hash},
        )
    engine.dispose()
    report = _check(url, None)
    assert (report.ok, report.first_bad_seq) == (False, forged.seq)
    assert "not sealed" in (report.problem or "")


def test_a_database_created_with_a_key_has_a_sealed_genesis(tmp_path: Path) -> None:
    """`db upgrade --audit-key-file` seals entry 0; writes under the key need no rotation."""
    url = f"sqlite:///{tmp_path / 'sealed.sqlite'}"
    keys = tmp_path / "keys"
    keys.write_text(f"k1 {'11' * 32}\n")
    keys.chmod(0o600)
    assert main(["db", "upgrade", "--database", url, "--audit-key-file", str(keys)]) == 0
    _fill(_store(url, K1))
    store = _store(url, K1)
    entries = list(store.audit_entries())
    store.close()
    assert {e.key_id for e in entries} == {"k1"}
    assert "audit.key_rotated" not in {e.event for e in entries}
    assert _check(url, K1).sealed


def test_a_sealed_trail_cut_back_to_its_genesis_fails_with_the_key(url: str) -> None:
    """Every entry after the unsealed genesis deleted and the head moved back: the chain
    alone sees a whole trail of 0 entries; the key knows a sealed trail ends sealed, and
    deep verification finds records that no entry accounts for."""
    _fill(_store(url, K1))
    _cut_tail(url, 0, head="move")
    assert _check(url).ok
    report = _check(url, K1)
    assert (report.ok, report.first_bad_seq) == (False, 0)
    assert "not sealed, yet an audit key is given" in (report.problem or "")
    assert "defendant 'D1': not in the audit trail (added outside it)" in (
        _check(url, deep=True).findings
    )


def test_a_wrong_key_fails(url: str) -> None:
    """The same key id with another secret does not verify anything it sealed."""
    _fill(_store(url, K1))
    report = _check(url, WRONG)
    assert not report.ok
    assert "seal does not match key 'k1'" in (report.problem or "")


def test_key_rotation_keeps_old_entries_verifiable(url: str) -> None:
    """Appending a key to the keyring: a rotation entry, then entries under the new key;
    the full keyring verifies all of them, the new key alone cannot verify the old ones."""
    _fill(_store(url, K1))
    store = _store(url, K2)
    ingest_incidents(store, builders.incidents("J", 2), actor=ACTOR)
    entries = list(store.audit_entries())
    store.close()
    assert [(e.event, e.key_id) for e in entries[-2:]] == [
        ("audit.key_rotated", "k2"),
        ("incidents.ingested", "k2"),
    ]
    full = _check(url, K2)
    assert (full.ok, full.sealed) == (True, True)
    assert "seals checked" in full.describe()
    report = _check(url, AuditKeyring((K2.current,)))
    assert not report.ok
    assert "keyring does not hold" in (report.problem or "")


def test_a_sealed_trail_refuses_writers_without_the_key(url: str) -> None:
    """A writer without the key would append entries indistinguishable from forgeries."""
    _fill(_store(url, K1))
    store = _store(url, None)
    with pytest.raises(BatchRejectedError) as caught:
        ingest_incidents(store, builders.incidents("J", 2), actor=ACTOR)
    assert isinstance(caught.value.cause, AuditKeyError)
    assert caught.value.cause.key_id == "k1"
    with store.unit_of_work(ACTOR) as uow:
        uow.defendants.add(builders.defendant("D2"))
        with pytest.raises(AuditKeyError, match="'k1'"):
            uow.commit()
    store.close()
    assert _check(url, K1).ok


def test_a_rewritten_chain_is_caught_with_the_key(url: str) -> None:
    """Rewriting an entry and re-hashing everything after it fools plain verify, not seals."""
    _fill(_store(url, K1))
    _drop_triggers(url)
    store = _store(url, K1)
    entries = list(store.audit_entries())
    store.close()
    prev = entries[1].entry_hash
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for entry in entries[2:]:
            reason = "nothing to see" if entry.seq == 2 else entry.reason
            new = attrs.evolve(entry, reason=reason, prev_hash=prev)
            digest = entry_hash(
                new.seq,
                new.recorded_at,
                new.actor_id,
                new.actor_role,
                new.event,
                new.subject_kind,
                new.subject_id,
                new.changes,
                new.reason,
                new.prev_hash,
                record_digest=new.record_digest,
                key_id=new.key_id,
            )
            conn.execute(
                sa.text(
                    "UPDATE audit_entries SET reason = :r, prev_hash = :p, entry_hash = :h"
                    " WHERE seq = :s"
                ),
                {"r": reason, "p": prev, "h": digest, "s": entry.seq},
            )
            prev = digest
        conn.execute(sa.text("UPDATE audit_head SET last_hash = :h"), {"h": prev})
    engine.dispose()
    assert not _check(url, K1).ok


# -- record digests and deep verification -------------------------------------------------


def _set_postcode(url: str, postcode: str) -> None:
    """Rewrite P1's postcode with SQL, as someone holding the data key could."""
    table = METADATA.tables["protected_person_restricted"]
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        keys = PersonKeys(conn, data_keyring_from_environment(os.environ))
        details = json.loads(keys.open("P1", conn.execute(sa.select(table.c.sealed)).scalar_one()))
        details["address"]["postcode"] = postcode
        sealed = keys.seal("P1", canonical_json(details).encode())
        conn.execute(sa.update(table).values(sealed=sealed))
    engine.dispose()


@pytest.mark.parametrize(
    ("edit", "found"),
    [
        (
            "DELETE FROM incidents WHERE incident_id = 'I-000004'",
            "incident_batch 'I-000003..I-000005'",
        ),
        ("DELETE FROM order_terms WHERE order_id = 'O1' AND term_id = 'T1'", "order 'O1'"),
        ("UPDATE defendants SET revision = revision", None),
        (
            "INSERT INTO incidents (incident_id, occurred_at, occurred_at_tz, kind, "
            "via_third_party, summary, evidence_refs, revision) SELECT 'X-1', occurred_at, "
            "occurred_at_tz, kind, via_third_party, summary, evidence_refs, 1 FROM incidents "
            "WHERE incident_id = 'I-000000'",
            "incident 'X-1': not in the audit trail",
        ),
    ],
    ids=["evidence-incident-deleted", "order-term-deleted", "no-op", "incident-inserted"],
)
def test_deep_verify_names_direct_edits_of_case_tables(
    filled: str, edit: str, found: str | None
) -> None:
    """Each edit of the case tables is named by kind and id; a write that changes nothing
    is not a finding."""
    _sql(filled, edit)
    report = _check(filled, deep=True)
    assert _check(filled).ok  # the chain alone cannot see the records
    if found is None:
        assert (report.ok, report.findings) == (True, ())
    else:
        assert not report.ok
        assert any(found in line for line in report.findings), report.findings


def test_a_changed_postcode_is_found_and_never_printed(
    filled: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The person is named by id; neither the old nor the new postcode appears anywhere."""
    _set_postcode(filled, "ZZ9 9ZZ")
    code = main(["audit", "verify", "--deep", "--database", filled])
    out, err = capsys.readouterr()
    assert code == 3
    assert "protected_person 'P1': differs from its last audit entry" in err
    for secret in (POSTCODE, "ZZ9 9ZZ", "Safe House"):
        assert secret not in out + err
    _set_postcode(filled, POSTCODE)
    assert _check(filled, deep=True).ok


def test_record_digests_are_keyed_when_a_key_is_configured(url: str) -> None:
    """A digest over restricted details is an HMAC, so the trail cannot confirm a guess;
    deep verification then needs the key."""
    _fill(_store(url, K1))
    store = _store(url, K1)
    person = next(e for e in store.audit_entries() if e.subject_id == "P1")
    store.close()
    assert (person.record_digest or "").startswith("hmac-sha256:k1:")
    assert _check(url, K1, deep=True).ok
    _set_postcode(url, "ZZ9 9ZZ")
    assert _check(url, K1, deep=True).findings == (
        "protected_person 'P1': differs from its last audit entry (changed outside the library)",
    )


def test_alerts_stored_in_bulk_are_counted_not_flagged(url: str) -> None:
    """A scan's alerts have one entry for the batch: deep verification says it did not check
    them one by one, rather than calling them unaudited; one changed later is checked."""
    store = _store(url)
    batch = alerts("A", 3)
    with store.unit_of_work(ACTOR) as uow:
        uow.add_alerts(batch)
        uow.commit()
    with store.unit_of_work(ACTOR) as uow:
        uow.alerts.update(attrs.evolve(batch[0], severity="critical"), expected_revision=1)
        uow.commit()
    store.close()
    report = _check(url, deep=True)
    assert (report.ok, report.findings) == (True, ())
    assert "3 alert records stored in bulk: not checked one by one" not in report.notes
    assert "2 alert records stored in bulk: not checked one by one" in report.notes
    table = METADATA.tables["alerts"]
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.delete(table).where(table.c.alert_id == batch[0].alert_id))
    engine.dispose()
    found = _check(url, deep=True).findings
    assert found == (
        "alert records: 2 stored, the audit trail accounts for 3 (records inserted or deleted "
        "outside the library)",
        f"alert {batch[0].alert_id!r}: deleted outside the library",
    )


def test_an_incident_changed_after_its_batch_is_checked_on_its_own(filled: str) -> None:
    """Its own entry's digest covers it from then on; its batch is counted as not checked."""
    store = _store(filled)
    with store.unit_of_work(ACTOR) as uow:
        changed = attrs.evolve(uow.incidents.get("I-000001"), summary="corrected")
        uow.incidents.update(changed, reason="typo")
        uow.commit()
    store.close()
    report = _check(filled, deep=True)
    assert (report.ok, report.findings) == (True, ())
    assert "1 incident batches with an incident changed since: not checked one by one" in (
        report.notes
    )
    _sql(filled, "UPDATE incidents SET summary = 'edited' WHERE incident_id = 'I-000001'")
    assert _check(filled, deep=True).findings == (
        "incident 'I-000001': differs from its last audit entry (changed outside the library)",
    )


def test_deep_verification_is_refused_on_the_memory_store() -> None:
    """Nothing can edit a dictionary behind the store's back: a typed error, not a no-op."""
    with pytest.raises(InvalidValueError, match="deep"):
        verify(InMemoryStore(clock=fixed_clock), deep=True)


# -- checkpoints ---------------------------------------------------------------------------


def test_a_checkpoint_is_sealed_private_and_checked(filled: str, tmp_path: Path) -> None:
    """Mode 0600; an edited checkpoint file, or one from another trail, fails."""
    path = tmp_path / "head.json"
    store = _store(filled, K1)
    with store.unit_of_work(ACTOR) as uow:
        uow.note("report.written", "report", "R1")
        uow.commit()
    mark = checkpoint(store)
    store.close()
    write_checkpoint(mark, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert (mark.key_id, mark.head_seq) == ("k1", 7)  # after a rotation entry and the note
    assert _check(filled, K1, checkpoint=read_checkpoint(path)).ok
    moved = attrs.evolve(mark, head_seq=6)
    report = _check(filled, K1, checkpoint=moved)
    assert "seal does not match" in (report.problem or "")
    other = attrs.evolve(mark, genesis_hash="0" * 64).sealed(K1)
    assert "genesis" in (_check(filled, K1, checkpoint=other).problem or "")


def test_the_cli_writes_a_checkpoint_and_verifies_against_it(
    filled: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`audit new-key`, `audit checkpoint --to`, `audit verify --checkpoint` (exit 3 when cut)."""
    keys, head = tmp_path / "audit.keys", tmp_path / "head.json"
    keys.write_text(f"# old key, no newline at the end\nold {'11' * 32}")
    keys.chmod(0o600)
    assert main(["audit", "new-key", "--key-id", "2026-12", "--to", str(keys)]) == 0
    assert stat.S_IMODE(keys.stat().st_mode) == 0o600
    assert [k.key_id for k in AuditKeyring.from_file(keys).keys] == ["old", "2026-12"]
    args = ["--database", filled, "--audit-key-file", str(keys)]
    assert main(["audit", "checkpoint", *args, "--to", str(head)]) == 0
    assert "sealed with 2026-12" in capsys.readouterr().out
    assert main(["audit", "verify", *args, "--checkpoint", str(head)]) == 0
    store = _store(filled, AuditKeyring.from_file(keys))
    assert [e.event for e in store.audit_entries()][-2:] == [
        "audit.key_rotated",
        "audit.checkpoint",
    ]
    store.close()
    _cut_tail(filled, 6, head="move")  # the checkpoint's own entry, 7, cut off
    capsys.readouterr()
    assert main(["audit", "verify", *args, "--checkpoint", str(head)]) == 3
    assert "cut after the checkpoint" in capsys.readouterr().err


# -- keys ----------------------------------------------------------------------------------


def test_keys_come_from_a_file_or_the_environment(tmp_path: Path) -> None:
    """The file's last line is current; the variable holds one id:secret; none is None."""
    path = tmp_path / "keys"
    path.write_text(f"# old first\n{new_key_line('a')}\n\n{new_key_line('b')}\n")
    path.chmod(0o600)
    ring = keyring_from_environment({"SPO_TRACKER_AUDIT_KEY_FILE": str(path)})
    assert ring is not None
    assert [k.key_id for k in ring.keys] == ["a", "b"]
    assert ring.current.key_id == "b"
    env = keyring_from_environment({"SPO_TRACKER_AUDIT_KEY": f"e:{'ab' * 32}"})
    assert env is not None
    assert env.current.key_id == "e"
    assert keyring_from_environment({}) is None


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("k1 abcd", "2 bytes"),
        (f"k1 {'zz' * 32}", "not hexadecimal"),
        (f"bad/id {'11' * 32}", "key id"),
        (f"k1 {'11' * 32}\nk1 {'22' * 32}", "appears twice"),
        ("# nothing\n", "no key"),
        ("k1", "<key id> <secret as hex>"),
    ],
)
def test_bad_key_files_are_typed_errors_that_never_quote_a_secret(text: str, words: str) -> None:
    """Each names the line; a secret is never in the message."""
    with pytest.raises(AuditKeyError, match=words) as caught:
        AuditKeyring.from_text(text, source="keys")
    assert "11" * 32 not in str(caught.value)
    assert "22" * 32 not in str(caught.value)


def test_a_checkpoint_that_cannot_be_written_is_a_typed_error(tmp_path: Path) -> None:
    """A missing folder: OutputWriteError naming the path, nothing left behind."""
    mark = checkpoint(InMemoryStore(clock=fixed_clock))
    with pytest.raises(OutputWriteError, match="no-such-folder"):
        write_checkpoint(mark, tmp_path / "no-such-folder" / "head.json")
    assert list(tmp_path.iterdir()) == []


def test_a_missing_key_file_is_a_typed_error(tmp_path: Path) -> None:
    """Not an OSError from deep inside."""
    with pytest.raises(AuditKeyError, match="cannot read"):
        AuditKeyring.from_file(tmp_path / "absent")
    assert not os.path.exists(tmp_path / "absent")


def test_the_batch_encoding_is_pinned() -> None:
    """Batch digests cover marshal format 2 of the rows in id order: these bytes must never
    change, or every stored batch digest would stop matching its rows."""
    rows = [("b", 2**40, -1.9, None, False, "é"), ("a", 1, 52.5, None, True, "")]
    assert batch_bytes(rows).hex() == (
        "5b0200000028060000007501000000616901000000670000000000404a404e54750000000028060000"
        "007501000000626c0300000000000000000467666666666666febf4e467502000000c3a9"
    )
    assert batch_bytes(list(reversed(rows))) == batch_bytes(rows)


# -- review 12: keys and checkpoints -----------------------------------------------------

SECRET = "ab" * 32


@pytest.mark.parametrize(
    "text", [f"{SECRET} k2", f"{SECRET} {'cd' * 32}", f"{SECRET.upper()} zz", f"{SECRET}"]
)
def test_a_key_line_with_its_columns_swapped_never_prints_the_secret(text: str) -> None:
    """M3: the first column is quoted as a key id only once the whole line is a key; a key id
    that looks like a secret (32 or more hex digits) is refused."""
    with pytest.raises(AuditKeyError) as caught:
        AuditKeyring.from_text(text, source="keys")
    assert SECRET not in str(caught.value).lower()
    assert caught.value.key_id is None


def test_the_key_variable_with_its_parts_swapped_never_prints_the_secret() -> None:
    """M3, for ``SPO_TRACKER_AUDIT_KEY=<secret>:<id>``."""
    with pytest.raises(AuditKeyError) as caught:
        keyring_from_environment({"SPO_TRACKER_AUDIT_KEY": f"{SECRET}:k2"})
    assert SECRET not in str(caught.value)


def test_a_swapped_key_file_on_the_command_line_never_prints_the_secret(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """M3 through the CLI: exit 2, the path and line named, the secret nowhere."""
    keys = tmp_path / "swapped"
    keys.write_text(f"{SECRET} k2\n")
    keys.chmod(0o600)
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    assert main(["audit", "verify", "--database", url, "--audit-key-file", str(keys)]) == 2
    captured = capsys.readouterr()
    assert SECRET not in captured.err + captured.out
    assert "line 1" in captured.err


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644, 0o660])
def test_a_key_file_open_to_other_users_is_refused(tmp_path: Path, mode: int) -> None:
    """M4: refused (not warned), naming the file and its mode, never the secret."""
    keys = tmp_path / "keys"
    keys.write_text(f"k1 {SECRET}\n")
    keys.chmod(mode)
    with pytest.raises(AuditKeyError, match=f"open to other users \\(mode {mode:04o}\\)") as caught:
        AuditKeyring.from_file(keys)
    assert str(keys) in str(caught.value)
    assert SECRET not in str(caught.value)
    keys.chmod(0o600)
    assert AuditKeyring.from_file(keys).current.key_id == "k1"


def test_a_key_file_open_to_others_stops_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """M4 through the CLI: exit 2 before anything is opened."""
    keys = tmp_path / "keys"
    keys.write_text(f"k1 {SECRET}\n")
    keys.chmod(0o644)
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    assert main(["db", "upgrade", "--database", url, "--audit-key-file", str(keys)]) == 2
    assert "open to other users" in capsys.readouterr().err
    assert not (tmp_path / "db.sqlite").exists()


def test_a_checkpoint_with_its_seal_stripped_is_refused_with_a_key(filled: str) -> None:
    """H6: the trail is cut back to entry 6 and the checkpoint file edited to match, with
    ``key_id`` and ``mac`` removed: with the key given, the unsealed checkpoint is refused."""
    store = _store(filled, K1)
    with store.unit_of_work(ACTOR) as uow:
        uow.note("report.written", "report", "R1")
        uow.commit()
    mark = checkpoint(store)
    entries = {e.seq: e.entry_hash for e in store.audit_entries()}
    store.close()
    assert mark.key_id == "k1"
    _cut_tail(filled, 6, head="move")  # 6 is the sealed rotation entry, 7 the note
    assert _check(filled, K1).ok
    assert not _check(filled, K1, checkpoint=mark).ok
    stripped = attrs.evolve(mark, head_seq=6, head_hash=entries[6], key_id=None, mac=None)
    report = _check(filled, K1, checkpoint=stripped)
    assert (report.ok, report.first_bad_seq) == (False, 6)
    assert "checkpoint is not sealed" in (report.problem or "")
    assert _check(filled, None, checkpoint=stripped).ok  # no key: nothing to hold it to


def test_checkpoint_seals_are_compared_in_constant_time(
    filled: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """L2: the checkpoint's MAC goes through hmac.compare_digest, not ``!=``."""
    import hmac

    store = _store(filled, K1)
    with store.unit_of_work(ACTOR) as uow:
        uow.note("report.written", "report", "R1")
        uow.commit()
    mark = checkpoint(store)
    store.close()
    compared: list[tuple[Any, Any]] = []
    real = hmac.compare_digest

    def spy(a: Any, b: Any) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    assert mark.seal_problem(K1) is None
    assert (mark.mac, mark.mac) in compared
    forged = attrs.evolve(mark, mac="0" * 64)
    assert "does not match" in (forged.seal_problem(K1) or "")
    assert (K1.current.mac(mark.message), "0" * 64) in compared


# -- review 12: a retired key is revoked (H4) --------------------------------------------

K1_ONLY = AuditKeyring((K2.keys[0],))


def _rotated(url: str) -> None:
    """A trail sealed with k1, then rotated to k2 (the force's keyring, k1 then k2)."""
    _fill(_store(url, K1))
    store = _store(url, K2)
    with store.unit_of_work(ACTOR) as uow:
        uow.note("audit.checkpoint", "audit", "checkpoint", reason="rotate")
        uow.commit()
    store.close()
    assert _check(url, K2).ok


def test_a_leaked_old_key_cannot_seal_entries_after_the_rotation(url: str) -> None:
    """H4, the reviewer's forgery: an insider holding only the leaked k1 writes through the
    library, which writes a rotation back to k1; the force's keyring refuses it."""
    _rotated(url)
    store = _store(url, K1_ONLY)
    with store.unit_of_work(Actor("PC-4242", "officer")) as uow:
        uow.note("protected_person.restricted_read", "protected_person", "P1")
        uow.commit()
    entries = list(store.audit_entries())
    store.close()
    assert [(e.event, e.key_id) for e in entries[-3:]] == [
        ("audit.checkpoint", "k2"),
        ("audit.key_rotated", "k1"),
        ("protected_person.restricted_read", "k1"),
    ]
    report = _check(url, K2)
    assert (report.ok, report.first_bad_seq) == (False, entries[-2].seq)
    assert "goes back from key 'k2' to 'k1'" in (report.problem or "")


def test_a_trail_cut_back_and_continued_with_the_old_key_fails(url: str) -> None:
    """H4: cutting off the rotation and continuing with the leaked k1 leaves a trail whose
    last entry is sealed with a retired key."""
    _rotated(url)
    store = _store(url, K1_ONLY)
    rotation = [e.seq for e in store.audit_entries() if e.event == "audit.key_rotated"][-1]
    store.close()
    _cut_tail(url, rotation - 1, head="move")
    store = _store(url, K1_ONLY)
    with store.unit_of_work(ACTOR) as uow:
        uow.note("protected_person.restricted_read", "protected_person", "P1")
        uow.commit()
    store.close()
    report = _check(url, K2)
    assert not report.ok
    assert "sealed with a key the keyring has retired ('k1'" in (report.problem or "")


def test_a_new_key_takes_effect_with_the_next_write(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Revoking k1: `audit new-key`, then `audit checkpoint` (any write) rotates the trail;
    between the two, verify says the current key has not written yet."""
    keys, head = tmp_path / "keys", tmp_path / "head.json"
    keys.write_text(f"k1 {'11' * 32}\n")
    keys.chmod(0o600)
    db = f"sqlite:///{tmp_path / 'db.sqlite'}"
    args = ["--database", db, "--audit-key-file", str(keys)]
    assert main(["db", "upgrade", *args]) == 0
    assert main(["audit", "new-key", "--key-id", "k2", "--to", str(keys)]) == 0
    capsys.readouterr()
    assert main(["audit", "verify", *args]) == 3
    assert "the current key has not written to it yet" in capsys.readouterr().err
    assert main(["audit", "checkpoint", *args, "--to", str(head)]) == 0
    assert main(["audit", "verify", *args, "--checkpoint", str(head)]) == 0


def test_a_checkpoint_of_a_broken_trail_records_nothing(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """H4's side note: `audit checkpoint` verifies first, so a refused checkpoint leaves no
    entry behind and no file."""
    _fill(_store(url, K1))
    _drop_triggers(url)
    _sql(url, "UPDATE audit_entries SET reason = 'edited' WHERE seq = 2")
    keys = tmp_path / "keys"
    keys.write_text(f"k1 {'11' * 32}\n")
    keys.chmod(0o600)
    store = _store(url, K1)
    before = store.audit_head()
    store.close()
    args = ["audit", "checkpoint", "--database", url, "--audit-key-file", str(keys)]
    assert main([*args, "--to", str(tmp_path / "head.json")]) == 2
    assert "verify it before a checkpoint" in capsys.readouterr().err
    store = _store(url, K1)
    assert store.audit_head() == before
    store.close()
    assert not (tmp_path / "head.json").exists()


# -- review 12: SQLAlchemy's DEBUG log (H9) ----------------------------------------------


def test_restricted_rows_never_reach_sqlalchemy_debug_logging(
    filled: str, caplog: pytest.LogCaptureFixture
) -> None:
    """H9: with the engine and pool loggers at DEBUG, reading a protected person logs that
    rows were fetched, never their values (name, address, postcode, places)."""
    import logging

    caplog.set_level(logging.DEBUG, logger="sqlalchemy.engine")
    caplog.set_level(logging.DEBUG, logger="sqlalchemy.pool")
    store = _store(filled)
    with store.unit_of_work(ACTOR) as uow:
        found = uow.protected_persons.get("P1", reason="review")
        uow.commit()
    store.close()
    assert found.name == "Jane Doe"
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "row withheld" in text  # the rows were logged, withheld
    for value in ("Jane Doe", "Safe House Lane", POSTCODE, "52.45"):
        assert value not in text


# -- review 12: bulk-stored records inserted or deleted with SQL (H7) ---------------------


def _copy_row(url: str, table_name: str, key_column: str, key: str, new_key: str) -> None:
    """Insert a copy of a stored row under another id, as SQL outside the library would."""
    table = METADATA.tables[table_name]
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            row = conn.execute(sa.select(table).where(table.c[key_column] == key)).mappings()
            conn.execute(sa.insert(table).values({**row.one(), key_column: new_key}))
    finally:
        engine.dispose()


def _bulk(url: str) -> list[str]:
    """Three alerts and two sign-ons stored in bulk (one entry per batch); the alert ids."""
    from tests.storage.test_compliance import sign_on

    store = _store(url)
    batch = alerts("A", 3)
    with store.unit_of_work(ACTOR) as uow:
        uow.add_alerts(batch)
        uow.compliance.add_many([sign_on("S1", 0), sign_on("S2", 7)], reason="import")
        uow.commit()
    store.close()
    report = _check(url, deep=True)
    assert (report.ok, report.findings) == (True, ())
    return [a.alert_id for a in batch]


def test_deep_finds_bulk_records_inserted_or_deleted_with_sql(filled: str) -> None:
    """H7, the reviewer's scenario: a forged sign-on inserted and a stored alert deleted."""
    ids = _bulk(filled)
    _copy_row(filled, "compliance_records", "record_id", "S1", "S-FORGED")
    table = METADATA.tables["alerts"]
    engine = sa.create_engine(filled)
    with engine.begin() as conn:
        conn.execute(sa.delete(table).where(table.c.alert_id == ids[1]))
    engine.dispose()
    report = _check(filled, deep=True)
    assert not report.ok
    assert sorted(report.findings) == [
        "alert records: 2 stored, the audit trail accounts for 3 (records inserted or deleted "
        "outside the library)",
        "compliance_record records: 3 stored, the audit trail accounts for 2 (records "
        "inserted or deleted outside the library)",
    ]


def test_deep_finds_a_bulk_record_replaced_with_sql(filled: str) -> None:
    """H7: one alert deleted and another inserted keeps the count; the sum of id hashes
    differs."""
    ids = _bulk(filled)
    _copy_row(filled, "alerts", "alert_id", ids[0], "AL-forged")
    table = METADATA.tables["alerts"]
    engine = sa.create_engine(filled)
    with engine.begin() as conn:
        conn.execute(sa.delete(table).where(table.c.alert_id == ids[2]))
    engine.dispose()
    report = _check(filled, deep=True)
    assert not report.ok
    assert report.findings == (
        "alert records: their ids are not the ones the audit trail stored (a record replaced "
        "by another outside the library)",
    )


# -- review 12: a trail cut back to its sealed genesis (H5, L3) ---------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def sealed_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new database created with the key, as `db upgrade --audit-key-file` does: its
    genesis entry is sealed with k1."""
    if request.param == "sqlite":
        made = f"sqlite:///{tmp_path / 'sealed.sqlite'}"
        upgrade(made, audit_keyring=K1)
        yield made
        return
    server = request.getfixturevalue("postgres_server")
    name = server.create()
    made = server.url_for(name)
    upgrade(made, audit_keyring=K1)
    yield made
    server.drop_later(name)


def test_a_trail_cut_back_to_its_sealed_genesis_is_caught_by_checkpoint_and_deep(
    sealed_url: str,
) -> None:
    """H5: every entry after a *sealed* genesis deleted and the head moved back is an
    earlier state of the trail that every seal still vouches for: plain verify and verify
    with the key cannot tell (docs/storage.md says so); a checkpoint taken before the cut
    catches it, and deep verification finds the records left behind."""
    store = _store(sealed_url, K1)
    genesis = next(iter(store.audit_entries()))
    store.close()
    assert genesis.key_id == "k1"
    _fill(_store(sealed_url, K1))
    store = _store(sealed_url, K1)
    mark = checkpoint(store)
    store.close()
    _cut_tail(sealed_url, 0, head="move")
    assert _check(sealed_url, K1).ok  # the limit the docs state: a rollback to a sealed entry
    report = _check(sealed_url, K1, checkpoint=mark)
    assert (report.ok, report.first_bad_seq) == (False, mark.head_seq)
    assert "cut after the checkpoint" in (report.problem or "")
    deep = _check(sealed_url, K1, deep=True)
    assert not deep.ok
    assert "defendant 'D1': not in the audit trail (added outside it)" in deep.findings
