"""Logged consultation and disclosure (DPA 2018 s.62): which people an audit entry covers.

Part 3 of the Data Protection Act 2018 asks a controller to log collection,
alteration, consultation, disclosure, combination and erasure, and for a
consultation or disclosure the justification, the date and time and, as far
as possible, who did it and to whom (DPA 2018 s.62(1) to (3)). The audit trail
already records who, when and the change; this module adds *which people*:

- an entry whose subject is a person's record (``defendant`` or
  ``protected_person``: its creation, a change, a read of restricted details,
  its disposal) covers that person;
- a consultation or disclosure entry names the people it covered in its
  changes, as ids only (``{"people": {"defendants": [...], "protected_persons":
  [...]}, "purpose": ...}``): one entry per call, however many rows it read.

:func:`people_of` answers for any entry; SQL stores keep the answer in the
``audit_people`` index table (migration 0012), written in the transaction of
the entry, so that ``spo-tracker audit log --person ID`` reads a person's
entries without scanning every entry's JSON.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, Final

__all__ = [
    "CONSULTED_EVENT",
    "DEFENDANT",
    "PERSON_KINDS",
    "PROTECTED_PERSON",
    "people_changes",
    "people_of",
]

DEFENDANT: Final = "defendant"
PROTECTED_PERSON: Final = "protected_person"
#: The record kinds that are a person's record.
PERSON_KINDS: Final = (DEFENDANT, PROTECTED_PERSON)
#: The changes' key that lists the people an entry covered, by kind.
PEOPLE_KEY: Final = "people"
_LISTS: Final = {DEFENDANT: "defendants", PROTECTED_PERSON: "protected_persons"}
#: The event of a unit of work's reads of people's records not logged by a disclosure.
CONSULTED_EVENT: Final = "persons.consulted"


def people_changes(people: Mapping[str, Iterable[str]], purpose: str | None) -> dict[str, Any]:
    """The part of a consultation or disclosure entry's changes that names its people.

    Args:
        people: ids by kind (:data:`DEFENDANT`, :data:`PROTECTED_PERSON`).
        purpose: the actor's stated purpose (``Actor.purpose``), the justification
            DPA 2018 s.62(2)(a) asks for; ``None`` when none was stated.

    Returns:
        ``{"people": {"defendants": [...], "protected_persons": [...]}, "purpose": ...}``,
        ids sorted and unique (a kind with nobody is left out).
    """
    listed = {
        _LISTS[kind]: sorted(set(ids)) for kind, ids in people.items() if kind in _LISTS and ids
    }
    return {PEOPLE_KEY: listed, "purpose": purpose}


def people_of(subject_kind: str, subject_id: str, changes: str) -> list[tuple[str, str]]:
    """The people an audit entry covers, as ``(kind, id)`` pairs, sorted and unique.

    Args:
        subject_kind: the entry's subject kind; a person's record covers its person.
        subject_id: the entry's subject id.
        changes: the entry's changes as canonical JSON; a top-level ``people`` object
            (see :func:`people_changes`) names the people a consultation or disclosure
            covered.
    """
    found: set[tuple[str, str]] = set()
    if subject_kind in PERSON_KINDS:
        found.add((subject_kind, subject_id))
    # Most entries name nobody: parse only those that can (canonical JSON has no spaces).
    if f'"{PEOPLE_KEY}":' in changes:
        found.update(_listed(changes))
    return sorted(found)


def _listed(changes: str) -> Iterable[tuple[str, str]]:
    try:
        decoded = json.loads(changes)
    except ValueError:
        return ()
    listed = decoded.get(PEOPLE_KEY) if isinstance(decoded, dict) else None
    if not isinstance(listed, dict):
        return ()
    return (
        (kind, str(key))
        for kind, name in _LISTS.items()
        if isinstance(listed.get(name), list)
        for key in listed[name]
    )
