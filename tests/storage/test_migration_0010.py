"""Migration 0010: restricted details stored in plaintext are encrypted under per-person keys."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from spo_tracker.errors import DataKeyError
from spo_tracker.storage import DataKey, DataKeyring, connect, head_revision, schema_revision
from spo_tracker.storage import upgrade as upgrade_to
from spo_tracker.storage._engine import make_engine, parse_url, run_downgrade
from tests.storage import builders
from tests.storage.conftest import ACTOR, PostgresServer, fixed_clock
from tests.storage.test_migrations import _columns, _empty_postgres, _empty_sqlite, _fill_rows

KEYS = DataKeyring((DataKey("m1", bytes.fromhex("3c" * 32)),))
PLAIN = ("B15 2TT", "3 Safe House Lane")


def _file_bytes(url: str) -> bytes:
    path = Path(url.removeprefix("sqlite:///"))
    return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())


def _check(url: str) -> None:
    """0009 with plaintext details -> 0010 refused without a key (nothing changes), done with
    one (sealed, the plaintext columns gone); down to 0009 with the key restores them."""
    assert upgrade_to(url, revision="0009", data_keyring=KEYS) == "0009"
    _fill_rows(url, builders.person("P1"), builders.person("P2", restricted=False))
    with pytest.raises(DataKeyError, match="migration 0010") as refused:
        _without_key(url)
    for text in PLAIN:
        assert text not in str(refused.value)
    assert schema_revision(url) == "0009"
    assert upgrade_to(url, data_keyring=KEYS) == head_revision()
    assert {"sealed"} <= _columns(url, "protected_person_restricted")
    assert not {"address", "places"} & _columns(url, "protected_person_restricted")
    if url.startswith("sqlite"):
        data = _file_bytes(url)
        assert [t for t in PLAIN if t.encode() in data] == []
    store = connect(url, clock=fixed_clock, data_keyring=KEYS)
    try:
        with store.unit_of_work(ACTOR) as uow:
            assert uow.protected_persons.get("P1", reason="t") == builders.person("P1")
            assert uow.protected_persons.get("P2") == builders.person("P2", restricted=False)
    finally:
        store.close()
    engine = make_engine(parse_url(url))
    try:
        run_downgrade(engine, parse_url(url), "0009", data_keyring=KEYS)
        with engine.connect() as conn:
            address = conn.execute(
                sa.text("SELECT address FROM protected_person_restricted WHERE person_id = 'P1'")
            ).scalar_one()
    finally:
        engine.dispose()
    assert "B15 2TT" in str(address)
    assert "person_keys" not in _tables(url)


def _without_key(url: str) -> str:
    """Upgrade with no data key at all (none given, none in the environment)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("SPO_TRACKER_DATA_KEY", raising=False)
        patch.delenv("SPO_TRACKER_DATA_KEY_FILE", raising=False)
        return upgrade_to(url)


def _tables(url: str) -> set[str]:
    engine = make_engine(parse_url(url))
    try:
        with engine.connect() as conn:
            return set(sa.inspect(conn).get_table_names())
    finally:
        engine.dispose()


def test_upgrading_a_0009_sqlite_database_encrypts_its_restricted_details(tmp_path: Path) -> None:
    _check(_empty_sqlite(tmp_path))


@pytest.mark.postgres
def test_upgrading_a_0009_postgres_database_encrypts_its_restricted_details(
    postgres_server: PostgresServer,
) -> None:
    _check(_empty_postgres(postgres_server))
