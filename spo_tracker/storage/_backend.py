"""What a storage backend supplies, and the plain values that cross its edge.

A backend (SQL or in-memory) gives the unit of work its primitive record
operations (:class:`Records`) for one transaction; the rules built on them are in
:mod:`~spo_tracker.storage._repository` and :mod:`~spo_tracker.storage._unit_of_work`.
The values here are what its scans stream (:class:`ScannedIncident`), what a bulk
ingest reports (:class:`IngestReport`), and the events of its transactional outbox
(:class:`PendingEvent` until commit, :class:`OutboxEntry` once stored).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple, Protocol

import attrs
import pendulum

from spo_tracker.domain.incidents import Incident
from spo_tracker.errors import InvalidValueError
from spo_tracker.events import DomainEvent
from spo_tracker.storage import _codec
from spo_tracker.storage._mapping_base import Mapper

__all__ = [
    "IngestReport",
    "OrderDates",
    "OutboxEntry",
    "PendingEvent",
    "Records",
    "ScannedIncident",
]


class ScannedIncident(NamedTuple):
    """The light form of an incident that batch scans stream (what breach detection needs).

    Plain values, no domain objects, so a scan moves at the speed of the
    database cursor. :func:`spo_tracker.storage.scan_incidents` gives full
    domain :class:`~spo_tracker.domain.incidents.Incident` objects instead.

    Attributes:
        incident_id: the incident's id.
        occurred_us: when it happened, as whole microseconds since 1970-01-01 UTC.
        kind: the :class:`~spo_tracker.domain.incidents.IncidentKind` code.
        platform: the :class:`~spo_tracker.domain.identities.Platform` code, if any.
        actor_key: the acting identity's :attr:`~spo_tracker.domain.identities.Identity.key`.
        defendant_id: direct attribution, if any.
        target_person_id: the person it was aimed at, if any.
        via_third_party: 1 if made through another person, else 0 (the same on every
            backend: SQLite has no boolean type, and a flag kept as an int lets the
            scan build rows without a Python call per row).
        lat: latitude, if known.
        lon: longitude, if known.
        reported_us: when it was reported, as whole microseconds since 1970-01-01 UTC, if
            known (an alert's identified time rests on it).
    """

    incident_id: str
    occurred_us: int
    kind: str
    platform: str | None
    actor_key: str | None
    defendant_id: str | None
    target_person_id: str | None
    via_third_party: int
    lat: float | None
    lon: float | None
    reported_us: int | None

    @property
    def occurred_at(self) -> pendulum.DateTime:
        """``occurred_us`` as an aware UTC datetime.

        Raises:
            InvalidValueError: ``occurred_us`` is not whole microseconds (a row SQLite gave
                after a hand edit made it a real number), naming the incident and
                ``occurred_at``, the value not quoted.
        """
        from spo_tracker.storage._stored import UnreadableValue
        from spo_tracker.storage._types import from_epoch_us

        try:
            return from_epoch_us(self.occurred_us)
        except (TypeError, OverflowError):
            reason = f"incident {self.incident_id!r}: not an instant in whole microseconds"
            unshown = UnreadableValue("occurred_at")  # the value itself is not quoted
            raise InvalidValueError("occurred_at", unshown, reason) from None


class OrderDates(NamedTuple):
    """The light form of an order that a nightly detection run reads of every order: the
    dates its dated checks turn on, without its versions' terms (no order is built).

    Attributes:
        order_id: the order's id.
        defendant_id: the defendant it binds.
        kind: the :class:`~spo_tracker.domain.orders.OrderKind` code.
        live: made or served (:attr:`~spo_tracker.domain.orders.OrderState.live`).
        ended_at: when it ended (discharged, quashed, ceased, expired), if it has.
        period_last_day: the last day of the current version's fixed period, if it has one.
        due_days: the due day of every positive requirement in any version of it.
        sign_on_weekdays: the weekdays (0 is Monday) of every sign-on schedule in any
            version of it; all seven if a requirement's or schedule's stored parameters
            cannot be read (the order is then checked every night, and reading it names
            the fault).
    """

    order_id: str
    defendant_id: str
    kind: str
    live: bool
    ended_at: _dt.datetime | None
    period_last_day: _dt.date | None
    due_days: frozenset[_dt.date] = frozenset()
    sign_on_weekdays: frozenset[int] = frozenset()

    @property
    def requirements(self) -> bool:
        """Whether a version of it has a positive requirement or a sign-on schedule."""
        return bool(self.due_days or self.sign_on_weekdays)


@attrs.frozen
class IngestReport:
    """What a bulk ingest committed.

    Attributes:
        batches: batches committed.
        incidents: incidents committed.
    """

    batches: int
    incidents: int


@attrs.frozen
class OutboxEntry:
    """One domain event in a store's transactional outbox.

    Attributes:
        position: its place in commit order (1, 2, 3...).
        event: the event.
        recorded_at: when its unit of work recorded it (the store's clock or ``at``).
        delivered_at: when :func:`~spo_tracker.storage.deliver_outbox` delivered it,
            or ``None`` while it waits.
    """

    position: int
    event: DomainEvent
    recorded_at: pendulum.DateTime
    delivered_at: pendulum.DateTime | None = None


@attrs.frozen
class PendingEvent:
    """An event waiting for its unit of work to commit (it has no position yet)."""

    event: DomainEvent
    recorded_at: pendulum.DateTime

    def payload(self) -> str:
        """The event as canonical JSON, as the outbox stores it."""
        return _codec.canonical_json(self.event.as_dict())


class Records(Protocol):
    """The primitive operations a backend provides inside one transaction."""

    def shred_person_key(self, person_id: str) -> bool:
        """Destroy the protected person's key (crypto-shredding); whether one was destroyed."""

    def load(self, mapper: Mapper[Any], key: str, *, lock: bool) -> tuple[Any, int] | None:
        """The stored object and its revision, or ``None``; ``lock`` holds it for an update."""

    def insert_aggregates(self, mapper: Mapper[Any], items: Sequence[tuple[Any, int]]) -> None:
        """Store new aggregates ``(object, revision)`` of one kind, all or nothing.

        Raises:
            DuplicateRecordError: naming the first id already stored.
            ConstraintViolationError: naming the first aggregate that refers to a
                record not stored.
        """

    def replace(
        self, mapper: Mapper[Any], before: Any, after: Any, expected: int, revision: int
    ) -> None:
        """Overwrite the object stored at revision ``expected`` with ``after`` at ``revision``."""

    def revision(self, mapper: Mapper[Any], key: str) -> int | None:
        """The stored revision of ``key`` alone (no children loaded), or ``None``."""

    def keys(self, mapper: Mapper[Any]) -> list[str]:
        """Every stored id of the mapper's kind, sorted."""

    def find_defendants(self, identity_keys: Sequence[str]) -> dict[str, list[str]]:
        """Per identity key, the ids of the defendants it is linked to, sorted (a key linked
        to nobody is absent)."""

    def find_orders_protecting(self, person_ids: Sequence[str]) -> dict[str, list[str]]:
        """Per protected person id, the ids of the orders naming that person among their
        protected persons, sorted (a person no order names is absent)."""

    def person_name(self, key: str) -> str:
        """A protected person's name only. Raises NotFoundError."""

    def unreadable_persons(self, keys: Sequence[str]) -> set[str]:
        """The protected persons among ``keys`` whose restricted details are stored but
        can never be read again: their key was destroyed without the details being
        emptied first (as a retention disposal empties them)."""

    def insert_incidents(self, incidents: list[Incident], batch: str) -> str:
        """Insert many incidents in this transaction as bulk batch ``batch``; returns the
        batch's digest (see :mod:`spo_tracker.storage._digests`).

        Raises DuplicateRecordError.
        """

    def load_incidents(self, keys: Sequence[str]) -> dict[str, Incident]:
        """The stored incidents among ``keys``, by id (those not stored are absent)."""

    def compare_incidents(self, incidents: Sequence[Incident]) -> tuple[set[str], set[str]]:
        """Of ``incidents``, the ids stored exactly as given, and the ids stored otherwise
        (compared as stored rows, without building domain objects; absent: not stored)."""

    def insert_many(
        self, mapper: Mapper[Any], objs: list[Any], texts: Sequence[str] | None = None
    ) -> None:
        """Store many new single-row records (alerts) at revision 1 in this transaction;
        ``texts``: the JSON text of each one's body (:meth:`Mapper.stored_text`), if the
        caller made it already.

        Raises DuplicateRecordError naming the first id already stored (nothing is stored).
        """

    def load_many(self, mapper: Mapper[Any], keys: Sequence[str]) -> dict[str, Any]:
        """The stored single-row records among ``keys``, by id (those not stored are absent)."""

    def load_many_revisions(
        self, mapper: Mapper[Any], keys: Sequence[str]
    ) -> dict[str, tuple[Any, int]]:
        """:meth:`load_many` with each record's stored revision: ``(object, revision)``."""

    def load_many_unless_same(
        self, mapper: Mapper[Any], texts: Mapping[str, str]
    ) -> tuple[dict[str, tuple[Any, int]], dict[str, int]]:
        """The stored single-row records among the keys of ``texts``, split in two: those
        whose stored JSON is not exactly ``texts[key]``, built as :meth:`load_many_revisions`
        builds them (validators run), with their revisions; and the revisions of those
        stored as exactly that text, not built (one query per 500 ids). Keys not stored are
        in neither. A mapper whose records are not one plain JSON ``body`` row (children,
        sealed details) has every stored record in the first part."""

    def replace_many(self, mapper: Mapper[Any], items: Sequence[tuple[Any, Any, int, int]]) -> None:
        """:meth:`replace` for many records, each ``(before, after, expected, revision)``,
        all or nothing; each write only over the stored revision ``expected``.

        Raises:
            ConcurrencyConflictError: naming the first record whose stored revision is
                no longer ``expected`` (nothing is written).
        """

    def find(self, mapper: Mapper[Any], column: str, value: str) -> list[Any]:
        """The stored single-row records whose ``column`` equals ``value``, in no set order."""

    def find_keys(self, mapper: Mapper[Any], column: str, value: str) -> list[str]:
        """The ids of the stored aggregates whose root ``column`` equals ``value``, sorted."""

    def find_in(self, mapper: Mapper[Any], column: str, values: Sequence[str]) -> list[Any]:
        """:meth:`find` for many values at once (one query per 500), in no set order."""

    def alert_counts(self, alert_ids: Sequence[str]) -> dict[str, int]:
        """The stored count of each alert of ``alert_ids`` that is stored, by id (one query
        per 500 ids; the alert itself is not read)."""

    def order_dates(self) -> list[OrderDates]:
        """Every stored order's :class:`OrderDates`, in no set order (one query)."""

    def orders_met_between(self, after_us: int, through_us: int) -> set[str]:
        """The orders with a compliance record met after ``after_us`` and by
        ``through_us`` (whole microseconds since 1970-01-01 UTC; one query)."""

    def compliance_times(
        self, order_ids: Sequence[str], until_us: int | None
    ) -> list[tuple[str, str, str, int]]:
        """The compliance records of ``order_ids`` met by ``until_us`` (all if ``None``), as
        light rows ``(defendant_id, order_id, term_id, at)``, ``at`` in whole microseconds
        since 1970-01-01 UTC, in no set order (one query per 500 orders)."""

    def compliance_time_lists(
        self,
        order_ids: Sequence[str],
        until_us: int | None,
        since_us: int | None = None,
        whole_terms: Sequence[tuple[str, str]] = (),
    ) -> list[tuple[str, str, str, list[int]]]:
        """:meth:`compliance_times` grouped: one row per ``(defendant_id, order_id,
        term_id)`` with the instants of its records in whole microseconds, ascending; the
        rows in no set order (one query per 500 orders). With ``since_us``, only the
        records met at or after it, but every record of a term named in ``whole_terms``
        (``(order_id, term_id)`` pairs)."""
