"""Which people each audit entry covers: the index of ``audit log --person``.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06

``audit_people`` holds one row per audit entry and person it covers
``(person_id, seq, person_kind)``: an entry about a defendant's or protected
person's record, and each person a consultation or disclosure entry names
(DPA 2018 s.62). The library writes it in the transaction of the entry. Its
primary key starts with ``person_id``, so a person's entries are one index
range however long the trail (on SQLite a ``WITHOUT ROWID`` table: the key is
the table, one B-tree to write).

Upgrading fills it from the entries already stored whose subject is a person
(entries written before this release name nobody else). Downgrading drops it;
nothing is lost, since it is derived from the entries.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_people",
        sa.Column("person_id", sa.String(), nullable=False),
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("person_kind", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("person_id", "seq", "person_kind", name="pk_audit_people"),
        sqlite_with_rowid=False,
    )
    op.execute(
        sa.text(
            "INSERT INTO audit_people (person_id, seq, person_kind) "
            "SELECT subject_id, seq, subject_kind FROM audit_entries "
            "WHERE subject_kind IN ('defendant', 'protected_person')"
        )
    )


def downgrade() -> None:
    op.drop_table("audit_people")
