"""The mapper of incidents: one flat row each, the shape bulk ingest and the scans use."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence

from spo_tracker.domain.geo import GeoPoint
from spo_tracker.domain.identities import Platform
from spo_tracker.domain.incidents import Incident
from spo_tracker.storage._mapping_base import (
    PersonalDataMapper,
    RowSet,
    _in_zone_or_none,
    _zone_or_none,
    identity_from_key,
)
from spo_tracker.storage._stored import UnreadableValue
from spo_tracker.storage._tables import IncidentRow
from spo_tracker.storage._types import in_zone, zone_name

__all__ = ["IncidentMapper", "incident_from_values"]


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
        via_third_party=_stored_flag(via_third_party),
        location=None if lat is None or lon is None else GeoPoint(lat, lon),
        summary=summary,
        evidence_refs=tuple(evidence_refs),
        reported_at=reported_at,
        classification=classification,
    )


def _stored_flag(value: object) -> bool:
    """``via_third_party`` as stored: a boolean, or 0 or 1 from SQLite; anything else (a hand
    edit: SQLite keeps the text ``'false'``, which a truth test reads as true) is refused
    naming the column, the value not quoted."""
    if value is True or value is False:
        return value
    if type(value) is int and (value == 0 or value == 1):
        return value == 1
    raise UnreadableValue("via_third_party").refusal()
