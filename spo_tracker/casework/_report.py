"""Reports from a store: gather the alerts and their evidence, render, write, audit.

The use case behind ``spo-tracker report`` and the demo's reports: the
alerts come from the store (``stored=True``: those a detection run kept) or
from a detection run that stores nothing; the records they refer to and
their evidence incidents are looked up in the store; each report is
rendered, written atomically and noted in the audit trail with its format,
size, redaction and SHA-256 digest. Rendering itself is :mod:`spo_tracker.reports`.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Final

import attrs
import pendulum

from spo_tracker.casework._detection import StoredRecords, _load, detect_stored
from spo_tracker.casework._permission import (
    analyst_pseudonyms,
    authorised,
    identities_of,
    people_of,
)
from spo_tracker.casework._queue import decided_in
from spo_tracker.casework._storing import kept_alerts
from spo_tracker.domain.alerts import Alert
from spo_tracker.domain.pseudonyms import Pseudonymiser
from spo_tracker.domain.statutory_time import ensure_aware, instant_before
from spo_tracker.errors import InvalidValueError
from spo_tracker.reports import (
    Report,
    ReportContext,
    StagedFile,
    build_report,
    check_format,
    render,
    stage_file,
)
from spo_tracker.storage import Actor, Store, UnitOfWork

__all__ = [
    "DEFAULT_PERIOD",
    "DEFAULT_TITLE",
    "ReportWritten",
    "report_context",
    "report_from_store",
    "reports_from_store",
]

#: The period a report covers by default: the open alerts identified in the last 28 days
#: (four weeks: every weekday four times, and a monthly supervision cycle with a margin).
DEFAULT_PERIOD: Final = pendulum.duration(days=28)

#: The title of a report when none is given.
DEFAULT_TITLE = "Suspected breaches and warnings: Stalking Protection Orders"


@attrs.frozen
class ReportWritten:
    """One report file written by :func:`report_from_store`.

    Attributes:
        fmt: its format (``html``, ``json`` or ``csv``).
        path: the file written.
        alerts: how many alerts it shows.
        sha256: the SHA-256 digest of the bytes written (also in the audit trail).
    """

    fmt: str
    path: Path
    alerts: int
    sha256: str


def report_context(
    store: Store,
    records: StoredRecords,
    alerts: Iterable[Alert],
    *,
    actor: Actor,
    at: _dt.datetime,
) -> ReportContext:
    """The records a report of ``alerts`` needs, with their evidence incidents.

    Args:
        store: where the evidence incidents are looked up (by id, in chunks).
        records: the store's records, from :func:`~spo_tracker.casework.load_records`.
        alerts: the alerts to report.
        actor: who is reading, for the unit of work.
        at: when, for the unit of work.

    Returns:
        Orders, defendants, protected persons and evidence incidents by id.
    """
    with store.unit_of_work(actor, at=at) as uow:
        uow.authorise("report_context")
        return _context(uow, records, alerts)


def _context(uow: UnitOfWork, records: StoredRecords, alerts: Iterable[Alert]) -> ReportContext:
    """:func:`report_context` in ``uow``, unchecked (the report's own action was)."""
    wanted = sorted({i for a in alerts for i in a.evidence_ids})
    incidents = uow.find_incidents(wanted) if wanted else {}
    return ReportContext(
        orders={o.order_id: o for o in records.orders},
        defendants={d.defendant_id: d for d in records.defendants},
        protected_persons={p.person_id: p for p in records.protected_persons},
        incidents=incidents,
    )


def reports_from_store(
    store: Store,
    outputs: Mapping[str, str | os.PathLike[str]],
    *,
    at: _dt.datetime,
    actor: Actor,
    stored: bool = False,
    include_protected_names: bool = False,
    since: _dt.datetime | None = None,
    history: bool = False,
    title: str = DEFAULT_TITLE,
    reason: str = "report",
    pseudonyms: Pseudonymiser | None = None,
) -> tuple[ReportWritten, ...]:
    """Write one report of the store's alerts per format, each noted in the audit trail.

    Every format shows the same alerts, built once. By default a report holds
    the *open* alerts (no decided review, see :func:`review_alert`) identified
    in a period: at or after ``since``, or in the :data:`DEFAULT_PERIOD` (28
    days) before ``at``; a reviewed alert leaves it. ``history=True`` reports
    every alert, decided or not, over the whole history (``since`` then keeps
    the alerts with activity at or after it, as before). The protected
    persons' addresses and places never appear; their names only with
    ``include_protected_names`` (internal use only). No file appears without
    its audit entry: every format is written in full to a temporary file
    beside its target, the ``report.written`` entries are committed, and only
    then is each file renamed into place. If any format cannot be written or
    the audit entries cannot be committed, the temporary files are removed and
    no report file is written.

    Args:
        store: the store to read.
        outputs: the file to write for each format (``{"html": "alerts.html"}``),
            at least one.
        at: the report's time; with ``stored``, the alerts identified by then, else a
            detection run as of then (nothing is stored).
        actor: who writes it, for the audit trail.
        stored: report the alerts a detection run kept instead of detecting again.
        include_protected_names: show protected persons' names.
        since: by default, the start of the period (alerts identified at or after it);
            with ``history``, keep only alerts with activity at or after it.
        history: every alert, decided ones too, not only the open ones in the period.
        title: the report's title.
        reason: why, for the audit trail.
        pseudonyms: the force's pseudonymiser: an analyst's reports show each
            defendant and protected person as its pseudonym, never a name or id
            (needed for an analyst; ignored for other roles).

    Returns:
        Each report written, in the order of ``outputs``.

    Raises:
        UnknownCodeError: a format is not ``html``, ``json`` or ``csv`` (nothing is written).
        NaiveDatetimeError: ``at`` or ``since`` has no time zone.
        InvalidValueError: ``outputs`` is empty or not a mapping, an output is not a path,
            ``since`` is after ``at``, or the title is empty (checked before any work).
        OutputWriteError: a file cannot be written (no report file is written).
    """
    formats = _checked_outputs(outputs)
    when = ensure_aware(at, field="at")
    authorised(store, actor, "reports_from_store", at=when)
    pseudo = analyst_pseudonyms(
        store, actor, "reports_from_store", at=when, pseudonyms=pseudonyms,
        include_protected_names=include_protected_names,
    )  # fmt: skip
    _check_since_title(when, since, title)
    report, people, identities = _report(
        store, when, actor, stored, include_protected_names, since, history, title
    )
    staged: list[StagedFile] = []
    try:
        written = []
        for fmt in formats:
            text = render(report, fmt)
            if pseudo is not None:
                text = pseudo.rewrite(text, people, identities)
            data = text.encode("utf-8", errors="backslashreplace")
            staged.append(stage_file(outputs[fmt], data))
            digest = hashlib.sha256(data).hexdigest()
            written.append(ReportWritten(fmt, staged[-1].target, len(report.alerts), digest))
        _note_written(store, report, written, actor=actor, at=when, reason=reason, pseudo=pseudo)
        for file in staged:
            file.publish()
    except BaseException:
        for file in staged:
            file.discard()
        raise
    return tuple(written)


def _checked_outputs(outputs: object) -> list[str]:
    """The formats of ``outputs``, each known, with a path (typed errors otherwise)."""
    if not isinstance(outputs, Mapping) or not outputs:
        raise InvalidValueError("outputs", outputs, "must map at least one format to a file")
    for fmt, target in outputs.items():
        check_format(fmt)
        if not isinstance(target, (str, os.PathLike)):
            raise InvalidValueError("output", target, f"is not a file path (format {fmt!r})")
    return list(outputs)


def _check_since_title(when: pendulum.DateTime, since: _dt.datetime | None, title: str) -> None:
    """Refuse a ``since`` after the report's time, as run_detection does, and an empty title."""
    if since is not None and instant_before(when, ensure_aware(since, field="since")):
        raise InvalidValueError("since", since, f"is after at={when.isoformat()}")
    if not isinstance(title, str) or not title.strip():
        raise InvalidValueError("title", title, "must be non-empty text")


def _note_written(
    store: Store,
    report: Report,
    written: list[ReportWritten],
    *,
    actor: Actor,
    at: _dt.datetime,
    reason: str,
    pseudo: Pseudonymiser | None,
) -> None:
    """Commit one ``report.written`` audit entry per file, before any file is visible: a
    disclosure naming, by id, the defendants and protected persons its alerts concern
    (DPA 2018 s.62(1)(d)), with the actor's purpose."""
    defendants = {a.alert.defendant_id for a in report.alerts}
    persons = {p for a in report.alerts for p in a.alert.protected_person_ids}
    with store.unit_of_work(actor, at=at) as uow:
        for item in written:
            changes = _disclosed(report, item.fmt, item.sha256)
            if pseudo is not None:
                changes["pseudonymised"] = True
            uow.disclose(
                "report.written",
                "report",
                item.path.name,
                defendants=defendants,
                protected_persons=persons,
                changes=changes,
                reason=reason,
            )
        uow.commit()


def report_from_store(
    store: Store,
    *,
    at: _dt.datetime,
    actor: Actor,
    fmt: str,
    output: str | os.PathLike[str],
    stored: bool = False,
    include_protected_names: bool = False,
    since: _dt.datetime | None = None,
    history: bool = False,
    title: str = DEFAULT_TITLE,
    reason: str = "report",
    pseudonyms: Pseudonymiser | None = None,
) -> ReportWritten:
    """Write one report of the store's alerts as ``fmt`` to ``output``, audited.

    :func:`reports_from_store` with one format; see there for the arguments.

    Returns:
        The report written.

    Raises:
        UnknownCodeError: ``fmt`` is not ``html``, ``json`` or ``csv`` (nothing is written).
        NaiveDatetimeError: ``at`` or ``since`` has no time zone.
        InvalidValueError: ``output`` is not a path, ``since`` is after ``at``, or the
            title is empty.
        OutputWriteError: the file cannot be written (no partial file is left behind).
    """
    authorised(store, actor, "report_from_store", at=at)
    (written,) = reports_from_store(
        store,
        {check_format(fmt): output},  # checked first: an unhashable fmt is named, too
        at=at,
        actor=actor,
        stored=stored,
        include_protected_names=include_protected_names,
        since=since,
        history=history,
        title=title,
        reason=reason,
        pseudonyms=pseudonyms,
    )
    return written


def _report(
    store: Store,
    at: _dt.datetime,
    actor: Actor,
    stored: bool,
    include_protected_names: bool,
    since: _dt.datetime | None,
    history: bool,
    title: str,
) -> tuple[Report, dict[str, list[str]], list[str]]:
    """The report, each person it may show (id -> names and label) for pseudonyms, and
    the identities it may show (withheld from an analyst)."""
    when = ensure_aware(at, field="at")
    # Its reads are logged once, by the report.written entry naming the people it shows.
    records = _load(store, actor, when, processing=True, logged=False)
    if stored:  # the alerts a detection run (or the demo) kept: no detection run
        with store.unit_of_work(actor, at=when) as uow:
            alerts: Iterable[Alert] = kept_alerts(uow, when)
    else:
        alerts = detect_stored(store, records, actor=actor, at=when).alerts
    if not history:
        start = when - DEFAULT_PERIOD if since is None else ensure_aware(since, field="since")
        alerts = _open_since(store, alerts, start, actor, when)
        since = None  # the period is on identification, applied here
    with store.unit_of_work(actor, at=when) as uow:
        context = _context(uow, records, alerts)
    built = build_report(
        alerts,
        context,
        now=when,
        include_protected_names=include_protected_names,
        since=since,
        title=title,
    )
    people = people_of(records.defendants, records.protected_persons)
    return built, people, identities_of(records.defendants, context.incidents.values())


def _open_since(
    store: Store, alerts: Iterable[Alert], start: pendulum.DateTime, actor: Actor, at: _dt.datetime
) -> tuple[Alert, ...]:
    """The alerts identified at or after ``start`` whose review is not decided."""
    with store.unit_of_work(actor, at=at) as uow:
        decided = decided_in(uow)
    return tuple(
        a
        for a in alerts
        if a.alert_id not in decided and not instant_before(a.identified_at, start)
    )


def _disclosed(report: Report, fmt: str, digest: str) -> dict[str, object]:
    """What the audit trail records about a report: its format, size, redaction and digest."""
    return {
        "format": fmt,
        "alerts": len(report.alerts),
        "protected_person_names": "included" if report.include_protected_names else "redacted",
        "sha256": digest,
    }
