"""An index on when each compliance record was met, for incremental detection.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07

A nightly detection run reads only the orders whose dated alerts can have
changed since the previous run. A compliance record dated after the previous
run's instant (a sign-on or a requirement met, SPA2019 s.1(2)(b)) was not judged
by that run, even if it was written before it began, so the run asks which orders
have records dated between the two instants. ``ix_compliance_records_at`` makes
that a range probe instead of a scan of a force's millions of sign-ons.
Downgrading drops the index; no data changes.
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_compliance_records_at", "compliance_records", ["at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_compliance_records_at", table_name="compliance_records")
