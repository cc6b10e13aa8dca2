"""Compliance with positive requirements: the compliance_records table.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02

``compliance_records`` holds each fact that a positive requirement was met
or a sign-on made (SPA2019 s.1(2)(b)), so that the dated checks (a
requirement not met by its due day, a sign-on day missed: suspected breaches,
s.8(1)) can run from a store. One flat row per record, keyed by its stable
external ``record_id``; it refers to its order and defendant by foreign key,
and is read by order and by defendant (one index each).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _instant() -> sa.types.TypeEngine[Any]:
    # As the models' UtcInstant: integer UTC microseconds on SQLite, timestamptz elsewhere.
    if op.get_bind().dialect.name == "sqlite":
        return sa.BigInteger()
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "compliance_records",
        sa.Column("record_id", sa.String(), nullable=False),
        sa.Column("defendant_id", sa.String(), nullable=False),
        sa.Column("order_id", sa.String(), nullable=False),
        sa.Column("term_id", sa.String(), nullable=False),
        sa.Column("at", _instant(), nullable=False),
        sa.Column("at_tz", sa.String(), nullable=False),
        sa.Column("recorded_by", sa.String(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.order_id"],
            name="fk_compliance_records_order_id_orders",
        ),
        sa.ForeignKeyConstraint(
            ["defendant_id"],
            ["defendants.defendant_id"],
            name="fk_compliance_records_defendant_id_defendants",
        ),
        sa.PrimaryKeyConstraint("record_id", name="pk_compliance_records"),
    )
    op.create_index(
        "ix_compliance_records_order_id", "compliance_records", ["order_id"], unique=False
    )
    op.create_index(
        "ix_compliance_records_defendant_id", "compliance_records", ["defendant_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_compliance_records_defendant_id", table_name="compliance_records")
    op.drop_index("ix_compliance_records_order_id", table_name="compliance_records")
    op.drop_table("compliance_records")
