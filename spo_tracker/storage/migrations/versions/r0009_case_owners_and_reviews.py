"""Case ownership, and reviews of alerts that name no order.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06

``case_owners`` keeps who manages each order's case: the officer in the case,
the managing unit and the force (indexed: the alert filters read them), with
the record as JSON and its ``revision``. It refers to ``orders``.

``breach_reviews.order_id`` becomes nullable: every stored alert is reviewed,
and a course of conduct against a person no order protects names no order.

Downgrading drops ``case_owners`` (the case owners are lost) and makes
``breach_reviews.order_id`` required again; a review stored without an order
would block that, so such reviews are deleted first (their transitions stay in
the audit trail and the outbox).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_owners",
        sa.Column("order_id", sa.String(), nullable=False),
        sa.Column("officer", sa.String(), nullable=False),
        sa.Column("unit", sa.String(), nullable=False),
        sa.Column("force", sa.String(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.order_id"], name="fk_case_owners_order_id_orders"
        ),
        sa.PrimaryKeyConstraint("order_id", name="pk_case_owners"),
    )
    for column in ("officer", "unit", "force"):
        op.create_index(f"ix_case_owners_{column}", "case_owners", [column], unique=False)
    # A batch copy on SQLite is safe here: no table refers to breach_reviews.
    with op.batch_alter_table("breach_reviews") as batch:
        batch.alter_column("order_id", existing_type=sa.String(), nullable=True)


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM breach_reviews WHERE order_id IS NULL"))
    with op.batch_alter_table("breach_reviews") as batch:
        batch.alter_column("order_id", existing_type=sa.String(), nullable=False)
    for column in ("officer", "unit", "force"):
        op.drop_index(f"ix_case_owners_{column}", table_name="case_owners")
    op.drop_table("case_owners")
