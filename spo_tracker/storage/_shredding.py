"""Crypto-shredding of a protected person's key, and rotation of the data key.

Both are storage operations (they act on keys, not on casework): the
retention helpers call :func:`shred_person_key` when they dispose of a
person's restricted details, and an administrator runs :func:`rotate_data_key`
(``spo-tracker keys rotate-data-key``) after adding a data key to the key file.
"""

from __future__ import annotations

import datetime as _dt

from spo_tracker.domain.validators import check_text
from spo_tracker.errors import DataKeyError, InvalidValueError
from spo_tracker.storage._audit import Actor
from spo_tracker.storage._base import Store, UnitOfWork
from spo_tracker.storage._crypto import RotationReport, rotate
from spo_tracker.storage._sql import SqlStore
from spo_tracker.storage._sql_records import SqlRecords

__all__ = ["KEY_DESTROYED", "KEY_ROTATED", "rotate_data_key", "shred_person_key"]

#: The audit event of a destroyed person's key (DPA2018 s.62(1)(f): erasure is logged).
KEY_DESTROYED = "protected_person.key_destroyed"
#: The audit event of a rotation of the data key.
KEY_ROTATED = "data_key.rotated"


def shred_person_key(uow: UnitOfWork, person_id: str, *, reason: str) -> bool:
    """Destroy the protected person's own key in ``uow`` (it takes effect when ``uow``
    commits): their restricted details can then never be read again, from the database or
    from any copy of it (see docs/storage.md on backups); reading them raises
    :class:`~spo_tracker.errors.DetailsDisposedError`. Their name and every other record
    stay readable. The erasure is written to the audit trail with ``reason``
    (DPA2018 s.62(1)(f)).

    A person with no details stored under a key yet is marked too: details cannot be
    stored for them afterwards. Calling it again changes nothing and returns ``False``.

    Args:
        uow: an open unit of work (SQL or in-memory).
        person_id: the protected person.
        reason: why (e.g. the retention decision); not blank.

    Returns:
        Whether a key holding details was destroyed now.

    Raises:
        PermissionDeniedError: the actor's role may not shred a key (the
            ``shred_person_key`` row: supervisors; the refusal is audited, nothing else).
        NotFoundError: no protected person ``person_id`` is stored.
        InvalidValueError: ``reason`` is blank or not text.
    """
    uow.authorise("shred_person_key")
    why = check_text("reason", reason)
    if not why.strip():
        raise InvalidValueError("reason", reason, "say why the details are disposed of")
    records = uow._records()
    # NotFoundError if there is no such person. Locked first (PostgreSQL FOR UPDATE), so
    # an update of the person's details that began before waits no longer: it commits
    # first and its details are destroyed with the key, or it waits for the key to go
    # and is then refused (DetailsDisposedError); it is never told it stored details
    # that can no longer be read.
    uow.protected_persons.lock(person_id)
    destroyed = records.shred_person_key(person_id)
    uow._audit(KEY_DESTROYED, "protected_person", person_id, {"key_destroyed": destroyed}, why)
    return destroyed


def rotate_data_key(
    store: Store, *, actor: Actor, at: _dt.datetime | None = None, reason: str = ""
) -> RotationReport:
    """Re-wrap every protected person's key under the current data key (the last line of
    the key file), in one transaction, and record a ``data_key.rotated`` audit entry.

    Afterwards no person's key is wrapped with an older data key: remove those lines from
    the key file (:attr:`RotationReport.in_use` names the keys still used).

    Raises:
        PermissionDeniedError: the actor's role may not rotate the data key (the
            ``keys.rotate_data_key`` row: administrators; the refusal is audited).
        DataKeyError: the store has no data key, or a person's key is wrapped with a key
            the keyring does not hold (nothing is changed).
        InvalidValueError: ``store`` is not a SQL store.
    """
    if not isinstance(store, SqlStore):
        raise InvalidValueError("store", type(store).__name__, "keys are kept by SQL stores")
    keyring = store.data_keyring
    with store.unit_of_work(actor, at=at) as uow:
        uow.authorise("keys.rotate_data_key")
        if keyring is None:
            raise DataKeyError(None, "rotate", "no data key is given: give the key file")
        records = uow._records()
        assert isinstance(records, SqlRecords)
        report = rotate(records.person_keys.executor, keyring)
        changes = {"current": report.current, "rewrapped": report.rewrapped}
        uow._audit(KEY_ROTATED, "data_key", report.current, changes, reason)
        uow.commit()
    return report
