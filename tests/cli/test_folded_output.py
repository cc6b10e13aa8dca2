"""The command line folds text before it scrubs it: a protected person's street in a zone
label, disguised with look-alike letters and a soft hyphen, is not printed by `scan`."""

from __future__ import annotations

from pathlib import Path

import pendulum
import pytest

from spo_tracker.cli import main
from spo_tracker.domain.geo import Circle, GeoPoint
from spo_tracker.domain.incidents import Incident, IncidentKind
from spo_tracker.domain.lifecycles import make_order, serve_order
from spo_tracker.domain.orders import Duration
from spo_tracker.domain.people import ChiefOfficer, Defendant, Force, NameUse
from spo_tracker.domain.terms import ExclusionZone
from spo_tracker.domain.textfold import compact
from spo_tracker.storage import Actor, connect, upgrade
from tests.cli.test_safety import MADE, PERSON, ZONE_CENTRE

#: "the Acacia Ave end" with Cyrillic а, с and a soft hyphen inside the street.
DISGUISED: str = "the Аса\u00adсia Ave end"


@pytest.fixture
def database(tmp_path: Path) -> str:
    """A served order whose zone label carries P1's street in disguise, and a sighting in
    the zone, so that `scan` prints alerts whose titles name the zone by its label."""
    url = f"sqlite:///{tmp_path / 'folded.sqlite'}"
    upgrade(url)
    zone = ExclusionZone(term_id="T1", zone=Circle(ZONE_CENTRE, 300.0), label=DISGUISED)
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
    # Closing in on the zone, then entering it (as in tests/cli/test_safety.py).
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
        for sighting in sightings:
            uow.incidents.add(sighting)
        uow.commit()
    return url


def test_scan_does_not_print_a_disguised_street(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """On main the title printed the label as it was, and a reader saw 'the Acacia Ave end'."""
    at = pendulum.datetime(2026, 3, 20, 9, tz="UTC").isoformat()
    code = main(["scan", "--database", database, "--at", at, "--limit", "0"])
    out = capsys.readouterr()
    assert code == 0
    assert "[location redacted]" in out.out
    assert "acacia" not in compact(out.out + out.err)
