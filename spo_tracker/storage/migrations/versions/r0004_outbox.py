"""Domain events: the transactional outbox.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01

``outbox`` holds each domain event, written in the same transaction as the
change that caused it: its position (commit order), its aggregate
(``originator_kind``, ``originator_id``, ``originator_version``, unique), its
type, when it was recorded and delivered, and the event as canonical JSON.
Pending events are found by ``(delivered_at, position)``.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _instant() -> sa.types.TypeEngine[Any]:
    # As the models' UtcInstant: integer UTC microseconds on SQLite, timestamptz elsewhere.
    if op.get_bind().dialect.name == "sqlite":
        return sa.BigInteger()
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("position", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("originator_kind", sa.String(), nullable=False),
        sa.Column("originator_id", sa.String(), nullable=False),
        sa.Column("originator_version", sa.Integer(), nullable=False),
        sa.Column("event_type", sa.String(), nullable=False),
        sa.Column("recorded_at", _instant(), nullable=False),
        sa.Column("delivered_at", _instant(), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("position", name="pk_outbox"),
        sa.UniqueConstraint(
            "originator_kind",
            "originator_id",
            "originator_version",
            name="uq_outbox_originator_kind_originator_id_originator_version",
        ),
    )
    op.create_index(
        "ix_outbox_delivered_at_position", "outbox", ["delivered_at", "position"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_delivered_at_position", table_name="outbox")
    op.drop_table("outbox")
