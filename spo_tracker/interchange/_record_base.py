"""What every interchange record shares (ids, links, references, digests, diffs) and the
records of identities, locations and persons; re-exported by
:mod:`spo_tracker.interchange._records`."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Final, TypeVar

import attrs

from spo_tracker.domain.geo import GeoPoint
from spo_tracker.domain.identities import Identity
from spo_tracker.domain.notification import (
    ItemKind,
)
from spo_tracker.domain.orders import (
    OrderKind,
)
from spo_tracker.domain.people import (
    Address,
    AddressPeriod,
    Defendant,
    LinkedIdentity,
    NameUse,
    ProtectedPerson,
    RestrictedDetails,
    SexOffenderRegistration,
)
from spo_tracker.interchange._values import (
    FieldError,
    day_text,
    field,
    instant_text,
    read_day,
    read_instant,
    read_optional_day,
    read_restricted_point,
    said,
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
    "read_defendant",
    "read_identity",
    "read_location",
    "read_protected_person",
    "references",
    "write_defendant",
    "write_identity",
    "write_location",
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
        if where == "value":  # an identity is personal data: never quoted
            shown = f"{name}=<value withheld: an identity is personal data>"
            reason = getattr(error, "reason", type(error).__name__)
            raise FieldError("attributes.value", f"{shown}: {reason}") from None
        raise FieldError(f"attributes.{where}", said(error)) from None


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


def _construct(cls: Callable[..., T], values: Mapping[str, Any], paths: Mapping[str, str]) -> T:
    """``cls(**values)``, naming the record path of the field a validator refused."""
    try:
        return cls(**values)
    except (ValueError, TypeError) as error:
        name = str(getattr(error, "field", ""))
        raise FieldError(
            paths.get(name, f"attributes.{name}" if name else "attributes"), said(error)
        ) from None
