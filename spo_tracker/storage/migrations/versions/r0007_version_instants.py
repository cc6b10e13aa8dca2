"""When a version was decided, and when a restored order was not in force.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-10

A variation, renewal or variation on appeal takes effect from the moment the
court decided it, not from the start of that London day (docs/domain.md):
``order_versions.decided_at`` (an instant, with its zone in
``decided_at_tz``) keeps it. Both are nullable: ``NULL`` for a version stored
before this revision, which keeps the day-based rule (in force from the start
of ``decided_on``), and for version 1, which is in force from ``made_at``.

An order discharged and then restored on appeal (SPA2019 s.7(4)) was not in
force between the discharge and the restoration: ``orders.not_in_force`` keeps
those spans as JSON (a list of ``[start, end]`` pairs of zoned instant text),
``NULL`` when there are none (every order stored before this revision).

Downgrading drops the three columns: versions fall back to the day-based rule
and a restored order is treated as in force in the spans it was discharged,
as before this revision.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _instant() -> sa.types.TypeEngine[Any]:
    if op.get_bind().dialect.name == "sqlite":
        return sa.BigInteger()
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    # Plain ALTER TABLE on both backends: a batch copy would drop tables others refer to
    # while foreign keys are enforced on SQLite.
    op.add_column("order_versions", sa.Column("decided_at", _instant(), nullable=True))
    op.add_column("order_versions", sa.Column("decided_at_tz", sa.String(), nullable=True))
    op.add_column("orders", sa.Column("not_in_force", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("orders", "not_in_force")
    op.drop_column("order_versions", "decided_at_tz")
    op.drop_column("order_versions", "decided_at")
