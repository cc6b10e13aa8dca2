"""What a unit of work keeps for the audit trail until it ends.

Its pending audit entries and outbox events (written at commit), the entries kept
even on rollback (reads of restricted details, refusals, the consultation entry of
the people whose records were read, DPA 2018 s.62), and the clock that times them.
:class:`~spo_tracker.storage._unit_of_work.UnitOfWork` builds on it.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import pendulum

from spo_tracker.clock import Clock
from spo_tracker.domain.statutory_time import ensure_aware
from spo_tracker.errors import PermissionDeniedError
from spo_tracker.events import DomainEvent
from spo_tracker.storage._audit import Actor, PendingEntry
from spo_tracker.storage._backend import PendingEvent
from spo_tracker.storage._consult import CONSULTED_EVENT, people_changes
from spo_tracker.storage._digests import ids_sum
from spo_tracker.storage._keys import AuditKeyring

__all__ = ["Bookkeeping"]


def _batch_changes(ids: Sequence[str]) -> dict[str, Any]:
    """A bulk write's audit changes: count, first and last id, SHA-256 of the ids."""
    digest = hashlib.sha256("\n".join(ids).encode()).hexdigest()
    changes = {"count": len(ids), "first_id": ids[0], "last_id": ids[-1], "ids_sha256": digest}
    return {**changes, "ids_sum": ids_sum(ids)}  # checked by deep verification


class Bookkeeping:
    """The audit side of a unit of work: who acts, when, and the entries and events waiting.

    Attributes:
        actor: who is acting (on every audit entry).
    """

    # Set up by UnitOfWork.__init__.
    actor: Actor
    _keyring: AuditKeyring | None
    _at: pendulum.DateTime | None
    _clock: Clock | None
    _pending: list[PendingEntry]
    _events: list[PendingEvent]
    _reads: list[PendingEntry]
    _processing_depth: int
    _consulted: dict[str, set[str]]
    _consultations_deferred: bool

    def _consult(self, kind: str, keys: Iterable[str]) -> None:
        found = self._consulted.get(kind)
        if found is None:
            found = self._consulted[kind] = set()
        found.update(keys)
        if not found:
            del self._consulted[kind]

    def _consultation(self) -> list[PendingEntry]:
        """The consultation entry of the reads not yet logged (none if deferred or nobody)."""
        people, self._consulted = self._consulted, {}
        if self._consultations_deferred or not people:
            return []
        ids = sorted(k for keys in people.values() for k in keys)
        key = f"{ids[0]}..{ids[-1]}"  # as batches are named; the ids are in the changes
        changes = people_changes(people, self.actor.purpose)
        reason = self.actor.purpose or "records read"
        return [
            PendingEntry.encoded(
                self._now(), self.actor, CONSULTED_EVENT, "persons", key, changes, reason
            )
        ]

    def _now(self) -> pendulum.DateTime:
        if self._at is not None:
            return self._at
        assert self._clock is not None
        return ensure_aware(self._clock(), field="clock()")

    def _audit(
        self,
        event: str,
        kind: str,
        key: str,
        changes: Mapping[str, Any],
        reason: str,
        digest: str | None = None,
    ) -> None:
        self._pending.append(
            PendingEntry.encoded(self._now(), self.actor, event, kind, key, changes, reason, digest)
        )

    def _emit(self, event: DomainEvent) -> None:
        self._events.append(PendingEvent(event, self._now()))

    def _audit_read(self, key: str, reason: str) -> None:
        event = "protected_person.restricted_read"
        self._reads.append(
            PendingEntry(self._now(), self.actor, event, "protected_person", key, {}, reason)
        )

    def _refused(self, refused: PermissionDeniedError) -> None:
        """Keep an audit entry of ``refused``: written even though the work is rolled back."""
        changes = {"role": refused.role, "action": refused.action, "reason": refused.reason}
        self._reads.append(
            PendingEntry.encoded(
                self._now(),
                self.actor,
                "permission.denied",
                "permission",
                refused.action,
                changes,
                self.actor.purpose or "",
            )
        )

    @contextlib.contextmanager
    def _processing(self) -> Iterator[None]:
        """Within this block, restricted reads serve an action already authorised.

        Detection (the no-approach rule needs the protected persons' places) and
        redaction (scrubbing their addresses from free text) read restricted
        details that the caller never sees; the action itself was authorised, and
        each read is still audited.

        Internal to the library: only casework and the interchange use it, inside a
        function that authorised its own action and returns no restricted detail.
        It is not public API (a caller of the unit of work reads restricted details
        through the ``read_restricted`` check).
        """
        self._processing_depth += 1
        try:
            yield
        finally:
            self._processing_depth -= 1
