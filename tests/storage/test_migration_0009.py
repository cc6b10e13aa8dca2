"""Migration 0009: case owners, and reviews of alerts that name no order."""

from __future__ import annotations

from pathlib import Path

import pendulum
import pytest
import sqlalchemy as sa

from spo_tracker.domain.lifecycles.breach_review import BreachReview, flag_suspected_breach
from spo_tracker.domain.ownership import CaseOwner
from spo_tracker.errors import ConstraintViolationError
from spo_tracker.storage import connect, head_revision, schema_revision, upgrade, verify
from spo_tracker.storage._engine import make_engine, parse_url, run_downgrade
from spo_tracker.storage._mapping import MAPPERS
from tests.storage import builders
from tests.storage.conftest import ACTOR, PostgresServer, data_keys_for_tests, fixed_clock
from tests.storage.test_migrations import _columns, _empty_postgres, _empty_sqlite, _fill_rows

AT = pendulum.datetime(2026, 3, 20, 9, tz="Europe/London")
#: The fields a review's JSON body gained with 0009; a 0008 body has none of them.
NEW_FIELDS = ("assignee", "assigned_at", "assigned_by", "round", "reopens")


def _tables(url: str) -> set[str]:
    engine = make_engine(parse_url(url))
    try:
        with engine.connect() as conn:
            return set(sa.inspect(conn).get_table_names())
    finally:
        engine.dispose()


def _review(key: str, order_id: str | None) -> BreachReview:
    return flag_suspected_breach(
        review_id=key, alert_id=f"AL-{key}", defendant_id="D1", order_id=order_id,
        term_id=None if order_id is None else "T1", flagged_at=AT, conduct_at=AT.subtract(days=1),
        served_at=None,
    )  # fmt: skip


def _write_old_review(url: str) -> None:
    """A review row as the 0008 library wrote it: its body without the 0009 fields."""
    row = MAPPERS[BreachReview].from_domain(_review("R1", "O1"), 1).root
    values = {c.name: getattr(row, c.name) for c in type(row).__table__.columns}
    values["body"] = {k: v for k, v in values["body"].items() if k not in NEW_FIELDS}
    engine = make_engine(parse_url(url))
    try:
        with engine.begin() as conn:
            conn.execute(sa.insert(type(row).__table__).values(values))
    finally:
        engine.dispose()


def _check(url: str) -> None:
    """0008 with data -> head: the old review loads (round 1, unassigned); a case owner and a
    review without an order are stored; down to 0008 drops both and keeps the old review."""
    assert upgrade(url, revision="0008") == "0008"
    assert "case_owners" not in _tables(url)
    _fill_rows(url, builders.defendant("D1"), builders.person("P1"))
    _fill_rows(url, builders.order("O1", "D1", ("P1",), versions=1))
    _write_old_review(url)
    assert upgrade(url) == head_revision()
    assert {"officer", "unit", "force"} <= _columns(url, "case_owners")
    owner = CaseOwner("O1", "PC 1", "PPU", "WMP", assigned_at=AT, assigned_by="Sgt 2")
    store = connect(url, clock=fixed_clock)
    try:
        with store.unit_of_work(ACTOR) as uow:
            old = uow.breach_reviews.get("R1")
            assert (old.round, old.assignee, old.reopens, old.order_id) == (1, None, None, "O1")
            uow.case_owners.add(owner)
            uow.breach_reviews.add(_review("R2", None))
            uow.commit()
        with store.unit_of_work(ACTOR) as uow:
            assert uow.case_owners.get("O1") == owner
            assert uow.breach_reviews.get("R2").order_id is None
            with pytest.raises(ConstraintViolationError, match="'O9'"):
                uow.case_owners.add(CaseOwner("O9", "a", "b", "c", AT, "d"))
        assert verify(store).ok
    finally:
        store.close()
    target = parse_url(url)
    engine = make_engine(target)
    run_downgrade(engine, target, "0008", data_keyring=data_keys_for_tests())
    engine.dispose()
    assert schema_revision(url) == "0008"
    assert "case_owners" not in _tables(url)
    assert upgrade(url) == head_revision()
    store = connect(url, clock=fixed_clock)
    try:
        with store.unit_of_work(ACTOR) as uow:
            assert uow.breach_reviews.ids() == ["R1"]  # the review without an order went
            assert uow.case_owners.ids() == []
    finally:
        store.close()


def test_upgrading_a_0008_sqlite_database_adds_case_owners_and_orderless_reviews(
    tmp_path: Path,
) -> None:
    """Migration 0009 keeps the reviews, stores case owners, and is undone cleanly."""
    _check(_empty_sqlite(tmp_path))


@pytest.mark.postgres
def test_upgrading_a_0008_postgres_database_adds_case_owners_and_orderless_reviews(
    postgres_server: PostgresServer,
) -> None:
    """The same on PostgreSQL."""
    _check(_empty_postgres(postgres_server))
