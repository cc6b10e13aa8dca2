"""Compliance records in storage: the same contract on memory, SQLite and PostgreSQL.

A compliance record says a positive requirement was met or a sign-on made
(SPA2019 s.1(2)(b)); stored, it must name a stored order of its defendant and a
requirement or sign-on term of that order. Ids are stable external references,
so storing a record again changes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import attrs
import pendulum
import pytest

from spo_tracker.detection import ComplianceRecord
from spo_tracker.errors import (
    ConstraintViolationError,
    DuplicateRecordError,
    InvalidValueError,
    NaiveDatetimeError,
)
from spo_tracker.storage import Store, verify
from tests.storage import builders
from tests.storage.conftest import ACTOR, BACKENDS

NOW = pendulum.datetime(2026, 3, 20, 9, tz="UTC")
#: The first Monday after the builders' order was made (its sign-on days are Monday, Thursday).
MONDAY = pendulum.datetime(2024, 3, 18, 10, tz="Europe/London")
#: 01:00 on 25 October 2026 in London, where the clocks go back at 02:00 BST: 01:00-02:00
#: happens twice (``fold=0`` BST, ``fold=1`` GMT).
AUTUMN = pendulum.datetime(2026, 10, 25, 1, 0, tz="Europe/London")


def _setup(store: Store) -> None:
    """A defendant D1, persons P1 and P2, orders O1 (D1) and O2 (D2); T11 is a positive
    requirement, T12 a sign-on schedule, T1 a no-contact prohibition."""
    with store.unit_of_work(ACTOR, at=NOW) as uow:
        uow.defendants.add(builders.defendant("D1"))
        uow.defendants.add(builders.defendant("D2"))
        uow.protected_persons.add(builders.person("P1"))
        uow.orders.add(builders.order("O1", "D1", ("P1",)))
        uow.orders.add(builders.order("O2", "D2", ("P1",)))
        uow.commit()


def sign_on(key: str, day: int, *, order: str = "O1", defendant: str = "D1") -> ComplianceRecord:
    """A sign-on under T12, ``day`` days after the first Monday."""
    return ComplianceRecord(
        key, defendant, order, "T12", MONDAY.add(days=day), recorded_by="PC 7", note="front desk"
    )


def _all(store: Store, order_id: str = "O1") -> list[ComplianceRecord]:
    with store.unit_of_work(ACTOR, at=NOW) as uow:
        return uow.compliance.for_order(order_id)


def _add(store: Store, *records: ComplianceRecord) -> None:
    with store.unit_of_work(ACTOR, at=NOW) as uow:
        for record in records:
            uow.compliance.add(record, reason="custody record")
        uow.commit()


def _add_many(store: Store, records: list[ComplianceRecord]) -> int:
    with store.unit_of_work(ACTOR, at=NOW) as uow:
        added = uow.compliance.add_many(records, reason="sign-on import")
        uow.commit()
    return added


@pytest.fixture
def store(fresh_store: Store) -> Store:
    """A fresh store with the orders set up."""
    _setup(fresh_store)
    return fresh_store


@pytest.mark.parametrize("fresh_store", BACKENDS, indirect=True)
class TestComplianceRecords:
    """Stored, read by order and by defendant, idempotent, refused when they do not fit."""

    def test_records_read_back_equal_oldest_first(self, store: Store) -> None:
        """Read by order and by defendant, sorted by time then id, zones kept."""
        late = sign_on("C-3", 3)
        early = attrs.evolve(sign_on("C-1", 0), at=MONDAY.in_timezone("America/New_York"))
        other = ComplianceRecord("C-2", "D1", "O1", "T11", MONDAY.add(days=1))
        _add(store, late, early, other)
        assert _all(store) == [early, other, late]
        assert _all(store)[0].at.timezone_name == "America/New_York"
        with store.unit_of_work(ACTOR, at=NOW) as uow:
            assert uow.compliance.for_defendant("D1") == [early, other, late]
            assert uow.compliance.for_defendant("D2") == []
            assert uow.compliance.for_order("O1", until=MONDAY.add(days=1)) == [early, other]
            assert uow.compliance.get("C-2") == other
            assert uow.compliance.ids() == ["C-1", "C-2", "C-3"]

    def test_storing_a_record_again_changes_nothing(self, store: Store) -> None:
        """The same id and content: no write, no audit entry."""
        _add(store, sign_on("C-1", 0))
        before = list(store.audit_entries())
        _add(store, sign_on("C-1", 0))
        assert _add_many(store, [sign_on("C-1", 0)]) == 0
        assert list(store.audit_entries()) == before
        assert _all(store) == [sign_on("C-1", 0)]

    def test_the_same_id_with_different_content_is_refused(self, store: Store) -> None:
        """A DuplicateRecordError naming the id; the stored record is kept."""
        _add(store, sign_on("C-1", 0))
        changed = attrs.evolve(sign_on("C-1", 0), note="a different note")
        with pytest.raises(DuplicateRecordError, match="'C-1'"):
            _add(store, changed)
        with pytest.raises(DuplicateRecordError, match="'C-1'"):
            _add_many(store, [sign_on("C-9", 9), changed])
        assert _all(store) == [sign_on("C-1", 0)]

    def test_a_record_for_an_order_not_stored_is_refused(self, store: Store) -> None:
        """A ConstraintViolationError naming the order; nothing stored."""
        stray = ComplianceRecord("C-1", "D1", "O-NONE", "T12", MONDAY)
        with pytest.raises(ConstraintViolationError, match="'O-NONE'"):
            _add(store, stray)
        with pytest.raises(ConstraintViolationError, match="'O-NONE'"):
            _add_many(store, [sign_on("C-2", 0), stray])
        assert _all(store) == []

    @pytest.mark.parametrize(
        ("change", "field", "named"),
        [
            ({"term_id": "T1"}, "term_id", "SPO-P01 No contact"),
            ({"term_id": "T99"}, "term_id", "no term with this id"),
            ({"defendant_id": "D2"}, "defendant_id", "against defendant 'D1'"),
        ],
    )
    def test_a_record_that_does_not_fit_its_order_is_refused(
        self, store: Store, change: dict[str, str], field: str, named: str
    ) -> None:
        """A prohibition, a missing term or another defendant: InvalidValueError naming it."""
        bad = attrs.evolve(sign_on("C-1", 0), **change)
        with pytest.raises(InvalidValueError, match=named) as caught:
            _add(store, bad)
        assert (caught.value.field, caught.value.value) == (field, change[field])
        with pytest.raises(InvalidValueError, match=named):
            _add_many(store, [sign_on("C-2", 0), bad])
        assert _all(store) == []

    def test_naive_times_are_refused(self, store: Store) -> None:
        """A naive ``at`` cannot be built; a naive ``until`` is refused naming it."""
        with pytest.raises(NaiveDatetimeError):
            ComplianceRecord("C-1", "D1", "O1", "T12", dt.datetime(2024, 3, 18, 10))
        with (
            store.unit_of_work(ACTOR, at=NOW) as uow,
            pytest.raises(NaiveDatetimeError, match="until"),
        ):
            uow.compliance.for_order("O1", until=dt.datetime(2024, 3, 18))

    def test_wrong_items_and_text_with_nul_are_refused(self, store: Store) -> None:
        """Not a ComplianceRecord, an id twice with other content, a NUL: nothing stored."""
        with pytest.raises(InvalidValueError, match="records\\[1\\]"):
            _add_many(store, [sign_on("C-1", 0), "C-2"])  # type: ignore[list-item]
        twice = [sign_on("C-1", 0), sign_on("C-1", 1)]
        with pytest.raises(InvalidValueError, match="appears twice"):
            _add_many(store, twice)
        with pytest.raises(InvalidValueError, match="NUL"):
            _add_many(store, [attrs.evolve(sign_on("C-1", 0), note="a\x00b")])
        with pytest.raises(InvalidValueError, match="stores ComplianceRecord"):
            _add(store, builders.incident("I-1"))  # type: ignore[arg-type]
        assert _all(store) == []

    def test_a_bulk_add_is_one_audited_write(self, store: Store) -> None:
        """1,200 sign-ons (more than one lookup chunk): one ``compliance_records.recorded``
        entry; a repeat with one new record adds only that one."""
        batch = [sign_on(f"S-{n:05d}", n) for n in range(1200)]
        before = len(list(store.audit_entries()))
        assert _add_many(store, batch) == 1200
        entries = list(store.audit_entries())[before:]
        assert [e.event for e in entries] == ["compliance_records.recorded"]
        ids = [r.record_id for r in batch]
        assert entries[0].subject_id == f"{ids[0]}..{ids[-1]}"
        assert hashlib.sha256("\n".join(ids).encode()).hexdigest() in entries[0].changes
        assert _add_many(store, [*batch, sign_on("S-99999", 1300)]) == 1
        assert _all(store) == [*batch, sign_on("S-99999", 1300)]
        assert verify(store).ok

    def test_one_record_is_audited_and_a_correction_too(self, store: Store) -> None:
        """``compliance_record.created`` then ``compliance_record.changed`` with the change."""
        _add(store, sign_on("C-1", 0))
        with store.unit_of_work(ACTOR, at=NOW) as uow:
            stored = uow.compliance.get("C-1")
            uow.compliance.update(attrs.evolve(stored, note="corrected"), reason="typo")
            with pytest.raises(InvalidValueError, match="T1"):
                uow.compliance.update(attrs.evolve(stored, term_id="T1"))
            uow.commit()
        events = [e for e in store.audit_entries() if e.subject_id == "C-1"]
        assert [e.event for e in events] == [
            "compliance_record.created",
            "compliance_record.changed",
        ]
        assert "corrected" in events[1].changes
        assert _all(store)[0].note == "corrected"
        assert verify(store).ok

    def test_nothing_is_kept_without_commit(self, store: Store) -> None:
        """A unit of work left without commit stores nothing."""
        with store.unit_of_work(ACTOR, at=NOW) as uow:
            uow.compliance.add_many([sign_on("C-1", 0)])
        assert _all(store) == []

    def test_until_and_order_are_instants_in_the_repeated_autumn_hour(self, store: Store) -> None:
        """25 October 2026, 01:00-02:00 London twice: 01:50 BST is before 01:10 GMT."""
        bst = ComplianceRecord("C-bst", "D1", "O1", "T12", AUTUMN.replace(minute=50, fold=0))
        gmt = ComplianceRecord("C-gmt", "D1", "O1", "T12", AUTUMN.replace(minute=20, fold=1))
        _add(store, gmt, bst)
        assert [r.record_id for r in _all(store)] == ["C-bst", "C-gmt"]  # 00:50, 01:20 UTC
        until = AUTUMN.replace(minute=10, fold=1)  # 01:10 UTC
        for end in (until, until.in_timezone("UTC"), until.in_timezone("America/New_York")):
            with store.unit_of_work(ACTOR, at=NOW) as uow:
                assert [r.record_id for r in uow.compliance.for_order("O1", until=end)] == ["C-bst"]
                found = uow.compliance.for_defendant("D1", until=end)
                assert [r.record_id for r in found] == ["C-bst"]
        with store.unit_of_work(ACTOR, at=NOW) as uow:
            exact = uow.compliance.for_order("O1", until=AUTUMN.replace(minute=20, fold=1))
            assert [r.record_id for r in exact] == ["C-bst", "C-gmt"]  # met by: inclusive

    @pytest.mark.parametrize("fold", [0, 1])
    def test_the_same_instant_in_utc_is_the_same_record(self, store: Store, fold: int) -> None:
        """01:30 London (either one) given again in UTC changes nothing, alone or in a batch."""
        local = ComplianceRecord("C-1", "D1", "O1", "T12", AUTUMN.replace(minute=30, fold=fold))
        utc = attrs.evolve(local, at=local.at.in_timezone("UTC"))
        _add(store, local)
        before = list(store.audit_entries())
        _add(store, utc)
        assert _add_many(store, [utc]) == 0
        assert list(store.audit_entries()) == before
        assert _add_many(store, [sign_on("C-2", 1), utc, local, sign_on("C-2", 1)]) == 1
        assert [r.at.timestamp() for r in _all(store) if r.record_id == "C-1"] == [
            local.at.timestamp()
        ]

    def test_the_other_0130_is_another_record(self, store: Store) -> None:
        """01:30 BST and 01:30 GMT share a wall clock but are an hour apart: refused."""
        first = ComplianceRecord("C-1", "D1", "O1", "T12", AUTUMN.replace(minute=30, fold=0))
        other = attrs.evolve(first, at=AUTUMN.replace(minute=30, fold=1))
        _add(store, first)
        with pytest.raises(DuplicateRecordError, match="'C-1'"):
            _add(store, other)
        with pytest.raises(DuplicateRecordError, match="'C-1'"):
            _add_many(store, [other])
        with pytest.raises(InvalidValueError, match="appears twice"):
            _add_many(
                store, [attrs.evolve(first, record_id="C-2"), attrs.evolve(other, record_id="C-2")]
            )
        assert [r.at.timestamp() for r in _all(store)] == [first.at.timestamp()]
