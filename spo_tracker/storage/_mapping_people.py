"""The mappers of people: defendants, and protected persons with their sealed details."""

from __future__ import annotations

from typing import Any, Final

from spo_tracker.domain.geo import GeoPoint
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
from spo_tracker.storage import _codec
from spo_tracker.storage._crypto import PersonKeys
from spo_tracker.storage._mapping_base import (
    CHANGED,
    WITHHELD,
    ChildSpec,
    Mapper,
    PersonalDataMapper,
    RowSet,
    _day,
    _required_day,
    identity_from_key,
)
from spo_tracker.storage._stored import READ_ERRORS, read_json, refused
from spo_tracker.storage._tables import (
    DefendantAddressRow,
    DefendantIdentityRow,
    DefendantNameRow,
    DefendantRow,
    ProtectedPersonRow,
    RestrictedDetailsRow,
)
from spo_tracker.storage._types import in_zone, zone_name

__all__ = ["IDENTITIES_UNLINKED", "DefendantMapper", "ProtectedPersonMapper"]

#: In a defendant's audit diff with linked identities changed: how many identity keys
#: were unlinked (a count; the identities themselves are never written to the trail).
IDENTITIES_UNLINKED: Final = "identities_unlinked"


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

    def audit_diff(self, before: Defendant, after: Defendant) -> dict[str, Any]:
        """The changed fields, personal values withheld; with linked identities changed,
        how many identity keys were unlinked (a count, no identity): none unlinked
        means every incident attributed before is attributed at most more widely, which
        lets the next detection run stay incremental (see
        :mod:`spo_tracker.casework._written`)."""
        changes = super().audit_diff(before, after)
        if "identities" in changes:
            kept = {li.identity.key for li in after.identities}
            gone = {li.identity.key for li in before.identities} - kept
            changes[IDENTITIES_UNLINKED] = len(gone)
        return changes

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
