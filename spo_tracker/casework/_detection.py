"""Detection over a store: load the records, run every rule, keep the alerts.

The use cases behind ``spo-tracker scan`` and ``spo-tracker detect`` (and the
demo and a force's nightly job): read every order and notification duty from a
:class:`~spo_tracker.storage.Store`, with every defendant and protected person (a
full run), or those judged again with the orders whose dated alerts can have
changed (an incremental run, see :mod:`spo_tracker.casework._incremental` and
:mod:`spo_tracker.casework._due`), stream the stored incidents (or those
judged again) through a :class:`~spo_tracker.detection.engine.Detector`, add
the alerts that rest on dates (positive requirements not met and sign-on days
missed, SPA2019 s.1(2)(b) and s.8(1); interim orders near their end, s.5(6);
renewal reviews, s.4; notification failures and deadlines, s.9-s.11), and
upsert the alerts by their stable id. Memory stays bounded
by the number of records and alerts, not incidents.

Compliance records (a requirement met, a sign-on made) are read 500 orders at
a time (one query each), only for the orders with a positive requirement or
sign-on schedule, only those met by ``at``, and as light rows grouped by term
(defendant, order, term and the instants met; one row per term, no validated
record per sign-on): memory holds 500 orders' records at a time, not the
millions a force's daily sign-ons add up to.

Protected persons are loaded with their restricted details, because the
approach rule needs their places and redaction needs their addresses; each of
those reads is written to the audit trail with its reason. The details never
leave this process in a report (see :mod:`spo_tracker.reports`).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

from spo_tracker._gc import collector_paused, sparing_loaded
from spo_tracker.casework._dated import (
    ComplianceSource,
    StoredRecords,
    dated_alerts,
    order_dated_alerts,
    stored_requirement_alerts,
)
from spo_tracker.casework._due import compliance_written, defendants_of, read_nightly
from spo_tracker.casework._incremental import (
    ALERT_KINDS,
    DATED_ALL,
    Judged,
    Watermark,
    config_digest,
    judged_records,
    linked_keys,
    links_of,
    settled_since,
    touched_rows,
)
from spo_tracker.casework._permission import authorised
from spo_tracker.casework._run import DetectionRun, refuse_earlier
from spo_tracker.casework._storing import (
    AlertsStored,
    alerts_by_id,
    stored_with_retry,
)
from spo_tracker.casework._written import (
    ChangedOrderMissing,
    changed_since,
    full_run_reason,
    orders_naming,
)
from spo_tracker.detection.config import DetectionConfig
from spo_tracker.detection.engine import Detector, ScanResult
from spo_tracker.domain.alerts import sort_alerts
from spo_tracker.domain.statutory_time import ensure_aware, instant_before
from spo_tracker.errors import (
    InvalidValueError,
)
from spo_tracker.storage import Actor, Store, UnitOfWork, scan_incident_rows, scan_incidents

__all__ = [
    "AlertsStored",
    "ComplianceSource",
    "DetectionRun",
    "Progress",
    "StoredRecords",
    "dated_alerts",
    "detect_stored",
    "load_records",
    "run_detection",
]

#: Receives one line of progress for people (the command line prints it on stderr).
Progress = Callable[[str], None]
_EVERY = 50_000
_T = TypeVar("_T")
_RESTRICTED_REASON = "breach detection (approach rule) and report redaction"


def _quiet(_: str) -> None:
    """The default progress sink: says nothing."""


def load_records(store: Store, *, actor: Actor, at: _dt.datetime) -> StoredRecords:
    """Read every order, defendant, protected person and duty (restricted reads are audited).

    Args:
        store: the store to read.
        actor: who is reading, for the audit trail.
        at: when, for the audit trail.

    Returns:
        The records, each kind in id order; protected persons with restricted details.

    Raises:
        InvalidValueError: ``actor`` is not an Actor.
        NaiveDatetimeError: ``at`` has no time zone.
        PermissionDeniedError: the actor may not read restricted details, or stated no
            purpose (the refusal is audited).

    The read is one ``persons.consulted`` audit entry naming every defendant and
    protected person read, with ``actor.purpose`` (DPA 2018 s.62(1)(c)).
    """
    authorised(store, actor, "load_records", at=at)
    return _load(store, actor, at, processing=False)


def _load(
    store: Store,
    actor: Actor,
    at: _dt.datetime,
    *,
    processing: bool,
    logged: bool = True,
    people: bool = True,
) -> StoredRecords:
    """Every record (see :func:`load_records`).

    ``processing``: for an authorised action that shows no restricted details to its
    caller (detection, redaction), so the restricted-read permission is not asked for
    again (each read is still audited). ``logged=False``: the caller writes the one
    consultation or disclosure entry of its call itself (a report names the people it
    shows). ``people=False``: the orders and duties only (no defendant or protected
    person is read), for an incremental run, which reads the people it judges itself."""
    # Many small acyclic records, all kept: the collector would walk them all for no
    # garbage; on leaving they go straight to its oldest generation (spo_tracker._gc).
    with collector_paused(kept=True), store.unit_of_work(actor, at=at) as uow:
        if not logged:
            uow.defer_consultations()
        return _read_records(uow, processing=processing, people=people)


def _read_records(uow: UnitOfWork, *, processing: bool, people: bool) -> StoredRecords:
    """:func:`_load` in ``uow``."""
    # Bulk reads (one query per 500 ids and child table), not one query per record.
    orders = _in_id_order(uow.orders.ids(), uow.orders.get_many)
    duties = _in_id_order(uow.notification_duties.ids(), uow.notification_duties.get_many)
    if not people:
        return StoredRecords(orders, (), (), duties)
    defendants = _in_id_order(uow.defendants.ids(), uow.defendants.get_many)
    with uow._processing() if processing else contextlib.nullcontext():
        # A person whose details can no longer be read (their key destroyed) is left out:
        # they have no place to test, and a report withholds any free text about them.
        ids = uow.protected_persons.ids()
        found = uow.protected_persons.get_many(ids, reason=_RESTRICTED_REASON, skip_unreadable=True)
        persons = tuple(found[k] for k in ids if k in found)
    return StoredRecords(orders, defendants, persons, duties)


def _in_id_order(ids: list[str], get_many: Callable[[list[str]], dict[str, _T]]) -> tuple[_T, ...]:
    """The records of ``ids``, read in bulk, in that order (each was listed as stored)."""
    found = get_many(ids)
    return tuple(found[k] for k in ids)


def _counted(items: Iterable[_T], progress: Progress, what: str) -> Iterator[_T]:
    count = 0
    for count, incident in enumerate(items, start=1):
        if count % _EVERY == 0:
            progress(f"  {what}: {count:,} incidents")
        yield incident
    progress(f"  {what}: {count:,} incidents, done")


def detect_stored(
    store: Store,
    records: StoredRecords,
    *,
    actor: Actor,
    at: _dt.datetime,
    config: DetectionConfig | None = None,
    progress: Progress = _quiet,
) -> ScanResult:
    """Run breach detection over the incidents stored before ``at`` (streamed, oldest
    first), plus the dated alerts as of ``at`` with the stored compliance records; alerts
    sorted.

    Detects without storing (``spo-tracker report`` without ``--stored``);
    :func:`run_detection` detects and stores.

    Args:
        store: the store to read.
        records: its records, from :func:`load_records`.
        actor: who is reading the compliance records (a unit of work needs one; reading
            them writes nothing to the audit trail).
        at: judge as of this instant; incidents at or after it are not read.
        config: detection thresholds and windows (the defaults if ``None``).
        progress: receives a line of text now and then (some while the cyclic garbage
            collector is paused: keep it free of reference cycles).

    Returns:
        The alerts, sorted, the unattributed incidents and the count read.

    Raises:
        NaiveDatetimeError: ``at`` has no time zone.
        PermissionDeniedError: the actor may not run detection (audited).
    """
    until = ensure_aware(at, field="at")
    authorised(store, actor, "detect_stored", at=until)
    return _detected(store, records, actor, until, config, progress)


def _detected(
    store: Store,
    records: StoredRecords,
    actor: Actor,
    until: _dt.datetime,
    config: DetectionConfig | None,
    progress: Progress,
    spare: Callable[[], None] = lambda: None,
) -> ScanResult:
    """:func:`detect_stored`, checked; ``spare`` is called once the detector is compiled
    (see ``sparing_loaded``). The detector is dropped on return: a run that goes on to
    store its alerts does not keep it."""
    detector = _detector(records, config)
    spare()
    # Light rows, not incident objects: the scan moves at about the speed of the cursor.
    try:
        # The store's own rows, folded into acyclic state: the collector is paused, or each
        # of its full collections walks the compiled detector (docs/performance.md).
        with collector_paused(), _closing(scan_incident_rows(store, until=until)) as rows:
            found = detector.scan_rows(_counted(rows, progress, "detection"))
    except InvalidValueError:
        # A stored row no incident can hold (an unknown code, a place off the globe): read
        # again as incidents, which refuses that record naming it and the rule it breaks.
        with _closing(scan_incidents(store, until=until)) as incidents:
            found = detector.scan(incidents)
    return _with_dated(store, records, found, actor=actor, until=until, config=config)


@contextlib.contextmanager
def _closing(items: Iterator[_T]) -> Iterator[Iterator[_T]]:
    """``items``, closed when the block ends: a scan stopped by an error gives its
    database connection back at once, not whenever the suspended generator is collected
    (after the store was closed)."""
    try:
        yield items
    finally:
        close = getattr(items, "close", None)
        if callable(close):
            close()


def _detector(records: StoredRecords | Judged, config: DetectionConfig | None) -> Detector:
    """The detector of these records, compiled as a kept block (``collector_paused``): its
    plans, kept for the run, go straight to the collector's oldest generation, as the
    records did (a run then freezes both, see ``sparing_loaded``)."""
    with collector_paused(kept=True):
        return Detector(
            records.orders,
            records.defendants,
            config=config,
            protected_persons=records.protected_persons,
        )


def _with_dated(
    store: Store,
    records: StoredRecords,
    found: ScanResult,
    *,
    actor: Actor,
    until: _dt.datetime,
    config: DetectionConfig | None,
    settled: _dt.datetime | None = None,
    added: frozenset[str] | None = None,
    changed: frozenset[str] = frozenset(),
) -> ScanResult:
    """``found`` with the dated alerts as of ``until`` added, all sorted."""
    with store.unit_of_work(actor, at=until) as uow:
        dated = stored_requirement_alerts(
            uow, records.orders, until, config, settled, added, changed
        )
    dated += order_dated_alerts(records, until, config)
    alerts = tuple(sort_alerts([*found.alerts, *dated]))
    return ScanResult(alerts, found.unattributed, found.incidents_seen)


def _detect_since(
    store: Store,
    records: StoredRecords | None,
    previous: Watermark,
    *,
    head: int,
    actor: Actor,
    until: _dt.datetime,
    config: DetectionConfig | None,
    progress: Progress,
    loaded: Callable[[], None],
) -> tuple[ScanResult, int]:
    """The incremental run (see :mod:`spo_tracker.casework._incremental`): every incident
    of the defendants that incidents recorded since ``previous`` belong to, and the dated
    alerts; with how many incidents were new. With ``records`` not given, only the orders
    and duties whose dated alerts can have changed are read, with the defendants and
    protected persons judged again (:func:`~spo_tracker.casework._due.read_nightly`).
    ``loaded`` is called once they are read and the detector is compiled from them."""
    settled = settled_since(store, previous, head=head)
    written = changed_since(store, previous, head=head)
    stored: int | None = None
    added: frozenset[str] | None = None
    if records is None:
        # One unit of work (one snapshot, one consultation entry) for the orders and duties
        # and the people judged again.
        with collector_paused(kept=True), store.unit_of_work(actor, at=until) as uow:
            nightly = read_nightly(
                uow,
                store,
                previous,
                head=head,
                until=until,
                config=config,
                settled=settled is not None,
                reason=_RESTRICTED_REASON,
                written=written,
            )
        records, judged, changed = nightly.records, nightly.judged, nightly.changed
        stored, added = nightly.orders_stored, nightly.added
    else:
        changed = written.orders | orders_naming(records.orders, written.persons)
        by_id = {d.defendant_id: d for d in records.defendants}
        rows, new = touched_rows(
            store,
            previous,
            head=head,
            until=until,
            links=links_of(records.defendants),
            keys_of=lambda owners: linked_keys(by_id, owners),
            also=defendants_of(records.orders, changed) | written.left,
            people=written.defendants,
            incidents=written.incidents,
        )
        orders, defendants = judged_records(rows, records.orders, records.defendants)
        judged = Judged(rows, new, orders, defendants, list(records.protected_persons))
    detector = _detector(judged, config)
    loaded()
    progress(
        f"  incremental: {judged.new:,} incidents new since the last run, "
        f"{len(judged.rows):,} to judge, {len(judged.defendants):,} defendants"
    )
    if stored is not None:
        progress(f"  dated checks: {len(records.orders):,} of {stored:,} orders can have changed")
    try:
        with collector_paused():  # the rows are the store's, in a list: see detect_stored
            found = detector.scan_rows(_counted(judged.rows, progress, "detection"))
    except InvalidValueError:
        # A stored row no incident can hold: read every incident and every record, as a
        # full run, which names it.
        everything = _load(store, actor, until, processing=True)
        with _closing(scan_incidents(store, until=until)) as incidents:
            found = _detector(everything, config).scan(incidents)

    def with_dated(
        chosen: StoredRecords, settled: _dt.datetime | None, added: frozenset[str] | None
    ) -> ScanResult:
        return _with_dated(
            store,
            chosen,
            found,
            actor=actor,
            until=until,
            config=config,
            settled=settled,
            added=added,
            changed=changed,
        )

    dated = with_dated(records, settled, added)
    after = store.audit_head()
    now = after[0] if after else head
    unsettled = settled is not None and settled_since(store, previous, head=now) is None
    if unsettled or (added is not None and compliance_written(store, after=head, through=now)):
        # A compliance record changed, or an alert was written, while the counts were read
        # (every window is judged again), or one was added (its order may not have been
        # read): every order is read and judged again.
        if stored is not None:
            records = _load(store, actor, until, processing=True, people=False)
        dated = with_dated(records, None if unsettled else settled, None)
    return dated, judged.new


def _check_run_arguments(records: object, progress: object) -> None:
    if records is not None and not isinstance(records, StoredRecords):
        raise InvalidValueError("records", records, "is not StoredRecords (from load_records)")
    if progress is not None and not callable(progress):
        raise InvalidValueError("progress", progress, "is not callable")


def run_detection(
    store: Store,
    *,
    at: _dt.datetime,
    actor: Actor,
    since: _dt.datetime | None = None,
    config: DetectionConfig | None = None,
    progress: Progress | None = None,
    records: StoredRecords | None = None,
    reason: str = "breach detection run",
    full: bool = False,
) -> DetectionRun:
    """Run every detection rule over the store as of ``at`` and keep the alerts.

    Everything ``spo-tracker scan`` finds: every term rule (with the protected
    persons' places, so the no-approach rule runs), the pattern alerts, and the
    dated checks (positive requirements and sign-on days, SPA2019 s.1(2)(b) and
    s.8(1); interim orders ending, s.5(6); renewal reviews, s.4; notification
    deadlines ST19002-ST19006, s.9-s.11). The alerts are upserted by their
    stable id (:func:`store_alerts`: each one found replaces the stored one)
    and the run is noted in the audit trail (``detection.run``, with its
    counts) in the same unit of work. Running it twice in a row changes no
    stored alert; two runs at once both finish (the later one stores over
    what the first stored, or retries).

    A run as of an instant before the latest stored run's is refused
    (:class:`~spo_tracker.errors.EarlierRunError`): it would replace later
    judgements with what was known less. To see what was known then, use
    :func:`detect_stored`, which stores nothing. The check is against runs
    already committed (before detection, and again in each storing attempt):
    two runs at different instants started together are not ordered by it.

    A run is incremental when it can be: it reads the incidents recorded since
    the latest run's watermark (an audit entry number, safe under concurrent
    ingests), and every incident of the defendants they belong to, whose
    orders were created or changed since, whose orders name a protected person
    who moved or whose details were disposed of since, or who were created or
    given an identity since (with the other holders of their identities), or
    whom an incident changed since names or named, and so judges exactly the
    alerts that can have changed (see :mod:`spo_tracker.casework._incremental`
    and docs/integration.md). It is full, reading every incident, when ``full``
    is true, when no earlier run left a watermark, when an identity was unlinked
    from a defendant (a defendant erased with identities is one) or an order
    moved to another defendant since, when the identity that acted in a stored
    incident changed, or when ``config`` differs from the last run's;
    :attr:`DetectionRun.full_reason` says which. Either way the stored alerts
    end the same as after a full run.

    ``since`` does nothing to the detection: it is checked (aware, not after
    ``at``) and recorded on the result and in the audit entry, nothing more.

    Args:
        store: the store to read and to keep the alerts in.
        at: judge as of this instant; incidents at or after it are not read.
        actor: who runs it, for the audit trail (restricted reads are audited).
        since: recorded only (see above); at or before ``at``.
        config: detection thresholds and windows (the defaults if ``None``).
        progress: receives a line of text now and then (e.g. for stderr), some while
            the cyclic garbage collector is paused: keep it free of reference cycles.
        records: the store's records if the caller already loaded them with
            :func:`load_records` (they are read afresh if ``None``).
        reason: why, for the audit trail.
        full: read every incident even if an incremental run would do.

    Returns:
        The alerts found and the ids added, updated and left unchanged.

    Raises:
        NaiveDatetimeError: ``at`` or ``since`` has no time zone.
        InvalidValueError: ``since`` is after ``at``, ``actor`` is not an Actor,
            ``records`` is not StoredRecords, ``progress`` is not callable or ``full``
            is not a bool.
        EarlierRunError: a detection run as of a later instant is stored (nothing is
            read or stored).
        ConstraintViolationError: an alert could not be stored (nothing is stored).
        StoreRetriesExhaustedError: concurrent writers got in the way of every attempt
            (nothing is stored; running it again is safe).
    """
    until = ensure_aware(at, field="at")
    start = None if since is None else ensure_aware(since, field="since")
    if start is not None and instant_before(until, start):
        raise InvalidValueError("since", since, f"is after at={until.isoformat()}")
    _check_run_arguments(records, progress)
    authorised(store, actor, "run_detection", at=until)
    if not isinstance(full, bool):
        raise InvalidValueError("full", full, "is not True or False")
    refuse_earlier(store, until)
    say = _quiet if progress is None else progress
    # The watermark first, before anything is read: what commits after it is the next run's.
    head = store.audit_head()
    through = None if head is None else head[0]
    previous, digest = Watermark.latest(store), config_digest(config)
    why = full_run_reason(store, previous, head=through, config=digest, full=full)
    new: int | None = None
    # The records and the detector compiled from them, once made, are out of the cyclic
    # collector's sight until the run ends.
    with sparing_loaded() as loaded:
        if why is None:
            assert previous is not None  # as full_run_reason checked
            assert through is not None
            try:
                found, new = _detect_since(
                    store,
                    records,
                    previous,
                    head=through,
                    actor=actor,
                    until=until,
                    config=config,
                    progress=say,
                    loaded=loaded,
                )
            except ChangedOrderMissing as missing:
                why = str(missing)
        if why is not None:
            say(f"  full run: {why}")
            chosen = _load(store, actor, until, processing=True) if records is None else records
            authorised(store, actor, "detect_stored", at=until)
            found = _detected(store, chosen, actor, until, config, say, loaded)
        loaded()  # the alerts found are kept to the end too
        say(f"storing {len(found.alerts):,} alerts")

        def note(uow: UnitOfWork, done: AlertsStored) -> None:
            changes = {
                "mode": "full" if why is not None else "incremental",
                "through": through,
                "config": digest,
                "dated": DATED_ALL if records is None else "the records given",
                "alert_entries": uow.pending_entries(ALERT_KINDS),
                "new_incidents": new,
                "since": None if start is None else start.isoformat(),
                "incidents": found.incidents_seen,
                "alerts": len(found.alerts),
                "new": done.new,
                "updated": done.updated,
                "unchanged": done.unchanged,
            }
            uow.note_detection_run(until, changes=changes, reason=reason)

        done = stored_with_retry(
            store,
            alerts_by_id(found.alerts),
            actor=actor,
            at=until,
            reason=reason,
            guard=lambda: refuse_earlier(store, until),
            note=note,
        )

    return DetectionRun(
        until, start, found.alerts, found.unattributed, found.incidents_seen, done, why, new
    )
