"""Interchange: incidents' Home Office Counting Rules classification, and an alerts table.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29

``incidents.classification`` holds the HOCR code of the crime recorded for
an incident (8Q, 8L, 8M), nullable, so existing rows stay valid. ``alerts``
keeps alerts imported from an interchange file (or kept for review) as key
columns plus the record as JSON, like the lifecycle subjects.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("incidents", sa.Column("classification", sa.String(), nullable=True))
    op.create_table(
        "alerts",
        sa.Column("alert_id", sa.String(), nullable=False),
        sa.Column("defendant_id", sa.String(), nullable=False),
        sa.Column("order_id", sa.String(), nullable=True),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("alert_id", name="pk_alerts"),
    )
    op.create_index("ix_alerts_defendant_id", "alerts", ["defendant_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_alerts_defendant_id", table_name="alerts")
    op.drop_table("alerts")
    with op.batch_alter_table("incidents") as batch:
        batch.drop_column("classification")
