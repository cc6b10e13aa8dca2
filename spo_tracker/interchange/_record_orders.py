"""The interchange records of applications, orders, their versions and terms;
re-exported by :mod:`spo_tracker.interchange._records`."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from spo_tracker.domain.appeals import (
    AppealAgainst,
    AppealedDecision,
    Party,
    PartyRole,
    PendingAppeal,
)
from spo_tracker.domain.lifecycles.application import (
    Application,
    ApplicationState,
    AreaConnection,
    CourtFindings,
    CourtKind,
    InterimDecision,
)
from spo_tracker.domain.orders import (
    Order,
    OrderOrigin,
    OrderState,
    OrderVersion,
    VersionCause,
    check_fixed_period,
)
from spo_tracker.domain.people import (
    ChiefOfficer,
    Force,
    ForceKind,
)
from spo_tracker.domain.terms import Term
from spo_tracker.interchange._record_base import (
    RESULT_CODES,
    Record,
    _attrs,
    _construct,
    _link,
    _link_id,
    _link_ids,
    _opt_day,
    _opt_instant,
    _record,
)
from spo_tracker.interchange._terms import read_term, write_term
from spo_tracker.interchange._values import (
    FieldError,
    day_text,
    field,
    instant_text,
    read_day,
    read_duration,
    read_instant,
    read_optional_day,
    read_optional_instant,
    read_period,
    write_duration,
    write_period,
)

__all__ = [
    "OrderParts",
    "read_appeal",
    "read_application",
    "read_order",
    "write_appeal",
    "write_application",
    "write_order",
]
# --------------------------------------------------------------------------- applications


def _applicant(officer: ChiefOfficer) -> Record:
    force = officer.force
    return {
        "force_code": force.code,
        "force_name": force.name,
        "force_kind": force.kind.value,
        "title": officer.title,
    }


def _read_applicant(value: Mapping[str, Any], path: str) -> ChiefOfficer:
    kind = _enum(ForceKind, value.get("force_kind", "territorial"), f"{path}.force_kind")
    code, name = value.get("force_code"), value.get("force_name")
    force = field(f"{path}.force_code", Force, code, name, kind)
    return field(f"{path}.title", ChiefOfficer, force, str(value.get("title", "Chief Constable")))


def _write_party(party: Party | None) -> Record | None:
    if party is None:
        return None
    officer = party.officer
    return {
        "role": party.role.value,
        "chief_officer": None if officer is None else _applicant(officer),
    }


def _read_party(value: Any, path: str) -> Party | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise FieldError(path, f"{value!r} is not a party object")
    role = _enum(PartyRole, value.get("role"), f"{path}.role")
    officer = value.get("chief_officer")
    chief = None if officer is None else _read_applicant(officer, f"{path}.chief_officer")
    return field(path, Party, role, chief)


def write_appeal(appeal: PendingAppeal | None) -> Record | None:
    """A pending appeal (SPA2019 s.7(1)-(3)) as its ``appeal`` attribute, or ``None``."""
    if appeal is None:
        return None
    against = appeal.against
    return {
        "appellant": _write_party(appeal.appellant),
        "against": against.decision.value,
        "on_application_of": _write_party(against.on_application_of),
        "version": against.version,
        "lodged_at": _opt_instant(appeal.lodged_at),
    }


def read_appeal(value: Any, path: str = "attributes.appeal") -> PendingAppeal | None:
    """The pending appeal of an ``appeal`` attribute (absent or null: none).

    ``lodged_at`` absent or null: an appeal recorded before the instant was kept.

    Raises:
        FieldError: at ``path``, naming the bad value (an appellant or decision s.7 does not
            know, a s.4 decision without its applicant, a version on a refusal...).
    """
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise FieldError(path, f"{value!r} is not an appeal object")
    decision = _enum(AppealedDecision, value.get("against"), f"{path}.against")
    applicant = _read_party(value.get("on_application_of"), f"{path}.on_application_of")
    against = field(
        path, AppealAgainst, decision, on_application_of=applicant, version=value.get("version")
    )
    appellant = _read_party(value.get("appellant"), f"{path}.appellant")
    lodged_at = read_optional_instant(value.get("lodged_at"), f"{path}.lodged_at")
    return field(path, PendingAppeal, appellant, against, lodged_at=lodged_at)


def write_application(app: Application) -> Record:
    """An application for an SPO (SPA2019 s.1, s.13) and its interim applications (s.5)."""
    findings = app.findings
    attributes = {
        "state": app.state.value,
        "applicant": _applicant(app.applicant),
        "court": app.court,
        "court_kind": app.court_kind.value,
        "defendant_born_on": _opt_day(app.defendant_born_on),
        "conduct_last_on": _opt_day(app.conduct_last_on),
        "laid_at": _opt_instant(app.laid_at),
        "area_connection": None if app.area_connection is None else app.area_connection.value,
        "interim_applied_at": _opt_instant(app.interim_applied_at),
        "interim_decisions": [
            {
                "applied_at": instant_text(d.applied_at),
                "decided_at": instant_text(d.decided_at),
                "granted": d.granted,
                "interim_order_id": d.interim_order_id,
            }
            for d in app.interim_decisions
        ],
        "findings": None if findings is None else attrs.asdict(findings),
        "determined_at": _opt_instant(app.determined_at),
        "withdrawn_at": _opt_instant(app.withdrawn_at),
        "appeal": write_appeal(app.appeal),
        "note": app.note,
    }
    relationships = {
        "defendant": _link("person", app.defendant_id),
        "protected_persons": [_link("person", p) for p in app.protected_person_ids],
        "order": _link("order", app.order_id),
    }
    return _record("application", app.application_id, attributes, relationships)


def _enum(cls: Callable[[Any], Any], value: Any, path: str) -> Any:
    if value is None:
        return None
    try:
        return cls(value)
    except ValueError:
        raise FieldError(path, f"{value!r} is not a known code") from None


def read_application(record: Mapping[str, Any]) -> Application:
    """The application of an application record."""
    a = _attrs(record)
    decisions = tuple(
        InterimDecision(
            read_instant(d.get("applied_at"), f"attributes.interim_decisions[{i}].applied_at"),
            read_instant(d.get("decided_at"), f"attributes.interim_decisions[{i}].decided_at"),
            bool(d.get("granted")),
            d.get("interim_order_id"),
        )
        for i, d in enumerate(a.get("interim_decisions") or ())
    )
    findings = a.get("findings")
    values = {
        "application_id": str(record.get("id")),
        "defendant_id": _link_id(record, "defendant"),
        "applicant": _read_applicant(a.get("applicant") or {}, "attributes.applicant"),
        "court": a.get("court"),
        "court_kind": _enum(CourtKind, a.get("court_kind", "magistrates"), "attributes.court_kind"),
        "state": _enum(ApplicationState, a.get("state"), "attributes.state"),
        "protected_person_ids": tuple(_link_ids(record, "protected_persons")),
        "defendant_born_on": read_optional_day(
            a.get("defendant_born_on"), "attributes.defendant_born_on"
        ),
        "conduct_last_on": read_optional_day(
            a.get("conduct_last_on"), "attributes.conduct_last_on"
        ),
        "laid_at": read_optional_instant(a.get("laid_at"), "attributes.laid_at"),
        "area_connection": _enum(
            AreaConnection, a.get("area_connection"), "attributes.area_connection"
        ),
        "interim_applied_at": read_optional_instant(
            a.get("interim_applied_at"), "attributes.interim_applied_at"
        ),
        "interim_decisions": decisions,
        "findings": None if findings is None else CourtFindings(**findings),
        "determined_at": read_optional_instant(a.get("determined_at"), "attributes.determined_at"),
        "withdrawn_at": read_optional_instant(a.get("withdrawn_at"), "attributes.withdrawn_at"),
        "order_id": _link_id(record, "order"),
        "appeal": read_appeal(a.get("appeal")),
        "note": a.get("note", ""),
    }
    return _construct(Application, values, {"defendant_id": "relationships.defendant"})


# --------------------------------------------------------------------------- orders and terms


def version_id(order_id: str, number: int) -> str:
    """The external id of an order version: ``<order id>/v<number>``."""
    return f"{order_id}/v{number}"


def term_record_id(order_id: str, number: int, term_id: str) -> str:
    """The external id of a term of a version: ``<order id>/v<number>/<term id>``."""
    return f"{version_id(order_id, number)}/{term_id}"


def write_order(order: Order) -> list[Record]:
    """An order (POLE Event) as its records: the order, then each version followed by its terms."""
    attributes = {
        "result_code": order.kind.result_code,
        "origin": order.origin.value,
        "applicant": _applicant(order.applicant),
        "court": order.court,
        "made_at": instant_text(order.made_at),
        "state": order.state.value,
        "served_at": _opt_instant(order.served_at),
        "appeal_pending": order.appeal_pending,
        "appeal": write_appeal(order.appeal),
        "ended_at": _opt_instant(order.ended_at),
        "end_reason": order.end_reason,
        "not_in_force": [
            {"start": instant_text(start), "end": instant_text(end)}
            for start, end in order.not_in_force
        ],
    }
    relationships = {
        "defendant": _link("person", order.defendant_id),
        "protected_persons": [_link("person", p) for p in order.protected_person_ids],
        "application": _link("application", order.application_id),
        "replaces": _link("order", order.replaces_order_id),
    }
    records = [_record("order", order.order_id, attributes, relationships)]
    for version in order.versions:
        records.append(_write_version(order.order_id, version))
        records += [_write_term(order.order_id, version.number, t) for t in version.terms]
    return records


def _write_version(order_id: str, version: OrderVersion) -> Record:
    attributes = {
        "number": version.number,
        "cause": version.cause.value,
        "decided_on": day_text(version.decided_on),
        "duration": write_duration(version.duration),
        "period": write_period(version.period),
        "reason": version.reason,
        "decided_at": _opt_instant(version.decided_at),
    }
    relationships = {"order": _link("order", order_id)}
    return _record("order_version", version_id(order_id, version.number), attributes, relationships)


def _write_term(order_id: str, number: int, term: Term) -> Record:
    relationships = {"order_version": _link("order_version", version_id(order_id, number))}
    return _record(
        "term", term_record_id(order_id, number, term.term_id), write_term(term), relationships
    )


@attrs.frozen
class OrderParts:
    """An order's records as read: the order record, then each version with its term records.

    Attributes:
        order: the order record.
        versions: each version record with its term records, in file order.
    """

    order: Mapping[str, Any]
    versions: tuple[tuple[Mapping[str, Any], tuple[Mapping[str, Any], ...]], ...]


def read_order(parts: OrderParts) -> tuple[Order, list[tuple[str, FieldError]]]:
    """The order of a group of order, order_version and term records.

    Returns:
        The order, and the statutory problems found in it as ``(record id, error)``.

    Raises:
        FieldError: with the id of the record at fault in ``record_id``.
    """
    r = parts.order
    a = _attrs(r)
    kind = RESULT_CODES.get(str(a.get("result_code")))
    if kind is None:
        raise FieldError("attributes.result_code", f"{a.get('result_code')!r} is not 3306 or 3307")
    versions = tuple(_read_version(v, terms) for v, terms in parts.versions)
    values = {
        "order_id": str(r.get("id")),
        "kind": kind,
        "origin": _enum(OrderOrigin, a.get("origin"), "attributes.origin"),
        "defendant_id": _link_id(r, "defendant"),
        "protected_person_ids": tuple(_link_ids(r, "protected_persons")),
        "applicant": _read_applicant(a.get("applicant") or {}, "attributes.applicant"),
        "court": a.get("court"),
        "made_at": read_instant(a.get("made_at"), "attributes.made_at"),
        "versions": versions,
        "state": _enum(OrderState, a.get("state"), "attributes.state"),
        "application_id": _link_id(r, "application"),
        "replaces_order_id": _link_id(r, "replaces"),
        "served_at": read_optional_instant(a.get("served_at"), "attributes.served_at"),
        "appeal_pending": bool(a.get("appeal_pending", False)),
        "appeal": read_appeal(a.get("appeal")),
        "ended_at": read_optional_instant(a.get("ended_at"), "attributes.ended_at"),
        "end_reason": a.get("end_reason"),
        "not_in_force": _read_spans(a.get("not_in_force")),
    }
    order: Order = _construct(Order, values, {"versions": "relationships"})
    return order, _statutory_problems(order, parts)


def _read_spans(value: object) -> tuple[tuple[Any, Any], ...]:
    """The spans a restored order was not in force (SPA2019 s.7(4)); absent (1.0) is none."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise FieldError("attributes.not_in_force", "expected a list of spans")
    spans = []
    for i, span in enumerate(value):
        path = f"attributes.not_in_force[{i}]"
        if not isinstance(span, Mapping):
            raise FieldError(path, "expected an object with start and end")
        spans.append(
            (
                read_instant(span.get("start"), f"{path}.start"),
                read_instant(span.get("end"), f"{path}.end"),
            )
        )
    return tuple(spans)


def _statutory_problems(order: Order, parts: OrderParts) -> list[tuple[str, FieldError]]:
    """SPA2019 s.3(2) and s.5(6)(a): each version's fixed period, counted from the day made."""
    problems = []
    for version, (record, _) in zip(order.versions, parts.versions, strict=True):
        try:
            check_fixed_period(order.kind, order.made_on, version.period)
        except ValueError as error:
            problems.append((str(record.get("id")), FieldError("attributes.period", str(error))))
    return problems


def _read_term_record(record: Mapping[str, Any]) -> Term:
    try:
        return read_term(_attrs(record), "attributes")
    except FieldError as error:
        error.record_id = str(record.get("id"))
        raise


def _read_version(record: Mapping[str, Any], terms: Sequence[Mapping[str, Any]]) -> OrderVersion:
    a = _attrs(record)
    try:
        read = tuple(_read_term_record(t) for t in terms)
    except FieldError as error:
        error.record_id = error.record_id or str(record.get("id"))
        raise
    values = {
        "number": a.get("number"),
        "cause": _enum(VersionCause, a.get("cause"), "attributes.cause"),
        "decided_on": read_day(a.get("decided_on"), "attributes.decided_on"),
        "duration": read_duration(a.get("duration"), "attributes.duration"),
        "period": read_period(a.get("period"), "attributes.period"),
        "terms": read,
        "reason": a.get("reason", ""),
        "decided_at": read_optional_instant(a.get("decided_at"), "attributes.decided_at"),
    }
    try:
        version: OrderVersion = _construct(OrderVersion, values, {"terms": "relationships"})
    except FieldError as error:
        error.record_id = str(record.get("id"))
        raise
    return version
