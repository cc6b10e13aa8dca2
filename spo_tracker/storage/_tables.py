"""The SQLModel table models: rows, never domain objects.

``table=True`` models do not validate on construction, so no domain rule lives
here; the mappers in :mod:`spo_tracker.storage._mapping` convert explicitly in
both directions. Every aggregate's root row carries ``revision`` for
optimistic concurrency.

The protected person's restricted details sit in their own table
(``protected_person_restricted``) so that a deployment can withhold it from
database roles that read everything else.

Instants are :class:`~spo_tracker.storage._types.UtcInstant` columns, each
with a ``<name>_tz`` text column holding the zone it was given in. Names
of keys, indexes and constraints follow :data:`NAMING_CONVENTION`, which the
Alembic migrations reproduce exactly (a test compares them).
"""

from __future__ import annotations

import datetime as _dt
from typing import Any, Final

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    ForeignKeyConstraint,
    Index,
    LargeBinary,
    MetaData,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from spo_tracker.storage._types import StrictBoolean, UtcInstant

__all__ = [
    "METADATA",
    "NAMING_CONVENTION",
    "AlertRow",
    "ApplicationRow",
    "AuditEntryRow",
    "AuditHeadRow",
    "AuditPersonRow",
    "BreachReviewRow",
    "CaseOwnerRow",
    "ComplianceRecordRow",
    "DefendantAddressRow",
    "DefendantIdentityRow",
    "DefendantNameRow",
    "DefendantRow",
    "IncidentRow",
    "NotificationDutyRow",
    "OrderProtectedPersonRow",
    "OrderRow",
    "OrderTermRow",
    "OrderVersionRow",
    "OutboxRow",
    "PersonKeyRow",
    "ProtectedPersonRow",
    "RestrictedDetailsRow",
    "RetentionReviewRow",
]

NAMING_CONVENTION: Final = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

METADATA: Final = MetaData(naming_convention=NAMING_CONVENTION)


class _Table(SQLModel, registry=registry(metadata=METADATA)):
    """Base of the storage tables; they share :data:`METADATA`, not SQLModel's global one."""


def _instant(*, nullable: bool = False, index: bool = False) -> Any:
    return Field(sa_column=Column(UtcInstant(), nullable=nullable, index=index))


def _flag() -> Any:
    return Field(sa_column=Column(StrictBoolean(), nullable=False))


def _json(*, nullable: bool = False) -> Any:
    return Field(sa_column=Column(JSON(), nullable=nullable))


def _text(*, nullable: bool = False) -> Any:
    return Field(sa_column=Column(Text(), nullable=nullable))


# -- defendants ---------------------------------------------------------------------------


class DefendantRow(_Table, table=True):
    """A defendant; names, addresses and identities are child rows."""

    __tablename__ = "defendants"

    defendant_id: str = Field(primary_key=True)
    date_of_birth: _dt.date | None = None
    soa_since: _dt.date | None = None
    soa_final_day: _dt.date | None = None
    revision: int


class DefendantNameRow(_Table, table=True):
    """A name the defendant uses or used (SPA2019 s.9(2)(a), s.9(3)), in order."""

    __tablename__ = "defendant_names"
    __table_args__ = (ForeignKeyConstraint(["defendant_id"], ["defendants.defendant_id"]),)

    defendant_id: str = Field(primary_key=True)
    position: int = Field(primary_key=True)
    name: str
    from_day: _dt.date | None = None


class DefendantAddressRow(_Table, table=True):
    """A home address period (SPA2019 s.9(2)(b), s.9(4)), in order."""

    __tablename__ = "defendant_addresses"
    __table_args__ = (ForeignKeyConstraint(["defendant_id"], ["defendants.defendant_id"]),)

    defendant_id: str = Field(primary_key=True)
    position: int = Field(primary_key=True)
    lines: list[str] = _json()
    postcode: str
    lat: float | None = None
    lon: float | None = None
    from_day: _dt.date
    until_day: _dt.date | None = None


class DefendantIdentityRow(_Table, table=True):
    """An identity linked to a defendant, by its normalised key (indexed for resolution)."""

    __tablename__ = "defendant_identities"
    __table_args__ = (ForeignKeyConstraint(["defendant_id"], ["defendants.defendant_id"]),)

    defendant_id: str = Field(primary_key=True)
    position: int = Field(primary_key=True)
    identity_key: str = Field(index=True)
    linked_at: _dt.datetime = _instant()
    linked_at_tz: str
    source: str


# -- protected persons ------------------------------------------------------------------


class ProtectedPersonRow(_Table, table=True):
    """A protected person: id and name only; whereabouts are in the restricted table."""

    __tablename__ = "protected_persons"

    person_id: str = Field(primary_key=True)
    name: str
    revision: int


class RestrictedDetailsRow(_Table, table=True):
    """The restricted compartment: address and places, sealed under the person's own key
    (:mod:`spo_tracker.storage._crypto`); ``NULL`` when nothing is recorded. Every read is
    audited."""

    __tablename__ = "protected_person_restricted"
    __table_args__ = (ForeignKeyConstraint(["person_id"], ["protected_persons.person_id"]),)

    person_id: str = Field(primary_key=True)
    sealed: bytes | None = Field(default=None, sa_column=Column(LargeBinary(), nullable=True))


class PersonKeyRow(_Table, table=True):
    """A protected person's key, wrapped by the data key ``kek_id`` (held outside the
    database). Both ``NULL``: the key was destroyed (crypto-shredding). No foreign key: the
    key is drawn before the person's row is written, and outlives nothing else."""

    __tablename__ = "person_keys"

    person_id: str = Field(primary_key=True)
    kek_id: str | None = Field(default=None, nullable=True)
    wrapped: bytes | None = Field(default=None, sa_column=Column(LargeBinary(), nullable=True))


# -- incidents --------------------------------------------------------------------------


class IncidentRow(_Table, table=True):
    """An incident, flat, so that bulk ingest and scans move plain tuples."""

    __tablename__ = "incidents"

    incident_id: str = Field(primary_key=True)
    occurred_at: _dt.datetime = _instant(index=True)
    occurred_at_tz: str
    kind: str
    platform: str | None = None
    actor_key: str | None = Field(default=None, index=True)
    defendant_id: str | None = None
    target_person_id: str | None = None
    via_third_party: bool = _flag()
    lat: float | None = None
    lon: float | None = None
    summary: str = _text()
    evidence_refs: list[str] = _json()
    reported_at: _dt.datetime | None = _instant(nullable=True)
    reported_at_tz: str | None = None
    classification: str | None = None
    revision: int
    #: The bulk batch that stored it (its audit entry's subject id); ``NULL`` for an
    #: incident added on its own, or stored before migration 0008.
    audit_batch: str | None = None


# -- orders -----------------------------------------------------------------------------


class OrderRow(_Table, table=True):
    """An order's root row: everything but its versions and protected persons."""

    __tablename__ = "orders"
    __table_args__ = (ForeignKeyConstraint(["defendant_id"], ["defendants.defendant_id"]),)

    order_id: str = Field(primary_key=True)
    kind: str
    origin: str
    defendant_id: str = Field(index=True)
    applicant_force_code: str
    applicant_force_name: str
    applicant_force_kind: str
    applicant_title: str
    court: str
    made_at: _dt.datetime = _instant()
    made_at_tz: str
    state: str
    application_id: str | None = None
    replaces_order_id: str | None = None
    served_at: _dt.datetime | None = _instant(nullable=True)
    served_at_tz: str | None = None
    appeal_pending: bool = _flag()
    pending_appeal: dict[str, Any] | None = _json(nullable=True)
    ended_at: _dt.datetime | None = _instant(nullable=True)
    ended_at_tz: str | None = None
    end_reason: str | None = _text(nullable=True)
    not_in_force: list[list[str]] | None = _json(nullable=True)
    revision: int


class OrderProtectedPersonRow(_Table, table=True):
    """A person an order protects (SPA2019 s.2(1)(c)), in order."""

    __tablename__ = "order_protected_persons"
    __table_args__ = (
        ForeignKeyConstraint(["order_id"], ["orders.order_id"]),
        ForeignKeyConstraint(["person_id"], ["protected_persons.person_id"]),
    )

    order_id: str = Field(primary_key=True)
    position: int = Field(primary_key=True)
    person_id: str = Field(index=True)


class OrderVersionRow(_Table, table=True):
    """One immutable order version (SPA2019 s.6): appended, never rewritten."""

    __tablename__ = "order_versions"
    __table_args__ = (ForeignKeyConstraint(["order_id"], ["orders.order_id"]),)

    order_id: str = Field(primary_key=True)
    number: int = Field(primary_key=True)
    cause: str
    decided_on: _dt.date
    duration_years: int | None = None
    duration_months: int | None = None
    duration_weeks: int | None = None
    duration_days: int | None = None
    period_first_day: _dt.date | None = None
    period_last_day: _dt.date | None = None
    reason: str = _text()
    decided_at: _dt.datetime | None = _instant(nullable=True)
    decided_at_tz: str | None = None


class OrderTermRow(_Table, table=True):
    """A term of one order version: its catalogue code and the JSON of its parameters."""

    __tablename__ = "order_terms"
    __table_args__ = (
        ForeignKeyConstraint(
            ["order_id", "version_number"], ["order_versions.order_id", "order_versions.number"]
        ),
    )

    order_id: str = Field(primary_key=True)
    version_number: int = Field(primary_key=True)
    position: int = Field(primary_key=True)
    term_id: str
    code: str
    parameters: dict[str, Any] = _json()


# -- lifecycle subjects: one table per aggregate, key columns plus the record as JSON ----


class ApplicationRow(_Table, table=True):
    """An application for an SPO (SPA2019 s.1, s.13)."""

    __tablename__ = "applications"

    application_id: str = Field(primary_key=True)
    defendant_id: str = Field(index=True)
    state: str
    body: dict[str, Any] = _json()
    revision: int


class NotificationDutyRow(_Table, table=True):
    """A defendant's notification duty under an order (SPA2019 s.9-s.11)."""

    __tablename__ = "notification_duties"

    duty_id: str = Field(primary_key=True)
    defendant_id: str = Field(index=True)
    order_id: str = Field(index=True)
    state: str
    body: dict[str, Any] = _json()
    revision: int


class BreachReviewRow(_Table, table=True):
    """A person's review of a suspected breach (SPA2019 s.8); one row per round.

    ``order_id`` is nullable since migration 0008: an alert that names no order
    (a course of conduct against an unprotected person) is reviewed too.
    """

    __tablename__ = "breach_reviews"

    review_id: str = Field(primary_key=True)
    alert_id: str = Field(index=True)
    defendant_id: str = Field(index=True)
    order_id: str | None = None
    state: str
    body: dict[str, Any] = _json()
    revision: int


class AlertRow(_Table, table=True):
    """An alert received or kept for review (migration 0003): key columns plus the record."""

    __tablename__ = "alerts"

    alert_id: str = Field(primary_key=True)
    defendant_id: str = Field(index=True)
    order_id: str | None = None
    kind: str
    body: dict[str, Any] = _json()
    revision: int


class CaseOwnerRow(_Table, table=True):
    """Who manages an order's case (migration 0008): officer, unit and force, indexed for
    the alert filters, plus the record as JSON."""

    __tablename__ = "case_owners"
    __table_args__ = (ForeignKeyConstraint(["order_id"], ["orders.order_id"]),)

    order_id: str = Field(primary_key=True)
    officer: str = Field(index=True)
    unit: str = Field(index=True)
    force: str = Field(index=True)
    body: dict[str, Any] = _json()
    revision: int


# -- compliance with positive requirements ----------------------------------------------


class ComplianceRecordRow(_Table, table=True):
    """A positive requirement met, or a sign-on made (SPA2019 s.1(2)(b)); migration 0005.

    Flat, so that millions of daily sign-ons are plain rows; read by order (the
    dated checks) and by defendant.
    """

    __tablename__ = "compliance_records"
    __table_args__ = (
        ForeignKeyConstraint(["order_id"], ["orders.order_id"]),
        ForeignKeyConstraint(["defendant_id"], ["defendants.defendant_id"]),
    )

    record_id: str = Field(primary_key=True)
    defendant_id: str = Field(index=True)
    order_id: str = Field(index=True)
    term_id: str
    at: _dt.datetime = _instant(index=True)  # migration 0014
    at_tz: str
    recorded_by: str | None = None
    note: str = _text()
    revision: int


# -- retention reviews (MoPI) -------------------------------------------------------------


class RetentionReviewRow(_Table, table=True):
    """One retention decision on a case (migration 0011): retain or dispose, why, who, when.

    Decisions are never rewritten: each review is a new row, so the history of a
    case's reviews stays (MoPI: record each retention decision).
    """

    __tablename__ = "retention_reviews"

    review_id: str = Field(primary_key=True)
    case_id: str = Field(index=True)
    decision: str
    category: str
    reason: str = _text()
    decided_by: str
    role: str
    decided_at: _dt.datetime = _instant()
    decided_at_tz: str
    next_review: _dt.date | None = None
    revision: int


# -- audit trail ------------------------------------------------------------------------


class AuditEntryRow(_Table, table=True):
    """One audit entry; ``entry_hash`` covers its content and ``prev_hash`` (a hash chain).

    Append-only: triggers (migration 0002) refuse UPDATE and DELETE. Entry 0 is
    the genesis entry (migration 0008). ``record_digest`` is the digest of the
    record's state after the change; ``key_id`` and ``mac`` seal the entry with an
    audit key (all three ``NULL`` on entries written before 0008).
    """

    __tablename__ = "audit_entries"

    seq: int = Field(sa_column=Column(BigInteger(), primary_key=True, autoincrement=False))
    recorded_at: _dt.datetime = _instant()
    actor_id: str
    actor_role: str
    event: str
    subject_kind: str
    subject_id: str = Field(index=True)
    changes: str = _text()
    reason: str = _text()
    prev_hash: str
    entry_hash: str = Field(unique=True)
    record_digest: str | None = None
    key_id: str | None = None
    mac: str | None = None


class AuditPersonRow(_Table, table=True):
    """Which people an audit entry covers (migration 0012): the index of
    ``spo-tracker audit log --person``, written in the transaction of its entry.

    One row per entry and person: an entry about a person's record, and each
    person a consultation or disclosure entry names (DPA 2018 s.62; see
    :mod:`spo_tracker.storage._consult`). Ids only; derived from the entries, so
    ``audit verify --deep`` can rebuild and compare it.
    """

    __tablename__ = "audit_people"
    # SQLite: the primary key is the table (one B-tree, not a table and an index).
    __table_args__ = {"sqlite_with_rowid": False}

    person_id: str = Field(primary_key=True)
    seq: int = Field(sa_column=Column(BigInteger(), primary_key=True, autoincrement=False))
    person_kind: str = Field(primary_key=True)


class AuditHeadRow(_Table, table=True):
    """The last entry's number and hash: serialises appends and exposes a cut-off tail."""

    __tablename__ = "audit_head"

    id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    last_seq: int = Field(sa_column=Column(BigInteger(), nullable=False))
    last_hash: str


# -- domain events ----------------------------------------------------------------------


class OutboxRow(_Table, table=True):
    """A domain event, written in the transaction of the change that caused it (migration 0004).

    ``position`` numbers events in commit order (it is taken while the audit
    head is locked, so it never goes back); ``(originator_kind, originator_id,
    originator_version)`` is unique, so an aggregate's history cannot be
    written twice. :func:`spo_tracker.storage.deliver_outbox` sets
    ``delivered_at``; delivered rows stay as the event log.
    """

    __tablename__ = "outbox"
    __table_args__ = (UniqueConstraint("originator_kind", "originator_id", "originator_version"),)

    position: int = Field(sa_column=Column(BigInteger(), primary_key=True, autoincrement=False))
    originator_kind: str
    originator_id: str
    originator_version: int
    event_type: str
    recorded_at: _dt.datetime = _instant()
    delivered_at: _dt.datetime | None = _instant(nullable=True)
    payload: str = _text()


Index(
    "ix_outbox_delivered_at_position",
    OutboxRow.__table__.c.delivered_at,  # type: ignore[attr-defined]
    OutboxRow.__table__.c.position,  # type: ignore[attr-defined]
)

Index(
    "ix_incidents_audit_batch",
    IncidentRow.__table__.c.audit_batch,  # type: ignore[attr-defined]
)

Index(
    "ix_incidents_defendant_id_occurred_at",
    IncidentRow.__table__.c.defendant_id,  # type: ignore[attr-defined]
    IncidentRow.__table__.c.occurred_at,  # type: ignore[attr-defined]
)

# Migration 0015: a nightly run's cut read of compliance (by order from an instant, and
# the whole record of an order's term).
Index(
    "ix_compliance_records_order_id_term_id_at",
    ComplianceRecordRow.__table__.c.order_id,  # type: ignore[attr-defined]
    ComplianceRecordRow.__table__.c.term_id,  # type: ignore[attr-defined]
    ComplianceRecordRow.__table__.c.at,  # type: ignore[attr-defined]
)
