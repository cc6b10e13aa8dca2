"""An index on the bulk batch that stored each incident, for incremental detection.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06

An incremental detection run finds the incidents recorded since the last run
through the audit trail: each ``incidents.ingested`` entry after the run's
watermark names its batch, and the batch's rows carry that name in
``incidents.audit_batch``. ``ix_incidents_audit_batch`` makes that lookup an
index probe per batch instead of a scan of the whole table. Downgrading drops
the index; no data changes.
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_incidents_audit_batch", "incidents", ["audit_batch"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_incidents_audit_batch", table_name="incidents")
