"""The case file of one defendant: one time axis, the terms in force, the evidence schedule.

:class:`CaseFile` holds the records a supervisor's case file is drawn from
(gathered from a store by :func:`spo_tracker.casework.case_file`);
:func:`case_file_view` turns them into redacted rows once, and
:func:`render_case_file` renders those rows as HTML (for people), JSON (for
systems) or CSV (the evidence schedule, for a prosecution file).

Redaction is the reports' own (:class:`~spo_tracker.reports.Redactor`): a
protected person is ``Protected person <id>`` unless the caller asks for
names; addresses, postcodes and coordinates never appear (incident locations
are not shown at all); free text (incident summaries, court and review notes,
end reasons) is scrubbed of the persons' details. Every instant is given in
UTC and in London time, whole seconds, ISO 8601.
"""

from __future__ import annotations

import csv
import datetime as _dt
import functools
import io
import json
import zoneinfo
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Final

import attrs
import jinja2

from spo_tracker import __version__
from spo_tracker.domain.alerts import Alert
from spo_tracker.domain.incidents import Incident
from spo_tracker.domain.lifecycles.breach_review import BreachReview
from spo_tracker.domain.notification import NotificationDuty
from spo_tracker.domain.orders import Order, OrderVersion
from spo_tracker.domain.people import Defendant, ProtectedPerson
from spo_tracker.domain.redaction import Redactor
from spo_tracker.domain.terms import Term
from spo_tracker.errors import UnknownCodeError
from spo_tracker.reports._time import london_date_text, london_day, london_text

__all__ = [
    "CASEFILE_FORMAT",
    "EVIDENCE_COLUMNS",
    "CaseAlert",
    "CaseEvidence",
    "CaseFile",
    "CaseFileView",
    "TermsPeriod",
    "TimelineEntry",
    "case_file_view",
    "render_case_file",
]

#: The name and version of the case file's JSON document.
CASEFILE_FORMAT: Final = "spo-tracker-casefile/1"
_LONDON: Final = zoneinfo.ZoneInfo("Europe/London")
_FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")


@attrs.frozen
class CaseAlert:
    """A stored alert about the defendant with every review round, first first.

    Attributes:
        alert: the alert as stored.
        rounds: its review rounds (empty while no person has acted on it).
    """

    alert: Alert
    rounds: tuple[BreachReview, ...] = ()


@attrs.frozen
class CaseEvidence:
    """An incident an alert rests on, how it was attributed and which alerts cite it.

    Attributes:
        incident: the incident as stored.
        attribution: plain English, from :func:`spo_tracker.casework.attribution`.
        alert_ids: the defendant's alerts that cite it, sorted.
    """

    incident: Incident
    attribution: str
    alert_ids: tuple[str, ...]


@attrs.frozen
class CaseFile:
    """The records of one defendant's case, as of ``at`` (unredacted: render a view).

    Attributes:
        defendant: the defendant.
        at: the instant the case file is drawn up as of.
        orders: the defendant's orders made by ``at``, by id.
        duties: their notification duties, by id.
        alerts: the alerts identified by ``at``, by id, with their review rounds.
        evidence: the incidents those alerts rest on, in the order they happened.
        protected_persons: every person the orders protect or an incident targets (with
            restricted details, only so that free text can be scrubbed of them).
    """

    defendant: Defendant
    at: _dt.datetime
    orders: tuple[Order, ...]
    duties: tuple[NotificationDuty, ...]
    alerts: tuple[CaseAlert, ...]
    evidence: tuple[CaseEvidence, ...]
    protected_persons: tuple[ProtectedPerson, ...]


@attrs.frozen
class TimelineEntry:
    """One point on the case's time axis (redacted text).

    Attributes:
        at: when (aware).
        kind: ``order``, ``terms``, ``appeal``, ``duty``, ``incidents``, ``alert`` or
            ``review``.
        subject: the order, duty, alert or London day it concerns.
        text: what happened, in plain English.
    """

    at: _dt.datetime
    kind: str
    subject: str
    text: str


@attrs.frozen
class TermsPeriod:
    """The terms of one order version and when they were in force (redacted text).

    Attributes:
        order_id: the order.
        version: the version number.
        cause: made, varied, renewed or varied on appeal.
        start: when the version took effect.
        end: when the next version replaced it or the order ended; ``None`` while it binds.
        terms: each term as the order states it (persons by label).
        changes: what changed from the version before (empty for the order as made).
        period: the fixed period and its last day, or "until further order" (s.6(b)).
    """

    order_id: str
    version: int
    cause: str
    start: _dt.datetime
    end: _dt.datetime | None
    terms: tuple[str, ...]
    changes: tuple[str, ...]
    period: str = ""


@attrs.frozen
class EvidenceRow:
    """One line of the evidence schedule (redacted text)."""

    incident_id: str
    occurred_at: _dt.datetime
    kind: str
    platform: str
    source: str
    via_third_party: bool
    attribution: str
    alert_ids: tuple[str, ...]
    summary: str


@attrs.frozen
class CaseFileView:
    """A case file ready to render: every text redacted, once for all formats.

    Attributes:
        defendant_id: whose case file it is.
        defendant_name: their name.
        at: as of when.
        include_protected_names: whether protected persons are named.
        timeline: the one time axis, earliest first.
        terms: the terms in force at each point, per order and version.
        evidence: the evidence schedule, in the order the incidents happened.
    """

    defendant_id: str
    defendant_name: str
    at: _dt.datetime
    include_protected_names: bool
    timeline: tuple[TimelineEntry, ...]
    terms: tuple[TermsPeriod, ...]
    evidence: tuple[EvidenceRow, ...]


# --- building the view --------------------------------------------------------------------


def case_file_view(case: CaseFile, *, include_protected_names: bool = False) -> CaseFileView:
    """The case file's redacted rows: the time axis, the terms and the evidence schedule.

    Args:
        case: the records, from :func:`spo_tracker.casework.case_file`.
        include_protected_names: name protected persons (internal use only).
    """
    persons = {p.person_id: p for p in case.protected_persons}
    redactor = Redactor(persons, include_names=include_protected_names)
    # Every person the case names, not only those whose records it holds: a person whose
    # details can no longer be read (their key destroyed) is unknown to the redactor, so
    # free text that may be about them is withheld whole rather than shown unscrubbed.
    scope = frozenset(persons) | _named(case)
    timeline = [
        *(e for o in case.orders for e in _order_entries(o, redactor, scope)),
        *(e for d in case.duties for e in _duty_entries(d, redactor, scope)),
        *(e for d in case.duties for e in _outstanding(d, case.at)),
        *(e for a in case.alerts for e in _alert_entries(a, redactor, scope, case.at)),
        *_incident_days(case.evidence),
    ]
    # As of ``at``: what a store recorded later (a variation, a decision) is not shown.
    timeline = [e for e in timeline if e.at <= case.at]
    timeline.sort(key=lambda e: (e.at.timestamp(), _KIND_ORDER.index(e.kind), e.subject))
    return CaseFileView(
        defendant_id=case.defendant.defendant_id,
        defendant_name=case.defendant.names[0].name,
        at=case.at,
        include_protected_names=include_protected_names,
        timeline=tuple(timeline),
        terms=tuple(
            _as_of(p, case.at)
            for o in case.orders
            for p in _terms_periods(o, redactor, scope)
            if p.start <= case.at
        ),
        evidence=tuple(_evidence_row(e, redactor, scope) for e in case.evidence),
    )


def _named(case: CaseFile) -> frozenset[str]:
    """The protected persons the case's orders protect, its alerts concern and its
    evidence incidents target."""
    named = {p for o in case.orders for p in o.protected_person_ids}
    named.update(p for a in case.alerts for p in a.alert.protected_person_ids)
    named.update(e.incident.target_person_id or "" for e in case.evidence)
    named.discard("")
    return frozenset(named)


_KIND_ORDER: Final = ("order", "terms", "appeal", "duty", "incidents", "alert", "review")


def _order_entries(order: Order, r: Redactor, scope: frozenset[str]) -> Iterator[TimelineEntry]:
    oid = order.order_id
    protects = ", ".join(r.label(p) for p in order.protected_person_ids)
    # The court is the order's public record, not a protected person's detail: not scrubbed.
    made = f"{order.kind.value} order made by {order.court}, protecting {protects}"
    yield TimelineEntry(order.made_at, "order", oid, made)
    if order.served_at is not None:
        yield TimelineEntry(order.served_at, "order", oid, "served on the defendant")
    for before, version in zip(order.versions, order.versions[1:], strict=False):
        changes = "; ".join(_changes(before, version, r)) or "no change to the terms"
        text = f"version {version.number} ({_cause(version)}): {changes}"
        if version.reason:
            text += f"; court's note: {r.scrub(version.reason, scope)}"
        yield TimelineEntry(version.starts_at, "terms", oid, r.scrub_wording(text, scope))
    yield from _appeal_entries(order)
    if order.ended_at is not None:
        reason = r.scrub(order.end_reason or "", scope)
        state = order.state.value
        text = "order ended" + ("" if reason.startswith(state) else f" ({state})")
        yield TimelineEntry(order.ended_at, "order", oid, f"{text}: {reason}" if reason else text)


def _appeal_entries(order: Order) -> Iterator[TimelineEntry]:
    """An appeal pending (s.7; no stay), and each span a quashed discharge left (s.7(4))."""
    appeal = order.appeal
    if appeal is not None and appeal.lodged_at is not None:
        text = (
            f"appeal to the Crown Court lodged by the {appeal.appellant.role.value} "
            f"against the {appeal.against.decision.value} (SPA2019 s.7; the order is not stayed)"
        )
        yield TimelineEntry(appeal.lodged_at, "appeal", order.order_id, text.replace("_", " "))
    for start, end in order.not_in_force:
        yield TimelineEntry(start, "appeal", order.order_id, "not in force from here (discharged)")
        text = "in force again: the discharge was quashed on appeal (SPA2019 s.7(4))"
        yield TimelineEntry(end, "appeal", order.order_id, text)


def _cause(version: OrderVersion) -> str:
    return version.cause.value.replace("_", " ")


def _term_text(term: Term, r: Redactor) -> str:
    return term.render(r.names(getattr(term, "persons", ())))


def _changes(before: OrderVersion, after: OrderVersion, r: Redactor) -> list[str]:
    """What a version changed: terms added, removed or reworded, and the fixed period."""
    old = {t.term_id: _term_text(t, r) for t in before.terms}
    new = {t.term_id: _term_text(t, r) for t in after.terms}
    out = [f"added {k}: {new[k]}" for k in new if k not in old]
    out += [f"removed {k}" for k in old if k not in new]
    out += [f"changed {k}: {new[k]}" for k in new if k in old and old[k] != new[k]]
    if before.period != after.period:
        out.append(f"fixed period now {_period(after)}")
    return out


def _last_day(day: _dt.date) -> str:
    """The one wording for a deadline or an expiry: ``last day: Thu 4 Jun 2026 (London)``."""
    return f"last day: {london_date_text(day)} (London)"


def _period(version: OrderVersion) -> str:
    if version.period is None or version.duration is None:
        return "until further order"
    return f"{version.duration.render()}, {_last_day(version.period.last_day)}"


def _as_of(period: TermsPeriod, at: _dt.datetime) -> TermsPeriod:
    """``period`` as known at ``at``: still binding if it ended later."""
    return period if period.end is None or period.end <= at else attrs.evolve(period, end=None)


def _terms_periods(order: Order, r: Redactor, scope: frozenset[str]) -> Iterator[TermsPeriod]:
    """Each version of ``order`` with the span it was in force (SPA2019 s.6(c)-(e)), its
    wording scrubbed of every person of the case (``scope``): a label on one order may
    name the place of a person another order protects."""
    versions = order.versions
    for i, version in enumerate(versions):
        start = order.made_at if i == 0 else version.starts_at
        end = versions[i + 1].starts_at if i + 1 < len(versions) else order.ended_at
        if end is not None and order.ended_at is not None and order.ended_at < end:
            end = order.ended_at
        terms = tuple(r.scrub_wording(_term_text(t, r), scope) for t in version.terms)
        before = versions[i - 1] if i else None
        changes = () if before is None else tuple(_changes(before, version, r))
        changed = tuple(r.scrub_wording(c, scope) for c in changes)
        number, cause = version.number, _cause(version)
        yield TermsPeriod(
            order.order_id, number, cause, start, end, terms, changed, _period(version)
        )


def _outstanding(duty: NotificationDuty, at: _dt.datetime) -> Iterator[TimelineEntry]:
    """Each item not yet notified: due from the day it arose, or, once its last day has
    passed, not notified in time from the end of that day (the offence, s.11(1)(a))."""
    for item in duty.outstanding:
        what = f"{item.kind.value.replace('_', ' ')} ({item.section})"
        last = _last_day(item.deadline.last_day)
        if item.deadline.ends_at <= at:
            text = f"{what} not notified in time, {last}; still outstanding"
            yield TimelineEntry(item.deadline.ends_at, "duty", duty.duty_id, text)
        else:
            yield TimelineEntry(
                item.deadline.starts_at, "duty", duty.duty_id, f"{what} due; {last}"
            )


def _duty_entries(
    duty: NotificationDuty, r: Redactor, scope: frozenset[str]
) -> Iterator[TimelineEntry]:
    """The notification duty's history (SPA2019 s.9-s.11), from the duty record."""
    did = duty.duty_id
    for n in duty.notifications:
        what = ", ".join(i.kind.value.replace("_", " ") for i in n.items) or "nothing new"
        text = f"notified in person at {n.station} ({n.police_area}): {what} (SPA2019 s.10(1))"
        yield TimelineEntry(n.notified_at, "duty", did, r.scrub(text, scope))
    for c in duty.closed:
        late = ", late" if c.late else ""
        text = (
            f"{c.item.kind.value.replace('_', ' ')} ({c.item.section}) closed: "
            f"{c.closure.value.replace('_', ' ')}{late}; {_last_day(c.item.deadline.last_day)}"
        )
        yield TimelineEntry(c.closed_at, "duty", did, text)
    for refusal in duty.refusals:
        text = f"refused {refusal.refused.value} (SPA2019 s.10(5), s.11(1)(a))"
        yield TimelineEntry(refusal.at, "duty", did, text)
    for false in duty.false_information:
        text = f"false information recorded (SPA2019 s.11(1)(b)): {r.scrub(false.detail, scope)}"
        yield TimelineEntry(false.recorded_at, "duty", did, text)
    if duty.ended_at is not None:
        yield TimelineEntry(duty.ended_at, "duty", did, "duty ended with the order")


def _alert_entries(
    case_alert: CaseAlert, r: Redactor, scope: frozenset[str], at: _dt.datetime
) -> Iterator[TimelineEntry]:
    alert = case_alert.alert
    persons = frozenset(alert.protected_person_ids) | scope
    text = f"{alert.severity.value} {alert.kind.value.replace('_', ' ')}: {alert.title}"
    if alert.section:
        text += f" ({alert.section})"
    status = "new: no person has acted on it yet"
    known = [x for x in case_alert.rounds if x.flagged_at <= at]
    if known and known[-1].decided_at is not None and at < known[-1].decided_at:
        status = "not decided by then"
    elif known:
        status = _round_text(known[-1], r, persons)
    yield TimelineEntry(
        alert.identified_at,
        "alert",
        alert.alert_id,
        r.scrub_wording(f"{text}; review: {status}", persons),
    )
    for review in case_alert.rounds:
        if review.decided_at is not None:
            text = f"round {review.round} decided: {_round_text(review, r, persons)}"
            yield TimelineEntry(review.decided_at, "review", alert.alert_id, text)


def _round_text(review: BreachReview, r: Redactor, persons: frozenset[str]) -> str:
    parts = [review.state.value.replace("_", " ")]
    if review.decided_by:
        parts.append(f"by {r.scrub_wording(review.decided_by, persons)}")
    if review.dismissal_reason is not None:
        parts.append(f"reason: {review.dismissal_reason.value.replace('_', ' ')}")
    if review.duplicate_of:
        parts.append(f"duplicate of {review.duplicate_of}")
    if review.referral_reference:
        parts.append(f"reference {r.scrub(review.referral_reference, persons)}")
    if review.note:
        parts.append(f"note: {r.scrub(review.note, persons)}")
    return ", ".join(parts)


def _incident_days(evidence: Iterable[CaseEvidence]) -> Iterator[TimelineEntry]:
    """One entry per London day with the number of evidence incidents on it."""
    days = Counter(london_day(e.incident.occurred_at) for e in evidence)
    for day, count in sorted(days.items()):
        start = _dt.datetime(day.year, day.month, day.day, tzinfo=_LONDON)
        text = f"{count} incident{'s' if count != 1 else ''} relied on as evidence"
        yield TimelineEntry(start, "incidents", day.isoformat(), text)


def _evidence_row(e: CaseEvidence, r: Redactor, scope: frozenset[str]) -> EvidenceRow:
    incident = e.incident
    target = incident.target_person_id
    touched = scope if target is None else scope | {target}
    platform = incident.platform
    return EvidenceRow(
        incident_id=incident.incident_id,
        occurred_at=incident.occurred_at,
        kind=incident.kind.value,
        platform="" if platform is None else platform.label,
        source="; ".join(r.scrub(ref, touched) for ref in incident.evidence_refs),
        via_third_party=incident.via_third_party,
        attribution=r.scrub_wording(e.attribution, touched),
        alert_ids=e.alert_ids,
        summary=r.scrub(incident.summary, touched),
    )


# --- rendering ----------------------------------------------------------------------------


def _utc(at: _dt.datetime | None) -> str:
    """ISO 8601 in UTC, whole seconds, ``Z``: pandas and Excel parse it without options."""
    if at is None:
        return ""
    return at.astimezone(_dt.UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def _london(at: _dt.datetime | None) -> str:
    """ISO 8601 London wall-clock time with its offset, whole seconds."""
    if at is None:
        return ""
    return at.astimezone(_LONDON).replace(microsecond=0).isoformat()


def _instant(at: _dt.datetime | None) -> dict[str, str | None]:
    if at is None:
        return {"utc": None, "london": None}
    return {"utc": _utc(at), "london": _london(at)}


def _document(view: CaseFileView) -> dict[str, object]:
    return {
        "format": CASEFILE_FORMAT,
        "generator": f"spo-tracker {__version__}",
        "defendant": {"id": view.defendant_id, "name": view.defendant_name},
        "as_of": _instant(view.at),
        "protected_person_names": "included" if view.include_protected_names else "redacted",
        "timeline": [
            {"at": _instant(e.at), "kind": e.kind, "subject": e.subject, "text": e.text}
            for e in view.timeline
        ],
        "terms_in_force": [_terms_dict(p) for p in view.terms],
        "evidence_schedule": [_evidence_dict(row) for row in view.evidence],
    }


def _terms_dict(p: TermsPeriod) -> dict[str, object]:
    return {
        "order_id": p.order_id,
        "version": p.version,
        "cause": p.cause,
        "from": _instant(p.start),
        "until": _instant(p.end),
        "terms": list(p.terms),
        "changes": list(p.changes),
        "period": p.period,
    }


def _evidence_dict(row: EvidenceRow) -> dict[str, object]:
    return {
        "incident_id": row.incident_id,
        "occurred_at": _instant(row.occurred_at),
        "kind": row.kind,
        "platform": row.platform,
        "source": row.source,
        "via_third_party": row.via_third_party,
        "attribution": row.attribution,
        "alert_ids": list(row.alert_ids),
        "summary": row.summary,
    }


#: The evidence schedule's CSV header, in order.
EVIDENCE_COLUMNS: Final = (
    "incident_id",
    "occurred_utc",
    "occurred_london",
    "occurred_london_text",
    "kind",
    "platform",
    "source",
    "via_third_party",
    "attribution",
    "alert_ids",
    "summary",
)


def _cell(value: str) -> str:
    """A text cell a spreadsheet would run as a formula gets a leading apostrophe."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _csv(view: CaseFileView) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EVIDENCE_COLUMNS)
    for row in view.evidence:
        cells = (
            row.incident_id,
            _utc(row.occurred_at),
            _london(row.occurred_at),
            london_text(row.occurred_at),
            row.kind,
            row.platform,
            row.source,
            "true" if row.via_third_party else "false",
            row.attribution,
            " ".join(row.alert_ids),
            row.summary,
        )
        writer.writerow([_cell(c) for c in cells])
    return out.getvalue()


@functools.cache
def _template() -> jinja2.Template:
    """The HTML template, loaded on first use (nothing happens at import)."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("spo_tracker.reports", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    return env.get_template("casefile.html.j2")


def _html(view: CaseFileView) -> str:
    return _template().render(
        view=view,
        london=lambda at: "" if at is None else london_text(at),
        generator=f"spo-tracker {__version__}",
    )


def render_case_file(view: CaseFileView, fmt: str) -> str:
    """The case file as text: ``html`` (for people), ``json`` (everything, for systems) or
    ``csv`` (the evidence schedule, one row per incident, for a prosecution file).

    Raises:
        UnknownCodeError: ``fmt`` is not ``html``, ``json`` or ``csv``.
    """
    if fmt == "html":
        return _html(view)
    if fmt == "json":
        return json.dumps(_document(view), indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        return _csv(view)
    raise UnknownCodeError("format", fmt, ("html", "json", "csv"))
