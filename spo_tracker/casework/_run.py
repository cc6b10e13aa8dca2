"""What a detection run (:func:`~spo_tracker.casework.run_detection`) found, and what it
did to the stored alerts."""

from __future__ import annotations

import datetime as _dt
import json

import attrs
import pendulum

from spo_tracker.casework._storing import AlertsStored
from spo_tracker.detection.engine import ScanResult
from spo_tracker.detection.resolution import Unattributed
from spo_tracker.domain.alerts import Alert
from spo_tracker.domain.statutory_time import instant_before
from spo_tracker.errors import EarlierRunError
from spo_tracker.storage import DETECTION_RUN, AuditEntry, Store

__all__ = ["DetectionRun", "latest_run", "refuse_earlier", "run_entry"]


@attrs.frozen
class DetectionRun:
    """What :func:`run_detection` found and what it did to the stored alerts.

    Attributes:
        at: the instant the run judged as of (incidents before it were read).
        since: the ``since`` the caller gave, if any (see :func:`run_detection`).
        alerts: every alert this run raised, sorted: a full run's are every alert, an
            incremental run's those of the defendants it judged again and the dated ones
            of the orders it read (those whose dated alerts can have changed since the
            previous run: see :mod:`spo_tracker.casework._due`), but not the sign-on
            windows settled before the previous run and stored as they would be built
            (see :mod:`spo_tracker.casework._incremental`).
        unattributed: incidents no defendant could be found for, among those read.
        incidents_seen: incidents read.
        stored: the alerts added, updated and left unchanged, by id.
        full_reason: why the run read every incident; ``None`` for an incremental run.
        new_incidents: incidents recorded since the last run (``None`` for a full run).
    """

    at: _dt.datetime
    since: _dt.datetime | None
    alerts: tuple[Alert, ...]
    unattributed: tuple[Unattributed, ...]
    incidents_seen: int
    stored: AlertsStored
    full_reason: str | None = None
    new_incidents: int | None = None

    @property
    def incremental(self) -> bool:
        """Whether the run read only what was recorded since the last run (and what it
        touches), rather than every incident."""
        return self.full_reason is None

    @property
    def scan(self) -> ScanResult:
        """The run's findings as a :class:`~spo_tracker.detection.engine.ScanResult`."""
        return ScanResult(self.alerts, self.unattributed, self.incidents_seen)


def run_entry(entry: AuditEntry) -> tuple[int, pendulum.DateTime] | None:
    """The watermark (``through``) and instant of a stored ``detection.run`` entry, or
    ``None`` if it is not one a run writes: its subject an instant with a zone, its
    ``through`` a whole number before the entry's own (the head the run read from).

    Such an entry is no run's (a hand edit of the trail, or a note written before
    :meth:`~spo_tracker.storage.UnitOfWork.note` refused the event): trusted, a
    ``through`` past the head would hide every later change from the next run, and a
    far-off subject would refuse every run.
    """
    try:
        changes = json.loads(entry.changes)
        # As a run writes it (datetime.isoformat): pendulum.parse would read a time with
        # no zone as UTC, and week dates and other ISO forms no run writes.
        at = _dt.datetime.fromisoformat(entry.subject_id)
    except (ValueError, TypeError):
        return None
    through = changes.get("through") if isinstance(changes, dict) else None
    if type(through) is not int or not 0 <= through < entry.seq:
        return None
    if at.tzinfo is None or entry.subject_id != at.isoformat():
        return None
    return through, pendulum.instance(at)


def latest_run(store: Store) -> pendulum.DateTime | None:
    """The instant the latest stored detection run judged as of, if any (``None`` also if
    the latest ``detection.run`` entry is not one a run writes: see :func:`run_entry`)."""
    entry = store.last_event(DETECTION_RUN)
    found = None if entry is None else run_entry(entry)
    return None if found is None else found[1]


def refuse_earlier(store: Store, at: pendulum.DateTime) -> None:
    """Refuse to store a judgement as of an instant before the latest stored run's."""
    latest = latest_run(store)
    if latest is not None and instant_before(at, latest):
        raise EarlierRunError(at.isoformat(), latest.isoformat())
