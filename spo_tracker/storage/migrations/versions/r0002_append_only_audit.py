"""Append-only audit: refuse UPDATE and DELETE by trigger; keep a head record; index incidents.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29

The head record (``audit_head``: the last entry's number and hash) is filled
from the entries already stored, so a database upgraded from 0001 keeps its
trail and its chain still verifies. Writers lock the head row to append, which
serialises appends on PostgreSQL (SQLite writers are serialised anyway).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_MESSAGE = "audit entries are append-only"

_SQLITE_TRIGGERS = (
    f"""CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries
    BEGIN SELECT RAISE(ABORT, '{_MESSAGE}: UPDATE refused'); END""",
    f"""CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
    BEGIN SELECT RAISE(ABORT, '{_MESSAGE}: DELETE refused'); END""",
    """CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
    BEGIN SELECT RAISE(ABORT, 'the audit head is never deleted'); END""",
    """CREATE TRIGGER audit_head_forward_only BEFORE UPDATE ON audit_head
    WHEN NEW.last_seq < OLD.last_seq
    BEGIN SELECT RAISE(ABORT, 'the audit head only moves forward'); END""",
)

_POSTGRES_TRIGGERS = (
    f"""CREATE FUNCTION spo_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION '{_MESSAGE}: % refused', TG_OP; END $$""",
    """CREATE TRIGGER audit_entries_no_update_or_delete BEFORE UPDATE OR DELETE ON audit_entries
    FOR EACH ROW EXECUTE FUNCTION spo_audit_append_only()""",
    """CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries
    FOR EACH STATEMENT EXECUTE FUNCTION spo_audit_append_only()""",
    """CREATE FUNCTION spo_audit_head_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP <> 'UPDATE' OR NEW.last_seq < OLD.last_seq THEN
        RAISE EXCEPTION 'the audit head only moves forward: % refused', TG_OP;
      END IF;
      RETURN NEW;
    END $$""",
    """CREATE TRIGGER audit_head_forward_only BEFORE UPDATE OR DELETE ON audit_head
    FOR EACH ROW EXECUTE FUNCTION spo_audit_head_forward_only()""",
    """CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head
    FOR EACH STATEMENT EXECUTE FUNCTION spo_audit_append_only()""",
)


def upgrade() -> None:
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("last_hash", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_head"),
    )
    _fill_head()
    triggers = _SQLITE_TRIGGERS if op.get_bind().dialect.name == "sqlite" else _POSTGRES_TRIGGERS
    for statement in triggers:
        op.execute(statement)
    op.create_index(
        "ix_incidents_defendant_id_occurred_at", "incidents", ["defendant_id", "occurred_at"]
    )


def _fill_head() -> None:
    bind = op.get_bind()
    last = bind.execute(
        sa.text("SELECT seq, entry_hash FROM audit_entries ORDER BY seq DESC LIMIT 1")
    ).first()
    seq, digest = (0, "0" * 64) if last is None else (int(last[0]), str(last[1]))
    bind.execute(
        sa.text("INSERT INTO audit_head (id, last_seq, last_hash) VALUES (1, :seq, :hash)"),
        {"seq": seq, "hash": digest},
    )


def downgrade() -> None:
    op.drop_index("ix_incidents_defendant_id_occurred_at", table_name="incidents")
    if op.get_bind().dialect.name == "sqlite":
        for name in ("audit_entries_no_update", "audit_entries_no_delete", "audit_head_no_delete"):
            op.execute(f"DROP TRIGGER {name}")
        op.execute("DROP TRIGGER audit_head_forward_only")
    else:
        op.execute("DROP TRIGGER audit_entries_no_update_or_delete ON audit_entries")
        op.execute("DROP TRIGGER audit_entries_no_truncate ON audit_entries")
        op.execute("DROP TRIGGER audit_head_forward_only ON audit_head")
        op.execute("DROP TRIGGER audit_head_no_truncate ON audit_head")
        op.execute("DROP FUNCTION spo_audit_head_forward_only()")
        op.execute("DROP FUNCTION spo_audit_append_only()")
    op.drop_table("audit_head")
