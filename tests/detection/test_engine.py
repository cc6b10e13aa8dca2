"""The detector end to end: attribution, grouping, flags, patterns and redaction."""

from __future__ import annotations

import re

import pendulum
import pytest

from spo_tracker.detection import (
    AlertKind,
    DetectionConfig,
    Detector,
    Severity,
    UnattributedReason,
)
from spo_tracker.detection.engine import breach_severity
from spo_tracker.domain.geo import Circle, GeoPoint
from spo_tracker.domain.identities import handle
from spo_tracker.domain.incidents import Incident
from spo_tracker.domain.incidents import IncidentKind as K
from spo_tracker.domain.orders import OrderKind, OrderState
from spo_tracker.domain.people import ProtectedPerson, RestrictedDetails
from spo_tracker.domain.terms import ExclusionZone, NoContact, NoOnlineReference, PlatformBan
from spo_tracker.errors import InvalidValueError
from tests.detection.builders import MADE, incident, make_defendant, make_order, vary
from tests.strategies import metres_to_degrees

HOME = GeoPoint(52.4862, -1.8904)
DAY = pendulum.datetime(2026, 3, 29, tz="Europe/London")  # the spring clock change: 23 hours


def _seed_story(
    linked_after: bool = True, config: DetectionConfig | None = None
) -> tuple[Detector, list[Incident]]:
    order = make_order(
        PlatformBan(term_id="T1", platforms=["instagram", "facebook", "twitter"]),
        made_at=pendulum.datetime(2026, 1, 10, 11, tz="Europe/London"),
    )
    account = handle("twitter", "@Troll_99")
    linked_at = DAY.add(days=4) if linked_after else DAY.subtract(days=30)
    defendant = make_defendant("D1", account, linked_at=linked_at)
    messages = [
        incident(f"M{i:03d}", DAY.add(minutes=5 + 13 * i), actor=handle("x", "troll_99"))
        for i in range(104)
    ]
    return Detector([order], [defendant], config=config), messages


def test_seed_story_104_messages_make_one_breach_alert_and_one_escalation() -> None:
    """The West Midlands case: 104 messages in one London day from a later-linked account."""
    detector, messages = _seed_story()
    result = detector.scan(messages)
    breaches = result.of_kind(AlertKind.BREACH)
    escalations = result.of_kind(AlertKind.ESCALATION)
    assert len(result.alerts) == 2
    assert len(breaches) == 1
    assert len(escalations) == 1
    breach = breaches[0]
    assert breach.count == 104
    assert breach.evidence_ids == tuple(f"M{i:03d}" for i in range(104))
    assert breach.rule_id == "breach.platform_ban"
    assert breach.cjs_code == "ST19001"
    assert breach.section == "SPA2019 s.8(1)"
    assert breach.first_seen == DAY.add(minutes=5)
    assert breach.last_seen == DAY.add(minutes=5 + 13 * 103)
    assert breach.window_start == DAY
    assert breach.window_end == DAY.add(days=1)
    assert escalations[0].count == 104
    assert escalations[0].rule_id == "escalation.rolling_count"
    assert result.unattributed == ()


def test_seed_story_alerts_are_the_same_whenever_the_account_was_linked() -> None:
    """Linking is discovery, not the start of conduct: the link time changes nothing."""
    after, messages = _seed_story(linked_after=True)
    before, _ = _seed_story(linked_after=False)
    assert after.scan(messages).alerts == before.scan(messages).alerts


def test_unlinked_accounts_are_reported_unattributed_never_dropped() -> None:
    """Without the link, every message is listed as unattributed with its reason."""
    order = make_order(PlatformBan(term_id="T1", platforms=["x"]))
    detector = Detector([order], [make_defendant("D1")])
    _, messages = _seed_story()
    result = detector.scan(messages)
    assert result.alerts == ()
    assert len(result.unattributed) == 104
    assert {u.reason for u in result.unattributed} == {UnattributedReason.UNKNOWN_IDENTITY}
    assert result.unattributed[0].identity_key == "handle:x:troll_99"
    no_actor = incident("N1", DAY, defendant_id=None)
    assert detector.scan([no_actor]).unattributed[0].reason is UnattributedReason.NO_ACTOR


def test_an_account_linked_to_two_defendants_is_ambiguous() -> None:
    """One account linked to two people is not guessed: it is unattributed, ambiguous."""
    account = handle("instagram", "shared")
    detector = Detector([], [make_defendant("D1", account), make_defendant("D2", account)])
    result = detector.scan([incident("I1", DAY, actor=account)])
    assert result.unattributed[0].reason is UnattributedReason.AMBIGUOUS_IDENTITY


def test_breaches_on_two_london_days_make_two_alerts_and_a_wider_window_one() -> None:
    """Grouping is per London day by default; a 7-day window groups the week."""
    order = make_order(NoContact(term_id="T1", persons=("P1",)))
    late = pendulum.datetime(2026, 6, 1, 23, 30, tz="Europe/London")
    incidents = [incident("I1", late), incident("I2", late.add(hours=1))]  # 00:30 next day
    daily = Detector([order], [make_defendant()]).scan(incidents)
    assert [a.evidence_ids for a in daily.of_kind(AlertKind.BREACH)] == [("I1",), ("I2",)]
    weekly = Detector([order], [make_defendant()], config=DetectionConfig(group_days=7))
    assert [a.evidence_ids for a in weekly.scan(incidents).of_kind(AlertKind.BREACH)] == [
        ("I1", "I2")
    ]


def test_alert_ids_are_stable_across_runs_and_growth() -> None:
    """The same group keeps its id when re-run and when more evidence arrives."""
    order = make_order(NoContact(term_id="T1", persons=("P1",)))
    detector = Detector([order], [make_defendant()])
    one = detector.scan([incident("I1", DAY.add(hours=9))]).alerts[0]
    two = detector.scan([incident("I1", DAY.add(hours=9)), incident("I2", DAY.add(hours=20))])
    assert two.alerts[0].alert_id == one.alert_id
    assert two.alerts[0].count == 2


def test_conduct_before_service_is_flagged_pre_service_not_dropped() -> None:
    """After the order is made but before it is served: flagged, marked pre-service."""
    order = make_order(NoContact(term_id="T1", persons=("P1",)), served_at=MADE.add(days=3))
    detector = Detector([order], [make_defendant()])
    early = detector.scan([incident("I1", MADE.add(days=1))]).alerts[0]
    late = detector.scan([incident("I2", MADE.add(days=5))]).alerts[0]
    assert early.pre_service
    assert "before it was served" in early.explanation
    assert not late.pre_service
    unserved = make_order(NoContact(term_id="T1", persons=("P1",)), served=False)
    assert (
        Detector([unserved], [make_defendant()])
        .scan([incident("I3", MADE.add(days=9))])
        .alerts[0]
        .pre_service
    )


def test_an_appeal_pending_does_not_stop_detection() -> None:
    """No automatic stay (SPA2019 s.7): the breach is flagged and the appeal noted."""
    order = make_order(NoContact(term_id="T1", persons=("P1",)), appeal_pending=True)
    alert = Detector([order], [make_defendant()]).scan([incident("I1", MADE.add(days=2))]).alerts[0]
    assert alert.appeal_pending
    assert "appeal is pending" in alert.explanation


@pytest.mark.parametrize(
    "state", [OrderState.DISCHARGED, OrderState.EXPIRED, OrderState.CEASED, OrderState.QUASHED]
)
def test_an_ended_order_bites_only_before_it_ended(state: OrderState) -> None:
    """Orders in a final state bite for conduct before ended_at, not after."""
    ended = MADE.add(days=30)
    order = make_order(NoContact(term_id="T1", persons=("P1",)), state=state, ended_at=ended)
    detector = Detector([order], [make_defendant()])
    assert detector.check(incident("I1", ended.subtract(microseconds=1))).breaches
    assert detector.check(incident("I2", ended)).breaches == ()


def test_an_ended_order_without_an_end_time_is_refused() -> None:
    """A discharged order with no ended_at is a typed error naming the order."""
    order = make_order(NoContact(term_id="T1", persons=("P1",)), state=OrderState.DISCHARGED)
    with pytest.raises(InvalidValueError, match="'O1'"):
        Detector([order], [make_defendant()])


def test_a_variation_changes_the_terms_from_the_day_it_is_decided() -> None:
    """After a variation the new version's terms bite, from the start of that London day."""
    original = make_order(NoContact(term_id="T1", persons=("P1",)))
    varied_on = MADE.add(days=20).date()
    order = vary(original, varied_on, NoOnlineReference(term_id="T2", persons=("P1",)))
    detector = Detector([order], [make_defendant()])
    start = pendulum.datetime(varied_on.year, varied_on.month, varied_on.day, tz="Europe/London")
    assert [
        b.term_id for b in detector.check(incident("I1", start.subtract(seconds=1))).breaches
    ] == ["T1"]
    assert detector.check(incident("I2", start)).breaches == ()
    assert [b.term_id for b in detector.check(incident("I3", start, K.POST)).breaches] == ["T2"]


def test_duplicate_ids_and_wrong_types_are_refused() -> None:
    """Duplicate orders or defendants, and a non-incident, are typed errors naming the value."""
    order = make_order(NoContact(term_id="T1", persons=("P1",)))
    with pytest.raises(InvalidValueError, match="'O1'"):
        Detector([order, order], [make_defendant()])
    with pytest.raises(InvalidValueError, match="'D1'"):
        Detector([order], [make_defendant(), make_defendant()])
    detector = Detector([order], [make_defendant()])
    tracker = detector.tracker()
    with pytest.raises(InvalidValueError, match="'not an incident'"):
        tracker.observe("not an incident")  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError, match="'not an incident'"):
        tracker.observe_all([incident("I1", DAY), "not an incident"])  # type: ignore[list-item]
    assert tracker.result().incidents_seen == 1


def _messages(
    count: int, start: pendulum.DateTime, minutes: int, target: str = "P1"
) -> list[Incident]:
    return [
        incident(f"E{target}{i}", start.add(minutes=minutes * i), target=target)
        for i in range(count)
    ]


def test_escalation_needs_more_than_the_threshold_in_a_rolling_window() -> None:
    """Exactly the threshold is not escalation; one more is, even across midnight."""
    detector = Detector([], [make_defendant()], config=DetectionConfig(escalation_threshold=5))
    evening = pendulum.datetime(2026, 5, 1, 20, tz="Europe/London")
    five = detector.scan(_messages(5, evening, 60))
    assert five.of_kind(AlertKind.ESCALATION) == ()
    six = detector.scan(_messages(6, evening, 60))
    (alert,) = [a for a in six.alerts if a.rule_id == "escalation.rolling_count"]
    assert alert.count == 6
    assert alert.protected_person_ids == ("P1",)
    spread = detector.scan(_messages(6, evening, 5 * 60))
    assert [a for a in spread.alerts if a.rule_id == "escalation.rolling_count"] == []


def test_a_first_threat_raises_an_escalation_alert_once() -> None:
    """The earliest threat against a person is an escalation alert; later ones add nothing."""
    detector = Detector([], [make_defendant()])
    threats = [incident(f"T{i}", DAY.add(days=i), K.THREAT) for i in (3, 1, 2)]
    alerts = [a for a in detector.scan(threats).alerts if a.rule_id == "escalation.first_threat"]
    assert [a.evidence_ids for a in alerts] == [("T1",)]
    assert alerts[0].severity is Severity.HIGH


def test_sightings_closing_in_on_a_zone_raise_an_alert() -> None:
    """Three sightings each nearer the zone than the last: a closing-in alert; no breach yet."""
    zone = ExclusionZone(term_id="T1", zone=Circle(HOME, 200), label="Zone A")
    detector = Detector([make_order(zone)], [make_defendant()])
    sightings = []
    for i, metres in enumerate((900, 600, 300)):
        dlat, _ = metres_to_degrees(metres, HOME.lat)
        where = GeoPoint(HOME.lat + dlat, HOME.lon)
        sightings.append(incident(f"S{i}", DAY.add(hours=i), K.SIGHTING, location=where))
    result = detector.scan(sightings)
    (alert,) = result.alerts
    assert alert.rule_id == "escalation.closing_in"
    assert alert.evidence_ids == ("S0", "S1", "S2")
    assert "Zone A" in alert.explanation
    moving_away = detector.scan(list(reversed(sightings)))
    assert moving_away.alerts == result.alerts  # arrival order is irrelevant: times decide


def test_two_incidents_against_an_unprotected_person_suggest_an_application() -> None:
    """A course of conduct (PHA 1997 s.2A) against someone no live order protects."""
    order = make_order(NoContact(term_id="T1", persons=("P1",)))
    detector = Detector([order], [make_defendant()])
    against_p2 = [incident("C1", DAY, target="P2"), incident("C2", DAY.add(days=2), target="P2")]
    (alert,) = detector.scan(against_p2).alerts
    assert alert.kind is AlertKind.COURSE_OF_CONDUCT
    assert alert.section == "PHA 1997 s.2A"
    assert "SPA2019 s.1" in alert.explanation
    assert detector.scan(against_p2[:1]).alerts == ()
    protected = [incident("C3", DAY, target="P1"), incident("C4", DAY.add(days=2), target="P1")]
    assert detector.scan(protected).of_kind(AlertKind.COURSE_OF_CONDUCT) == ()


def test_conduct_before_an_order_was_made_for_that_person_is_not_a_new_suggestion() -> None:
    """Once an order protecting the person has been made after the conduct, no suggestion."""
    order = make_order(NoContact(term_id="T1", persons=("P1",)), made_at=DAY.add(days=10))
    detector = Detector([order], [make_defendant()])
    early = [incident("C1", DAY), incident("C2", DAY.add(days=1))]
    assert detector.scan(early).of_kind(AlertKind.COURSE_OF_CONDUCT) == ()


def test_explanations_never_reveal_a_protected_persons_places_or_coordinates() -> None:
    """Titles and explanations carry ids, labels and counts, never places or coordinates."""
    person = ProtectedPerson("P1", "Alex Example", RestrictedDetails(places=(("home", HOME),)))
    zone = ExclusionZone(term_id="T2", zone=Circle(HOME, 300), label="Zone A")
    order = make_order(NoContact(term_id="T1", persons=("P1",)), zone, kind=OrderKind.INTERIM)
    detector = Detector([order], [make_defendant()], protected_persons=[person])
    result = detector.scan(
        [
            incident("I1", MADE.add(days=2), K.SIGHTING, location=HOME),
            incident("I2", MADE.add(days=2), K.THREAT, location=HOME),
            incident("I3", MADE.add(days=3), target="P2", location=HOME),
            incident("I4", MADE.add(days=4), target="P2"),
        ]
    )
    assert result.alerts
    coordinate = re.compile(r"\d+\.\d{3,}")
    for alert in result.alerts:
        for text in (alert.title, alert.explanation):
            assert not coordinate.search(text), text
            assert "Alex" not in text
            assert "home" not in text.lower()


def test_seed_story_breach_is_not_shown_below_its_escalation() -> None:
    """104 messages: the medium platform-ban breach is raised to high, level with escalation."""
    detector, messages = _seed_story()
    result = detector.scan(messages)
    (breach,) = result.of_kind(AlertKind.BREACH)
    (escalation,) = result.of_kind(AlertKind.ESCALATION)
    assert breach.severity is Severity.HIGH
    assert breach.severity >= escalation.severity


@pytest.mark.parametrize(
    ("count", "expected"), [(4, Severity.MEDIUM), (5, Severity.HIGH), (6, Severity.HIGH)]
)
def test_a_breach_group_reaching_the_escalation_threshold_is_one_level_higher(
    count: int, expected: Severity
) -> None:
    """Below the threshold the rule's severity; at or above it, one level up."""
    detector, messages = _seed_story(config=DetectionConfig(escalation_threshold=5))
    (breach,) = detector.scan(messages[:count]).of_kind(AlertKind.BREACH)
    assert breach.severity is expected
    assert breach.count == count


@pytest.mark.parametrize(
    ("base", "threat", "raised"),
    [
        (Severity.INFO, False, Severity.LOW),
        (Severity.MEDIUM, False, Severity.HIGH),
        (Severity.HIGH, False, Severity.CRITICAL),
        (Severity.CRITICAL, False, Severity.CRITICAL),
        (Severity.MEDIUM, True, Severity.CRITICAL),
    ],
)
def test_breach_severity_rises_one_level_at_the_threshold_capped_at_critical(
    base: Severity, threat: bool, raised: Severity
) -> None:
    """One level up at the threshold, never past critical; a threat is critical anyway."""
    below = breach_severity(base, threat=threat, count=9, threshold=10)
    assert below is (Severity.CRITICAL if threat else base)
    assert breach_severity(base, threat=threat, count=10, threshold=10) is raised
