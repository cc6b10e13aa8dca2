"""Incremental detection: what was recorded since the last run, and whose alerts it touches.

A detection run notes in the audit trail (``detection.run``) the instant it
judged as of and its *watermark*: the number of the audit trail's last entry
when the run began, read before anything else. Writers append to the trail
under one lock held until they commit (the head record's row lock on
PostgreSQL, the single writer on SQLite, the memory store's lock), so entry
numbers are taken in commit order: every entry numbered up to the watermark
was committed when the run read it, and an ingest that commits later gets a
larger number, so the next run finds it, however long its transaction was
open. Nothing recorded is ever skipped, and nothing depends on clocks.

The next run then reads, besides the records (orders, defendants, protected
persons and duties, read in full every run):

- the incidents added or changed by the audit entries after the watermark
  (bulk batches through ``incidents.audit_batch``, single incidents by id),
  and the incidents stored earlier that occurred in the previous run's future
  (at or after its instant, before this run's);
- for every defendant those incidents are attributed to, *all* that
  defendant's incidents before the run's instant. Every alert drawn from
  incidents (term breaches in their day windows, escalation episodes,
  closing-in runs, first threats, courses of conduct) belongs to one
  defendant and rests only on that defendant's incidents, so those alerts are
  judged exactly as a full run would judge them; every other defendant's
  alerts cannot have changed.

Only those defendants' orders are compiled into the run's detector
(:func:`judged_records`), with every defendant linked to an identity the rows
name, so an identity two defendants share stays ambiguous exactly as in a full
run: compiling grows with the defendants touched, not with the force.

The dated checks (requirements and sign-on days, interim orders ending,
renewal reviews, notification deadlines) rest on the instant, not on
incidents: every run makes them, over every order.

A run is full, reading every incident, when: it is asked to be
(``full=True``, ``spo-tracker detect --full``); no earlier run left a
watermark; an order, defendant or protected person was created or changed
since the watermark (an order's terms or dates, an identity linked to a
defendant or a protected person's places can re-attribute or re-judge old
incidents); a stored incident was changed (it may have belonged to another
defendant before); or the detection settings differ from the last run's.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
from collections.abc import Iterable, Iterator
from typing import Final

import attrs
import pendulum

from spo_tracker.detection.config import DetectionConfig
from spo_tracker.detection.resolution import IdentityIndex
from spo_tracker.domain.orders import Order
from spo_tracker.domain.people import Defendant
from spo_tracker.storage import ScannedIncident, Store, scan_incident_rows

__all__ = [
    "RUN_EVENT",
    "Watermark",
    "config_digest",
    "full_run_reason",
    "judged_records",
    "touched_rows",
]

#: The audit event a detection run writes (its subject is the instant it judged as of).
RUN_EVENT: Final = "detection.run"
#: Records whose change can re-attribute or re-judge incidents already stored.
_INPUT_KINDS: Final = frozenset({"order", "defendant", "protected_person"})
#: Entries on those records that change nothing (reads and disclosures, audited as such),
#: and the one entry on an incident that changes no stored incident: its creation.
_HARMLESS_EVENTS: Final = frozenset(
    {
        "protected_person.restricted_read",
        "casefile.read",
        "casefile.written",
        "subject_access.disclosed",
        "subject_access.written",
        "incident.created",
    }
)


@attrs.frozen
class Watermark:
    """Where the latest detection run left off.

    Attributes:
        through: the number of the audit trail's last entry when that run began.
        at: the instant that run judged as of.
        config: the digest of the detection settings it used.
    """

    through: int
    at: pendulum.DateTime
    config: str | None

    @classmethod
    def latest(cls, store: Store) -> Watermark | None:
        """The watermark of the latest stored run, or ``None`` (no run, or one written
        before runs kept a watermark)."""
        entry = store.last_event(RUN_EVENT)
        if entry is None:
            return None
        changes = json.loads(entry.changes)
        through = changes.get("through") if isinstance(changes, dict) else None
        if not isinstance(through, int):
            return None
        at = pendulum.parse(entry.subject_id)
        assert isinstance(at, pendulum.DateTime)  # written by run_detection as an instant
        config = changes.get("config")
        return cls(through, at, config if isinstance(config, str) else None)


def config_digest(config: DetectionConfig | None) -> str:
    """A short digest of the detection settings (the defaults if ``None``)."""
    chosen = DetectionConfig() if config is None else config
    text = json.dumps(attrs.asdict(chosen), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def full_run_reason(
    store: Store, previous: Watermark | None, *, head: int | None, config: str, full: bool
) -> str | None:
    """Why this run must read every incident, or ``None`` if it can be incremental.

    Args:
        store: the store.
        previous: the latest run's watermark, if any.
        head: the audit trail's last entry number now (``None``: the store keeps no head).
        config: the digest of this run's detection settings.
        full: the caller asked for a full run.
    """
    if full:
        return "a full run was asked for"
    if previous is None or head is None:
        return "no earlier run left a watermark"
    if previous.config != config:
        return "the detection settings differ from the last run's"
    # A stored incident changed can leave the defendant it was attributed to before.
    kinds = _INPUT_KINDS | {f"{k}_batch" for k in _INPUT_KINDS} | {"incident"}
    for entry in store.audit_entries_between(previous.through, head, kinds=kinds):
        if entry.event not in _HARMLESS_EVENTS:
            kind = entry.subject_kind.removesuffix("_batch").replace("_", " ")
            article = "an" if kind[0] in "aeiou" else "a"
            where = f"{entry.event}, audit entry {entry.seq}"
            return f"{article} {kind} changed since the last run ({where})"
    return None


def touched_rows(
    store: Store,
    previous: Watermark,
    *,
    head: int,
    until: _dt.datetime,
    defendants: Iterable[Defendant],
    identities: IdentityIndex,
) -> tuple[list[ScannedIncident], int]:
    """Every incident of the defendants that the incidents recorded since ``previous``
    are attributed to (and those new incidents nobody could be tied to).

    Returns:
        The rows to judge, and how many incidents were new since ``previous``.
    """
    owners: set[str] = set()
    alone: dict[str, ScannedIncident] = {}
    seen: set[str] = set()
    for row in _new_rows(store, previous, head=head, until=until):
        seen.add(row.incident_id)
        key = row.actor_key
        who = row.defendant_id or (None if key is None else identities.owner_of_key(key))
        if who is None:
            alone[row.incident_id] = row  # unattributed: judged alone, and reported
        else:
            owners.add(who)
    keys = sorted(
        {li.identity.key for d in defendants if d.defendant_id in owners for li in d.identities}
    )
    rows = {
        r.incident_id: r
        for r in store.scan_rows_of(defendant_ids=owners, actor_keys=keys, until=until)
    }
    for key, row in alone.items():
        rows.setdefault(key, row)
    return list(rows.values()), len(seen)


def _new_rows(
    store: Store, previous: Watermark, *, head: int, until: _dt.datetime
) -> Iterator[ScannedIncident]:
    """The incidents recorded after the watermark, and those stored earlier that occurred
    at or after the previous run's instant (it could not read them), before ``until``."""
    yield from store.scan_recorded_rows(after=previous.through, through=head, until=until)
    yield from scan_incident_rows(store, since=previous.at, until=until)


def judged_records(
    rows: Iterable[ScannedIncident],
    orders: Iterable[Order],
    defendants: Iterable[Defendant],
) -> tuple[list[Order], list[Defendant]]:
    """The orders and defendants a detector needs to judge ``rows`` as a full run would.

    The defendants are those a row names directly and every defendant linked to an
    identity a row names (so an identity linked to two defendants is ambiguous here as
    it is over the whole force, and an identity linked to one resolves to the same
    defendant); the orders are those of these defendants.

    Args:
        rows: the incident rows the run judges.
        orders: every order in the store.
        defendants: every defendant in the store.

    Returns:
        The orders and the defendants, each in the order given.
    """
    named: set[str] = set()
    keys: set[str] = set()
    for row in rows:
        if row.defendant_id is not None:
            named.add(row.defendant_id)
        if row.actor_key is not None:
            keys.add(row.actor_key)
    chosen = [
        d
        for d in defendants
        if d.defendant_id in named or any(li.identity.key in keys for li in d.identities)
    ]
    wanted = {d.defendant_id for d in chosen}
    return [o for o in orders if o.defendant_id in wanted], chosen
