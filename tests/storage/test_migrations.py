"""Migrations: they build exactly the models' schema, and upgrades keep the data."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import attrs
import pendulum
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from spo_tracker.detection import ComplianceRecord
from spo_tracker.domain.lifecycles import AppealAgainst, Party, PendingAppeal, lodge_appeal
from spo_tracker.domain.orders import Order
from spo_tracker.domain.people import ProtectedPerson, RestrictedDetails
from spo_tracker.errors import (
    DatabaseUnavailableError,
    InvalidDatabaseUrlError,
    SchemaVersionError,
)
from spo_tracker.storage import (
    METADATA,
    _codec,
    connect,
    head_revision,
    ingest_incidents,
    schema_revision,
    upgrade,
    verify,
)
from spo_tracker.storage._audit import PendingEntry, chain
from spo_tracker.storage._crypto import PersonKeys, data_keyring_from_environment
from spo_tracker.storage._engine import make_engine, parse_url, run_downgrade
from spo_tracker.storage._mapping import MAPPERS
from spo_tracker.storage._sql_audit import _entry_values
from tests.storage import builders
from tests.storage.conftest import ACTOR, NOW, PostgresServer, data_keys_for_tests, fixed_clock


def _schema_diff(url: str) -> list[object]:
    engine = make_engine(parse_url(url))
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            return list(compare_metadata(context, METADATA))
    finally:
        engine.dispose()


def _empty_sqlite(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'new.sqlite'}"


def _empty_postgres(server: PostgresServer) -> str:
    name = server.create()
    server.keep(name)
    return server.url_for(name)


def test_migrations_build_exactly_the_models_schema_on_sqlite(tmp_path: Path) -> None:
    """Alembic's comparison of the migrated database with the models finds nothing."""
    url = _empty_sqlite(tmp_path)
    assert upgrade(url) == head_revision()
    assert _schema_diff(url) == []


@pytest.mark.postgres
def test_migrations_build_exactly_the_models_schema_on_postgres(
    postgres_server: PostgresServer,
) -> None:
    """The same on PostgreSQL."""
    url = _empty_postgres(postgres_server)
    upgrade(url)
    assert _schema_diff(url) == []


def _fill_at_first_revision(url: str) -> list[object]:
    """Write aggregates and a chained trail as the 0001 code did (no audit head yet)."""
    engine = make_engine(parse_url(url))
    d, p = builders.defendant("D1", identities=4), builders.person("P1")
    order = builders.order("O1", "D1", ("P1",))
    incident = builders.incident("I1", 5)
    stored: list[object] = [d, p, order, incident]
    pending = [
        PendingEntry(NOW, ACTOR, f"{type(x).__name__}.created", "x", str(n), {"n": n}, "")
        for n, x in enumerate(stored)
    ]
    try:
        with engine.begin() as conn:
            existing = sa.inspect(conn)
            for obj in stored:
                if isinstance(obj, ProtectedPerson):
                    _fill_person(conn, obj)
                    continue
                rows = MAPPERS[type(obj)].from_domain(obj, 1 if obj is not order else 3)
                for row in [rows.root, *(r for rs in rows.children.values() for r in rs)]:
                    table = type(row).__table__
                    # Only the columns 0001 had: later revisions add nullable ones.
                    then = {c["name"] for c in existing.get_columns(table.name)}
                    values = {c.name: getattr(row, c.name) for c in table.columns if c.name in then}
                    conn.execute(sa.insert(table).values(values))
            audit = METADATA.tables["audit_entries"]
            then = {c["name"] for c in existing.get_columns("audit_entries")}
            entries = chain(pending, 0, "0" * 64)
            old = [{k: v for k, v in _entry_values(e).items() if k in then} for e in entries]
            conn.execute(sa.insert(audit), old)
    finally:
        engine.dispose()
    return stored


def _check_upgrade_keeps_data(url: str) -> None:
    assert upgrade(url, revision="0001") == "0001"
    stored = _fill_at_first_revision(url)
    with pytest.raises(SchemaVersionError, match="0001"):
        connect(url)
    assert upgrade(url) == head_revision()
    store = connect(url, clock=fixed_clock)
    try:
        before = verify(store)
        assert before.ok
        assert before.checked == 4
        assert store.audit_head() == (4, before.head_hash)
        with store.unit_of_work(ACTOR) as uow:
            loaded = [
                uow.defendants.get("D1"),
                uow.protected_persons.get("P1"),
                uow.orders.get("O1"),
                uow.incidents.get("I1"),
            ]
        assert loaded == stored
        ingest_incidents(store, builders.incidents("J", 3), actor=ACTOR)
        after = verify(store)
        assert after.ok
        assert after.checked == 7  # a restricted read, the consultation, an ingested batch
    finally:
        store.close()


def test_upgrading_a_first_revision_sqlite_database_keeps_its_data(tmp_path: Path) -> None:
    """Aggregates and the trail written at 0001 load equal and verify after 0002."""
    _check_upgrade_keeps_data(_empty_sqlite(tmp_path))


@pytest.mark.postgres
def test_upgrading_a_first_revision_postgres_database_keeps_its_data(
    postgres_server: PostgresServer,
) -> None:
    """The same on PostgreSQL."""
    _check_upgrade_keeps_data(_empty_postgres(postgres_server))


def _fill_rows(url: str, *objs: object) -> None:
    """Write aggregates' rows straight into the tables (no audit trail), at any revision.

    Only the columns the database has at its revision are written (a column a later
    revision adds is left out, as an older library version would have).
    """
    engine = make_engine(parse_url(url))
    try:
        with engine.begin() as conn:
            for obj in objs:
                if isinstance(obj, ProtectedPerson):
                    _fill_person(conn, obj)
                    continue
                rows = MAPPERS[type(obj)].from_domain(obj, 1)
                for row in [rows.root, *(r for rs in rows.children.values() for r in rs)]:
                    table = type(row).__table__
                    there = {c["name"] for c in sa.inspect(conn).get_columns(table.name)}
                    conn.execute(sa.insert(table).values(_values(row, table, there)))
    finally:
        engine.dispose()


def _fill_person(conn: sa.Connection, person: ProtectedPerson) -> None:
    """A protected person's rows as a release before 0010 wrote them: the restricted details
    in plaintext ``address`` and ``places`` columns (0010 encrypts them); at 0010 or later,
    sealed under the person's key, as the library writes them."""
    there = {c["name"] for c in sa.inspect(conn).get_columns("protected_person_restricted")}
    if "sealed" in there:
        keys = PersonKeys(conn, data_keyring_from_environment(os.environ))
        rows = MAPPERS[ProtectedPerson].bound(keys).from_domain(person, 1)
        for row in [rows.root, *(r for rs in rows.children.values() for r in rs)]:
            table = type(row).__table__
            conn.execute(sa.insert(table).values(_values(row, table, set(table.columns.keys()))))
        return
    details = _codec.dump(person.restricted, RestrictedDetails)
    conn.execute(
        sa.text("INSERT INTO protected_persons (person_id, name, revision) VALUES (:p, :n, 1)"),
        {"p": person.person_id, "n": person.name},
    )
    old = sa.table(
        "protected_person_restricted",
        sa.column("person_id"),
        sa.column("address", sa.JSON()),
        sa.column("places", sa.JSON()),
    )
    conn.execute(
        sa.insert(old).values(
            person_id=person.person_id, address=details["address"], places=details["places"]
        )
    )


def _values(row: object, table: sa.Table, names: set[str]) -> dict[str, object]:
    return {c.name: getattr(row, c.name) for c in table.columns if c.name in names}


def _tables(url: str) -> set[str]:
    engine = make_engine(parse_url(url))
    try:
        with engine.connect() as conn:
            return set(sa.inspect(conn).get_table_names())
    finally:
        engine.dispose()


def _check_compliance_migration(url: str) -> None:
    """0004 with data -> head: the data loads, compliance can be recorded; down to 0004 again."""
    assert upgrade(url, revision="0004") == "0004"
    assert "compliance_records" not in _tables(url)
    order = builders.order("O1", "D1", ("P1",), versions=1)
    _fill_rows(url, builders.defendant("D1"), builders.person("P1"), order)
    assert upgrade(url) == head_revision()
    record = ComplianceRecord("C-1", "D1", "O1", "T12", NOW, recorded_by="PC 7", note="desk")
    store = connect(url, clock=fixed_clock)
    try:
        with store.unit_of_work(ACTOR) as uow:
            assert uow.orders.get("O1") == order
            uow.compliance.add(record)
            uow.commit()
        with store.unit_of_work(ACTOR) as uow:
            assert uow.compliance.for_order("O1") == [record]
        assert verify(store).ok
    finally:
        store.close()
    target = parse_url(url)
    engine = make_engine(target)
    run_downgrade(engine, target, "0004", data_keyring=data_keys_for_tests())
    engine.dispose()
    assert schema_revision(url) == "0004"
    assert "compliance_records" not in _tables(url)
    assert upgrade(url) == head_revision()
    store = connect(url, clock=fixed_clock)
    try:
        with store.unit_of_work(ACTOR) as uow:
            assert uow.orders.get("O1") == order
            assert uow.compliance.for_order("O1") == []
    finally:
        store.close()


def test_upgrading_a_0004_sqlite_database_adds_compliance_records(tmp_path: Path) -> None:
    """Migration 0005 keeps the orders, adds the compliance table, and is undone cleanly."""
    _check_compliance_migration(_empty_sqlite(tmp_path))


@pytest.mark.postgres
def test_upgrading_a_0004_postgres_database_adds_compliance_records(
    postgres_server: PostgresServer,
) -> None:
    """The same on PostgreSQL."""
    _check_compliance_migration(_empty_postgres(postgres_server))


def _columns(url: str, table: str) -> set[str]:
    engine = make_engine(parse_url(url))
    try:
        with engine.connect() as conn:
            return {c["name"] for c in sa.inspect(conn).get_columns(table)}
    finally:
        engine.dispose()


def _check_appeal_migration(url: str) -> None:
    """0005 with data -> head: old orders load (an appeal pending with unknown details),
    a new appeal is kept with its details; down to 0005 keeps the orders and the flag."""
    assert upgrade(url, revision="0005") == "0005"
    assert "pending_appeal" not in _columns(url, "orders")
    old = attrs.evolve(builders.order("O1", "D1", ("P1",), versions=1), appeal_pending=True)
    plain = builders.order("O2", "D1", ("P1",), versions=1)
    _fill_rows(url, builders.defendant("D1"), builders.person("P1"), old, plain)
    assert upgrade(url) == head_revision()
    store = connect(url, clock=fixed_clock)
    try:
        with store.unit_of_work(ACTOR) as uow:
            loaded = uow.orders.get("O1")
            assert loaded == old
            assert (loaded.appeal_pending, loaded.appeal) == (True, None)
            fired = lodge_appeal(uow.orders.get("O2"), at=NOW, actor="clerk")
            uow.record(fired)
            uow.commit()
        with store.unit_of_work(ACTOR) as uow:
            kept = uow.orders.get("O2")
            assert kept.appeal == PendingAppeal(
                Party.defendant(), AppealAgainst.making(), lodged_at=NOW
            )
        assert verify(store).ok
    finally:
        store.close()
    target = parse_url(url)
    engine = make_engine(target)
    run_downgrade(engine, target, "0005", data_keyring=data_keys_for_tests())
    engine.dispose()
    assert schema_revision(url) == "0005"
    assert "pending_appeal" not in _columns(url, "orders")
    assert upgrade(url) == head_revision()
    store = connect(url, clock=fixed_clock)
    try:
        with store.unit_of_work(ACTOR) as uow:
            after = uow.orders.get("O2")
            assert (after.appeal_pending, after.appeal) == (True, None)  # the details went
            assert uow.orders.get("O1") == old
    finally:
        store.close()


def test_upgrading_a_0005_sqlite_database_keeps_orders_and_adds_pending_appeals(
    tmp_path: Path,
) -> None:
    """Migration 0006 keeps the orders, keeps a new appeal's details, and is undone cleanly."""
    _check_appeal_migration(_empty_sqlite(tmp_path))


@pytest.mark.postgres
def test_upgrading_a_0005_postgres_database_keeps_orders_and_adds_pending_appeals(
    postgres_server: PostgresServer,
) -> None:
    """The same on PostgreSQL."""
    _check_appeal_migration(_empty_postgres(postgres_server))


def _timed(order: Order) -> Order:
    """``order`` with its version 2 decided at 16:00 and a span it was not in force."""
    versions = list(order.versions)
    second = versions[1]
    at = pendulum.datetime(2024, 8, 1, 16, tz="Europe/London").in_timezone("America/New_York")
    versions[1] = attrs.evolve(second, decided_at=at)
    off = pendulum.datetime(2024, 9, 1, 10, tz="Europe/London")
    return attrs.evolve(order, versions=tuple(versions), not_in_force=((off, off.add(days=30)),))


def _check_version_instants_migration(url: str) -> None:
    """0006 with data -> head: old versions load without their instant (the day rule) and
    old orders with no span; a new order keeps both; down to 0006 drops them, data kept."""
    assert upgrade(url, revision="0006") == "0006"
    assert "decided_at" not in _columns(url, "order_versions")
    old = attrs.evolve(builders.order("O1", "D1", ("P1",), versions=3), revision=1)
    assert old.versions[1].decided_at is None
    _fill_rows(url, builders.defendant("D1"), builders.person("P1"), old)
    assert upgrade(url) == head_revision()
    assert {"decided_at", "decided_at_tz"} <= _columns(url, "order_versions")
    assert "not_in_force" in _columns(url, "orders")
    new = _timed(builders.order("O2", "D1", ("P1",), versions=2))
    store = connect(url, clock=fixed_clock)
    try:
        with store.unit_of_work(ACTOR) as uow:
            assert uow.orders.get("O1") == old
            uow.orders.add(new)
            uow.commit()
        with store.unit_of_work(ACTOR) as uow:
            kept = uow.orders.get("O2")
            assert kept == new
            decided = kept.versions[1].decided_at
            assert decided is not None
            assert decided == new.versions[1].decided_at
            assert decided.timezone_name == "America/New_York"
            assert kept.not_in_force == new.not_in_force
        assert verify(store).ok
    finally:
        store.close()
    target = parse_url(url)
    engine = make_engine(target)
    run_downgrade(engine, target, "0006", data_keyring=data_keys_for_tests())
    engine.dispose()
    assert schema_revision(url) == "0006"
    assert "decided_at" not in _columns(url, "order_versions")
    assert "not_in_force" not in _columns(url, "orders")
    assert upgrade(url) == head_revision()
    store = connect(url, clock=fixed_clock)
    try:
        with store.unit_of_work(ACTOR) as uow:
            after = uow.orders.get("O2")
            assert after.versions[1].decided_at is None  # back to the day rule
            assert after.not_in_force == ()
            assert uow.orders.get("O1") == old
    finally:
        store.close()


def test_upgrading_a_0006_sqlite_database_adds_version_instants_and_spans(
    tmp_path: Path,
) -> None:
    """Migration 0007 keeps the orders, keeps new instants and spans, and is undone cleanly."""
    _check_version_instants_migration(_empty_sqlite(tmp_path))


@pytest.mark.postgres
def test_upgrading_a_0006_postgres_database_adds_version_instants_and_spans(
    postgres_server: PostgresServer,
) -> None:
    """The same on PostgreSQL."""
    _check_version_instants_migration(_empty_postgres(postgres_server))


def test_downgrade_and_upgrade_again(tmp_path: Path) -> None:
    """Every revision can be undone and redone (the migrations are reversible)."""
    url = _empty_sqlite(tmp_path)
    upgrade(url)
    target = parse_url(url)
    engine = make_engine(target)
    run_downgrade(engine, target, "base", data_keyring=data_keys_for_tests())
    engine.dispose()
    assert schema_revision(url) is None
    assert upgrade(url) == head_revision()
    assert _schema_diff(url) == []


def test_connect_refuses_a_database_that_is_not_upgraded(tmp_path: Path) -> None:
    """A database without the schema is a typed error telling you what to run."""
    url = _empty_sqlite(tmp_path)
    engine = sa.create_engine(url)
    engine.connect().close()  # creates the empty file
    engine.dispose()  # and closes the pooled connection (Python 3.13 warns of an unclosed one)
    with pytest.raises(SchemaVersionError, match="db upgrade"):
        connect(url)


def test_connect_does_not_create_a_missing_sqlite_file(tmp_path: Path) -> None:
    """A typo in the path is an error, not a new empty database."""
    with pytest.raises(DatabaseUnavailableError, match="no database file"):
        connect(_empty_sqlite(tmp_path))
    assert list(tmp_path.iterdir()) == []


def test_a_missing_folder_is_unavailable(tmp_path: Path) -> None:
    """upgrade() can create a file but not its folder."""
    with pytest.raises(DatabaseUnavailableError, match="does not exist"):
        upgrade(f"sqlite:///{tmp_path / 'no' / 'such.sqlite'}")


@pytest.mark.parametrize(
    "url",
    [
        "",
        "not a url",
        "mysql://root@localhost/db",
        "sqlite://",
        "sqlite:///:memory:",
        "postgresql+psycopg://u@h:notaport/db",
        "postgresql+psycopg://u@h:5432",
        "postgresql+asyncpg://u@h/db",
    ],
)
def test_malformed_or_unsupported_urls_are_typed_errors(url: str) -> None:
    """The message says what a URL should look like."""
    with pytest.raises(InvalidDatabaseUrlError, match=r"sqlite:///|name the database|file.s path"):
        connect(url)


def test_a_password_never_appears_in_an_error() -> None:
    """URLs in messages have their password hidden."""
    with pytest.raises(InvalidDatabaseUrlError) as caught:
        connect("postgresql+psycopg://user:s3cret@host/")
    assert "s3cret" not in str(caught.value)


def test_an_unreachable_postgres_server_is_a_typed_error() -> None:
    """Nothing listens on port 1: DatabaseUnavailableError, not a driver exception."""
    with pytest.raises(DatabaseUnavailableError, match="cannot reach") as caught:
        connect("postgresql://postgres:pw@127.0.0.1:1/nothing")
    assert "pw" not in str(caught.value)


def test_importing_the_storage_package_touches_nothing(tmp_path: Path) -> None:
    """No engine, file or connection at import: the folder stays empty."""
    code = "import spo_tracker.storage, spo_tracker.storage._sql, spo_tracker.cli"
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    subprocess.run([sys.executable, "-c", code], cwd=tmp_path, check=True, env=env)
    assert list(tmp_path.iterdir()) == []


def test_upgrade_is_idempotent(tmp_path: Path) -> None:
    """Running it twice changes nothing the second time."""
    url = _empty_sqlite(tmp_path)
    upgrade(url)
    assert upgrade(url) == head_revision()
    assert _schema_diff(url) == []


def _fill_trail_at_0007(url: str) -> tuple[int, str]:
    """Records and a three-entry trail as the 0007 code wrote them; returns the head."""
    _fill_rows(url, builders.defendant("D1"), builders.person("P1"))
    pending = [
        PendingEntry(NOW, ACTOR, "defendant.created", "defendant", str(n), {"n": n}, "")
        for n in range(3)
    ]
    entries = chain(pending, 0, "0" * 64)
    engine = make_engine(parse_url(url))
    try:
        with engine.begin() as conn:
            then = {c["name"] for c in sa.inspect(conn).get_columns("audit_entries")}
            old = [{k: v for k, v in _entry_values(e).items() if k in then} for e in entries]
            conn.execute(sa.insert(METADATA.tables["audit_entries"]), old)
            conn.execute(
                sa.text("UPDATE audit_head SET last_seq = 3, last_hash = :h"),
                {"h": entries[-1].entry_hash},
            )
    finally:
        engine.dispose()
    return 3, entries[-1].entry_hash


def _downgrade_to_0007(url: str) -> None:
    target = parse_url(url)
    engine = make_engine(target)
    run_downgrade(engine, target, "0007", data_keyring=data_keys_for_tests())
    engine.dispose()


def _check_audit_genesis_migration(url: str) -> None:
    """0007 with a trail -> head: a genesis entry adopts the trail, which still verifies (also
    deep); down to 0007 before any new entry is a clean undo; after one, the seals, digests
    and genesis the new entries' hashes cover are kept, and upgrading again keeps them."""
    assert upgrade(url, revision="0007") == "0007"
    head = _fill_trail_at_0007(url)
    assert upgrade(url) == head_revision()
    store = connect(url, clock=fixed_clock)
    try:
        report = verify(store, deep=True)
        assert (report.ok, report.checked, (report.head_seq, report.head_hash)) == (
            True,
            3,
            head,
        )
        genesis = next(iter(store.audit_entries()))
        assert (genesis.seq, genesis.event) == (0, "audit.genesis")
        assert '"adopted":{"head_hash"' in genesis.changes
    finally:
        store.close()
    _downgrade_to_0007(url)
    assert "record_digest" not in _columns(url, "audit_entries")
    assert "audit_batch" not in _columns(url, "incidents")
    assert upgrade(url) == head_revision()
    store = connect(url, clock=fixed_clock)
    try:
        ingest_incidents(store, builders.incidents("J", 3), actor=ACTOR)
        assert verify(store, deep=True).ok
    finally:
        store.close()
    _downgrade_to_0007(url)
    assert schema_revision(url) == "0007"
    assert "record_digest" in _columns(url, "audit_entries")  # kept: entry 4 covers it
    assert upgrade(url) == head_revision()
    store = connect(url, clock=fixed_clock)
    try:
        report = verify(store, deep=True)
        assert (report.ok, report.checked) == (True, 4)
    finally:
        store.close()


def test_upgrading_a_0007_sqlite_database_adopts_its_trail(tmp_path: Path) -> None:
    """Migration 0008 writes a genesis entry that adopts the trail, and is undone cleanly."""
    _check_audit_genesis_migration(_empty_sqlite(tmp_path))


@pytest.mark.postgres
def test_upgrading_a_0007_postgres_database_adopts_its_trail(
    postgres_server: PostgresServer,
) -> None:
    """The same on PostgreSQL."""
    _check_audit_genesis_migration(_empty_postgres(postgres_server))
