"""Domain records as interchange records and back, one explicit mapping per record type.

A record is a JSON object with a ``type``, a stable external ``id``, its
``attributes`` and its typed ``relationships`` to other records by id (POLE:
Person, Object, Location, Event). Writers give the canonical record of a
domain object; readers build the domain object through its own constructors,
so the domain's validators run, and raise
:class:`~spo_tracker.interchange._values.FieldError` naming the field.

``write(read(record))`` is a record's *normal form*: the importer compares
normal forms to decide whether a record is already stored (idempotent
re-import) or clashes with what is stored.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Final, TypeVar

import attrs

from spo_tracker.domain.alerts import Alert
from spo_tracker.domain.appeals import (
    AppealAgainst,
    AppealedDecision,
    Party,
    PartyRole,
    PendingAppeal,
)
from spo_tracker.domain.compliance import ComplianceRecord
from spo_tracker.domain.geo import GeoPoint
from spo_tracker.domain.identities import Identity
from spo_tracker.domain.incidents import Incident
from spo_tracker.domain.lifecycles.application import (
    Application,
    ApplicationState,
    AreaConnection,
    CourtFindings,
    CourtKind,
    InterimDecision,
)
from spo_tracker.domain.notification import (
    ClosedItem,
    Closure,
    DutyState,
    FalseInformation,
    IdentityCheck,
    ItemKind,
    NotifiableItem,
    Notification,
    NotificationDuty,
    Refusal,
    notification_deadline,
)
from spo_tracker.domain.orders import (
    Order,
    OrderKind,
    OrderOrigin,
    OrderState,
    OrderVersion,
    VersionCause,
    check_fixed_period,
)
from spo_tracker.domain.people import (
    Address,
    AddressPeriod,
    ChiefOfficer,
    Defendant,
    Force,
    ForceKind,
    LinkedIdentity,
    NameUse,
    ProtectedPerson,
    RestrictedDetails,
    SexOffenderRegistration,
)
from spo_tracker.domain.terms import Term
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
    read_point,
    read_restricted_point,
    write_duration,
    write_period,
    write_point,
)
from spo_tracker.wire import canonical_json as canonical

__all__ = [
    "RESULT_CODES",
    "Ref",
    "Resolver",
    "canonical",
    "content_digest",
    "diff",
    "read_alert",
    "read_appeal",
    "read_application",
    "read_compliance",
    "read_defendant",
    "read_duty",
    "read_identity",
    "read_incident",
    "read_location",
    "read_order",
    "read_protected_person",
    "references",
    "write_alert",
    "write_appeal",
    "write_application",
    "write_compliance",
    "write_defendant",
    "write_duty",
    "write_identity",
    "write_incident",
    "write_location",
    "write_order",
    "write_protected_person",
]

Record = dict[str, Any]
T = TypeVar("T")

#: CJS result codes for the order kinds: 3306 interim SPO (SPA2019 s.5), 3307 SPO (s.2).
RESULT_CODES: Final[Mapping[str, OrderKind]] = {k.result_code: k for k in OrderKind}

#: The CJS offence code for each notifiable item (SPA2019 s.9(1), s.9(3), s.9(4)).
ITEM_OFFENCES: Final[Mapping[str, ItemKind]] = {k.offence.code: k for k in ItemKind}


def content_digest(data: Any) -> int:
    """A 64-bit digest of a value's canonical text."""
    return int.from_bytes(hashlib.blake2b(canonical(data).encode(), digest_size=8).digest(), "big")


def diff(ours: Any, theirs: Any, path: str = "") -> tuple[str, Any, Any] | None:
    """The first field where two records differ: ``(path, ours, theirs)``, or ``None``."""
    if ours == theirs:
        return None
    if isinstance(ours, dict) and isinstance(theirs, dict):
        for key in sorted(set(ours) | set(theirs)):
            found = diff(ours.get(key), theirs.get(key), f"{path}.{key}" if path else key)
            if found:
                return found
        return None
    if isinstance(ours, list) and isinstance(theirs, list) and len(ours) == len(theirs):
        for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
            found = diff(a, b, f"{path}[{i}]")
            if found:
                return found
        return None
    return None if canonical(ours) == canonical(theirs) else (path, ours, theirs)


def _link(kind: str, key: str | None, **meta: Any) -> dict[str, Any] | None:
    if key is None:
        return None
    link: dict[str, Any] = {"type": kind, "id": key}
    if meta:
        link["meta"] = meta
    return link


def _record(kind: str, key: str, attributes: Record, relationships: Record) -> Record:
    return {"type": kind, "id": key, "attributes": attributes, "relationships": relationships}


def _attrs(record: Mapping[str, Any]) -> Mapping[str, Any]:
    return record.get("attributes") or {}


def _rels(record: Mapping[str, Any]) -> Mapping[str, Any]:
    return record.get("relationships") or {}


def _opt_instant(at: Any) -> str | None:
    return None if at is None else instant_text(at)


def _opt_day(day: Any) -> str | None:
    return None if day is None else day_text(day)


def _link_id(record: Mapping[str, Any], name: str) -> str | None:
    link = _rels(record).get(name)
    return None if link is None else str(link["id"])


def _link_ids(record: Mapping[str, Any], name: str) -> list[str]:
    return [str(link["id"]) for link in _rels(record).get(name) or ()]


# --------------------------------------------------------------------------- references


@attrs.frozen
class Ref:
    """A reference from a record to another by type and id.

    Attributes:
        path: where it is in the referring record (``relationships.defendant``).
        type: the record type referred to.
        id: the id referred to.
        role: for persons, the role the target must have (``defendant`` or
            ``protected_person``); ``None`` for any.
    """

    path: str
    type: str
    id: str
    role: str | None = None


#: The role a person must have, by (record type, relationship).
_ROLES: Final[Mapping[tuple[str, str], str]] = {
    ("incident", "defendant"): "defendant",
    ("application", "defendant"): "defendant",
    ("application", "protected_persons"): "protected_person",
    ("order", "defendant"): "defendant",
    ("order", "protected_persons"): "protected_person",
    ("notification_duty", "defendant"): "defendant",
    ("alert", "defendant"): "defendant",
    ("compliance", "defendant"): "defendant",
}


def references(record: Mapping[str, Any]) -> Iterator[Ref]:
    """Every reference a (schema-valid) record makes, with its path."""
    kind = str(record.get("type"))
    for name, value in _rels(record).items():
        role = _ROLES.get((kind, name))
        if isinstance(value, list):
            for i, link in enumerate(value):
                yield Ref(f"relationships.{name}[{i}]", link["type"], str(link["id"]), role)
        elif value is not None:
            yield Ref(f"relationships.{name}", value["type"], str(value["id"]), role)
    if kind == "application":
        for i, decision in enumerate(_attrs(record).get("interim_decisions") or ()):
            order_id = decision.get("interim_order_id")
            if order_id is not None:
                path = f"attributes.interim_decisions[{i}].interim_order_id"
                yield Ref(path, "order", str(order_id))


class Resolver:
    """The identities and locations an import has read so far, by record id.

    Identities and locations are not stored on their own: they are stored
    inside the defendants and incidents that use them, so they must be read
    before those records.
    """

    def __init__(self) -> None:
        self.identities: dict[str, Identity] = {}
        self.locations: dict[str, Address] = {}

    def identity(self, key: str, path: str) -> Identity:
        """The identity record ``key``, read on an earlier line."""
        found = self.identities.get(key)
        if found is None:
            raise FieldError(path, f"identity {key!r} is not defined on an earlier line")
        return found

    def location(self, key: str, path: str) -> Address:
        """The location record ``key``, read on an earlier line."""
        found = self.locations.get(key)
        if found is None:
            raise FieldError(path, f"location {key!r} is not defined on an earlier line")
        return found


# --------------------------------------------------------------------------- identities (Object)


def write_identity(identity: Identity) -> Record:
    """An identity (POLE Object) whose id is its normalised key, e.g. ``phone:+447700900123``."""
    platform = None if identity.platform is None else identity.platform.value
    attributes = {"kind": identity.kind.value, "value": identity.value, "platform": platform}
    return _record("identity", identity.key, attributes, {})


def read_identity(record: Mapping[str, Any]) -> Identity:
    """The identity of an identity record, validated and normalised."""
    a = _attrs(record)
    try:
        return Identity.parse(a.get("kind"), a.get("value"), a.get("platform"))  # type: ignore[arg-type]
    except (ValueError, TypeError) as error:
        name = getattr(error, "field", "")
        where = {"identity kind": "kind", "platform": "platform"}.get(name, "value")
        raise FieldError(f"attributes.{where}", str(error)) from None


# --------------------------------------------------------------------------- locations


def _address_attributes(address: Address) -> Record:
    return {
        "lines": list(address.lines),
        "postcode": address.postcode,
        "geometry": write_point(address.location),
    }


def write_location(address: Address) -> Record:
    """A postal address (POLE Location); its id is derived from its content."""
    attributes = {"kind": "address", **_address_attributes(address)}
    key = "LOC-" + hashlib.sha256(canonical(attributes).encode()).hexdigest()[:20]
    return _record("location", key, attributes, {})


def _read_address(a: Mapping[str, Any], path: str) -> Address:
    # Any address may be a protected person's or a defendant's home: its errors name the
    # field and the problem (Address withholds the value), never the address itself.
    where = read_restricted_point(a.get("geometry"), f"{path}.geometry")
    lines = a.get("lines")
    return field(f"{path}.lines", Address, () if lines is None else lines, a.get("postcode"), where)


def read_location(record: Mapping[str, Any]) -> Address:
    """The address of a location record."""
    return _read_address(_attrs(record), "attributes")


# --------------------------------------------------------------------------- persons


def write_defendant(defendant: Defendant) -> tuple[list[Record], Record]:
    """A defendant: the location records of its addresses, and its person record."""
    soa = defendant.soa_registration
    locations = [write_location(p.address) for p in defendant.addresses]
    attributes = {
        "role": "defendant",
        "names": [{"name": n.name, "from": _opt_day(n.from_day)} for n in defendant.names],
        "date_of_birth": _opt_day(defendant.date_of_birth),
        "soa_registration": None
        if soa is None
        else {"since": day_text(soa.since), "final_day": _opt_day(soa.final_day)},
    }
    relationships = {
        "identities": [
            _link(
                "identity", li.identity.key, linked_at=instant_text(li.linked_at), source=li.source
            )
            for li in defendant.identities
        ],
        "addresses": [
            _link(
                "location",
                loc["id"],
                **{"from": day_text(p.from_day), "until": _opt_day(p.until_day)},
            )
            for loc, p in zip(locations, defendant.addresses, strict=True)
        ],
    }
    return locations, _record("person", defendant.defendant_id, attributes, relationships)


def read_defendant(record: Mapping[str, Any], resolve: Resolver) -> Defendant:
    """The defendant of a person record with the ``defendant`` role."""
    a = _attrs(record)
    soa = a.get("soa_registration")
    registration = None
    if soa is not None:
        since = read_day(soa.get("since"), "attributes.soa_registration.since")
        final = read_optional_day(soa.get("final_day"), "attributes.soa_registration.final_day")
        path = "attributes.soa_registration.final_day"
        registration = field(path, SexOffenderRegistration, since, final)
    return field(
        "attributes",
        Defendant,
        defendant_id=str(record.get("id")),
        names=_names(a),
        date_of_birth=read_optional_day(a.get("date_of_birth"), "attributes.date_of_birth"),
        addresses=_addresses(record, resolve),
        identities=_linked(record, resolve),
        soa_registration=registration,
    )


def _names(a: Mapping[str, Any]) -> tuple[NameUse, ...]:
    names = []
    for i, given in enumerate(a.get("names") or ()):
        path = f"attributes.names[{i}]"
        since = read_optional_day(given.get("from"), f"{path}.from")
        names.append(field(f"{path}.name", NameUse, given.get("name"), since))
    return tuple(names)


def _linked(record: Mapping[str, Any], resolve: Resolver) -> tuple[LinkedIdentity, ...]:
    linked = []
    for i, link in enumerate(_rels(record).get("identities") or ()):
        path = f"relationships.identities[{i}]"
        meta = link.get("meta") or {}
        identity = resolve.identity(str(link["id"]), f"{path}.id")
        at = read_instant(meta.get("linked_at"), f"{path}.meta.linked_at")
        source = meta.get("source", "officer")
        linked.append(field(f"{path}.meta", LinkedIdentity, identity, at, source))
    return tuple(linked)


def _addresses(record: Mapping[str, Any], resolve: Resolver) -> tuple[AddressPeriod, ...]:
    periods = []
    for i, link in enumerate(_rels(record).get("addresses") or ()):
        path = f"relationships.addresses[{i}]"
        meta = link.get("meta") or {}
        address = resolve.location(str(link["id"]), f"{path}.id")
        since = read_day(meta.get("from"), f"{path}.meta.from")
        until = read_optional_day(meta.get("until"), f"{path}.meta.until")
        periods.append(field(f"{path}.meta.until", AddressPeriod, address, since, until))
    return tuple(periods)


def write_protected_person(person: ProtectedPerson, *, include_restricted: bool) -> Record:
    """A protected person; the restricted compartment only when asked for (force transfer)."""
    attributes: Record = {"role": "protected_person", "name": person.name}
    if include_restricted:
        details = person.restricted
        attributes["restricted"] = {
            "address": None if details.address is None else _address_attributes(details.address),
            "places": [{"label": label, "geometry": write_point(p)} for label, p in details.places],
        }
    return _record("person", person.person_id, attributes, {})


def _object(value: object, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise FieldError(path, "is not an object (value withheld: restricted)")
    return value


def _read_place(value: object, path: str) -> tuple[str, GeoPoint]:
    """A restricted place; its errors name the field and the problem, never the place."""
    place = _object(value, path)
    label = place.get("label")
    if not isinstance(label, str) or not label.strip():
        raise FieldError(f"{path}.label", "must be non-empty text (value withheld: restricted)")
    point = read_restricted_point(place.get("geometry"), f"{path}.geometry")
    if point is None:
        raise FieldError(f"{path}.geometry", "a place needs a GeoJSON Point")
    return label, point


def read_protected_person(record: Mapping[str, Any]) -> ProtectedPerson:
    """The protected person of a person record with the ``protected_person`` role."""
    a = _attrs(record)
    restricted = RestrictedDetails()
    given = a.get("restricted")
    if given is not None:
        path = "attributes.restricted"
        given = _object(given, path)
        address = given.get("address")
        places = tuple(
            _read_place(p, f"{path}.places[{i}]") for i, p in enumerate(given.get("places") or ())
        )
        restricted = field(
            path,
            RestrictedDetails,
            None
            if address is None
            else _read_address(_object(address, f"{path}.address"), f"{path}.address"),
            places,
        )
    return field(
        "attributes.name", ProtectedPerson, str(record.get("id")), a.get("name"), restricted
    )


# --------------------------------------------------------------------------- incidents (Event)


def write_incident(incident: Incident) -> Record:
    """An incident (POLE Event); its place is an inline GeoJSON Point."""
    actor = incident.actor
    attributes = {
        "occurred_at": instant_text(incident.occurred_at),
        "reported_at": _opt_instant(incident.reported_at),
        "kind": incident.kind.value,
        "classification": None
        if incident.classification is None
        else incident.classification.value,
        "platform": None if incident.platform is None else incident.platform.value,
        "via_third_party": incident.via_third_party,
        "target_person_id": incident.target_person_id,
        "geometry": write_point(incident.location),
        "summary": incident.summary,
        "evidence_refs": list(incident.evidence_refs),
    }
    relationships = {
        "defendant": _link("person", incident.defendant_id),
        "actor": None if actor is None else _link("identity", actor.key),
    }
    return _record("incident", incident.incident_id, attributes, relationships)


_INCIDENT_FIELDS: Final = {
    "occurred_at": "attributes.occurred_at",
    "reported_at": "attributes.reported_at",
    "kind": "attributes.kind",
    "classification": "attributes.classification",
    "platform": "attributes.platform",
    "summary": "attributes.summary",
}


def read_incident(record: Mapping[str, Any], resolve: Resolver) -> Incident:
    """The incident of an incident record."""
    a = _attrs(record)
    actor_id = _link_id(record, "actor")
    actor = None if actor_id is None else resolve.identity(actor_id, "relationships.actor.id")
    values = {
        "incident_id": str(record.get("id")),
        "occurred_at": read_instant(a.get("occurred_at"), "attributes.occurred_at"),
        "kind": a.get("kind"),
        "classification": a.get("classification"),
        "platform": a.get("platform"),
        "actor": actor,
        "defendant_id": _link_id(record, "defendant"),
        "target_person_id": a.get("target_person_id"),
        "via_third_party": bool(a.get("via_third_party", False)),
        "location": read_point(a.get("geometry"), "attributes.geometry"),
        "summary": a.get("summary", ""),
        "evidence_refs": tuple(a.get("evidence_refs") or ()),
        "reported_at": read_optional_instant(a.get("reported_at"), "attributes.reported_at"),
    }
    return _construct(Incident, values, _INCIDENT_FIELDS)


def _construct(cls: Callable[..., T], values: Mapping[str, Any], paths: Mapping[str, str]) -> T:
    """``cls(**values)``, naming the record path of the field a validator refused."""
    try:
        return cls(**values)
    except (ValueError, TypeError) as error:
        name = str(getattr(error, "field", ""))
        raise FieldError(
            paths.get(name, f"attributes.{name}" if name else "attributes"), str(error)
        ) from None


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
    return ChiefOfficer(force, str(value.get("title", "Chief Constable")))


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


# --------------------------------------------------------------------------- notification duties


def _write_item(item: NotifiableItem) -> Record:
    return {
        "offence": item.offence.code,
        "arose_on": day_text(item.arose_on),
        "deadline": write_period(item.deadline),
        "section": item.section,
        "detail": item.detail,
    }


def _read_item(value: Mapping[str, Any], path: str) -> NotifiableItem:
    kind = ITEM_OFFENCES.get(str(value.get("offence")))
    if kind is None:
        known = ", ".join(ITEM_OFFENCES)
        raise FieldError(
            f"{path}.offence",
            f"{value.get('offence')!r} is not a notifiable item's offence ({known})",
        )
    arose = read_day(value.get("arose_on"), f"{path}.arose_on")
    deadline = read_period(value.get("deadline"), f"{path}.deadline")
    expected = notification_deadline(arose)
    if deadline != expected:
        # SPA2019 s.9(1), s.9(3)-(4): "within the period of 3 days beginning with" the day it arose.
        raise FieldError(
            f"{path}.deadline",
            f"{write_period(deadline)} is not the 3 days beginning with arose_on {arose}, "
            f"{expected.first_day}..{expected.last_day} (SPA2019 s.9(1), s.9(3)-(4))",
        )
    return NotifiableItem(
        kind, arose, expected, str(value.get("section")), str(value.get("detail", ""))
    )


def write_duty(duty: NotificationDuty) -> Record:
    """A notification duty (SPA2019 s.9-s.11): what is outstanding and every notification given."""
    attributes = {
        "state": duty.state.value,
        "local_police_area": duty.local_police_area,
        "served_on": _opt_day(duty.served_on),
        "initial_from": _opt_day(duty.initial_from),
        "part2_final_day": _opt_day(duty.part2_final_day),
        "part2_registered_at": _opt_instant(duty.part2_registered_at),
        "ended_at": _opt_instant(duty.ended_at),
        "outstanding": [_write_item(i) for i in duty.outstanding],
        "closed": [
            {
                "item": _write_item(c.item),
                "closed_at": instant_text(c.closed_at),
                "closure": c.closure.value,
            }
            for c in duty.closed
        ],
        "notifications": [
            {
                "notified_at": instant_text(n.notified_at),
                "station": n.station,
                "police_area": n.police_area,
                "items": [_write_item(i) for i in n.items],
                "acknowledged_at": _opt_instant(n.acknowledged_at),
            }
            for n in duty.notifications
        ],
        "refusals": [
            {"at": instant_text(r.at), "refused": r.refused.value, "note": r.note}
            for r in duty.refusals
        ],
        "false_information": [
            {
                "recorded_at": instant_text(f.recorded_at),
                "notified_at": instant_text(f.notified_at),
                "detail": f.detail,
            }
            for f in duty.false_information
        ],
    }
    relationships = {
        "defendant": _link("person", duty.defendant_id),
        "order": _link("order", duty.order_id),
        "replaced_orders": [_link("order", o) for o in duty.replaced_order_ids],
    }
    return _record("notification_duty", duty.duty_id, attributes, relationships)


def read_duty(record: Mapping[str, Any]) -> NotificationDuty:
    """The notification duty of a notification_duty record."""
    a = _attrs(record)
    p = "attributes"
    values = {
        "duty_id": str(record.get("id")),
        "defendant_id": _link_id(record, "defendant"),
        "order_id": _link_id(record, "order"),
        "local_police_area": a.get("local_police_area"),
        "state": _enum(DutyState, a.get("state"), f"{p}.state"),
        "served_on": read_optional_day(a.get("served_on"), f"{p}.served_on"),
        "initial_from": read_optional_day(a.get("initial_from"), f"{p}.initial_from"),
        "outstanding": tuple(
            _read_item(v, f"{p}.outstanding[{i}]") for i, v in enumerate(a.get("outstanding") or ())
        ),
        "closed": tuple(
            _read_closed(v, f"{p}.closed[{i}]") for i, v in enumerate(a.get("closed") or ())
        ),
        "notifications": tuple(
            _read_notification(v, f"{p}.notifications[{i}]")
            for i, v in enumerate(a.get("notifications") or ())
        ),
        "refusals": tuple(
            Refusal(
                read_instant(v.get("at"), f"{p}.refusals[{i}].at"),
                _enum(IdentityCheck, v.get("refused"), f"{p}.refusals[{i}].refused"),
                str(v.get("note", "")),
            )
            for i, v in enumerate(a.get("refusals") or ())
        ),
        "false_information": tuple(
            FalseInformation(
                read_instant(v.get("recorded_at"), f"{p}.false_information[{i}].recorded_at"),
                read_instant(v.get("notified_at"), f"{p}.false_information[{i}].notified_at"),
                str(v.get("detail")),
            )
            for i, v in enumerate(a.get("false_information") or ())
        ),
        "replaced_order_ids": tuple(_link_ids(record, "replaced_orders")),
        "part2_final_day": read_optional_day(a.get("part2_final_day"), f"{p}.part2_final_day"),
        "part2_registered_at": read_optional_instant(
            a.get("part2_registered_at"), f"{p}.part2_registered_at"
        ),
        "ended_at": read_optional_instant(a.get("ended_at"), f"{p}.ended_at"),
    }
    return _construct(
        NotificationDuty,
        values,
        {"defendant_id": "relationships.defendant", "order_id": "relationships.order"},
    )


def _read_closed(value: Mapping[str, Any], path: str) -> ClosedItem:
    return ClosedItem(
        _read_item(value.get("item") or {}, f"{path}.item"),
        read_instant(value.get("closed_at"), f"{path}.closed_at"),
        _enum(Closure, value.get("closure"), f"{path}.closure"),
    )


def _read_notification(value: Mapping[str, Any], path: str) -> Notification:
    return Notification(
        read_instant(value.get("notified_at"), f"{path}.notified_at"),
        str(value.get("station")),
        str(value.get("police_area")),
        tuple(_read_item(v, f"{path}.items[{i}]") for i, v in enumerate(value.get("items") or ())),
        read_optional_instant(value.get("acknowledged_at"), f"{path}.acknowledged_at"),
    )


# --------------------------------------------------------------------------- alerts


_ALERT_INSTANTS: Final = (
    "first_seen",
    "last_seen",
    "breach_time",
    "identified_at",
    "deadline",
    "window_start",
    "window_end",
)
_ALERT_PLAIN: Final = (
    "rule_id",
    "kind",
    "severity",
    "cjs_code",
    "section",
    "related_sections",
    "term_id",
    "term_code",
    "title",
    "explanation",
    "count",
    "pre_service",
    "appeal_pending",
    "protected_person_ids",
)


def write_alert(alert: Alert) -> Record:
    """An alert for review (a suspected breach or notification failure, or a warning)."""
    attributes: Record = {}
    for name in _ALERT_PLAIN:
        value = getattr(alert, name)
        attributes[name] = (
            value.value
            if hasattr(value, "value")
            else (list(value) if isinstance(value, tuple) else value)
        )
    for name in _ALERT_INSTANTS:
        attributes[name] = _opt_instant(getattr(alert, name))
    relationships = {
        "defendant": _link("person", alert.defendant_id),
        "order": _link("order", alert.order_id),
        "evidence": [_link("incident", i) for i in alert.evidence_ids],
    }
    return _record("alert", alert.alert_id, attributes, relationships)


def read_alert(record: Mapping[str, Any]) -> Alert:
    """The alert of an alert record."""
    a = _attrs(record)
    values: dict[str, Any] = {name: a[name] for name in _ALERT_PLAIN if name in a}
    for name in ("related_sections", "protected_person_ids"):
        values[name] = tuple(values.get(name) or ())
    for name in _ALERT_INSTANTS:
        values[name] = read_optional_instant(a.get(name), f"attributes.{name}")
    values["alert_id"] = str(record.get("id"))
    values["defendant_id"] = _link_id(record, "defendant")
    values["order_id"] = _link_id(record, "order")
    values["evidence_ids"] = tuple(_link_ids(record, "evidence"))
    return _construct(
        Alert,
        values,
        {"evidence_ids": "relationships.evidence", "defendant_id": "relationships.defendant"},
    )


# --------------------------------------------------------------------------- compliance


def write_compliance(record: ComplianceRecord) -> Record:
    """A positive requirement met or a sign-on made (SPA2019 s.1(2)(b))."""
    attributes = {
        "term_id": record.term_id,
        "at": instant_text(record.at),
        "recorded_by": record.recorded_by,
        "note": record.note,
    }
    relationships = {
        "defendant": _link("person", record.defendant_id),
        "order": _link("order", record.order_id),
    }
    return _record("compliance", record.record_id, attributes, relationships)


def read_compliance(record: Mapping[str, Any]) -> ComplianceRecord:
    """The compliance record of a compliance record line."""
    a = _attrs(record)
    values = {
        "record_id": str(record.get("id")),
        "defendant_id": _link_id(record, "defendant"),
        "order_id": _link_id(record, "order"),
        "term_id": a.get("term_id"),
        "at": read_instant(a.get("at"), "attributes.at"),
        "recorded_by": a.get("recorded_by"),
        "note": a.get("note", ""),
    }
    paths = {"defendant_id": "relationships.defendant", "order_id": "relationships.order"}
    return _construct(ComplianceRecord, values, paths)
