"""Retention reviews (MoPI): each decision to retain or dispose of a case.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06

``retention_reviews`` keeps every retention decision on a case (a defendant
with their records): the decision (``retain`` or ``dispose``), the category
it was reviewed under, the reason, who decided and in which role, when, and
the next review day of a case retained. Rows are added, never rewritten.

Downgrading drops the table: the decisions are lost from it, but each stays
in the audit trail (``retention_review.created`` entries, with the reason).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from spo_tracker.storage._types import UtcInstant

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "retention_reviews",
        sa.Column("review_id", sa.String(), nullable=False),
        sa.Column("case_id", sa.String(), nullable=False),
        sa.Column("decision", sa.String(), nullable=False),
        sa.Column("category", sa.String(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.String(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("decided_at", UtcInstant(), nullable=False),
        sa.Column("decided_at_tz", sa.String(), nullable=False),
        sa.Column("next_review", sa.Date(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("review_id", name="pk_retention_reviews"),
    )
    op.create_index(
        "ix_retention_reviews_case_id", "retention_reviews", ["case_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_retention_reviews_case_id", table_name="retention_reviews")
    op.drop_table("retention_reviews")
