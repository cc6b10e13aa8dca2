"""An audit trail that tells the truth: a genesis entry, seals, record digests, batches.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06

* ``audit_entries`` gains ``record_digest`` (the digest of the record's state
  after the change), ``key_id`` and ``mac`` (the HMAC seal under an audit
  key); all ``NULL`` on the entries already stored, whose hashes stay as they
  were, so an existing trail still verifies.
* ``incidents.audit_batch`` names the bulk batch (its audit entry's subject id)
  that stored each incident, so deep verification can recompute each batch's
  digest; ``NULL`` for incidents stored before this revision.
* Entry 0, the genesis entry, is written: the trail can no longer be emptied
  or have its start cut without verification failing. On a new database it is
  the first entry and entry 1 links to it. On a database that already has
  entries it *adopts* them: it records their head (number and hash), entry 1
  keeps linking to the all-zero hash, and the trail must still reach that head.
  With an audit key given to :func:`~spo_tracker.storage.upgrade`, the genesis
  entry is sealed with it.

Downgrading removes the genesis entry and the columns if no entry has been
written at this revision. Once one has, it keeps them (their hashes cover the
record digest and key id, and entry 1 of a new trail links to the genesis
entry: dropping them would leave a trail that no release can verify); an
older release then reads and writes as before, but its ``audit verify``
reports the entries written at 0008 as broken. Upgrading again finds them in
place and keeps them.
"""

from __future__ import annotations

import datetime as _dt
import secrets

import pendulum
import sqlalchemy as sa
from alembic import op

from spo_tracker.storage._audit import GENESIS_HASH, genesis_entry
from spo_tracker.storage._types import UtcInstant

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_NO_DELETE_SQLITE = """CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
    BEGIN SELECT RAISE(ABORT, 'audit entries are append-only: DELETE refused'); END"""


def upgrade() -> None:
    for table, name in _COLUMNS:
        if name not in _existing(table):  # kept by a downgrade after use (see above)
            op.add_column(table, sa.Column(name, sa.String(), nullable=True))
    genesis = op.get_bind().execute(sa.text("SELECT seq FROM audit_entries WHERE seq = 0"))
    if genesis.first() is None:
        _write_genesis()


_COLUMNS = (
    ("audit_entries", "record_digest"),
    ("audit_entries", "key_id"),
    ("audit_entries", "mac"),
    ("incidents", "audit_batch"),
)


def _existing(table: str) -> set[str]:
    return {c["name"] for c in sa.inspect(op.get_bind()).get_columns(table)}


def _now() -> _dt.datetime:
    """The database server's clock: when the schema was created (the library reads none)."""
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        text = bind.execute(sa.text("SELECT strftime('%Y-%m-%dT%H:%M:%f', 'now')")).scalar()
        return pendulum.parse(f"{text}Z")  # type: ignore[return-value]
    found = bind.execute(sa.text("SELECT now()")).scalar()
    assert isinstance(found, _dt.datetime)
    return found


def _write_genesis() -> None:
    bind = op.get_bind()
    last = bind.execute(
        sa.text("SELECT seq, entry_hash FROM audit_entries ORDER BY seq DESC LIMIT 1")
    ).first()
    adopted = None if last is None else (int(last[0]), str(last[1]))
    keyring = op.get_context().config.attributes.get("audit_keyring")  # type: ignore[union-attr]
    entry = genesis_entry(_now(), secrets.token_hex(16), adopted=adopted, keyring=keyring)
    columns = (sa.column(c, UtcInstant() if c == "recorded_at" else None) for c in _ENTRY_COLUMNS)
    audit = sa.table("audit_entries", *columns)
    bind.execute(sa.insert(audit).values({c: getattr(entry, c) for c in _ENTRY_COLUMNS}))
    if adopted is None:
        bind.execute(
            sa.text("UPDATE audit_head SET last_seq = 0, last_hash = :hash WHERE id = 1"),
            {"hash": entry.entry_hash},
        )


_ENTRY_COLUMNS = (
    "seq",
    "recorded_at",
    "actor_id",
    "actor_role",
    "event",
    "subject_kind",
    "subject_id",
    "changes",
    "reason",
    "prev_hash",
    "entry_hash",
    "record_digest",
    "key_id",
    "mac",
)


def downgrade() -> None:
    bind = op.get_bind()
    written = bind.execute(
        sa.text(
            "SELECT count(*) FROM audit_entries WHERE seq > 0 AND (record_digest IS NOT NULL "
            "OR key_id IS NOT NULL OR prev_hash = (SELECT entry_hash FROM audit_entries "
            "WHERE seq = 0))"
        )
    ).scalar()
    if written:
        return  # keep what their hashes cover (see the module's docstring)
    sqlite = bind.dialect.name == "sqlite"
    if sqlite:
        op.execute("DROP TRIGGER audit_entries_no_delete")
    else:
        op.execute("ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_no_update_or_delete")
    op.execute("DELETE FROM audit_entries WHERE seq = 0")
    if sqlite:
        op.execute(_NO_DELETE_SQLITE)
    else:
        op.execute("ALTER TABLE audit_entries ENABLE TRIGGER audit_entries_no_update_or_delete")
    bind.execute(
        sa.text("UPDATE audit_head SET last_hash = :zero WHERE id = 1 AND last_seq = 0"),
        {"zero": GENESIS_HASH},
    )
    for table, name in reversed(_COLUMNS):
        op.drop_column(table, name)
