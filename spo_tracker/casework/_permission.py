"""The permission check every casework function makes before doing anything.

The permission table is :mod:`spo_tracker.domain.permissions`; the unit of
work applies it (:meth:`~spo_tracker.storage.UnitOfWork.authorise`) and audits
a refusal. A function that opens its unit of work later (or several) checks
here first, in a unit of work of its own that changes nothing when allowed.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Sequence

from spo_tracker.domain.incidents import Incident
from spo_tracker.domain.people import Defendant, ProtectedPerson
from spo_tracker.domain.permissions import Role, Scope
from spo_tracker.domain.pseudonyms import KEY_FILE_ENV, Pseudonymiser
from spo_tracker.domain.redaction import redacted_label
from spo_tracker.domain.statutory_time import ensure_aware
from spo_tracker.errors import InvalidValueError, PseudonymKeyError
from spo_tracker.storage import Actor, Store

__all__ = ["analyst_pseudonyms", "authorised", "identities_of", "people_of"]


def authorised(
    store: Store, actor: Actor, action: str, *, at: _dt.datetime, orders: Sequence[str] = ()
) -> Scope:
    """Check that ``actor`` may take ``action`` (on ``orders``), auditing a refusal.

    Raises:
        InvalidValueError: ``actor`` is not an Actor.
        PermissionDeniedError: refused (the refusal is in the audit trail).
    """
    if not isinstance(actor, Actor):
        raise InvalidValueError("actor", actor, "give an Actor(actor_id, role)")
    with store.unit_of_work(actor, at=ensure_aware(at, field="at")) as uow:
        return uow.authorise(action, orders=orders)


def analyst_pseudonyms(
    store: Store,
    actor: Actor,
    action: str,
    *,
    at: _dt.datetime,
    pseudonyms: Pseudonymiser | None,
    include_protected_names: bool,
) -> Pseudonymiser | None:
    """The pseudonymiser an analyst's output must go through (``None`` for other roles).

    An analyst sees people only as pseudonyms (DPA2018 s.57): asking for names is
    refused (audited), and without a pseudonym key nothing is written.

    Raises:
        PermissionDeniedError: an analyst asked for protected persons' names (audited).
        PseudonymKeyError: an analyst and no ``pseudonyms`` given.
    """
    if actor.role != Role.ANALYST:
        return None
    if include_protected_names:
        with store.unit_of_work(actor, at=ensure_aware(at, field="at")) as uow:
            uow.deny(action, "an analyst sees people as pseudonyms, never by name")
    if pseudonyms is None:
        raise PseudonymKeyError(KEY_FILE_ENV, "not given: an analyst's output is pseudonymised")
    return pseudonyms


def people_of(
    defendants: Iterable[Defendant], persons: Iterable[ProtectedPerson]
) -> dict[str, list[str]]:
    """Each person's id and what names them in a rendering (names; a protected person's
    redacted label), for :meth:`~spo_tracker.domain.pseudonyms.Pseudonymiser.rewrite`."""
    people = {d.defendant_id: [n.name for n in d.names] for d in defendants}
    for person in persons:
        people[person.person_id] = [person.name, redacted_label(person.person_id)]
    return people


def identities_of(defendants: Iterable[Defendant], incidents: Iterable[Incident]) -> list[str]:
    """The identities an analyst's output withholds (DPA2018 s.57: a phone number or
    handle names a person as surely as a name): each key (``phone:+44...``) and value
    of the defendants' linked identities and of the incidents' actors."""
    found = [link.identity for d in defendants for link in d.identities]
    found += [i.actor for i in incidents if i.actor is not None]
    return sorted({said for identity in found for said in (identity.key, identity.value)})
