"""A case file per defendant: gather one defendant's records, render, write, audit.

The use case behind ``spo-tracker case file D-1001``. :func:`case_file` reads,
in one unit of work, the defendant, their orders (every version, appeal and
end), the notification duties under them, the stored alerts about them with
every review round, and the incidents those alerts rest on (each with how it
was attributed to the defendant); the read is noted in the audit trail as a
disclosure. :func:`write_case_file` renders it (redacted exactly as reports
are, see :mod:`spo_tracker.reports`) and writes it atomically, owner-only,
noting the file's format, redaction and digest.

The incidents are those the defendant's alerts rest on: the conduct the
police rely on, each attributed by an officer or through an identity linked
to the defendant. Unattributed incidents in the store are not the
defendant's and never appear.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import os
from pathlib import Path
from typing import Final

import attrs

from spo_tracker.casework._permission import analyst_pseudonyms, identities_of, people_of
from spo_tracker.casework._queue import attribution
from spo_tracker.domain.incidents import Incident
from spo_tracker.domain.lifecycles.breach_review import BreachReview
from spo_tracker.domain.people import Defendant
from spo_tracker.domain.pseudonyms import WITHHELD, Pseudonymiser
from spo_tracker.domain.statutory_time import ensure_aware, instant_before
from spo_tracker.errors import InvalidValueError
from spo_tracker.reports import (
    CaseAlert,
    CaseEvidence,
    CaseFile,
    case_file_view,
    check_format,
    render_case_file,
    stage_file,
)
from spo_tracker.storage import Actor, Store, UnitOfWork, database_files, refuse_output_onto

__all__ = ["CaseFileWritten", "case_file", "write_case_file"]

_RESTRICTED_REASON: Final = "case file: to redact the protected persons' details"


@attrs.frozen
class CaseFileWritten:
    """One case file written by :func:`write_case_file`.

    Attributes:
        defendant_id: whose case file.
        fmt: its format (``html``, ``json`` or ``csv``).
        path: the file written.
        incidents: how many evidence incidents it lists.
        sha256: the SHA-256 digest of the bytes written (also in the audit trail).
    """

    defendant_id: str
    fmt: str
    path: Path
    incidents: int
    sha256: str


def _defendant_id(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidValueError("defendant_id", value, "must be non-empty text")
    return value.strip()


def _gather(uow: UnitOfWork, defendant_id: str, at: _dt.datetime, action: str) -> CaseFile:
    """The defendant's records as of ``at``, read in ``uow`` if the actor may take ``action``.

    An officer may gather the file of a defendant none of whose orders is assigned to
    another officer (each is theirs or no one's yet).

    Raises:
        PermissionDeniedError: refused (audited).
        NotFoundError: no defendant is stored under ``defendant_id``.
    """
    uow.authorise(action)
    orders = uow.orders.get_many(uow.orders.ids_where("defendant_id", defendant_id))
    uow.authorise(action, orders=sorted(orders))  # before the defendant is read
    defendant: Defendant = uow.defendants.get(defendant_id)
    kept = tuple(o for _, o in sorted(orders.items()) if not instant_before(at, o.made_at))
    duty_ids = uow.notification_duties.ids_where("defendant_id", defendant_id)
    duties = tuple(d for _, d in sorted(uow.notification_duties.get_many(duty_ids).items()))
    alerts = uow.alerts.get_many(uow.alerts.ids_where("defendant_id", defendant_id))
    alerts = {k: a for k, a in alerts.items() if not instant_before(at, a.identified_at)}
    rounds = _rounds(uow, defendant_id)
    case_alerts = tuple(CaseAlert(a, rounds.get(k, ())) for k, a in sorted(alerts.items()))
    cited: dict[str, list[str]] = {}
    for key, alert in sorted(alerts.items()):
        for incident_id in alert.evidence_ids:
            cited.setdefault(incident_id, []).append(key)
    incidents = uow.find_incidents(sorted(cited)) if cited else {}
    evidence = tuple(
        CaseEvidence(i, attribution(i, defendant), tuple(sorted(set(cited[i.incident_id]))))
        for i in sorted(incidents.values(), key=_incident_order)
    )
    person_ids = {p for o in kept for p in o.protected_person_ids}
    person_ids |= {p for a in alerts.values() for p in a.protected_person_ids}
    person_ids |= {i.target_person_id for i in incidents.values() if i.target_person_id}
    persons = uow.protected_persons.get_many(
        sorted(person_ids), reason=_RESTRICTED_REASON, skip_unreadable=True
    )
    people = tuple(p for _, p in sorted(persons.items()))
    return CaseFile(defendant, at, kept, duties, case_alerts, evidence, people)


def _incident_order(incident: Incident) -> tuple[float, str]:
    return (incident.occurred_at.timestamp(), incident.incident_id)


def _rounds(uow: UnitOfWork, defendant_id: str) -> dict[str, tuple[BreachReview, ...]]:
    """Every review round of the defendant's alerts, first first, by alert id."""
    found = uow.breach_reviews.get_many(uow.breach_reviews.ids_where("defendant_id", defendant_id))
    by_alert: dict[str, list[BreachReview]] = {}
    for review in found.values():
        by_alert.setdefault(review.alert_id, []).append(review)
    return {k: tuple(sorted(v, key=lambda r: r.round)) for k, v in by_alert.items()}


def _disclosed(case: CaseFile) -> dict[str, object]:
    return {
        "orders": [o.order_id for o in case.orders],
        "alerts": len(case.alerts),
        "incidents": len(case.evidence),
    }


def case_file(
    store: Store,
    defendant_id: str,
    *,
    at: _dt.datetime,
    actor: Actor,
    reason: str = "case file",
) -> CaseFile:
    """One defendant's case file as of ``at``: orders, duties, alerts and their evidence.

    One unit of work; the read is noted in the audit trail (``casefile.read``) as a
    disclosure, with what it held, and the protected persons' restricted details
    (read only so that renderings can be redacted) are audited as every such read is.

    Args:
        store: the store to read.
        defendant_id: the defendant, e.g. ``D-1001``.
        at: as of this instant: orders made and alerts identified by then.
        actor: who is reading, for the audit trail.
        reason: why, for the audit trail.

    Returns:
        The unredacted records: render them with
        :func:`~spo_tracker.reports.case_file_view` and
        :func:`~spo_tracker.reports.render_case_file`, or use :func:`write_case_file`.

    Raises:
        NotFoundError: no defendant is stored under ``defendant_id`` (nothing is noted).
        PermissionDeniedError: the actor may not, or may not read the protected persons'
            restricted details it holds (a role and a purpose are needed); audited.
        InvalidValueError: ``defendant_id`` is blank or not text.
        NaiveDatetimeError: ``at`` has no time zone.
    """
    key = _defendant_id(defendant_id)
    when = ensure_aware(at, field="at")
    with store.unit_of_work(actor, at=when) as uow:
        case = _gather(uow, key, when, "case_file")
        # One disclosure entry naming the defendant and the protected persons read (s.62).
        uow.disclose("casefile.read", "defendant", key, changes=_disclosed(case), reason=reason)
        uow.commit()
    return case


def write_case_file(
    store: Store,
    defendant_id: str,
    *,
    at: _dt.datetime,
    actor: Actor,
    fmt: str,
    output: str | os.PathLike[str],
    include_protected_names: bool = False,
    reason: str = "case file",
    pseudonyms: Pseudonymiser | None = None,
) -> CaseFileWritten:
    """Write one defendant's case file as ``fmt`` to ``output``, in one audited unit of work.

    ``html`` and ``json`` hold the time axis (each order's life, the notification
    duty's history, incidents per day, alerts and their review outcomes), the terms
    in force at each point and the evidence schedule; ``csv`` is the evidence
    schedule alone, for a prosecution file. Protected persons' addresses, postcodes
    and coordinates never appear; their names only with ``include_protected_names``.
    The file is written atomically and readable by its owner only; the audit trail
    notes ``casefile.written`` with its format, redaction and SHA-256 digest.

    Args:
        store: the store to read.
        defendant_id: the defendant.
        at: as of this instant.
        actor: who writes it, for the audit trail.
        fmt: ``html``, ``json`` or ``csv``.
        output: the file to write.
        include_protected_names: name protected persons (internal use only).
        reason: why, for the audit trail.
        pseudonyms: the force's pseudonymiser: an analyst's case file shows people as
            pseudonyms, never a name or id (needed for an analyst).

    Returns:
        The file written.

    Raises:
        UnknownCodeError: ``fmt`` is not ``html``, ``json`` or ``csv``.
        OutputOntoDatabaseError: ``output`` is the store's database file or a side file.
        NotFoundError: no defendant is stored under ``defendant_id``.
        InvalidValueError: ``defendant_id`` is blank or not text.
        NaiveDatetimeError: ``at`` has no time zone.
        OutputWriteError: the file cannot be written (no partial file is left behind).
        PermissionDeniedError: the actor may not (audited); an analyst asking for names.
        PseudonymKeyError: an analyst, and no ``pseudonyms``.

    Nothing is written, and nothing noted, when any of these is raised.
    """
    fmt = check_format(fmt)
    refuse_output_onto(output, database_files(store))
    key = _defendant_id(defendant_id)
    when = ensure_aware(at, field="at")
    pseudo = analyst_pseudonyms(
        store, actor, "write_case_file", at=when, pseudonyms=pseudonyms,
        include_protected_names=include_protected_names,
    )  # fmt: skip
    with store.unit_of_work(actor, at=when) as uow, uow._processing():
        case = _gather(uow, key, when, "write_case_file")
        view = case_file_view(case, include_protected_names=include_protected_names)
        if pseudo is not None:  # an analyst: no evidence references (exhibits, systems)
            view = attrs.evolve(
                view, evidence=tuple(attrs.evolve(e, source=WITHHELD) for e in view.evidence)
            )
        text = render_case_file(view, fmt)
        if pseudo is not None:
            people = people_of([case.defendant], case.protected_persons)
            seen = identities_of([case.defendant], (e.incident for e in case.evidence))
            text = pseudo.rewrite(text, people, seen)
        data = text.encode("utf-8", errors="backslashreplace")
        # Staged first and made visible only once its audit note is committed: a file
        # never exists without the record of its disclosure.
        staged = stage_file(output, data)
        try:
            digest = hashlib.sha256(data).hexdigest()
            changes = {
                **_disclosed(case),
                "format": fmt,
                "protected_person_names": "included" if include_protected_names else "redacted",
                "sha256": digest,
            }
            if pseudo is not None:
                changes["pseudonymised"] = True
            uow.disclose("casefile.written", "defendant", key, changes=changes, reason=reason)
            uow.commit()
        except BaseException:
            staged.discard()
            raise
    path = staged.publish()
    return CaseFileWritten(key, fmt, path, len(case.evidence), digest)
