"""Explicit mapping between domain aggregates and their rows, both ways.

One mapper per aggregate. ``from_domain`` turns a domain object into a
:class:`RowSet` (its root row and child rows); ``to_domain`` builds the domain
object back, field by field, through the domain's own constructors (so its
validators run). Rows are never domain objects and never ``Cls(**row)``.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar, Final, Generic, TypeVar

import attrs
import pendulum
from sqlmodel import SQLModel

from spo_tracker.domain.alerts import Alert
from spo_tracker.domain.appeals import PendingAppeal
from spo_tracker.domain.compliance import ComplianceRecord
from spo_tracker.domain.geo import GeoPoint
from spo_tracker.domain.identities import Identity, IdentityKind, Platform
from spo_tracker.domain.incidents import Incident
from spo_tracker.domain.lifecycles.application import Application
from spo_tracker.domain.lifecycles.breach_review import BreachReview
from spo_tracker.domain.notification import NotificationDuty
from spo_tracker.domain.orders import (
    Duration,
    Order,
    OrderKind,
    OrderOrigin,
    OrderState,
    OrderVersion,
    VersionCause,
)
from spo_tracker.domain.ownership import CaseOwner
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
from spo_tracker.domain.retention import RetentionReview
from spo_tracker.domain.statutory_time import DayPeriod
from spo_tracker.errors import InvalidValueError
from spo_tracker.storage import _codec
from spo_tracker.storage._crypto import PersonKeys
from spo_tracker.storage._stored import READ_ERRORS, read_json, refused
from spo_tracker.storage._tables import (
    AlertRow,
    ApplicationRow,
    BreachReviewRow,
    CaseOwnerRow,
    ComplianceRecordRow,
    DefendantAddressRow,
    DefendantIdentityRow,
    DefendantNameRow,
    DefendantRow,
    IncidentRow,
    NotificationDutyRow,
    OrderProtectedPersonRow,
    OrderRow,
    OrderTermRow,
    OrderVersionRow,
    ProtectedPersonRow,
    RestrictedDetailsRow,
    RetentionReviewRow,
)
from spo_tracker.storage._types import in_zone, zone_name

__all__ = [
    "MAPPERS",
    "AlertMapper",
    "ChildSpec",
    "ComplianceMapper",
    "DefendantMapper",
    "IncidentMapper",
    "Mapper",
    "OrderMapper",
    "ProtectedPersonMapper",
    "RetentionReviewMapper",
    "RowSet",
    "SubjectMapper",
    "identity_from_key",
    "mapper_for",
]

T = TypeVar("T")


def _day(value: _dt.date | None) -> pendulum.Date | None:
    """A stored date as a pendulum date (drivers return ``datetime.date``)."""
    return None if value is None else pendulum.Date(value.year, value.month, value.day)


def _required_day(value: _dt.date) -> pendulum.Date:
    return pendulum.Date(value.year, value.month, value.day)


def _zone_or_none(at: _dt.datetime | None) -> str | None:
    return None if at is None else zone_name(at)


def _in_zone_or_none(at: _dt.datetime | None, zone: str | None) -> pendulum.DateTime | None:
    return None if at is None else in_zone(at, zone)


def identity_from_key(key: str) -> Identity:
    """The identity whose key is ``key`` (``kind:value`` or ``handle:platform:value``).

    Raises:
        UnknownCodeError: the kind or platform is not known.
        InvalidValueError: the key has no value part.
    """
    kind, sep, rest = key.partition(":")
    if not sep or not rest:
        raise InvalidValueError("identity key", key, "expected kind:value")
    which = IdentityKind(kind)
    if which is IdentityKind.HANDLE:
        platform, _, value = rest.partition(":")
        return Identity(which, value, Platform(platform))
    return Identity(which, rest)


@attrs.frozen
class ChildSpec:
    """A child table of an aggregate.

    Attributes:
        table: the row model.
        order_by: the columns that give the rows their order.
        append_only: rows once stored are never rewritten (order versions and their terms).
    """

    table: type[SQLModel]
    order_by: tuple[str, ...]
    append_only: bool = False


@attrs.frozen
class RowSet:
    """An aggregate as rows: its root row and, per child table, its child rows in order."""

    root: Any
    children: Mapping[type[SQLModel], Sequence[Any]] = attrs.field(factory=dict)

    def of(self, table: type[SQLModel]) -> Sequence[Any]:
        """The child rows of ``table`` (empty when there are none)."""
        return self.children.get(table, ())


class Mapper(Generic[T]):
    """How one aggregate is stored.

    Attributes:
        kind: the record kind named in errors and audit entries.
        domain: the domain class.
        root: the root row model; its primary key column is ``key_column``.
        children: child tables, parents first.
        revisioned: the domain object carries its own ``revision``.
        restricted: the aggregate holds restricted details (reads are audited).
        lookups: further root columns ``Repository.ids_where`` may look up (beyond the
            ``..._id`` columns that mirror a domain field).
    """

    kind: ClassVar[str]
    domain: ClassVar[type]
    root: ClassVar[type[SQLModel]]
    key_column: ClassVar[str]
    key_column_on_children: ClassVar[str]
    children: ClassVar[tuple[ChildSpec, ...]] = ()
    revisioned: ClassVar[bool] = False
    restricted: ClassVar[bool] = False
    lookups: ClassVar[tuple[str, ...]] = ()

    def key(self, obj: T) -> str:
        """The aggregate's id."""
        return str(getattr(obj, self.key_column))

    def domain_revision(self, obj: T) -> int | None:
        """The revision the domain object carries, if it carries one."""
        return int(getattr(obj, "revision")) if self.revisioned else None  # noqa: B009

    def bound(self, keys: PersonKeys | None) -> Mapper[T]:
        """This mapper for one unit of work, with its persons' keys (itself, unless the
        aggregate holds sealed details)."""
        return self

    def from_domain(self, obj: T, revision: int) -> RowSet:
        """The rows that store ``obj`` at ``revision``."""
        raise NotImplementedError

    def to_domain(self, rows: RowSet) -> T:
        """The domain object stored in ``rows``."""
        raise NotImplementedError

    def from_rows(self, rows: RowSet) -> T:
        """The domain object stored in ``rows``, as :meth:`to_domain` builds it.

        Raises:
            StoredRecordError: the stored values break a rule of the library (written
                by an earlier release, or edited by hand), naming this record.
        """
        try:
            return self.to_domain(rows)
        except READ_ERRORS as error:
            failure = error
        # Raised outside the except block: a protected person's error keeps no context.
        raise refused(self.kind, getattr(rows.root, self.key_column), failure)

    def root_values(self, obj: T, revision: int, *, body: Any = None) -> dict[str, Any]:
        """The root row of a single-row record as column values (the bulk insert path);
        ``body``: the record's dump (:func:`_codec.dump`) if the caller made it already."""
        root = self.from_domain(obj, revision).root
        return {c.name: getattr(root, c.name) for c in self.root.__table__.columns}  # type: ignore[attr-defined]

    def check_update(self, before: T, after: T) -> None:
        """Refuse an update that rewrites what must never change (nothing, by default)."""

    def references(self, obj: T) -> list[tuple[str, str]]:
        """The records ``obj`` refers to, as ``(kind, id)``; they must be stored first."""
        return []

    def snapshot(self, obj: T) -> dict[str, Any]:
        """A JSON-ready picture of ``obj`` for the audit trail."""
        return dict(_codec.dump(obj, type(obj)))

    def audit_diff(self, before: T, after: T) -> dict[str, Any]:
        """What changed, for the audit trail."""
        from spo_tracker.storage._audit import diff

        return diff(self.snapshot(before), self.snapshot(after))

    def audit_created(self, obj: T) -> dict[str, Any]:
        """What a new record holds, for the audit trail."""
        return {"created": self.snapshot(obj)}


#: What the audit trail holds in place of a personal value (a name, free text, an identity).
WITHHELD: Final = "recorded (personal data: not written to the audit trail)"
#: What it holds when a personal value changed.
CHANGED: Final = "changed (personal data: not written to the audit trail)"


class PersonalDataMapper(Mapper[T]):
    """A mapper whose audit entries never carry personal values (release 0011 on).

    The fields named in ``personal`` (names, identities, addresses, free text) are
    written to the audit trail as :data:`WITHHELD` (or left out when empty), and a
    change to one as :data:`CHANGED`: the trail records that a value was recorded or
    changed, by whom and when, never the value. The trail is hash-chained and cannot
    be edited, so this is what lets disposal erase a person's data everywhere: after
    disposal nothing of the value remains in the trail to erase (see docs/retention.md).
    """

    personal: ClassVar[tuple[str, ...]] = ()

    def snapshot(self, obj: T) -> dict[str, Any]:
        dumped = dict(_codec.dump(obj, type(obj)))
        for field in self.personal:
            if dumped.get(field) not in (None, "", [], ()):
                dumped[field] = WITHHELD
        return dumped

    def audit_diff(self, before: T, after: T) -> dict[str, Any]:
        from spo_tracker.storage._audit import diff

        changes = diff(self.snapshot(before), self.snapshot(after))
        for field in self.personal:
            if getattr(before, field) != getattr(after, field):
                changes[field] = CHANGED
        return changes


class DefendantMapper(PersonalDataMapper[Defendant]):
    """A defendant with names, address history, linked identities and SOA registration."""

    personal = ("names", "date_of_birth", "addresses", "identities")

    kind = "defendant"
    domain = Defendant
    root = DefendantRow
    key_column = "defendant_id"
    key_column_on_children = "defendant_id"
    children = (
        ChildSpec(DefendantNameRow, ("position",)),
        ChildSpec(DefendantAddressRow, ("position",)),
        ChildSpec(DefendantIdentityRow, ("position",)),
    )

    def from_domain(self, obj: Defendant, revision: int) -> RowSet:
        key, soa = obj.defendant_id, obj.soa_registration
        root = DefendantRow(
            defendant_id=key,
            date_of_birth=obj.date_of_birth,
            soa_since=None if soa is None else soa.since,
            soa_final_day=None if soa is None else soa.final_day,
            revision=revision,
        )
        names = [
            DefendantNameRow(defendant_id=key, position=i, name=n.name, from_day=n.from_day)
            for i, n in enumerate(obj.names)
        ]
        addresses = [self._address_row(key, i, a) for i, a in enumerate(obj.addresses)]
        identities = [
            DefendantIdentityRow(
                defendant_id=key,
                position=i,
                identity_key=li.identity.key,
                linked_at=li.linked_at,
                linked_at_tz=zone_name(li.linked_at),
                source=li.source,
            )
            for i, li in enumerate(obj.identities)
        ]
        return RowSet(
            root,
            {
                DefendantNameRow: names,
                DefendantAddressRow: addresses,
                DefendantIdentityRow: identities,
            },
        )

    @staticmethod
    def _address_row(key: str, position: int, period: AddressPeriod) -> DefendantAddressRow:
        where = period.address.location
        return DefendantAddressRow(
            defendant_id=key,
            position=position,
            lines=list(period.address.lines),
            postcode=period.address.postcode,
            lat=None if where is None else where.lat,
            lon=None if where is None else where.lon,
            from_day=period.from_day,
            until_day=period.until_day,
        )

    def to_domain(self, rows: RowSet) -> Defendant:
        root: DefendantRow = rows.root
        soa = None
        if root.soa_since is not None:
            soa = SexOffenderRegistration(
                since=_required_day(root.soa_since), final_day=_day(root.soa_final_day)
            )
        return Defendant(
            defendant_id=root.defendant_id,
            names=tuple(
                NameUse(name=r.name, from_day=_day(r.from_day)) for r in rows.of(DefendantNameRow)
            ),
            date_of_birth=_day(root.date_of_birth),
            addresses=tuple(self._address(r) for r in rows.of(DefendantAddressRow)),
            identities=tuple(
                LinkedIdentity(
                    identity=identity_from_key(r.identity_key),
                    linked_at=in_zone(r.linked_at, r.linked_at_tz),
                    source=r.source,
                )
                for r in rows.of(DefendantIdentityRow)
            ),
            soa_registration=soa,
        )

    @staticmethod
    def _address(row: DefendantAddressRow) -> AddressPeriod:
        where = None if row.lat is None or row.lon is None else GeoPoint(row.lat, row.lon)
        return AddressPeriod(
            address=Address(lines=tuple(row.lines), postcode=row.postcode, location=where),
            from_day=_required_day(row.from_day),
            until_day=_day(row.until_day),
        )


_REDACTED = "restricted details changed (their contents are not written to the audit trail)"


class ProtectedPersonMapper(Mapper[ProtectedPerson]):
    """A protected person; the restricted details go to their own table, sealed under the
    person's own key (:mod:`spo_tracker.storage._crypto`).

    The mapper in :data:`MAPPERS` has no keys: the SQL store binds one to its unit of
    work's :class:`~spo_tracker.storage._crypto.PersonKeys` (:meth:`Mapper.bound`).
    Details are sealed and opened outside the domain checks, so that a key problem is a
    :class:`~spo_tracker.errors.DataKeyError`, never a stored-record error.
    """

    kind = "protected_person"
    domain = ProtectedPerson
    root = ProtectedPersonRow
    key_column = "person_id"
    key_column_on_children = "person_id"
    children = (ChildSpec(RestrictedDetailsRow, ("person_id",)),)
    restricted = True

    def __init__(self, keys: PersonKeys | None = None) -> None:
        self._keys = keys

    def bound(self, keys: PersonKeys | None) -> Mapper[ProtectedPerson]:
        return ProtectedPersonMapper(keys)

    def _person_keys(self) -> PersonKeys:
        if self._keys is None:
            return PersonKeys(None, None)  # raises DataKeyError, naming the missing key
        return self._keys

    def from_domain(self, obj: ProtectedPerson, revision: int) -> RowSet:
        sealed = None
        if obj.restricted != RestrictedDetails():
            text = _codec.canonical_json(_codec.dump(obj.restricted, RestrictedDetails))
            sealed = self._person_keys().seal(obj.person_id, text.encode())
        restricted = RestrictedDetailsRow(person_id=obj.person_id, sealed=sealed)
        root = ProtectedPersonRow(person_id=obj.person_id, name=obj.name, revision=revision)
        return RowSet(root, {RestrictedDetailsRow: [restricted]})

    def _opened(self, rows: RowSet) -> bytes | None:
        """The plaintext of the stored details (``None``: none recorded).

        Raises:
            DataKeyError: no data key, or the details do not open.
            DetailsDisposedError: the person's key was destroyed.
        """
        found = rows.of(RestrictedDetailsRow)
        if not found or found[0].sealed is None:
            return None
        return self._person_keys().open(rows.root.person_id, found[0].sealed)

    def from_rows(self, rows: RowSet) -> ProtectedPerson:
        opened = self._opened(rows)  # a key problem is raised as it is
        try:
            return self._build(rows.root, opened)
        except READ_ERRORS as error:
            failure = error
        raise refused(self.kind, rows.root.person_id, failure)

    def to_domain(self, rows: RowSet) -> ProtectedPerson:
        return self._build(rows.root, self._opened(rows))

    @staticmethod
    def _build(root: ProtectedPersonRow, opened: bytes | None) -> ProtectedPerson:
        restricted = RestrictedDetails()
        if opened is not None:
            restricted = _codec.load(read_json(opened), RestrictedDetails)
        return ProtectedPerson(person_id=root.person_id, name=root.name, restricted=restricted)

    def snapshot(self, obj: ProtectedPerson) -> dict[str, Any]:
        # The audit trail names the change, never the name or the whereabouts.
        return {"person_id": obj.person_id, "name": WITHHELD}

    def audit_diff(self, before: ProtectedPerson, after: ProtectedPerson) -> dict[str, Any]:
        changes = super().audit_diff(before, after)
        if before.name != after.name:
            changes["name"] = CHANGED
        if before.restricted != after.restricted:
            changes["restricted"] = _REDACTED
        return changes

    def audit_created(self, obj: ProtectedPerson) -> dict[str, Any]:
        created = self.snapshot(obj)
        if obj.restricted != RestrictedDetails():
            created["restricted"] = "recorded (contents not written to the audit trail)"
        return {"created": created}

    @staticmethod
    def holds_restricted(rows: RowSet) -> bool:
        """Whether the stored restricted compartment has anything in it."""
        found = rows.of(RestrictedDetailsRow)
        return bool(found) and found[0].sealed is not None


class IncidentMapper(PersonalDataMapper[Incident]):
    """An incident, as one flat row (the same shape bulk ingest writes)."""

    personal = ("actor", "location", "summary", "evidence_refs")
    #: the acting identity's key (``Identity.key``): a disposal finds a defendant's
    #: incidents by the identities linked to them.
    lookups = ("actor_key",)

    kind = "incident"
    domain = Incident
    root = IncidentRow
    key_column = "incident_id"
    key_column_on_children = "incident_id"

    def from_domain(self, obj: Incident, revision: int) -> RowSet:
        where = obj.location
        return RowSet(
            IncidentRow(
                incident_id=obj.incident_id,
                occurred_at=obj.occurred_at,
                occurred_at_tz=zone_name(obj.occurred_at),
                kind=obj.kind.value,
                platform=None if obj.platform is None else obj.platform.value,
                actor_key=None if obj.actor is None else obj.actor.key,
                defendant_id=obj.defendant_id,
                target_person_id=obj.target_person_id,
                via_third_party=obj.via_third_party,
                lat=None if where is None else where.lat,
                lon=None if where is None else where.lon,
                summary=obj.summary,
                evidence_refs=list(obj.evidence_refs),
                reported_at=obj.reported_at,
                reported_at_tz=_zone_or_none(obj.reported_at),
                classification=None if obj.classification is None else obj.classification.value,
                revision=revision,
            )
        )

    def to_domain(self, rows: RowSet) -> Incident:
        r: IncidentRow = rows.root
        return incident_from_values(
            r.incident_id,
            in_zone(r.occurred_at, r.occurred_at_tz),
            r.kind,
            r.platform,
            r.actor_key,
            r.defendant_id,
            r.target_person_id,
            r.via_third_party,
            r.lat,
            r.lon,
            r.summary,
            r.evidence_refs,
            _in_zone_or_none(r.reported_at, r.reported_at_tz),
            classification=r.classification,
        )


def incident_from_values(
    incident_id: str,
    occurred_at: _dt.datetime,
    kind: str,
    platform: str | None,
    actor_key: str | None,
    defendant_id: str | None,
    target_person_id: str | None,
    via_third_party: bool,
    lat: float | None,
    lon: float | None,
    summary: str,
    evidence_refs: Sequence[str],
    reported_at: _dt.datetime | None,
    classification: str | None = None,
) -> Incident:
    """The domain incident from its stored column values (used by the row mapper and scans)."""
    return Incident(
        incident_id=incident_id,
        occurred_at=occurred_at,
        kind=kind,
        platform=None if platform is None else Platform(platform),
        actor=None if actor_key is None else identity_from_key(actor_key),
        defendant_id=defendant_id,
        target_person_id=target_person_id,
        via_third_party=bool(via_third_party),
        location=None if lat is None or lon is None else GeoPoint(lat, lon),
        summary=summary,
        evidence_refs=tuple(evidence_refs),
        reported_at=reported_at,
        classification=classification,
    )


def _dump_appeal(appeal: PendingAppeal | None) -> dict[str, Any] | None:
    """The appeal pending on an order (SPA2019 s.7) as the JSON of ``orders.pending_appeal``."""
    return None if appeal is None else _codec.dump(appeal, PendingAppeal)


def _load_appeal(data: dict[str, Any] | None) -> PendingAppeal | None:
    """The appeal of ``orders.pending_appeal``; NULL (none, or stored before 0006) is ``None``."""
    return None if data is None else _codec.load(data, PendingAppeal)


def _dump_spans(spans: tuple[tuple[_dt.datetime, _dt.datetime], ...]) -> list[list[str]] | None:
    """The spans an order was not in force (SPA2019 s.7(4)) as ``orders.not_in_force``
    JSON: ``[start, end]`` pairs of zoned instant text; ``NULL`` for none."""
    return [[_codec.zoned_text(a), _codec.zoned_text(b)] for a, b in spans] or None


def _load_spans(
    data: list[list[str]] | None,
) -> tuple[tuple[pendulum.DateTime, pendulum.DateTime], ...]:
    """The spans of ``orders.not_in_force``; NULL (none, or stored before 0007) is ``()``."""
    return tuple((_codec.parse_instant(a), _codec.parse_instant(b)) for a, b in data or ())


class OrderMapper(Mapper[Order]):
    """An order, its protected persons, and every version with its terms."""

    kind = "order"
    domain = Order
    root = OrderRow
    key_column = "order_id"
    key_column_on_children = "order_id"
    children = (
        ChildSpec(OrderProtectedPersonRow, ("position",)),
        ChildSpec(OrderVersionRow, ("number",), append_only=True),
        ChildSpec(OrderTermRow, ("version_number", "position"), append_only=True),
    )
    revisioned = True

    def from_domain(self, obj: Order, revision: int) -> RowSet:
        key, force = obj.order_id, obj.applicant.force
        root = OrderRow(
            order_id=key,
            kind=obj.kind.value,
            origin=obj.origin.value,
            defendant_id=obj.defendant_id,
            applicant_force_code=force.code,
            applicant_force_name=force.name,
            applicant_force_kind=force.kind.value,
            applicant_title=obj.applicant.title,
            court=obj.court,
            made_at=obj.made_at,
            made_at_tz=zone_name(obj.made_at),
            state=obj.state.value,
            application_id=obj.application_id,
            replaces_order_id=obj.replaces_order_id,
            served_at=obj.served_at,
            served_at_tz=_zone_or_none(obj.served_at),
            appeal_pending=obj.appeal_pending,
            pending_appeal=_dump_appeal(obj.appeal),
            ended_at=obj.ended_at,
            ended_at_tz=_zone_or_none(obj.ended_at),
            end_reason=obj.end_reason,
            not_in_force=_dump_spans(obj.not_in_force),
            revision=revision,
        )
        persons = [
            OrderProtectedPersonRow(order_id=key, position=i, person_id=p)
            for i, p in enumerate(obj.protected_person_ids)
        ]
        versions = [self._version_row(key, v) for v in obj.versions]
        terms = [
            self._term_row(key, v.number, i, t) for v in obj.versions for i, t in enumerate(v.terms)
        ]
        return RowSet(
            root, {OrderProtectedPersonRow: persons, OrderVersionRow: versions, OrderTermRow: terms}
        )

    @staticmethod
    def _version_row(key: str, version: OrderVersion) -> OrderVersionRow:
        length, period = version.duration, version.period
        return OrderVersionRow(
            order_id=key,
            number=version.number,
            cause=version.cause.value,
            decided_on=version.decided_on,
            duration_years=None if length is None else length.years,
            duration_months=None if length is None else length.months,
            duration_weeks=None if length is None else length.weeks,
            duration_days=None if length is None else length.days,
            period_first_day=None if period is None else period.first_day,
            period_last_day=None if period is None else period.last_day,
            reason=version.reason,
            decided_at=version.decided_at,
            decided_at_tz=_zone_or_none(version.decided_at),
        )

    @staticmethod
    def _term_row(key: str, number: int, position: int, term: Any) -> OrderTermRow:
        code, params = _codec.dump_term(term)
        return OrderTermRow(
            order_id=key,
            version_number=number,
            position=position,
            term_id=term.term_id,
            code=code,
            parameters=params,
        )

    def references(self, obj: Order) -> list[tuple[str, str]]:
        """Its defendant, protected persons and, if it names one, the application it was
        made on: an order may not point at an application that is not stored (no foreign
        key holds that link, so the store checks it, as the interchange import does)."""
        found = [("defendant", obj.defendant_id)] + [
            ("protected_person", p) for p in obj.protected_person_ids
        ]
        if obj.application_id is not None:
            found.append(("application", obj.application_id))
        return found

    def check_update(self, before: Order, after: Order) -> None:
        """Stored versions are never rewritten (SPA2019 s.6: each is a record of the court)."""
        kept = after.versions[: len(before.versions)]
        if kept != before.versions:
            changed = next(
                (b.number for b, a in zip(before.versions, kept, strict=False) if a != b),
                len(kept) + 1,
            )
            raise InvalidValueError(
                "versions", changed, "a stored order version is never rewritten or removed"
            )

    def to_domain(self, rows: RowSet) -> Order:
        r: OrderRow = rows.root
        terms: dict[int, list[Any]] = {}
        for t in rows.of(OrderTermRow):
            terms.setdefault(t.version_number, []).append(
                _codec.load_term(t.code, t.term_id, t.parameters)
            )
        versions = tuple(
            self._version(v, tuple(terms.get(v.number, ()))) for v in rows.of(OrderVersionRow)
        )
        force = Force(
            code=r.applicant_force_code,
            name=r.applicant_force_name,
            kind=ForceKind(r.applicant_force_kind),
        )
        return Order(
            order_id=r.order_id,
            kind=OrderKind(r.kind),
            origin=OrderOrigin(r.origin),
            defendant_id=r.defendant_id,
            protected_person_ids=tuple(p.person_id for p in rows.of(OrderProtectedPersonRow)),
            applicant=ChiefOfficer(force=force, title=r.applicant_title),
            court=r.court,
            made_at=in_zone(r.made_at, r.made_at_tz),
            versions=versions,
            state=OrderState(r.state),
            application_id=r.application_id,
            replaces_order_id=r.replaces_order_id,
            served_at=_in_zone_or_none(r.served_at, r.served_at_tz),
            appeal_pending=r.appeal_pending,
            appeal=_load_appeal(r.pending_appeal),
            ended_at=_in_zone_or_none(r.ended_at, r.ended_at_tz),
            end_reason=r.end_reason,
            not_in_force=_load_spans(r.not_in_force),
            revision=r.revision,
        )

    @staticmethod
    def _version(row: OrderVersionRow, terms: tuple[Any, ...]) -> OrderVersion:
        duration = None
        if row.duration_years is not None:
            duration = Duration(
                years=row.duration_years,
                months=row.duration_months or 0,
                weeks=row.duration_weeks or 0,
                days=row.duration_days or 0,
            )
        period = None
        if row.period_first_day is not None and row.period_last_day is not None:
            period = DayPeriod(
                first_day=_required_day(row.period_first_day),
                last_day=_required_day(row.period_last_day),
            )
        return OrderVersion(
            number=row.number,
            cause=VersionCause(row.cause),
            decided_on=_required_day(row.decided_on),
            duration=duration,
            period=period,
            terms=terms,
            reason=row.reason,
            decided_at=_in_zone_or_none(row.decided_at, row.decided_at_tz),
        )


class SubjectMapper(Mapper[Any]):
    """A lifecycle subject (application, notification duty, breach review): one row each.

    The key columns are copied out for queries; the whole record is kept as
    JSON through the private converter, with its ``revision`` in its own column.
    """

    revisioned = True

    def __init__(
        self,
        kind: str,
        domain: type,
        root: type[SQLModel],
        key_column: str,
        columns: Mapping[str, Callable[[Any], Any]],
    ) -> None:
        self.kind = kind  # type: ignore[misc]
        self.domain = domain  # type: ignore[misc]
        self.root = root  # type: ignore[misc]
        self.key_column = key_column  # type: ignore[misc]
        self.key_column_on_children = key_column  # type: ignore[misc]
        self._columns = dict(columns)

    def from_domain(self, obj: Any, revision: int) -> RowSet:
        values = {name: read(obj) for name, read in self._columns.items()}
        values[self.key_column] = self.key(obj)
        values["body"] = _codec.dump(obj, self.domain)
        values["revision"] = revision
        return RowSet(self.root(**values))

    def to_domain(self, rows: RowSet) -> Any:
        return _codec.load(rows.root.body, self.domain)


#: The keys, anywhere in a notification duty, whose text is personal: a notified name or
#: address (``NotifiableItem.detail``), a refusal's note, false information given.
_DUTY_PERSONAL: Final = frozenset({"detail", "note"})


def _withhold(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {
            k: WITHHELD if k in _DUTY_PERSONAL and v not in (None, "") else _withhold(v)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [_withhold(v) for v in value]
    return value


class NotificationDutyMapper(SubjectMapper):
    """A notification duty: its audit entries never carry the name or address notified
    (SPA2019 s.9(2)) nor a note: those are written as :data:`WITHHELD` / :data:`CHANGED`,
    so disposal can erase them from the record and nothing of them stays in the trail."""

    def snapshot(self, obj: Any) -> dict[str, Any]:
        dumped: dict[str, Any] = _withhold(dict(_codec.dump(obj, self.domain)))
        return dumped

    def audit_diff(self, before: Any, after: Any) -> dict[str, Any]:
        from spo_tracker.storage._audit import diff

        changes = diff(self.snapshot(before), self.snapshot(after))
        if not changes and before != after:
            changes["personal"] = CHANGED
        return changes


class AlertMapper(SubjectMapper):
    """An alert (which carries no revision of its own): key columns plus the record as JSON."""

    revisioned = False

    def root_values(self, obj: Any, revision: int, *, body: Any = None) -> dict[str, Any]:
        """The alert's row as column values, built directly (a detection run stores tens
        of thousands: no row object is made, and a dump already made is not made again)."""
        values = {name: read(obj) for name, read in self._columns.items()}
        values[self.key_column] = self.key(obj)
        values["body"] = _codec.dump(obj, self.domain) if body is None else body
        values["revision"] = revision
        return values


class CaseOwnerMapper(SubjectMapper):
    """Who manages an order's case: the order must be stored first."""

    def references(self, obj: Any) -> list[tuple[str, str]]:
        return [("order", obj.order_id)]


class ComplianceMapper(Mapper[ComplianceRecord]):
    """A compliance record (a requirement met, a sign-on made), as one flat row."""

    kind = "compliance_record"
    domain = ComplianceRecord
    root = ComplianceRecordRow
    key_column = "record_id"
    key_column_on_children = "record_id"

    def from_domain(self, obj: ComplianceRecord, revision: int) -> RowSet:
        return RowSet(
            ComplianceRecordRow(
                record_id=obj.record_id,
                defendant_id=obj.defendant_id,
                order_id=obj.order_id,
                term_id=obj.term_id,
                at=obj.at,
                at_tz=zone_name(obj.at),
                recorded_by=obj.recorded_by,
                note=obj.note,
                revision=revision,
            )
        )

    def root_values(
        self, obj: ComplianceRecord, revision: int, *, body: Any = None
    ) -> dict[str, Any]:
        # Built directly: a SQLModel row per record costs ~100 us, too much for daily sign-ons.
        return {
            "record_id": obj.record_id,
            "defendant_id": obj.defendant_id,
            "order_id": obj.order_id,
            "term_id": obj.term_id,
            "at": obj.at,
            "at_tz": zone_name(obj.at),
            "recorded_by": obj.recorded_by,
            "note": obj.note,
            "revision": revision,
        }

    def to_domain(self, rows: RowSet) -> ComplianceRecord:
        r: ComplianceRecordRow = rows.root
        return ComplianceRecord(
            r.record_id,
            r.defendant_id,
            r.order_id,
            r.term_id,
            in_zone(r.at, r.at_tz),
            recorded_by=r.recorded_by,
            note=r.note,
        )

    def references(self, obj: ComplianceRecord) -> list[tuple[str, str]]:
        return [("order", obj.order_id), ("defendant", obj.defendant_id)]


class RetentionReviewMapper(Mapper[RetentionReview]):
    """A retention decision on a case, as one flat row (migration 0011)."""

    kind = "retention_review"
    domain = RetentionReview
    root = RetentionReviewRow
    key_column = "review_id"
    key_column_on_children = "review_id"

    def from_domain(self, obj: RetentionReview, revision: int) -> RowSet:
        return RowSet(
            RetentionReviewRow(
                review_id=obj.review_id,
                case_id=obj.case_id,
                decision=obj.decision.value,
                category=obj.category,
                reason=obj.reason,
                decided_by=obj.decided_by,
                role=obj.role,
                decided_at=obj.decided_at,
                decided_at_tz=zone_name(obj.decided_at),
                next_review=obj.next_review,
                revision=revision,
            )
        )

    def to_domain(self, rows: RowSet) -> RetentionReview:
        r: RetentionReviewRow = rows.root
        return RetentionReview(
            review_id=r.review_id,
            case_id=r.case_id,
            decision=r.decision,
            reason=r.reason,
            category=r.category,
            decided_at=in_zone(r.decided_at, r.decided_at_tz),
            decided_by=r.decided_by,
            role=r.role,
            next_review=_day(r.next_review),
        )

    def check_update(self, before: RetentionReview, after: RetentionReview) -> None:
        """A recorded decision is never rewritten (MoPI: each decision stays on record)."""
        raise InvalidValueError(
            "retention review", before.review_id, "a recorded decision is never rewritten"
        )


MAPPERS: dict[type, Mapper[Any]] = {
    Defendant: DefendantMapper(),
    ProtectedPerson: ProtectedPersonMapper(),
    Incident: IncidentMapper(),
    Order: OrderMapper(),
    Application: SubjectMapper(
        "application",
        Application,
        ApplicationRow,
        "application_id",
        {"defendant_id": lambda a: a.defendant_id, "state": lambda a: a.state.value},
    ),
    NotificationDuty: NotificationDutyMapper(
        "notification_duty",
        NotificationDuty,
        NotificationDutyRow,
        "duty_id",
        {
            "defendant_id": lambda d: d.defendant_id,
            "order_id": lambda d: d.order_id,
            "state": lambda d: d.state.value,
        },
    ),
    BreachReview: SubjectMapper(
        "breach_review",
        BreachReview,
        BreachReviewRow,
        "review_id",
        {
            "alert_id": lambda r: r.alert_id,
            "defendant_id": lambda r: r.defendant_id,
            "order_id": lambda r: r.order_id,
            "state": lambda r: r.state.value,
        },
    ),
    ComplianceRecord: ComplianceMapper(),
    CaseOwner: CaseOwnerMapper(
        "case_owner",
        CaseOwner,
        CaseOwnerRow,
        "order_id",
        {"officer": lambda c: c.officer, "unit": lambda c: c.unit, "force": lambda c: c.force},
    ),
    RetentionReview: RetentionReviewMapper(),
    Alert: AlertMapper(
        "alert",
        Alert,
        AlertRow,
        "alert_id",
        {
            "defendant_id": lambda a: a.defendant_id,
            "order_id": lambda a: a.order_id,
            "kind": lambda a: a.kind.value,
        },
    ),
}


def mapper_for(obj: object) -> Mapper[Any]:
    """The mapper for a domain object's class.

    Raises:
        InvalidValueError: the library does not store objects of this class.
    """
    mapper = MAPPERS.get(type(obj))
    if mapper is None:
        known = ", ".join(sorted(c.__name__ for c in MAPPERS))
        raise InvalidValueError("record", type(obj).__name__, f"not stored; stored are {known}")
    return mapper
