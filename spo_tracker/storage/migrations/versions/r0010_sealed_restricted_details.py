"""Protected persons' restricted details encrypted at rest, one key per person.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06

* ``person_keys`` holds each protected person's own key, wrapped by a data key
  kept outside the database (``kek_id`` names it); both ``NULL`` once the key
  was destroyed (crypto-shredding).
* ``protected_person_restricted`` loses its plaintext ``address`` and
  ``places`` columns for ``sealed``: the details as AES-256-GCM ciphertext under
  the person's key (``NULL`` when nothing is recorded). See
  :mod:`spo_tracker.storage._crypto`.

Existing details are encrypted in the same transaction, which needs the data
key: :func:`~spo_tracker.storage.upgrade` passes it as it passes the audit key
(``data_keyring``). A database holding details and no key given: the upgrade
is refused with :class:`~spo_tracker.errors.DataKeyError` and nothing changes.
On SQLite the table is rebuilt (a batch copy); with ``secure_delete`` on (the
library's connections set it) the freed pages that held the plaintext are
zeroed, and :func:`~spo_tracker.storage.upgrade` checkpoints the write-ahead
log afterwards.

Downgrading decrypts the details back into plaintext columns (it needs the
key too) and drops ``person_keys``; a person whose key was destroyed gets no
address and no places: their details are gone for good.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

from spo_tracker.errors import DataKeyError
from spo_tracker.storage._codec import canonical_json
from spo_tracker.storage._crypto import PersonKeys

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_TABLE = "protected_person_restricted"


def _keys(holding: bool) -> PersonKeys:
    keyring = op.get_context().config.attributes.get("data_keyring")  # type: ignore[union-attr]
    if keyring is None and holding:
        raise DataKeyError(
            None,
            "upgrade",
            "the database holds protected persons' restricted details, and migration 0010 "
            "encrypts them: give the data key (data_key_file=, --data-key-file or "
            "$SPO_TRACKER_DATA_KEY_FILE)",
        )
    return PersonKeys(op.get_bind(), keyring)


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def upgrade() -> None:
    op.create_table(
        "person_keys",
        sa.Column("person_id", sa.String(), nullable=False),
        sa.Column("kek_id", sa.String(), nullable=True),
        sa.Column("wrapped", sa.LargeBinary(), nullable=True),
        sa.PrimaryKeyConstraint("person_id", name="pk_person_keys"),
    )
    bind = op.get_bind()
    old = sa.table(_TABLE, sa.column("person_id"), sa.column("address"), sa.column("places"))
    rows = bind.execute(sa.select(old.c.person_id, old.c.address, old.c.places)).all()
    found = [(p, _json(a), _json(s) or []) for p, a, s in rows]
    holding = [(p, a, s) for p, a, s in found if a is not None or s]
    keys = _keys(bool(holding))
    op.add_column(_TABLE, sa.Column("sealed", sa.LargeBinary(), nullable=True))
    new = sa.table(_TABLE, sa.column("person_id"), sa.column("sealed", sa.LargeBinary()))
    for person_id, address, places in holding:
        # The text the library seals: the canonical JSON of the details' dump.
        text = canonical_json({"address": address, "places": places}).encode()
        bind.execute(
            sa.update(new)
            .where(new.c.person_id == person_id)
            .values(sealed=keys.seal(person_id, text))
        )
    with op.batch_alter_table(_TABLE) as batch:
        batch.drop_column("address")
        batch.drop_column("places")


def downgrade() -> None:
    bind = op.get_bind()
    table = sa.table(_TABLE, sa.column("person_id"), sa.column("sealed", sa.LargeBinary()))
    rows = bind.execute(
        sa.select(table.c.person_id, table.c.sealed).where(table.c.sealed.is_not(None))
    ).all()
    keys = _keys(bool(rows))
    with op.batch_alter_table(_TABLE) as batch:
        batch.add_column(sa.Column("address", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("places", sa.JSON(), nullable=False, server_default="[]"))
    plain = sa.table(
        _TABLE,
        sa.column("person_id"),
        sa.column("address", sa.JSON()),
        sa.column("places", sa.JSON()),
    )
    for person_id, sealed in rows:
        if keys.disposed(person_id):
            continue
        details = json.loads(keys.open(person_id, sealed))
        bind.execute(
            sa.update(plain)
            .where(plain.c.person_id == person_id)
            .values(address=details["address"], places=details["places"])
        )
    with op.batch_alter_table(_TABLE) as batch:
        batch.alter_column("places", existing_type=sa.JSON(), server_default=None)
        batch.drop_column("sealed")
    op.drop_table("person_keys")
