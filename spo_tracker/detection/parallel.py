"""An optional process-parallel batch scan: the same alerts, split by defendant.

Every alert is about one defendant and is computed from that defendant's
incidents alone (grouping, escalation, first threats, closing in, courses of
conduct), so scanning each defendant's incidents in a separate process and
merging the alerts gives exactly :meth:`Detector.scan`'s result; a test checks
it. Worker ``k`` of ``n`` takes the defendants whose id hashes to ``k`` (and
worker 0 the incidents no defendant can be found for), and counts the distinct
incident ids that hash to ``k``, so the counts add up without sending any ids
back.

The workers are forked (POSIX ``fork``): they inherit the detector and the
incidents without copying or pickling them, which is why the incidents are a
sequence in memory rather than a stream. Each sends back its alerts pickled
compactly (instants as epoch seconds, alerts as their field values) and the
parent rebuilds and sorts them. Where ``fork`` is unavailable, or with one
worker, this is simply :meth:`Detector.scan`.
"""

from __future__ import annotations

import copyreg
import gc
import io
import multiprocessing
import pickle
from collections.abc import Iterator, Sequence
from multiprocessing.connection import Connection
from typing import Any, Final

import attrs
import pendulum

from spo_tracker.detection._clock import epoch, instant
from spo_tracker.detection.alerts import unchecked_alert
from spo_tracker.detection.engine import Detector, ScanResult
from spo_tracker.detection.resolution import Unattributed
from spo_tracker.domain.alerts import Alert, sort_alerts
from spo_tracker.domain.incidents import Incident
from spo_tracker.errors import InvalidValueError

__all__ = ["fork_available", "scan_parallel"]

_FIELD_NAMES: Final = tuple(f.name for f in attrs.fields(Alert))


def fork_available() -> bool:
    """Whether this platform can fork worker processes (POSIX)."""
    return "fork" in multiprocessing.get_all_start_methods()


def scan_parallel(
    detector: Detector, incidents: Sequence[Incident], *, workers: int = 2
) -> ScanResult:
    """:meth:`Detector.scan` of ``incidents`` spread over ``workers`` forked processes.

    Args:
        detector: the detector to scan with (inherited by the workers, not copied).
        incidents: every incident, in memory (the workers read it after the fork).
        workers: how many processes; 1 (or no ``fork`` on this platform) scans here.

    Returns:
        Exactly what ``detector.scan(incidents)`` returns.

    Raises:
        InvalidValueError: ``workers`` is not a whole number of 1 or more, or an item
            is not an :class:`Incident` (checked before any work starts).
        ChildProcessError: a worker failed; its error is in the message.
    """
    if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
        raise InvalidValueError("workers", workers, "must be a whole number, 1 or more")
    for item in incidents:
        if type(item) is not Incident and not isinstance(item, Incident):
            raise InvalidValueError("incident", item, "expected an Incident")
    if workers == 1 or not fork_available():
        return detector.scan(incidents)
    context = multiprocessing.get_context("fork")
    pipes: list[Connection] = []
    processes = []
    for k in range(workers):
        receiver, sender = context.Pipe(duplex=False)
        process = context.Process(
            target=_work, args=(detector, incidents, k, workers, sender), daemon=True
        )
        process.start()
        sender.close()
        pipes.append(receiver)
        processes.append(process)
    try:
        parts = [_receive(pipe, k) for k, pipe in enumerate(pipes)]
    finally:
        for process in processes:
            process.join()
    return _merged(parts, len(incidents))


# -- in the worker ----------------------------------------------------------------------


def _work(
    detector: Detector, incidents: Sequence[Incident], k: int, n: int, sender: Connection
) -> None:
    # Everything inherited is long-lived here: keep the collector from walking (and so
    # copying, page by page) the parent's objects, the incidents above all.
    gc.freeze()
    try:
        tracker = detector.tracker()
        tracker.observe_all(_share(detector, incidents, k, n))
        result = tracker.result()
        sender.send_bytes(_dumps((True, result.alerts, result.unattributed)))
    except BaseException as exc:  # report any failure to the parent rather than hang it
        sender.send_bytes(pickle.dumps((False, f"{type(exc).__name__}: {exc}")))
    finally:
        sender.close()


def _share(detector: Detector, incidents: Sequence[Incident], k: int, n: int) -> Iterator[Incident]:
    """Worker ``k``'s incidents: those of defendants hashing to ``k``.

    ``hash`` of a string is the same in every forked worker (they share the
    parent's hash seed), and only the partition, never a result, depends on it.
    """
    owner = detector.identities.owner
    for incident in incidents:
        who = incident.defendant_id
        if who is None:
            actor = incident.actor
            who = None if actor is None else owner(actor)
        if (0 if who is None else hash(who) % n) == k:
            yield incident


def _reduce_instant(at: pendulum.DateTime) -> tuple[Any, tuple[Any, ...]]:
    if at.tzinfo is pendulum.UTC:
        return instant, (epoch(at),)
    return at.__reduce_ex__(2)


def _reduce_alert(alert: Alert) -> tuple[Any, tuple[Any, ...]]:
    return _alert_from_values, (tuple([getattr(alert, name) for name in _FIELD_NAMES]),)


def _alert_from_values(values: tuple[Any, ...]) -> Alert:
    return unchecked_alert(**dict(zip(_FIELD_NAMES, values, strict=True)))


def _dumps(payload: object) -> bytes:
    """Pickle with compact forms for alerts and UTC instants (much faster to load)."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    table = copyreg.dispatch_table.copy()
    table[pendulum.DateTime] = _reduce_instant
    table[Alert] = _reduce_alert
    pickler.dispatch_table = table
    pickler.dump(payload)
    return buffer.getvalue()


# -- in the parent ----------------------------------------------------------------------


def _receive(pipe: Connection, k: int) -> tuple[tuple[Alert, ...], tuple[Unattributed, ...]]:
    try:
        payload = pickle.loads(pipe.recv_bytes())
    except EOFError:
        raise ChildProcessError(f"detection worker {k} ended without a result") from None
    finally:
        pipe.close()
    if not payload[0]:
        raise ChildProcessError(f"detection worker {k} failed: {payload[1]}")
    _, alerts, unattributed = payload
    return alerts, unattributed


def _merged(
    parts: list[tuple[tuple[Alert, ...], tuple[Unattributed, ...]]], observed: int
) -> ScanResult:
    alerts = [alert for part in parts for alert in part[0]]
    unattributed = sorted((u for part in parts for u in part[1]), key=lambda u: u.incident_id)
    return ScanResult(tuple(sort_alerts(alerts)), tuple(unattributed), observed)
