"""The in-memory store: the same contract as SQL, for tests and for ``spo_tracker.testing``.

A unit of work works on a private copy of the committed state (domain objects
are frozen, so copying the dictionaries is enough). ``commit`` re-checks,
under the store's lock, that nothing it read as a base was changed by someone
else in the meantime, then publishes only the records it touched, so two
units of work behave like two SQL transactions with optimistic concurrency.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import threading
from collections.abc import Collection, Generator, Iterable, Iterator, Mapping, Sequence
from typing import Any, Final

import attrs
import pendulum

from spo_tracker.domain.alerts import Alert
from spo_tracker.domain.compliance import ComplianceRecord
from spo_tracker.domain.incidents import Incident
from spo_tracker.domain.orders import Order
from spo_tracker.domain.people import Defendant, ProtectedPerson, RestrictedDetails
from spo_tracker.domain.terms import PositiveRequirement, SignOnSchedule
from spo_tracker.errors import (
    ConcurrencyConflictError,
    ConstraintViolationError,
    DetailsDisposedError,
    DuplicateRecordError,
    NotFoundError,
)
from spo_tracker.storage._audit import (
    Actor,
    AuditEntry,
    PendingEntry,
    chain,
    genesis_entry,
    sealed_pending,
)
from spo_tracker.storage._backend import OrderDates
from spo_tracker.storage._base import (
    Clock,
    OutboxEntry,
    PendingEvent,
    ScannedIncident,
    Store,
    UnitOfWork,
    check_ingest_entry,
)
from spo_tracker.storage._keys import AuditKeyring
from spo_tracker.storage._mapping import MAPPERS, Mapper
from spo_tracker.storage._sql_incidents import _batch_digest
from spo_tracker.storage._types import to_epoch_us

__all__ = ["InMemoryStore", "InMemoryUnitOfWork"]

_Key = tuple[str, str]
_EPOCH: Final = pendulum.datetime(1970, 1, 1, tz="UTC")

#: The ``(kind, column)`` lookups :meth:`Records.find` answers from an index, not a scan
#: of the whole state (compliance records by order, for the dated checks, and by defendant).
#: The record kind of protected persons, and the marker of one whose key was destroyed.
_PERSON: Final = "protected_person"
_SHREDDED: Final = "person_key_destroyed"
_INCIDENT_KIND: Final = MAPPERS[Incident].kind
_INDEXED: Final = (("compliance_record", "order_id"), ("compliance_record", "defendant_id"))


class InMemoryStore(Store):
    """Aggregates in a dictionary, with a real audit hash chain. Thread-safe; not persistent.

    Its trail starts with a genesis entry timed by ``clock`` (1970-01-01 UTC without one),
    the same for every store with the same clock and key, so that two stores given the
    same writes hold equal trails.
    """

    def __init__(
        self, *, clock: Clock | None = None, audit_keyring: AuditKeyring | None = None
    ) -> None:
        super().__init__(clock=clock, keyring=audit_keyring)
        self._lock = threading.Lock()
        self._state: dict[_Key, tuple[Any, int]] = {}
        born = _EPOCH if clock is None else clock()
        self._audit: list[AuditEntry] = [genesis_entry(born, "in-memory", keyring=audit_keyring)]
        self._outbox: list[OutboxEntry] = []
        self._first_pending = 0  # every entry before this index is delivered
        self._versions: set[tuple[str, str, int]] = set()
        self._relay_lock = threading.Lock()
        # (kind, column) -> value -> ids of the records that have held it in a commit. Kept
        # from the start and never pruned, so a unit of work's older snapshot is covered.
        self._indexes: dict[tuple[str, str], dict[Any, set[str]]] = {i: {} for i in _INDEXED}
        # incident id -> the number of the last audit entry of the commit that last wrote it
        # (what the SQL stores find through the audit trail and ``audit_batch``).
        self._recorded: dict[str, int] = {}

    def unit_of_work(self, actor: Actor, *, at: _dt.datetime | None = None) -> InMemoryUnitOfWork:
        return InMemoryUnitOfWork(self, actor, at=at, clock=self.clock)

    def _append(self, pending: list[PendingEntry]) -> None:
        last_seq, last_hash = self._head_unlocked()
        sealed = sealed_pending(pending, self._audit[-1].key_id, self.keyring)
        self._audit.extend(chain(sealed, last_seq, last_hash, self.keyring))

    def _publish(self, key: _Key, entry: tuple[Any, int]) -> None:
        """Make ``entry`` the committed state of ``key`` and index it (hold the lock)."""
        self._state[key] = entry
        for (kind, column), index in self._indexes.items():
            if kind == key[0]:
                index.setdefault(getattr(entry[0], column), set()).add(key[1])

    def _indexed(self, kind: str, column: str, value: Any) -> set[str] | None:
        """Ids that have held ``value`` in ``column``, or ``None`` if it is not indexed."""
        with self._lock:
            index = self._indexes.get((kind, column))
            return None if index is None else set(index.get(value, ()))

    def _head_unlocked(self) -> tuple[int, str]:
        return self._audit[-1].seq, self._audit[-1].entry_hash

    def _check_events(self, events: list[PendingEvent]) -> None:
        # The outbox's unique (originator_kind, originator_id, originator_version), as in SQL.
        seen = set(self._versions)
        for pending in events:
            event = pending.event
            key = (*event.aggregate_key, event.originator_version)
            if key in seen:
                raise ConstraintViolationError(
                    "event", event.originator_id, f"version {key[2]} of {key[0]} is already stored"
                )
            seen.add(key)

    def _append_events(self, events: list[PendingEvent]) -> None:
        for pending in events:
            event = pending.event
            self._versions.add((*event.aggregate_key, event.originator_version))
            entry = OutboxEntry(len(self._outbox) + 1, event, pending.recorded_at)
            self._outbox.append(entry)

    def ingest_batch(self, incidents: list[Incident], entry: PendingEntry) -> None:
        check_ingest_entry(entry)
        kind = MAPPERS[Incident].kind
        with self._lock:
            for incident in incidents:
                if (kind, incident.incident_id) in self._state:
                    raise DuplicateRecordError(kind, incident.incident_id)
            for incident in incidents:
                self._state[(kind, incident.incident_id)] = (incident, 1)
            digest = _batch_digest(incidents, None, entry.subject_id, self.keyring)
            self._append([attrs.evolve(entry, record_digest=digest)])
            self._note_recorded(i.incident_id for i in incidents)

    def _note_recorded(self, incident_ids: Iterable[str]) -> None:
        """Note the incidents written by the commit that just appended (hold the lock)."""
        seq = self._audit[-1].seq
        for key in incident_ids:
            self._recorded[key] = seq

    def _incidents(
        self, since: _dt.datetime | None, until: _dt.datetime | None, defendant_id: str | None
    ) -> list[Incident]:
        kind = MAPPERS[Incident].kind
        with self._lock:
            found = [obj for (k, _), (obj, _) in self._state.items() if k == kind]
        chosen = [
            i
            for i in found
            if (since is None or i.occurred_at >= since)
            and (until is None or i.occurred_at < until)
            and (defendant_id is None or i.defendant_id == defendant_id)
        ]
        return sorted(chosen, key=lambda i: (to_epoch_us(i.occurred_at), i.incident_id))

    def scan_rows(
        self,
        *,
        chunk_size: int,
        since: _dt.datetime | None,
        until: _dt.datetime | None,
        defendant_id: str | None,
    ) -> Iterator[ScannedIncident]:
        yield from map(_scanned, self._incidents(since, until, defendant_id))

    def scan_recorded_rows(
        self, *, after: int, through: int, until: _dt.datetime
    ) -> Iterator[ScannedIncident]:
        with self._lock:
            keys = {k for k, seq in self._recorded.items() if after < seq <= through}
        chosen = [i for i in self._incidents(None, until, None) if i.incident_id in keys]
        yield from map(_scanned, chosen)

    def scan_rows_of(
        self,
        *,
        defendant_ids: Collection[str],
        actor_keys: Collection[str],
        until: _dt.datetime,
    ) -> Iterator[ScannedIncident]:
        wanted, keys = set(defendant_ids), set(actor_keys)
        for i in self._incidents(None, until, None):
            who, actor = i.defendant_id, i.actor
            if who in wanted or (who is None and actor is not None and actor.key in keys):
                yield _scanned(i)

    def scan_full(
        self,
        *,
        chunk_size: int,
        since: _dt.datetime | None,
        until: _dt.datetime | None,
        defendant_id: str | None,
    ) -> Iterator[Incident]:
        yield from self._incidents(since, until, defendant_id)

    def audit_entries(self) -> Generator[AuditEntry, None, None]:
        with self._lock:
            entries = list(self._audit)
        yield from entries

    def audit_head(self) -> tuple[int, str] | None:
        with self._lock:
            return self._head_unlocked()

    def outbox_pending(self, limit: int) -> list[OutboxEntry]:
        with self._lock:
            # Skip the delivered prefix once, so a long outbox is not rescanned per batch.
            start = self._first_pending
            while start < len(self._outbox) and self._outbox[start].delivered_at is not None:
                start += 1
            self._first_pending = start
            waiting = (e for e in self._outbox[start:] if e.delivered_at is None)
            return [e for _, e in zip(range(limit), waiting, strict=False)]

    def outbox_mark_delivered(self, positions: Sequence[int], at: pendulum.DateTime) -> int:
        done = 0
        with self._lock:
            for position in positions:
                entry = self._outbox[position - 1]
                if entry.delivered_at is None:
                    self._outbox[position - 1] = attrs.evolve(entry, delivered_at=at)
                    done += 1
        return done

    def outbox_entries(self) -> Iterator[OutboxEntry]:
        with self._lock:
            entries = list(self._outbox)
        yield from entries

    @contextlib.contextmanager
    def relay_lock(self) -> Iterator[None]:
        with self._relay_lock:
            yield


def _scanned(i: Incident) -> ScannedIncident:
    """The light row of an incident, as the SQL stores read it."""
    where, actor, platform, reported = i.location, i.actor, i.platform, i.reported_at
    return ScannedIncident(
        i.incident_id,
        to_epoch_us(i.occurred_at),
        i.kind.value,
        None if platform is None else platform.value,
        None if actor is None else actor.key,
        i.defendant_id,
        i.target_person_id,
        int(i.via_third_party),
        None if where is None else where.lat,
        None if where is None else where.lon,
        None if reported is None else to_epoch_us(reported),
    )


class _MemoryRecords:
    """Record operations on a unit of work's private copy of the state."""

    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._uow = uow

    def load(self, mapper: Mapper[Any], key: str, *, lock: bool) -> tuple[Any, int] | None:
        found = self._uow._work.get((mapper.kind, key))
        if found is not None:
            self._refuse_disposed(mapper, key, found[0])
        return found

    def _refuse_disposed(self, mapper: Mapper[Any], key: str, obj: Any) -> None:
        """As the SQL store: a person whose key was destroyed has unreadable details."""
        if (
            mapper.kind == _PERSON
            and (_SHREDDED, key) in self._uow._work
            and obj.restricted != RestrictedDetails()
        ):
            raise DetailsDisposedError(key)

    def shred_person_key(self, person_id: str) -> bool:
        key = (_SHREDDED, person_id)
        if key in self._uow._work:
            return False
        self._uow._work[key] = (person_id, 1)
        self._uow._bases.setdefault(key, None)
        person = self._uow._work.get((_PERSON, person_id))
        return person is not None and person[0].restricted != RestrictedDetails()

    def _check_references(self, mapper: Mapper[Any], obj: Any) -> None:
        # The same rule the SQL schema's foreign keys enforce.
        for kind, ref in mapper.references(obj):
            if (kind, ref) not in self._uow._work:
                raise ConstraintViolationError(
                    mapper.kind, mapper.key(obj), f"refers to {kind} {ref!r}, which is not stored"
                )

    def insert_aggregates(self, mapper: Mapper[Any], items: Sequence[tuple[Any, int]]) -> None:
        work = self._uow._work
        stored = next((o for o, _ in items if (mapper.kind, mapper.key(o)) in work), None)
        if stored is not None:
            raise DuplicateRecordError(mapper.kind, mapper.key(stored))
        for obj, _ in items:
            self._check_references(mapper, obj)
        for obj, revision in items:
            self._insert(mapper, obj, revision)

    def _insert(self, mapper: Mapper[Any], obj: Any, revision: int) -> None:
        key = (mapper.kind, mapper.key(obj))
        self._uow._work[key] = (obj, revision)
        self._uow._bases.setdefault(key, None)

    def replace(
        self, mapper: Mapper[Any], before: Any, after: Any, expected: int, revision: int
    ) -> None:
        key = (mapper.kind, mapper.key(after))
        self._check_references(mapper, after)
        _refuse_details_over_shred(key, after, self._uow._work)
        self._uow._work[key] = (after, revision)
        self._uow._bases.setdefault(key, expected)

    def revision(self, mapper: Mapper[Any], key: str) -> int | None:
        found = self._uow._work.get((mapper.kind, key))
        return None if found is None else found[1]

    def keys(self, mapper: Mapper[Any]) -> list[str]:
        return sorted(k for kind, k in self._uow._work if kind == mapper.kind)

    def find_defendants(self, identity_keys: Sequence[str]) -> dict[str, list[str]]:
        kind, wanted = MAPPERS[Defendant].kind, set(identity_keys)
        found: dict[str, set[str]] = {}
        for (k, key), (obj, _) in self._uow._work.items():
            if k == kind:
                for li in obj.identities:
                    if li.identity.key in wanted:
                        found.setdefault(li.identity.key, set()).add(key)
        return {key: sorted(ids) for key, ids in found.items()}

    def find_orders_protecting(self, person_ids: Sequence[str]) -> dict[str, list[str]]:
        kind, wanted = MAPPERS[Order].kind, set(person_ids)
        found: dict[str, set[str]] = {}
        for (k, key), (obj, _) in self._uow._work.items():
            if k == kind:
                for person in wanted.intersection(obj.protected_person_ids):
                    found.setdefault(person, set()).add(key)
        return {person: sorted(ids) for person, ids in found.items()}

    def insert_incidents(self, incidents: list[Incident], batch: str) -> str:
        kind = MAPPERS[Incident].kind
        for incident in incidents:
            if (kind, incident.incident_id) in self._uow._work:
                raise DuplicateRecordError(kind, incident.incident_id)
        for incident in incidents:
            key = (kind, incident.incident_id)
            self._uow._work[key] = (incident, 1)
            self._uow._bases.setdefault(key, None)
        return _batch_digest(incidents, None, batch, self._uow._keyring)

    def insert_many(
        self, mapper: Mapper[Any], objs: list[Any], texts: Sequence[str] | None = None
    ) -> None:
        stored = next((o for o in objs if (mapper.kind, mapper.key(o)) in self._uow._work), None)
        if stored is not None:
            raise DuplicateRecordError(mapper.kind, mapper.key(stored))
        for obj in objs:
            self._check_references(mapper, obj)
        for obj in objs:
            self._insert(mapper, obj, 1)

    def load_many(self, mapper: Mapper[Any], keys: Sequence[str]) -> dict[str, Any]:
        work, kind = self._uow._work, mapper.kind
        found = {key: work[(kind, key)][0] for key in keys if (kind, key) in work}
        for key, obj in found.items():
            self._refuse_disposed(mapper, key, obj)
        return found

    def load_many_revisions(
        self, mapper: Mapper[Any], keys: Sequence[str]
    ) -> dict[str, tuple[Any, int]]:
        work, kind = self._uow._work, mapper.kind
        found = {key: work[(kind, key)] for key in keys if (kind, key) in work}
        for key, (obj, _) in found.items():
            self._refuse_disposed(mapper, key, obj)
        return found

    def load_many_unless_same(
        self, mapper: Mapper[Any], texts: Mapping[str, str]
    ) -> tuple[dict[str, tuple[Any, int]], dict[str, int]]:
        # The text the SQL stores' body column would hold for each stored record.
        found = self.load_many_revisions(mapper, list(texts))
        if mapper.children or mapper.restricted or not mapper.plain_body:
            return found, {}
        same = {
            key: revision
            for key, (obj, revision) in found.items()
            if mapper.stored_text(obj) == texts[key]
        }
        return {key: got for key, got in found.items() if key not in same}, same

    def replace_many(self, mapper: Mapper[Any], items: Sequence[tuple[Any, Any, int, int]]) -> None:
        work, kind = self._uow._work, mapper.kind
        for _, after, expected, _ in items:
            found = work.get((kind, mapper.key(after)))
            if found is None or found[1] != expected:
                stored = None if found is None else found[1]
                raise ConcurrencyConflictError(kind, mapper.key(after), expected, stored)
            self._check_references(mapper, after)
        for before, after, expected, revision in items:
            self.replace(mapper, before, after, expected, revision)

    def find(self, mapper: Mapper[Any], column: str, value: str) -> list[Any]:
        kind, work = mapper.kind, self._uow._work
        keys = self._uow._store._indexed(kind, column, value)
        if keys is None:
            return [
                o for (k, _), (o, _) in work.items() if k == kind and getattr(o, column) == value
            ]
        # What this unit of work wrote is not in the store's index yet.
        keys.update(key for k, key in self._uow._bases if k == kind)
        found = (work.get((kind, key)) for key in sorted(keys))
        return [e[0] for e in found if e is not None and getattr(e[0], column) == value]

    def find_keys(self, mapper: Mapper[Any], column: str, value: str) -> list[str]:
        kind = mapper.kind
        return sorted(
            key
            for (k, key), (obj, _) in self._uow._work.items()
            if k == kind and _column(obj, column) == value
        )

    def compare_incidents(self, incidents: Sequence[Incident]) -> tuple[set[str], set[str]]:
        stored = self.load_incidents([i.incident_id for i in incidents])
        same = {i.incident_id for i in incidents if stored.get(i.incident_id) is i}
        return same, set(stored) - same

    def find_in(self, mapper: Mapper[Any], column: str, values: Sequence[str]) -> list[Any]:
        return [o for value in dict.fromkeys(values) for o in self.find(mapper, column, value)]

    def alert_counts(self, alert_ids: Sequence[str]) -> dict[str, int]:
        found: dict[str, Alert] = self.load_many(MAPPERS[Alert], alert_ids)
        return {key: alert.count for key, alert in found.items()}

    def order_dates(self) -> list[OrderDates]:
        mapper = MAPPERS[Order]
        found: dict[str, Order] = self.load_many(mapper, self.keys(mapper))
        return [
            OrderDates(
                o.order_id,
                o.defendant_id,
                o.kind.value,
                o.state.live,
                o.ended_at,
                None if o.period is None else o.period.last_day,
                frozenset(t.due_on for t in o.terms_in_any_version(PositiveRequirement)),
                frozenset(d for t in o.terms_in_any_version(SignOnSchedule) for d in t.weekdays),
            )
            for o in found.values()
        ]

    def orders_met_between(self, after_us: int, through_us: int) -> set[str]:
        kind = MAPPERS[ComplianceRecord].kind
        return {
            obj.order_id
            for (k, _), (obj, _) in self._uow._work.items()
            if k == kind and after_us < to_epoch_us(obj.at) <= through_us
        }

    def compliance_times(
        self, order_ids: Sequence[str], until_us: int | None
    ) -> list[tuple[str, str, str, int]]:
        mapper = MAPPERS[ComplianceRecord]
        found: list[ComplianceRecord] = self.find_in(mapper, "order_id", order_ids)
        rows = [(r.defendant_id, r.order_id, r.term_id, to_epoch_us(r.at)) for r in found]
        return [row for row in rows if until_us is None or row[3] <= until_us]

    def compliance_time_lists(
        self,
        order_ids: Sequence[str],
        until_us: int | None,
        since_us: int | None = None,
        whole_terms: Sequence[tuple[str, str]] = (),
    ) -> list[tuple[str, str, str, list[int]]]:
        grouped: dict[tuple[str, str, str], list[int]] = {}
        whole = set(whole_terms)
        for defendant_id, order_id, term_id, at in self.compliance_times(order_ids, until_us):
            if since_us is None or at >= since_us or (order_id, term_id) in whole:
                grouped.setdefault((defendant_id, order_id, term_id), []).append(at)
        return [(*key, sorted(times)) for key, times in grouped.items()]

    def load_incidents(self, keys: Sequence[str]) -> dict[str, Incident]:
        kind = MAPPERS[Incident].kind
        work = self._uow._work
        return {key: work[(kind, key)][0] for key in keys if (kind, key) in work}

    def unreadable_persons(self, keys: Sequence[str]) -> set[str]:
        work, kind = self._uow._work, MAPPERS[ProtectedPerson].kind
        return {
            key
            for key in keys
            if (_SHREDDED, key) in work
            and (kind, key) in work
            and work[(kind, key)][0].restricted != RestrictedDetails()
        }

    def person_name(self, key: str) -> str:
        found = self._uow._work.get((MAPPERS[ProtectedPerson].kind, key))
        if found is None:
            raise NotFoundError("protected_person", key)
        person: ProtectedPerson = found[0]
        return person.name


class InMemoryUnitOfWork(UnitOfWork):
    """A unit of work on a private copy of an :class:`InMemoryStore`'s state."""

    def __init__(
        self, store: InMemoryStore, actor: Actor, *, at: _dt.datetime | None, clock: Clock | None
    ) -> None:
        super().__init__(actor, at=at, clock=clock, keyring=store.keyring)
        self._store = store
        self._work: dict[_Key, tuple[Any, int]] = {}
        # key -> the committed revision this work is based on (None: it must not exist yet)
        self._bases: dict[_Key, int | None] = {}
        self._recs = _MemoryRecords(self)

    def _begin(self) -> None:
        self._snapshot()

    def _snapshot(self) -> None:
        with self._store._lock:
            self._work = dict(self._store._state)
        self._bases = {}

    def _records(self) -> _MemoryRecords:
        self._require_open()
        return self._recs

    def _commit(self, entries: list[PendingEntry], events: list[PendingEvent]) -> None:
        store = self._store
        with store._lock:
            # The bases first: a stale write is a conflict, as SQL reports it, not the
            # clash of its event's version with the winner's that follows from it.
            for key, base in self._bases.items():
                current = store._state.get(key)
                if base is None and current is not None:
                    raise DuplicateRecordError(key[0], key[1])
                if base is not None and (current is None or current[1] != base):
                    raise ConcurrencyConflictError(
                        key[0], key[1], base, None if current is None else current[1]
                    )
            for key in self._bases:  # a key destroyed since this work began, too
                _refuse_details_over_shred(key, self._work[key][0], store._state)
            store._check_events(events)
            for key in self._bases:
                store._publish(key, self._work[key])
            if entries:
                store._append(entries)
                store._note_recorded(k for kind, k in self._bases if kind == _INCIDENT_KIND)
            store._append_events(events)
        self._snapshot()

    def _rollback(self) -> None:
        self._snapshot()

    def _close(self) -> None:
        self._work, self._bases = {}, {}


def _refuse_details_over_shred(key: _Key, obj: Any, state: Mapping[_Key, Any]) -> None:
    """Refuse details for a person whose key was destroyed: as the SQL store, which has no
    key to seal them under, they are never stored again."""
    if key[0] == _PERSON and (_SHREDDED, key[1]) in state and obj.restricted != RestrictedDetails():
        raise DetailsDisposedError(key[1])


def _column(obj: Any, column: str) -> Any:
    """The value ``column`` holds for ``obj`` as the SQL stores keep it (an incident's
    ``actor_key`` is its acting identity's key)."""
    if column == "actor_key":
        actor = getattr(obj, "actor", None)
        return None if actor is None else actor.key
    return getattr(obj, column)
