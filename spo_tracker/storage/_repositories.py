"""The repositories with rules of their own, beyond the generic :class:`Repository`.

Protected persons (each read of restricted details authorised and audited),
defendants (lookup by linked identity; reads join the consultation entry), breach
reviews (lookup by alert) and compliance records (checked against their order's
terms, SPA2019 s.1(2)(b), and stored in bulk).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Final

import attrs

from spo_tracker.domain.alerts import Alert
from spo_tracker.domain.compliance import ComplianceRecord
from spo_tracker.domain.lifecycles.breach_review import BreachReview
from spo_tracker.domain.orders import Order
from spo_tracker.domain.people import Defendant, ProtectedPerson, RestrictedDetails, Withheld
from spo_tracker.domain.statemachine import TransitionRecord
from spo_tracker.domain.statutory_time import as_utc, ensure_aware, instant_before
from spo_tracker.domain.terms import PositiveRequirement, SignOnSchedule, Term
from spo_tracker.errors import (
    ConstraintViolationError,
    DetailsDisposedError,
    DuplicateRecordError,
    InvalidValueError,
)
from spo_tracker.storage import _codec
from spo_tracker.storage._backend import OrderDates
from spo_tracker.storage._bookkeeping import _batch_changes
from spo_tracker.storage._consult import DEFENDANT, PROTECTED_PERSON
from spo_tracker.storage._mapping import MAPPERS
from spo_tracker.storage._repository import Repository, refuse_nul
from spo_tracker.storage._types import to_epoch_us

__all__ = [
    "AlertRepository",
    "BreachReviewRepository",
    "ComplianceRepository",
    "DefendantRepository",
    "ProtectedPersonRepository",
    "check_compliance_fits",
]


#: Reads of a force's persons that :meth:`ProtectedPersonRepository.get_many` makes, at
#: most, leaving out those whose details became unreadable meanwhile.
_UNREADABLE_ATTEMPTS: Final = 3


class ProtectedPersonRepository(Repository[ProtectedPerson]):
    """Protected persons. Loading one reads its restricted details, and that read is audited."""

    def get(self, key: str, *, reason: str = "") -> ProtectedPerson:
        """The person with their restricted details; the read is written to the audit trail
        even if the unit of work is not committed.

        Reading restricted details needs a role the permission table allows
        (``read_restricted``) and a stated purpose (``Actor.purpose``, DPA2018
        s.62(3)(a)), unless the unit of work reads them for an action already
        authorised that shows them to nobody (detection, redaction).

        Raises:
            NotFoundError: nothing is stored under ``key``.
            PermissionDeniedError: the actor may not read them (refusal audited).
        """
        obj: ProtectedPerson = self._load(key, lock=False)[0]
        self._read({key: obj}, reason)
        return obj

    def get_many(
        self, keys: Iterable[str], *, reason: str = "", skip_unreadable: bool = False
    ) -> dict[str, ProtectedPerson]:
        """The stored persons among ``keys`` with their restricted details, by id; each read
        of restricted details is audited, as :meth:`get` does.

        A person whose key was destroyed (:func:`~spo_tracker.storage.shred_person_key`)
        while their details were stored has details that can never be read: by default
        the read raises :class:`~spo_tracker.errors.DetailsDisposedError`. With
        ``skip_unreadable`` such persons are left out, as though not stored, for a
        reader of the whole force (detection, reports, case files) that must go on: a
        person it does not know has no place to test, and a redactor that does not know
        them withholds any free text about them (their address can no longer be
        recognised in it). A person a retention disposal erased (details emptied first)
        reads as before, with no details.
        """
        records, wanted = self._uow._records(), list(keys)
        for _ in range(_UNREADABLE_ATTEMPTS):
            try:
                found: dict[str, ProtectedPerson] = records.load_many(self._mapper, wanted)
                break
            except DetailsDisposedError:
                if not skip_unreadable:
                    raise
                # Read again without them (again if another key was destroyed meanwhile:
                # on PostgreSQL each statement sees what committed before it).
                gone = records.unreadable_persons(wanted)
                wanted = [k for k in wanted if k not in gone]
        else:
            found = records.load_many(self._mapper, wanted)
        self._read(found, reason)
        return found

    def _before_update(self, key: str, after: ProtectedPerson) -> tuple[ProtectedPerson, int]:
        """As for any record; but a person whose details can never be read (their key
        destroyed over them) is changed from their name alone, if the change stores no
        details (an erasure: :func:`~spo_tracker.storage.erase_protected_person`), and the
        unreadable details are overwritten with none."""
        try:
            return super()._before_update(key, after)
        except DetailsDisposedError:
            if after.restricted != RestrictedDetails():
                raise  # details cannot be stored for them again
        name, revision = self._unreadable_locked(key)
        return ProtectedPerson(key, name), revision

    def update_many(self, objs: Iterable[ProtectedPerson], *, reason: str = "") -> dict[str, int]:
        """:meth:`update` for each person in turn, over the revision this unit of work read
        or last wrote (a person is changed through the locking read of :meth:`update`,
        which reads their key afresh: a key destroyed since is never sealed under);
        returns the new revision of each, by id.

        Raises:
            InvalidValueError: an id appears twice, or as for :meth:`update`.
            ConcurrencyConflictError, NotFoundError, DetailsDisposedError: as for
                :meth:`update`.
        """
        people = list(objs)
        ids = [p.person_id if isinstance(p, ProtectedPerson) else None for p in people]
        twice = sorted({k for k in ids if k is not None and ids.count(k) > 1})
        if twice:
            raise InvalidValueError("person_id", twice[0], "appears twice")
        return {p.person_id: self.update(p, reason=reason) for p in people}

    def lock(self, key: str) -> int:
        """As for any record (a person whose details can never be read is locked too)."""
        try:
            return super().lock(key)
        except DetailsDisposedError:
            revision = self._unreadable_locked(key)[1]
        self._uow._seen[(self.kind, key)] = revision
        return revision

    def _unreadable_locked(self, key: str) -> tuple[str, int]:
        """The name and revision of a person the locking read just found unreadable (the
        record's row was locked by that read, before its details failed to open)."""
        records = self._uow._records()
        revision = records.revision(self._mapper, key)
        assert revision is not None  # the locking read found it
        return records.person_name(key), revision

    def _read(self, found: Mapping[str, ProtectedPerson], reason: str) -> None:
        """Every read of restricted details, whichever method (this class's or the base
        class's) made it, is authorised and audited before it is consulted."""
        empty = RestrictedDetails()
        self._uow._restricted_read([k for k, o in found.items() if o.restricted != empty], reason)
        self._uow._consult(PROTECTED_PERSON, found)

    def get_name(self, key: str) -> str:
        """Only the name (no restricted details, so no read of them is audited; the
        consultation of the person's record is, as every read is).

        Raises:
            NotFoundError: nothing is stored under ``key``.
        """
        name = self._uow._records().person_name(key)
        self._uow._consult(PROTECTED_PERSON, (key,))
        return name


class AlertRepository(Repository[Alert]):
    """Alerts kept for review, with the stored counts read without reading the alerts."""

    def stored_counts(self, alert_ids: Iterable[str]) -> dict[str, int]:
        """The stored ``count`` of each alert of ``alert_ids`` that is stored, by id; an id
        not stored is absent. One query per 500 ids; no alert is read or built (a nightly
        detection run asks it of thousands of settled sign-on windows).

        Raises:
            InvalidValueError: ``alert_ids`` is one string, not a collection of ids.
        """
        if isinstance(alert_ids, str | bytes):
            raise InvalidValueError("alert_ids", alert_ids, "give a collection of alert ids")
        return self._uow._records().alert_counts(sorted(set(alert_ids)))


class OrderRepository(Repository[Order]):
    """Orders, with every order's dates read without building the orders."""

    def dates(self) -> list[OrderDates]:
        """Every stored order's :class:`~spo_tracker.storage.OrderDates` (its dates, state
        and whether it has requirement terms), in no set order: one query, no order built
        (a nightly detection run asks it to choose the orders whose dated checks can have
        changed). What this unit of work added and has not committed is not included on
        SQL stores."""
        return self._uow._records().order_dates()

    def protecting(self, person_ids: Iterable[str]) -> dict[str, list[str]]:
        """Per protected person id (in sorted order), the ids of the orders naming that
        person among their protected persons (SPA2019 s.2(1)(c)), sorted; a person no
        order names is absent. One query per 500 ids, and no order or person is read (a
        nightly detection run asks it of the protected persons changed since the last run).

        Raises:
            InvalidValueError: ``person_ids`` is one string, not a collection of ids, or
                holds an id that is not text or holds a NUL character.
        """
        keys = _text_keys("person_ids", person_ids)
        found = self._uow._records().find_orders_protecting(sorted(set(keys)))
        # In Python's order on every backend (a database's collation may differ).
        return {person: sorted(found[person]) for person in sorted(found)}


class BreachReviewRepository(Repository[BreachReview]):
    """Reviews of suspected breaches, with lookup by the alert they review."""

    def for_alert(self, alert_id: str) -> list[BreachReview]:
        """Every review round of the alert ``alert_id``, first round first (empty if none).

        Raises:
            InvalidValueError: ``alert_id`` is not text, or holds a NUL character.
        """
        key = _text_key("alert_id", alert_id)
        found: list[BreachReview] = self._uow._records().find(self._mapper, "alert_id", key)
        return sorted(found, key=lambda r: r.round)


class DefendantRepository(Repository[Defendant]):
    """Defendants, with lookup by linked identity. Each read joins the unit of work's
    consultation entry (DPA 2018 s.62)."""

    def _read(self, found: Mapping[str, Defendant], reason: str) -> None:
        """Every read (:meth:`get`, :meth:`get_many`) joins the consultation entry."""
        self._uow._consult(DEFENDANT, found)

    def find_by_identity(self, identity_key: str) -> list[str]:
        """Ids of the defendants the identity with this key is linked to, sorted."""
        return self.find_by_identities([identity_key]).get(identity_key, [])

    def find_by_identities(self, identity_keys: Iterable[str]) -> dict[str, list[str]]:
        """Per identity key, the ids of the defendants it is linked to, sorted; a key linked
        to nobody is absent. One query per 500 keys, and no defendant is read (so nothing
        joins the consultation entry: only ids are returned)."""
        if isinstance(identity_keys, str | bytes):
            raise InvalidValueError(
                "identity_keys",
                Withheld("may name a person's account"),
                "give a collection of keys",
            )
        return self._uow._records().find_defendants(sorted(set(identity_keys)))


#: The terms compliance is recorded against: positive requirements (SPA2019 s.1(2)(b)).
_COMPLIANCE_TERMS: Final = (PositiveRequirement, SignOnSchedule)


class ComplianceRepository(Repository[ComplianceRecord]):
    """Compliance with positive requirements (SPA2019 s.1(2)(b)): attendance, surrender, sign-ons.

    A record must name a stored order against its defendant, and a term of that
    order (in any version) that is a positive requirement or a sign-on
    schedule; otherwise storing it is a typed error naming the value, and
    nothing is stored. Ids are stable external references: storing a record
    already stored with the same content changes nothing (no write, no audit
    entry), and the same id with different content is a
    :class:`~spo_tracker.errors.DuplicateRecordError`.
    """

    def add(self, obj: ComplianceRecord, *, reason: str = "") -> None:
        """Store one record (nothing if it is already stored as it is), audited.

        Raises:
            ConstraintViolationError: its order is not stored.
            InvalidValueError: its defendant is not the order's, or its term is not a
                positive requirement or sign-on schedule of the order.
            DuplicateRecordError: its id is stored with different content.
        """
        self._check_type(obj)
        stored = self._uow._records().load_many(self._mapper, [obj.record_id])
        if self._known(obj, stored.get(obj.record_id)):
            return
        self._check_term(obj, {})
        super().add(obj, reason=reason)

    def update(
        self,
        obj: ComplianceRecord,
        *,
        expected_revision: int | None = None,
        reason: str = "",
        transition: TransitionRecord | None = None,
    ) -> int:
        """Correct a stored record (e.g. its note), with the same checks as :meth:`add`."""
        self._check_type(obj)
        self._check_term(obj, {})
        return super().update(
            obj, expected_revision=expected_revision, reason=reason, transition=transition
        )

    def add_many(self, records: Iterable[ComplianceRecord], *, reason: str = "") -> int:
        """Store many records in this unit of work, audited as one entry; returns how many
        were new (records already stored as they are are skipped).

        The bulk path (sign-ons are daily, so a force holds millions): one lookup
        and one multi-row insert per 500 ids, each distinct order loaded once, and
        one ``compliance_records.recorded`` audit entry (count, first and last id,
        SHA-256 of the ids, and the ids of the orders they are against). All or
        nothing: on any error nothing is added.

        Raises:
            InvalidValueError: an item is not a ComplianceRecord, an id appears twice
                with different content, text holds a NUL character, or a record's
                defendant or term does not fit its order.
            ConstraintViolationError: a record's order is not stored.
            DuplicateRecordError: an id is stored with different content.
        """
        unique = _unique_records(records)
        stored = self._uow._records().load_many(self._mapper, list(unique))
        new = [r for key, r in unique.items() if not self._known(r, stored.get(key))]
        orders: dict[str, tuple[str, dict[str, list[Term]]]] = {}
        for record in new:
            self._check_term(record, orders)
        if not new:
            return 0
        self._uow._records().insert_many(self._mapper, new)
        ids = [r.record_id for r in new]
        for key in ids:
            self._uow._seen[(self.kind, key)] = 1
        self._uow._audit(
            "compliance_records.recorded",
            "compliance_batch",
            f"{ids[0]}..{ids[-1]}",
            # The orders too: a nightly detection run judges again the dated checks of
            # those orders only, whether or not they are still in force.
            {**_batch_changes(ids), "orders": sorted({r.order_id for r in new})},
            reason,
        )
        return len(new)

    def for_order(
        self, order_id: str, *, until: _dt.datetime | None = None
    ) -> list[ComplianceRecord]:
        """The records against an order (met by ``until``, if given), oldest first.

        Raises:
            InvalidValueError: ``order_id`` is not text, or holds a NUL character.
            NaiveDatetimeError: ``until`` has no time zone.
            StoredRecordError: a record of the order cannot be read (edited by hand).
        """
        return self._found("order_id", _text_key("order_id", order_id), until)

    def for_orders(
        self, order_ids: Iterable[str], *, until: _dt.datetime | None = None
    ) -> dict[str, list[ComplianceRecord]]:
        """:meth:`for_order` for many orders in one query per 500 (the dated checks' read).

        Returns:
            Every order id given, each with its records met by ``until``, oldest first
            (an empty list for an order with none).

        Raises:
            InvalidValueError: ``order_ids`` is not a collection of texts.
            NaiveDatetimeError: ``until`` has no time zone.
            StoredRecordError: a record of the orders cannot be read (edited by hand).
        """
        keys = list(dict.fromkeys(_text_keys("order_ids", order_ids)))
        found = self._uow._records().find_in(self._mapper, "order_id", keys)
        by_order: dict[str, list[ComplianceRecord]] = {key: [] for key in keys}
        for record in self._met(found, until):
            by_order[record.order_id].append(record)
        return by_order

    def orders_met_between(self, after: _dt.datetime, through: _dt.datetime) -> set[str]:
        """The ids of the orders with a record met after ``after`` and by ``through`` (one
        query, through an index on the instant met: a nightly detection run asks it for
        the records the previous run, judging as of ``after``, did not count).

        Raises:
            NaiveDatetimeError: ``after`` or ``through`` has no time zone.
        """
        return self._uow._records().orders_met_between(
            to_epoch_us(ensure_aware(after, field="after")),
            to_epoch_us(ensure_aware(through, field="through")),
        )

    def times_for_orders(
        self, order_ids: Iterable[str], *, until: _dt.datetime | None = None
    ) -> list[tuple[str, str, str, int]]:
        """The records of many orders met by ``until`` as light rows, one query per 500
        orders: ``(defendant_id, order_id, term_id, at)``, ``at`` in whole microseconds
        since 1970-01-01 UTC, in no set order (the dated checks' read: no validated
        record is built per sign-on).

        Raises:
            InvalidValueError: ``order_ids`` is not a collection of texts.
            NaiveDatetimeError: ``until`` has no time zone.
        """
        end = None if until is None else to_epoch_us(ensure_aware(until, field="until"))
        keys = list(dict.fromkeys(_text_keys("order_ids", order_ids)))
        return self._uow._records().compliance_times(keys, end)

    def times_by_term(
        self,
        order_ids: Iterable[str],
        *,
        until: _dt.datetime | None = None,
        since: _dt.datetime | None = None,
        whole_terms: Iterable[tuple[str, str]] = (),
    ) -> dict[tuple[str, str, str], list[int]]:
        """:meth:`times_for_orders` grouped by ``(defendant_id, order_id, term_id)``, each
        with its instants in whole microseconds since 1970-01-01 UTC, ascending: one row
        per term from the database, not one per record (a force's daily sign-ons).

        With ``since``, only the records met at or after it, except that every record of
        a term named in ``whole_terms`` (``(order_id, term_id)`` pairs) is read: a nightly
        run needs a sign-on schedule's open windows only, but the whole of a positive
        requirement's record.

        Raises:
            InvalidValueError: ``order_ids`` is not a collection of texts, or
                ``whole_terms`` not of pairs.
            NaiveDatetimeError: ``until`` or ``since`` has no time zone.
        """
        terms = list(whole_terms)
        if any(not isinstance(t, tuple) or len(t) != 2 for t in terms):
            raise InvalidValueError("whole_terms", terms, "give (order_id, term_id) pairs")
        end = None if until is None else to_epoch_us(ensure_aware(until, field="until"))
        start = None if since is None else to_epoch_us(ensure_aware(since, field="since"))
        keys = list(dict.fromkeys(_text_keys("order_ids", order_ids)))
        found = self._uow._records().compliance_time_lists(keys, end, start, terms)
        return {(d, o, t): times for d, o, t, times in found}

    def for_defendant(
        self, defendant_id: str, *, until: _dt.datetime | None = None
    ) -> list[ComplianceRecord]:
        """The records of a defendant under every order (met by ``until``), oldest first.

        Raises:
            InvalidValueError: ``defendant_id`` is not text, or holds a NUL character.
            NaiveDatetimeError: ``until`` has no time zone.
            StoredRecordError: a record of the defendant cannot be read (edited by hand).
        """
        return self._found("defendant_id", _text_key("defendant_id", defendant_id), until)

    def _found(self, column: str, value: str, until: _dt.datetime | None) -> list[ComplianceRecord]:
        return self._met(self._uow._records().find(self._mapper, column, value), until)

    @staticmethod
    def _met(found: list[ComplianceRecord], until: _dt.datetime | None) -> list[ComplianceRecord]:
        """The records met by ``until`` (all if ``None``), oldest first."""
        end = None if until is None else ensure_aware(until, field="until")
        # Instants, not wall clocks: in the hour repeated when the clocks go back, 01:50 BST
        # is before 01:10 GMT, and Python compares two London times by their wall clocks.
        kept = [r for r in found if end is None or not instant_before(end, r.at)]
        return sorted(kept, key=lambda r: (r.at.timestamp(), r.record_id))

    def _known(self, record: ComplianceRecord, stored: ComplianceRecord | None) -> bool:
        """Whether ``record`` is stored as it is; the same id with other content is refused."""
        if stored is None:
            return False
        if not _same_record(stored, record):
            raise DuplicateRecordError(self.kind, record.record_id)
        return True

    def _check_term(
        self, record: ComplianceRecord, orders: dict[str, tuple[str, dict[str, list[Term]]]]
    ) -> None:
        """The record's order is stored, against its defendant, with a requirement term of
        its id (SPA2019 s.1(2)(b)); ``orders`` caches each order's defendant and terms."""
        texts = (record.record_id, record.order_id, record.term_id, record.note)
        if any("\x00" in t for t in texts) or "\x00" in (record.recorded_by or ""):
            refuse_nul(_codec.dump(record, ComplianceRecord), self.kind, record.record_id)
        found = orders.get(record.order_id)
        if found is None:
            loaded = self._uow._records().load(MAPPERS[Order], record.order_id, lock=False)
            if loaded is None:
                raise ConstraintViolationError(
                    self.kind,
                    record.record_id,
                    f"refers to order {record.order_id!r}, which is not stored",
                )
            order: Order = loaded[0]
            terms: dict[str, list[Term]] = {}
            for version in order.versions:
                for term in version.terms:
                    terms.setdefault(term.term_id, []).append(term)
            found = orders[record.order_id] = (order.defendant_id, terms)
        check_compliance_fits(record, *found)


def _text_key(field: str, value: object) -> str:
    """``value``, an id to look records up by; InvalidValueError naming ``field`` if it is
    not text (a list or a number would reach the driver, or match nothing silently)."""
    if not isinstance(value, str):
        raise InvalidValueError(field, value, "is not text (an id)")
    if "\x00" in value:
        raise InvalidValueError(field, value, "holds a NUL character (no id does)")
    return value


def _text_keys(field: str, values: object) -> list[str]:
    """``values``, ids to look records up by, each checked as :func:`_text_key` does."""
    if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Iterable):
        raise InvalidValueError(field, values, "is not a collection of ids")
    return [_text_key(f"{field}[{n}]", v) for n, v in enumerate(values)]


def _unique_records(records: Iterable[ComplianceRecord]) -> dict[str, ComplianceRecord]:
    """The records by id; a repeat with the same content is dropped, with other content refused."""
    unique: dict[str, ComplianceRecord] = {}
    for n, item in enumerate(records):
        if not isinstance(item, ComplianceRecord):
            raise InvalidValueError(f"records[{n}]", item, "is not a ComplianceRecord")
        if not _same_record(unique.setdefault(item.record_id, item), item):
            raise InvalidValueError(
                "record_id", item.record_id, "appears twice in the batch with different content"
            )
    return unique


def _same_record(a: ComplianceRecord, b: ComplianceRecord) -> bool:
    """Whether two compliance records say the same, ``at`` compared as an instant.

    ``01:30`` London in the repeated autumn hour and the same instant in UTC are
    one record; Python's ``==`` would say they differ (an ambiguous wall clock is
    never equal to a time in another zone), and that 01:30 BST and 01:30 GMT agree.
    """
    # Not ``a == b`` first: two London times compare by wall clock, fold ignored, so
    # 01:30 BST and 01:30 GMT would be one record.
    return as_utc(a.at) == as_utc(b.at) and attrs.evolve(b, at=a.at) == a


def check_compliance_fits(
    record: ComplianceRecord, defendant_id: str, terms: Mapping[str, Sequence[Term]]
) -> None:
    """The record's defendant is the order's (``defendant_id``), and its term, among the
    order's ``terms`` by id, a positive requirement or sign-on schedule (SPA2019 s.1(2)(b)).

    Raises:
        InvalidValueError: naming ``defendant_id`` or ``term_id`` and the value.
    """
    if record.defendant_id != defendant_id:
        raise InvalidValueError(
            "defendant_id",
            record.defendant_id,
            f"order {record.order_id!r} is against defendant {defendant_id!r}",
        )
    found = terms.get(record.term_id)
    if not found:
        raise InvalidValueError(
            "term_id", record.term_id, f"order {record.order_id!r} has no term with this id"
        )
    if not any(isinstance(t, _COMPLIANCE_TERMS) for t in found):
        term = found[-1]
        raise InvalidValueError(
            "term_id",
            record.term_id,
            f"term of order {record.order_id!r} is {term.CODE} {term.TITLE}, not a positive "
            "requirement (SPO-R01) or sign-on schedule (SPO-R02): compliance is recorded "
            "only against positive requirements (SPA2019 s.1(2)(b))",
        )
