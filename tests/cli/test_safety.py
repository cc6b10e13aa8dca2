"""The command line and victim safety: restricted details never reach stdout or stderr."""

from __future__ import annotations

import json
from pathlib import Path

import pendulum
import pytest

from spo_tracker.cli import main
from spo_tracker.domain.geo import Circle, GeoPoint
from spo_tracker.domain.incidents import Incident, IncidentKind
from spo_tracker.domain.lifecycles import make_order, serve_order
from spo_tracker.domain.orders import Duration
from spo_tracker.domain.people import (
    Address,
    ChiefOfficer,
    Defendant,
    Force,
    NameUse,
    ProtectedPerson,
    RestrictedDetails,
)
from spo_tracker.domain.terms import ExclusionZone
from spo_tracker.storage import Actor, connect, upgrade

MADE = pendulum.datetime(2026, 3, 2, 10, tz="Europe/London")
HOME = GeoPoint(52.4862, -1.8904)
#: A public place about 1 km north of the home: the zone is drawn around it.
ZONE_CENTRE = GeoPoint(52.4952, -1.8904)
PERSON = ProtectedPerson(
    "P1",
    "Jane Doe",
    RestrictedDetails(address=Address(("12 Acacia Avenue", "Moseley"), "B13 9QT", HOME)),
)


def _secrets_in(text: str) -> list[str]:
    secrets = ("acacia", "b13 9qt", "52.48", "1.89", "4862", "8904")
    return [s for s in secrets if s in text.lower()]


@pytest.fixture
def database(tmp_path: Path) -> str:
    """A store with one served order whose zone label names P1's street (without a number,
    so the catalogue allows it) and sightings closing in on, then entering, the zone."""
    return zone_store(tmp_path / "safety.sqlite", "the Acacia Ave end")


def zone_store(path: Path, label: str) -> str:
    """The URL of a new SQLite store at ``path``: one served order with an exclusion zone
    labelled ``label``, P1 with their address, and sightings closing in on, then entering,
    the zone."""
    url = f"sqlite:///{path}"
    upgrade(url)
    zone = ExclusionZone(term_id="T1", zone=Circle(ZONE_CENTRE, 300.0), label=label)
    made = make_order(
        order_id="SPO-1",
        kind="full",
        defendant_id="D1",
        protected_person_ids=["P1"],
        applicant=ChiefOfficer(Force("20", "West Midlands Police")),
        court="Birmingham Magistrates' Court",
        made_at=MADE,
        terms=[zone],
        duration=Duration(years=2),
    )
    order = serve_order(made.order, at=MADE.add(hours=1), actor="PC").subject
    sightings = [
        Incident(
            incident_id=f"S{n}",
            occurred_at=MADE.add(days=5, hours=n),
            kind=IncidentKind.SIGHTING,
            defendant_id="D1",
            location=GeoPoint(round(ZONE_CENTRE.lat + 0.008 - 0.0025 * n, 6), ZONE_CENTRE.lon),
        )
        for n in range(4)
    ]
    with (
        connect(url) as store,
        store.unit_of_work(Actor("PC 1", "officer", purpose="tests"), at=MADE) as uow,
    ):
        uow.defendants.add(Defendant("D1", (NameUse("Mark Ellison"),)))
        uow.protected_persons.add(PERSON)
        uow.orders.add(order)
        for incident in sightings:
            uow.incidents.add(incident)
        uow.commit()
    return url


def test_scan_prints_alert_titles_without_the_protected_persons_street(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The closing-in and breach titles name the zone by its label; the street in it is
    scrubbed as a report would."""
    code = main(["scan", "--database", database, "--at", "2026-03-20T09:00:00Z", "--limit", "0"])
    out = capsys.readouterr()
    assert code == 0
    assert "exclusion zone" in out.out.lower()
    assert "[location redacted]" in out.out
    assert _secrets_in(out.out + out.err) == []


def test_import_errors_on_stderr_never_quote_a_restricted_address_or_coordinate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The reviewer's bad2.jsonl: a blank second address line and a coordinate out of range."""
    url = f"sqlite:///{tmp_path / 'import.sqlite'}"
    upgrade(url)
    header = {
        "type": "header",
        "schema": "spo-tracker/interchange",
        "version": "1.1",
        "created_at": "2026-03-20T09:00:00.000000Z",
        "generator": "spo-tracker 0.1.0",
        "source": None,
        "term_catalogue": "1",
        "restricted": True,
    }
    restricted = {
        "address": {
            "lines": ["12 Acacia Avenue", "   "],
            "postcode": "B13 9QT",
            "geometry": {"type": "Point", "coordinates": [-1.8904, 52.4862]},
        },
        "places": [
            {"label": "work", "geometry": {"type": "Point", "coordinates": [-1.8904, 152.4862]}}
        ],
    }
    person = {
        "type": "person",
        "id": "P1",
        "attributes": {"role": "protected_person", "name": "Jane Doe", "restricted": restricted},
        "relationships": {},
    }
    path = tmp_path / "bad.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in (header, person)), encoding="utf-8")
    code = main(["import", str(path), "--database", url])
    out = capsys.readouterr()
    assert code == 2
    assert "attributes.restricted" in out.err
    assert "withheld" in out.err
    assert _secrets_in(out.out + out.err) == []
