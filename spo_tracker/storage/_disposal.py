"""Disposal: erasing a case's personal data inside a unit of work (MoPI disposal).

Each function overwrites one record's personal values through its repository's
ordinary ``update``, so the erasure is itself an audited change: its entry
records who erased what and why, and the record digest of the erased state,
which deep verification (``spo-tracker audit verify --deep``) then compares
with the rows. The records stay (an order still names its defendant and its
protected persons by id, and the court's record of the order is kept); only
the personal values go. Entries written from release 0011 on never carry
personal values (see :class:`~spo_tracker.storage._mapping_base.PersonalDataMapper`),
so there is nothing to erase in the trail.

On SQLite the connection sets ``PRAGMA secure_delete=ON`` (freed space is
zeroed) and :func:`purge_erased_bytes` checkpoints and truncates the
write-ahead log after the disposal commits, so the erased values leave the
file and its ``-wal`` too.
"""

from __future__ import annotations

from typing import Any, Final

import attrs

from spo_tracker.domain.notification import NotificationDuty
from spo_tracker.domain.people import Defendant, NameUse, ProtectedPerson, RestrictedDetails
from spo_tracker.storage import _codec
from spo_tracker.storage._base import Store, UnitOfWork
from spo_tracker.storage._shredding import shred_person_key
from spo_tracker.storage._sql import SqlStore

__all__ = [
    "DISPOSED_NAME",
    "erase_defendant",
    "erase_incident",
    "erase_notification_duty",
    "erase_protected_person",
    "purge_erased_bytes",
]

#: The name a disposed person's record holds (a name is required; this one is nobody's).
DISPOSED_NAME: Final = "[disposed]"


def erase_protected_person(uow: UnitOfWork, person_id: str, *, reason: str) -> None:
    """Erase one protected person's personal data: name and restricted details (address,
    places). The person's id stays, so the orders that protected them still read.

    This is the one place a protected person's data is erased. The details are
    overwritten first (so the person still loads, with none), then the person's own
    key is destroyed (:func:`~spo_tracker.storage.shred_person_key`, crypto-shredding):
    a copy of the database taken before the disposal can no longer open them once the
    data key of that time is retired (see docs/storage.md on backups).

    Raises:
        NotFoundError: no person is stored under ``person_id``.
    """
    revision = uow.protected_persons.revision(person_id)
    erased = ProtectedPerson(person_id, DISPOSED_NAME, RestrictedDetails())
    uow.protected_persons.update(erased, expected_revision=revision, reason=reason)
    shred_person_key(uow, person_id, reason=reason)


def erase_defendant(uow: UnitOfWork, defendant_id: str, *, reason: str) -> None:
    """Erase a defendant's personal data: names, date of birth, addresses and linked
    identities. The id (the case's id) and any sex-offender registration dates stay.

    Raises:
        NotFoundError: no defendant is stored under ``defendant_id``.
    """
    found = uow.defendants.get(defendant_id)
    erased = Defendant(
        defendant_id, (NameUse(DISPOSED_NAME),), None, (), (), found.soa_registration
    )
    if erased != found:
        uow.defendants.update(erased, reason=reason)


def erase_incident(uow: UnitOfWork, incident_id: str, *, reason: str) -> bool:
    """Erase an incident's personal data: its summary (free text), the identity that
    acted, where it happened and its evidence references. Its time, kind, platform and
    the ids it links stay (the alerts that rest on it still name it).

    Returns:
        Whether anything was erased (``False``: it held no personal data).

    Raises:
        NotFoundError: no incident is stored under ``incident_id``.
    """
    found = uow.incidents.get(incident_id)
    erased = attrs.evolve(found, actor=None, location=None, summary="", evidence_refs=())
    if erased == found:
        return False
    uow.incidents.update(erased, reason=reason)
    return True


def _erased_text(value: Any) -> Any:
    """``value`` (a dumped duty) with every notified name or address and every note
    replaced by :data:`DISPOSED_NAME`."""
    if isinstance(value, dict):
        return {
            k: DISPOSED_NAME if k in ("detail", "note") and v else _erased_text(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_erased_text(v) for v in value]
    return value


def erase_notification_duty(uow: UnitOfWork, duty_id: str, *, reason: str) -> bool:
    """Erase a notification duty's personal data: the names and addresses the defendant
    notified (SPA2019 s.9(2)), refusals' notes and false information given. Its items,
    days, deadlines and states stay (what was due and when is kept).

    Returns:
        Whether anything was erased.

    Raises:
        NotFoundError: no duty is stored under ``duty_id``.
    """
    found = uow.notification_duties.get(duty_id)
    dumped = _codec.dump(found, NotificationDuty)
    erased = _codec.load(_erased_text(dumped), NotificationDuty)
    if erased == found:
        return False
    erased = attrs.evolve(erased, revision=found.revision + 1)
    uow.notification_duties.update(erased, reason=reason)
    return True


def purge_erased_bytes(store: Store) -> bool:
    """After a disposal has committed, make sure erased values leave the database's files.

    On SQLite: checkpoint the write-ahead log into the database file and truncate it
    (freed space in the file is already zeroed: ``secure_delete``). PostgreSQL and the
    in-memory store need nothing here (PostgreSQL's dead row versions are reclaimed by
    its vacuum; see docs/retention.md).

    Returns:
        Whether the log was fully checkpointed (``False``: a reader held it; run again).
    """
    if not isinstance(store, SqlStore) or not store.url.is_sqlite:
        return True
    # The driver's own connection, outside any transaction: a checkpoint cannot run
    # inside one (the engine begins every transaction IMMEDIATE).
    raw = store.engine.raw_connection()
    try:
        cursor = raw.cursor()
        busy, _, _ = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        cursor.close()
    finally:
        raw.close()
    return int(busy) == 0
