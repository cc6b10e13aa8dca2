"""Appeals kept on the order while pending: orders.pending_appeal.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-09

An appeal to the Crown Court (SPA2019 s.7(1)-(3)) is kept on the order until
the Crown Court decides it (s.7(4)), so that the outcome can be checked
against what was appealed: who appealed, against which decision, on whose
application and, for a s.4 order, the version it made. ``pending_appeal`` is
that value as JSON (the storage converter's form of a ``PendingAppeal``, as
application bodies and audit entries hold their values), nullable: ``NULL``
when no appeal is pending, and for an appeal stored before this revision,
whose details were never recorded (``appeal_pending`` stays as it was).

An application keeps its appeal against a refusal (s.7(2)) in its JSON body,
and its new state ``refusal_appealed`` in the existing ``state`` column, so it
needs no schema change. Downgrading drops the column, and with it the details
of any appeal still pending (the ``appeal_pending`` flag is kept).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ALTER TABLE on both backends: a batch copy of ``orders`` on SQLite
    # would drop a table other tables refer to while foreign keys are enforced.
    op.add_column("orders", sa.Column("pending_appeal", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("orders", "pending_appeal")
