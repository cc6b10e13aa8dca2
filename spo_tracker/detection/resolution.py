"""Identity resolution: which defendant an incident belongs to (detection's first step).

Incidents arrive attributed to identities (a phone number, an email address, a
platform handle, a device), not to people. The :class:`IdentityIndex` maps
every identity linked to a defendant back to that defendant. Identities are
normalised by :mod:`spo_tracker.domain.identities` before they get here, so
``@Someone`` on ``twitter`` and ``someone`` on ``x`` are one key.

Linking is discovery, not the start of conduct: an identity linked to a
defendant after an incident still resolves for that incident, so the link
time is deliberately ignored here. An incident that cannot be attributed is
returned as :class:`Unattributed` with the reason, never dropped.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from typing import Final

import attrs

from spo_tracker.domain.identities import Identity, IdentityKind, Platform
from spo_tracker.domain.incidents import Incident
from spo_tracker.domain.people import Defendant
from spo_tracker.errors import InvalidValueError

__all__ = ["IdentityIndex", "Unattributed", "UnattributedReason"]


class UnattributedReason(enum.Enum):
    """Why an incident could not be attributed to a defendant."""

    NO_ACTOR = "no_actor"
    UNKNOWN_IDENTITY = "unknown_identity"
    AMBIGUOUS_IDENTITY = "ambiguous_identity"


@attrs.frozen
class Unattributed:
    """An incident no defendant could be found for, kept for an officer to look at.

    Attributes:
        incident_id: the incident.
        reason: no actor named, an identity no defendant is linked to, or an
            identity linked to more than one defendant.
        identity_key: the actor's identity key, if there was one.
    """

    incident_id: str
    reason: UnattributedReason
    identity_key: str | None = None


# Keyed by the normalised value string: hashing a str is far cheaper than hashing an
# Identity (whose enum fields hash in Python), and values rarely collide across kinds.
_Entry = tuple[IdentityKind, Platform | None, str]

_AMBIGUOUS: Final = "\x00ambiguous"


class IdentityIndex:
    """Identity to defendant, built once from the defendants' linked identities.

    Raises:
        InvalidValueError: two defendants share an id.
    """

    __slots__ = ("_by_key", "_by_value", "_defendant_ids", "owners_by_key")

    def __init__(self, defendants: Iterable[Defendant]) -> None:
        self._by_value: dict[str, list[_Entry]] = {}
        # The same links by Identity.key, the form stored incident rows name their actor in.
        self._by_key: dict[str, str] = {}
        self._defendant_ids: set[str] = set()
        for defendant in defendants:
            self._add(defendant)
        #: Identity key to its one defendant (keys linked to two or more are left out):
        #: :meth:`owner_of_key` as a plain mapping, for the batch scan's hot path.
        self.owners_by_key: Mapping[str, str] = {
            key: owner for key, owner in self._by_key.items() if owner != _AMBIGUOUS
        }

    def _add(self, defendant: Defendant) -> None:
        if not isinstance(defendant, Defendant):
            raise InvalidValueError("defendant", defendant, "expected a Defendant")
        if defendant.defendant_id in self._defendant_ids:
            raise InvalidValueError("defendant_id", defendant.defendant_id, "appears twice")
        self._defendant_ids.add(defendant.defendant_id)
        for linked in defendant.identities:
            self._link(linked.identity, defendant.defendant_id)

    def _link(self, identity: Identity, defendant_id: str) -> None:
        key = identity.key
        if self._by_key.setdefault(key, defendant_id) != defendant_id:
            self._by_key[key] = _AMBIGUOUS
        entries = self._by_value.setdefault(identity.value, [])
        for i, (kind, platform, owner) in enumerate(entries):
            if kind is identity.kind and platform is identity.platform:
                if owner != defendant_id:
                    # One account linked to two people: attributing it to either would guess.
                    entries[i] = (kind, platform, _AMBIGUOUS)
                return
        entries.append((identity.kind, identity.platform, defendant_id))

    @property
    def defendant_ids(self) -> frozenset[str]:
        """Every defendant the index was built from."""
        return frozenset(self._defendant_ids)

    def lookup(self, identity: Identity) -> str | None:
        """The defendant linked to ``identity``; ``None`` if none or more than one is."""
        owner = self._owner(identity)
        return None if owner is None or owner == _AMBIGUOUS else owner

    def owner(self, identity: Identity) -> str | None:
        """Like :meth:`lookup`, for the engine's hot path (one method call, no allocation)."""
        for kind, platform, owner in self._by_value.get(identity.value, ()):
            if kind is identity.kind and platform is identity.platform:
                return None if owner == _AMBIGUOUS else owner
        return None

    def owner_of_key(self, key: str) -> str | None:
        """:meth:`owner` for an identity given by its :attr:`~Identity.key` (a stored row's)."""
        owner = self._by_key.get(key)
        return None if owner == _AMBIGUOUS else owner

    def unattributed_key(self, incident_id: str, key: str | None) -> Unattributed:
        """Why an incident whose actor has this key (or none) has no owner, as :meth:`attribute`."""
        if key is None:
            return Unattributed(incident_id, UnattributedReason.NO_ACTOR)
        if self._by_key.get(key) == _AMBIGUOUS:
            return Unattributed(incident_id, UnattributedReason.AMBIGUOUS_IDENTITY, key)
        return Unattributed(incident_id, UnattributedReason.UNKNOWN_IDENTITY, key)

    def _owner(self, identity: Identity) -> str | None:
        for kind, platform, owner in self._by_value.get(identity.value, ()):
            if kind is identity.kind and platform is identity.platform:
                return owner
        return None

    def attribute(self, incident: Incident) -> str | Unattributed:
        """The defendant an incident belongs to, or why it cannot be attributed.

        A direct attribution by an officer (``incident.defendant_id``) wins over the
        actor identity: the officer has seen more than the account name.
        """
        if incident.defendant_id is not None:
            return incident.defendant_id
        actor = incident.actor
        if actor is None:
            return Unattributed(incident.incident_id, UnattributedReason.NO_ACTOR)
        owner = self._owner(actor)
        if owner is None:
            return Unattributed(
                incident.incident_id, UnattributedReason.UNKNOWN_IDENTITY, actor.key
            )
        if owner == _AMBIGUOUS:
            return Unattributed(
                incident.incident_id, UnattributedReason.AMBIGUOUS_IDENTITY, actor.key
            )
        return owner
