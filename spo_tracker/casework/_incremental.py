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

The next run then reads:

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

Only those defendants (:func:`judged_ids`: with every defendant linked to an
identity the rows name, so an identity two defendants share stays ambiguous
exactly as in a full run) are read, with the protected persons of their orders
(:func:`read_judged`: the links are looked up in the store), and only their
orders are compiled into the run's detector: reading people and compiling grow
with the defendants touched, not with the force.

The dated checks (requirements and sign-on days, interim orders ending,
renewal reviews, notification deadlines) rest on the instant, not on
incidents. A full run makes them over every order; an incremental run that
follows a run which left the stored alerts as a full run would (the
conditions of :func:`settled_since`) reads every order's dates
(``uow.orders.dates``, no order built) and makes them only over the orders
whose dated alerts can have changed since: those in force after the previous
run's instant with a requirement term, those whose warning window opened or
closed, those bound to a notification duty still binding or written since,
and those with compliance records added since
(:mod:`spo_tracker.casework._due`). An order that stopped being in force by
the previous run is not read at all. One part is settled too: a
sign-on window (``group_days`` London days) that ended before the London day
of the previous run's instant was judged whole by that run, and only a
sign-on recorded since can change it, taking a day off its missed days. An
incremental run asks the store for the count of each such window's stored
alert (one read, no alert built) and builds the alert only when the count
differs (:func:`settled_since`,
:class:`~spo_tracker.detection.dated.SettledSignOns`). This holds only when
the previous run made the dated checks over every order it read itself, and
compliance records were only added since its watermark; otherwise every
window is judged again. A full run judges every window.

Whether a run can be incremental, and whom the records written since (orders,
people, incidents changed) bear on, is :mod:`spo_tracker.casework._written`.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from typing import Final

import attrs
import pendulum

from spo_tracker.casework._run import run_entry
from spo_tracker.detection.config import DetectionConfig
from spo_tracker.detection.dated import SIGN_ON_ALERT_FORM
from spo_tracker.domain.limits import INSTANT_MAX
from spo_tracker.domain.orders import Order
from spo_tracker.domain.people import Defendant, ProtectedPerson
from spo_tracker.storage import (
    DETECTION_RUN,
    ScannedIncident,
    Store,
    UnitOfWork,
    scan_incident_rows,
)

__all__ = [
    "ALERT_KINDS",
    "DATED_ALL",
    "Judged",
    "Links",
    "Watermark",
    "config_digest",
    "judged_ids",
    "judged_records",
    "linked_keys",
    "links_of",
    "read_judged",
    "settled_since",
    "touched_rows",
]

#: A run's note of dated checks made over every order read from the store (an
#: incremental run's: over those whose dated alerts can have changed, the others stored
#: as judged before), with the form of the sign-on alerts it built (a release that
#: changes them settles nothing).
DATED_ALL: Final = f"every order; sign-on alert form {SIGN_ON_ALERT_FORM}"
#: The audit subject kinds of writes to stored alerts (one alert, a bulk batch).
ALERT_KINDS: Final = frozenset({"alert", "alert_batch"})
#: The audit events that only add compliance records (SPA2019 s.1(2)(b)): a sign-on
#: recorded late can only take a day off a window's missed days.
_COMPLIANCE_ADDED: Final = frozenset({"compliance_record.created", "compliance_records.recorded"})


@attrs.frozen
class Watermark:
    """Where the latest detection run left off.

    Attributes:
        through: the number of the audit trail's last entry when that run began.
        at: the instant that run judged as of.
        config: the digest of the detection settings it used.
        dated_all: that run made the dated checks over the orders it read from the
            store itself (not over records a caller gave it: every order, or in an
            incremental run those whose dated alerts can have changed), with this
            release's form of sign-on alerts, so every sign-on window ended by its
            instant was judged and stored (see :func:`settled_since`).
        alert_entries: how many audit entries on alerts that run's own storing wrote
            (``None`` for a run noted before runs counted them).
    """

    through: int
    at: pendulum.DateTime
    config: str | None
    dated_all: bool = False
    alert_entries: int | None = None

    @classmethod
    def latest(cls, store: Store) -> Watermark | None:
        """The watermark of the latest stored run, or ``None`` (no run, or one written
        before runs kept a watermark)."""
        entry = store.last_event(DETECTION_RUN)
        if entry is None:
            return None
        found = run_entry(entry)  # None: not an entry a run writes, so no watermark
        if found is None:
            return None
        through, at = found
        changes = json.loads(entry.changes)
        config = changes.get("config")
        dated_all = changes.get("dated") == DATED_ALL
        own = changes.get("alert_entries")
        own = own if isinstance(own, int) and not isinstance(own, bool) else None
        return cls(through, at, config if isinstance(config, str) else None, dated_all, own)


def config_digest(config: DetectionConfig | None) -> str:
    """A short digest of the detection settings (the defaults if ``None``)."""
    chosen = DetectionConfig() if config is None else config
    text = json.dumps(attrs.asdict(chosen), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def settled_since(store: Store, previous: Watermark, *, head: int) -> pendulum.DateTime | None:
    """The instant before whose London day this incremental run's sign-on windows are
    settled (:class:`~spo_tracker.detection.dated.SettledSignOns`), or ``None``.

    That is the previous run's instant when that run made the dated checks over every
    order with this release's sign-on alerts (:attr:`Watermark.dated_all`), and, in the
    audit trail from its watermark through ``head``:

    - compliance records were only added: a record changed (its instant moved) could
      put a day back among the missed ones and keep the count;
    - no alert was written but by that run's own storing (as many alert entries as it
      noted): an alert stored by another writer (``store_alerts``, a concurrent run
      over records its caller gave) need not be the judgement of that run.

    Otherwise every window is judged again. Call it again with a head read after the
    stored counts: what committed meanwhile is seen too.
    """
    if not previous.dated_all or previous.alert_entries is None:
        return None
    kinds = {"compliance_record", "compliance_batch", *ALERT_KINDS}
    alert_entries = 0
    for entry in store.audit_entries_between(previous.through, head, kinds=kinds):
        if entry.subject_kind in ALERT_KINDS:
            alert_entries += 1
        elif entry.event not in _COMPLIANCE_ADDED:
            return None
    return previous.at if alert_entries == previous.alert_entries else None


#: Given identity keys, the defendants linked to each (a key linked to nobody may be absent).
Links = Callable[[Collection[str]], Mapping[str, Collection[str]]]


def links_of(defendants: Iterable[Defendant]) -> Links:
    """:data:`Links` over defendants already loaded (the store's own answer is
    ``uow.defendants.find_by_identities``)."""
    by_key: dict[str, set[str]] = {}
    for defendant in defendants:
        for linked in defendant.identities:
            by_key.setdefault(linked.identity.key, set()).add(defendant.defendant_id)
    return lambda keys: {k: by_key[k] for k in keys if k in by_key}


def linked_keys(defendants: Mapping[str, Defendant], owners: Collection[str]) -> set[str]:
    """The identity keys linked to ``owners`` (those among ``defendants``, by id)."""
    return {li.identity.key for o in owners if o in defendants for li in defendants[o].identities}


def touched_rows(
    store: Store,
    previous: Watermark,
    *,
    head: int,
    until: _dt.datetime,
    links: Links,
    keys_of: Callable[[set[str]], Collection[str]],
    also: Collection[str] = (),
    people: Collection[str] = (),
    incidents: Collection[str] = (),
) -> tuple[list[ScannedIncident], int]:
    """Every incident of the defendants that the incidents recorded since ``previous``
    are attributed to, of the defendants in ``also`` (those whose orders or protected
    persons changed: :func:`~spo_tracker.casework._written.changed_since`), of the
    defendants in ``people`` (written since) and of every defendant linked to an
    identity of theirs, of whom the ``incidents`` changed since name or may have been
    attributed to, and the new incidents nobody could be tied to.

    A new row belongs to the defendant it names, else to the one defendant its actor's
    identity is linked to (none, or two or more, leave it unattributed), as
    :class:`~spo_tracker.detection.resolution.IdentityIndex` attributes it in a full run.

    Args:
        store: the store.
        previous: the latest run's watermark.
        head: the audit trail's last entry number when this run began.
        until: the instant this run judges as of.
        links: the defendants linked to identity keys.
        keys_of: the identity keys linked to the given defendants.
        also: defendants judged again whatever was recorded.
        people: defendants judged again with every other owner of their identities.
        incidents: stored incidents changed since: whom they name and every holder of
            their actor's identity are judged again.

    Returns:
        The rows to judge, and how many incidents were new since ``previous``.
    """
    fresh = list(_new_rows(store, previous, head=head, until=until))
    linked = links({r.actor_key for r in fresh if r.actor_key is not None})
    owners: set[str] = {*also, *people}
    if people:
        # A defendant created with an identity another holds makes it ambiguous: that
        # owner's incidents through it are no longer theirs, so they are judged again too.
        for linked_owners in links(set(keys_of(set(people)))).values():
            owners.update(linked_owners)
    if incidents:
        owners.update(_owners_of_changed(store, previous, head=head, wanted=incidents, links=links))
    alone: dict[str, ScannedIncident] = {}
    seen: set[str] = set()
    for row in fresh:
        seen.add(row.incident_id)
        who = row.defendant_id
        if who is None and row.actor_key is not None:
            found = linked.get(row.actor_key, ())
            who = next(iter(found)) if len(found) == 1 else None
        if who is None:
            alone[row.incident_id] = row  # unattributed: judged alone, and reported
        else:
            owners.add(who)
    keys = sorted(keys_of(owners))
    rows = {
        r.incident_id: r
        for r in store.scan_rows_of(defendant_ids=owners, actor_keys=keys, until=until)
    }
    for key, row in alone.items():
        rows.setdefault(key, row)
    return list(rows.values()), len(seen)


def _owners_of_changed(
    store: Store, previous: Watermark, *, head: int, wanted: Collection[str], links: Links
) -> set[str]:
    """Whom the incidents ``wanted`` (changed since ``previous``) name and every holder of
    their actors' identities, read whatever their time is now."""
    recorded = store.scan_recorded_rows(after=previous.through, through=head, until=INSTANT_MAX)
    rows = [r for r in recorded if r.incident_id in wanted]
    owners = {r.defendant_id for r in rows if r.defendant_id is not None}
    for holders in links({r.actor_key for r in rows if r.actor_key is not None}).values():
        owners.update(holders)
    return owners


def _new_rows(
    store: Store, previous: Watermark, *, head: int, until: _dt.datetime
) -> Iterator[ScannedIncident]:
    """The incidents recorded after the watermark, and those stored earlier that occurred
    at or after the previous run's instant (it could not read them), before ``until``."""
    yield from store.scan_recorded_rows(after=previous.through, through=head, until=until)
    yield from scan_incident_rows(store, since=previous.at, until=until)


def judged_ids(rows: Iterable[ScannedIncident], links: Links) -> set[str]:
    """The defendants a detector needs to judge ``rows`` as a full run would: those a row
    names directly and every defendant linked to an identity a row names (so an identity
    linked to two defendants is ambiguous here as it is over the whole force, and an
    identity linked to one resolves to the same defendant)."""
    named: set[str] = set()
    keys: set[str] = set()
    for row in rows:
        if row.defendant_id is not None:
            named.add(row.defendant_id)
        if row.actor_key is not None:
            keys.add(row.actor_key)
    for owners in links(keys).values():
        named.update(owners)
    return named


def judged_records(
    rows: Iterable[ScannedIncident],
    orders: Iterable[Order],
    defendants: Iterable[Defendant],
) -> tuple[list[Order], list[Defendant]]:
    """The orders and defendants (of those given) a detector needs to judge ``rows`` as a
    full run would (:func:`judged_ids`); the orders are those of these defendants.

    Args:
        rows: the incident rows the run judges.
        orders: every order in the store.
        defendants: every defendant in the store.

    Returns:
        The orders and the defendants, each in the order given.
    """
    known = list(defendants)
    wanted = judged_ids(rows, links_of(known))
    chosen = [d for d in known if d.defendant_id in wanted]
    return [o for o in orders if o.defendant_id in wanted], chosen


@attrs.frozen
class Judged:
    """What an incremental run judges again, read from the store (:func:`read_judged`).

    Attributes:
        rows: the incident rows to judge.
        new: how many incidents were recorded since the last run.
        orders: the orders of the judged defendants (of those given).
        defendants: the judged defendants, in id order.
        protected_persons: the persons those orders protect, with restricted details.
    """

    rows: list[ScannedIncident]
    new: int
    orders: list[Order]
    defendants: list[Defendant]
    protected_persons: list[ProtectedPerson]


def read_judged(
    uow: UnitOfWork,
    store: Store,
    previous: Watermark,
    *,
    head: int,
    until: _dt.datetime,
    orders_of: Callable[[Collection[str]], list[Order]],
    reason: str,
    also: Collection[str] = (),
    people: Collection[str] = (),
    incidents: Collection[str] = (),
) -> Judged:
    """The rows an incremental run judges (:func:`touched_rows`), with only the defendants,
    orders and protected persons needed to judge them as a full run would
    (:func:`judged_ids`): the identity links are looked up in the store, so the other
    defendants and persons are never read.

    ``orders_of`` gives the orders of the defendants of the ids given, in id order;
    ``also``: defendants judged again whatever was recorded; ``people``: defendants
    judged again with every other owner of their identities; ``incidents``: stored
    incidents changed since (:func:`touched_rows`).

    The people are read in ``uow``, so its one consultation entry (DPA 2018 s.62(1)(c))
    names every defendant and protected person read; each restricted read is audited
    with ``reason``. The run was authorised by its caller (processing: nothing restricted
    is shown to the actor).
    """
    loaded: dict[str, Defendant] = {}

    def load(ids: Collection[str]) -> None:
        loaded.update(uow.defendants.get_many(sorted(set(ids) - loaded.keys())))

    def keys_of(owners: set[str]) -> set[str]:
        load(owners)
        return linked_keys(loaded, owners)

    links = uow.defendants.find_by_identities
    rows, new = touched_rows(
        store,
        previous,
        head=head,
        until=until,
        links=links,
        keys_of=keys_of,
        also=also,
        people=people,
        incidents=incidents,
    )
    wanted = judged_ids(rows, links)
    load(wanted)
    chosen = orders_of(wanted)
    # A term names only its order's protected persons (SPA2019 s.2(1)(c), checked on
    # every order), so these are every person whose places the chosen terms need.
    named = sorted({p for o in chosen for p in o.protected_person_ids})
    with uow._processing():
        persons = uow.protected_persons.get_many(named, reason=reason, skip_unreadable=True)
    return Judged(
        rows,
        new,
        chosen,
        [loaded[k] for k in sorted(wanted) if k in loaded],
        [persons[k] for k in named if k in persons],
    )
