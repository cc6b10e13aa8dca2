"""Initial schema: people, incidents, orders with versions and terms, lifecycle subjects, audit.

Revision ID: 0001
Revises:
Create Date: 2026-11-29

Written by hand and frozen: later changes go in new revisions. Instants are
``timestamptz`` on PostgreSQL and integer UTC microseconds on SQLite, as the
``UtcInstant`` column type of the models; each has a ``<name>_tz`` column for
the zone it was given in.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _instant() -> sa.types.TypeEngine[Any]:
    if op.get_bind().dialect.name == "sqlite":
        return sa.BigInteger()
    return sa.DateTime(timezone=True)


def _text(name: str, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(), nullable=nullable)


def _fk(table: str, columns: list[str], referred: str, referred_columns: list[str]) -> sa.ForeignKeyConstraint:
    name = f"fk_{table}_{'_'.join(columns)}_{referred}"
    return sa.ForeignKeyConstraint(columns, [f"{referred}.{c}" for c in referred_columns], name=name)


def _index(table: str, *columns: str) -> None:
    op.create_index(f"ix_{table}_{'_'.join(columns)}", table, list(columns), unique=False)


def upgrade() -> None:
    _people()
    _incidents()
    _orders()
    _subjects()
    _audit()


def _people() -> None:
    op.create_table(
        "defendants",
        _text("defendant_id"),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column("soa_since", sa.Date(), nullable=True),
        sa.Column("soa_final_day", sa.Date(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("defendant_id", name="pk_defendants"),
    )
    op.create_table(
        "defendant_names",
        _text("defendant_id"),
        sa.Column("position", sa.Integer(), nullable=False),
        _text("name"),
        sa.Column("from_day", sa.Date(), nullable=True),
        _fk("defendant_names", ["defendant_id"], "defendants", ["defendant_id"]),
        sa.PrimaryKeyConstraint("defendant_id", "position", name="pk_defendant_names"),
    )
    op.create_table(
        "defendant_addresses",
        _text("defendant_id"),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        _text("postcode"),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("from_day", sa.Date(), nullable=False),
        sa.Column("until_day", sa.Date(), nullable=True),
        _fk("defendant_addresses", ["defendant_id"], "defendants", ["defendant_id"]),
        sa.PrimaryKeyConstraint("defendant_id", "position", name="pk_defendant_addresses"),
    )
    op.create_table(
        "defendant_identities",
        _text("defendant_id"),
        sa.Column("position", sa.Integer(), nullable=False),
        _text("identity_key"),
        sa.Column("linked_at", _instant(), nullable=False),
        _text("linked_at_tz"),
        _text("source"),
        _fk("defendant_identities", ["defendant_id"], "defendants", ["defendant_id"]),
        sa.PrimaryKeyConstraint("defendant_id", "position", name="pk_defendant_identities"),
    )
    _index("defendant_identities", "identity_key")
    op.create_table(
        "protected_persons",
        _text("person_id"),
        _text("name"),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("person_id", name="pk_protected_persons"),
    )
    op.create_table(
        "protected_person_restricted",
        _text("person_id"),
        sa.Column("address", sa.JSON(), nullable=True),
        sa.Column("places", sa.JSON(), nullable=False),
        _fk("protected_person_restricted", ["person_id"], "protected_persons", ["person_id"]),
        sa.PrimaryKeyConstraint("person_id", name="pk_protected_person_restricted"),
    )


def _incidents() -> None:
    op.create_table(
        "incidents",
        _text("incident_id"),
        sa.Column("occurred_at", _instant(), nullable=False),
        _text("occurred_at_tz"),
        _text("kind"),
        _text("platform", nullable=True),
        _text("actor_key", nullable=True),
        _text("defendant_id", nullable=True),
        _text("target_person_id", nullable=True),
        sa.Column("via_third_party", sa.Boolean(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("evidence_refs", sa.JSON(), nullable=False),
        sa.Column("reported_at", _instant(), nullable=True),
        _text("reported_at_tz", nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("incident_id", name="pk_incidents"),
    )
    _index("incidents", "occurred_at")
    _index("incidents", "actor_key")


def _orders() -> None:
    op.create_table(
        "orders",
        _text("order_id"),
        _text("kind"),
        _text("origin"),
        _text("defendant_id"),
        _text("applicant_force_code"),
        _text("applicant_force_name"),
        _text("applicant_force_kind"),
        _text("applicant_title"),
        _text("court"),
        sa.Column("made_at", _instant(), nullable=False),
        _text("made_at_tz"),
        _text("state"),
        _text("application_id", nullable=True),
        _text("replaces_order_id", nullable=True),
        sa.Column("served_at", _instant(), nullable=True),
        _text("served_at_tz", nullable=True),
        sa.Column("appeal_pending", sa.Boolean(), nullable=False),
        sa.Column("ended_at", _instant(), nullable=True),
        _text("ended_at_tz", nullable=True),
        sa.Column("end_reason", sa.Text(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        _fk("orders", ["defendant_id"], "defendants", ["defendant_id"]),
        sa.PrimaryKeyConstraint("order_id", name="pk_orders"),
    )
    _index("orders", "defendant_id")
    op.create_table(
        "order_protected_persons",
        _text("order_id"),
        sa.Column("position", sa.Integer(), nullable=False),
        _text("person_id"),
        _fk("order_protected_persons", ["order_id"], "orders", ["order_id"]),
        _fk("order_protected_persons", ["person_id"], "protected_persons", ["person_id"]),
        sa.PrimaryKeyConstraint("order_id", "position", name="pk_order_protected_persons"),
    )
    _index("order_protected_persons", "person_id")
    op.create_table(
        "order_versions",
        _text("order_id"),
        sa.Column("number", sa.Integer(), nullable=False),
        _text("cause"),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("duration_years", sa.Integer(), nullable=True),
        sa.Column("duration_months", sa.Integer(), nullable=True),
        sa.Column("duration_weeks", sa.Integer(), nullable=True),
        sa.Column("duration_days", sa.Integer(), nullable=True),
        sa.Column("period_first_day", sa.Date(), nullable=True),
        sa.Column("period_last_day", sa.Date(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        _fk("order_versions", ["order_id"], "orders", ["order_id"]),
        sa.PrimaryKeyConstraint("order_id", "number", name="pk_order_versions"),
    )
    op.create_table(
        "order_terms",
        _text("order_id"),
        sa.Column("version_number", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        _text("term_id"),
        _text("code"),
        sa.Column("parameters", sa.JSON(), nullable=False),
        _fk("order_terms", ["order_id", "version_number"], "order_versions", ["order_id", "number"]),
        sa.PrimaryKeyConstraint("order_id", "version_number", "position", name="pk_order_terms"),
    )


def _subjects() -> None:
    op.create_table(
        "applications",
        _text("application_id"),
        _text("defendant_id"),
        _text("state"),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("application_id", name="pk_applications"),
    )
    _index("applications", "defendant_id")
    op.create_table(
        "notification_duties",
        _text("duty_id"),
        _text("defendant_id"),
        _text("order_id"),
        _text("state"),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("duty_id", name="pk_notification_duties"),
    )
    _index("notification_duties", "defendant_id")
    _index("notification_duties", "order_id")
    op.create_table(
        "breach_reviews",
        _text("review_id"),
        _text("alert_id"),
        _text("defendant_id"),
        _text("order_id"),
        _text("state"),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("review_id", name="pk_breach_reviews"),
    )
    _index("breach_reviews", "alert_id")
    _index("breach_reviews", "defendant_id")


def _audit() -> None:
    op.create_table(
        "audit_entries",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("recorded_at", _instant(), nullable=False),
        _text("actor_id"),
        _text("actor_role"),
        _text("event"),
        _text("subject_kind"),
        _text("subject_id"),
        sa.Column("changes", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        _text("prev_hash"),
        _text("entry_hash"),
        sa.PrimaryKeyConstraint("seq", name="pk_audit_entries"),
        sa.UniqueConstraint("entry_hash", name="uq_audit_entries_entry_hash"),
    )
    _index("audit_entries", "subject_id")


_TABLES = (
    "audit_entries",
    "breach_reviews",
    "notification_duties",
    "applications",
    "order_terms",
    "order_versions",
    "order_protected_persons",
    "orders",
    "incidents",
    "protected_person_restricted",
    "protected_persons",
    "defendant_identities",
    "defendant_addresses",
    "defendant_names",
    "defendants",
)


def downgrade() -> None:
    for table in _TABLES:
        op.drop_table(table)
