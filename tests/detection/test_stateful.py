"""A stateful test: orders are made, served, varied, appealed and discharged among incidents.

After every step the detector, rebuilt from the current orders, must agree
with the naive oracle on every grouped breach, flag pre-service conduct
exactly, and a tracker folded one incident at a time must equal the batch.
Orders are changed with ``attrs.evolve``, the way the lifecycle package does.
"""

from __future__ import annotations

import attrs
import pendulum
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, invariant, rule

from spo_tracker.detection import AlertKind, Detector
from spo_tracker.domain.geo import Circle, GeoPoint
from spo_tracker.domain.identities import Identity, handle
from spo_tracker.domain.incidents import Incident, IncidentKind
from spo_tracker.domain.orders import Duration, Order, OrderKind, OrderState
from spo_tracker.domain.people import Defendant, ProtectedPerson, RestrictedDetails
from spo_tracker.domain.statutory_time import as_london_date, days_beginning_with
from spo_tracker.domain.terms import (
    ExclusionZone,
    NoApproach,
    NoContact,
    NoOnlineReference,
    PlatformBan,
    Term,
)
from tests.detection import oracle
from tests.detection.builders import make_defendant, make_order, vary

START = pendulum.datetime(2026, 3, 1, tz="Europe/London")
HOME = GeoPoint(52.4862, -1.8904)
NEAR = GeoPoint(52.4866, -1.8904)  # about 45 m north of HOME
FAR = GeoPoint(52.5200, -1.8904)
ACCOUNTS = (handle("x", "first"), handle("instagram", "second"), handle("tiktok", "third"))
PALETTE: tuple[Term, ...] = (
    NoContact(term_id="T1", persons=("P1",)),
    PlatformBan(term_id="T2", platforms=["x", "instagram"]),
    ExclusionZone(term_id="T3", zone=Circle(HOME, 300), label="Zone A"),
    NoOnlineReference(term_id="T4", persons=("P1", "P2")),
    NoApproach(term_id="T5", persons=("P2",), distance_m=100),
)
PERSONS = (
    ProtectedPerson("P1", "First", RestrictedDetails(places=(("home", HOME),))),
    ProtectedPerson("P2", "Second", RestrictedDetails(places=(("home", NEAR),))),
)
HOURS = st.integers(0, 24 * 400)


def _terms(indexes: list[int], period_days: int | None, on: pendulum.Date) -> tuple[Term, ...]:
    chosen = [PALETTE[i] for i in sorted(set(indexes))]
    if period_days is not None:
        chosen[0] = attrs.evolve(chosen[0], period=days_beginning_with(on, period_days))
    return tuple(chosen)


class DetectionMachine(RuleBasedStateMachine):
    """Orders and incidents evolve; detection must always match the oracle."""

    orders = Bundle("orders")

    def __init__(self) -> None:
        super().__init__()
        self.by_id: dict[str, Order] = {}
        self.defendant: Defendant = make_defendant("D1")
        self.incidents: list[Incident] = []
        self.count = 0

    def _detector(self) -> Detector:
        return Detector(list(self.by_id.values()), [self.defendant], protected_persons=PERSONS)

    @rule(
        target=orders,
        hours=HOURS,
        interim=st.booleans(),
        indexes=st.lists(st.integers(0, len(PALETTE) - 1), min_size=1, max_size=4),
        period_days=st.one_of(st.none(), st.integers(1, 60)),
    )
    def make(self, hours: int, interim: bool, indexes: list[int], period_days: int | None) -> str:
        made = START.add(hours=hours)
        self.count += 1
        order_id = f"O{self.count}"
        kind = OrderKind.INTERIM if interim else OrderKind.FULL
        duration = Duration(weeks=8) if interim else Duration(years=2)
        order = make_order(
            *_terms(indexes, period_days, as_london_date(made)),
            order_id=order_id,
            made_at=made,
            kind=kind,
            duration=duration,
            persons=("P1", "P2"),
            served=False,
        )
        self.by_id[order_id] = order
        return order_id

    @rule(order_id=orders, hours=st.integers(0, 24 * 20))
    def serve(self, order_id: str, hours: int) -> None:
        order = self.by_id[order_id]
        if order.state is OrderState.MADE:
            served = order.made_at.add(hours=hours)
            self.by_id[order_id] = attrs.evolve(order, state=OrderState.SERVED, served_at=served)

    @rule(
        order_id=orders,
        days=st.integers(0, 120),
        indexes=st.lists(st.integers(0, len(PALETTE) - 1), min_size=1, max_size=4),
    )
    def vary(self, order_id: str, days: int, indexes: list[int]) -> None:
        order = self.by_id[order_id]
        if order.state.live:
            on = order.current.decided_on.add(days=days)
            self.by_id[order_id] = vary(order, on, *_terms(indexes, None, on))

    @rule(order_id=orders)
    def appeal(self, order_id: str) -> None:
        order = self.by_id[order_id]
        self.by_id[order_id] = attrs.evolve(order, appeal_pending=not order.appeal_pending)

    @rule(order_id=consumes(orders), hours=st.integers(0, 24 * 300))
    def discharge(self, order_id: str, hours: int) -> None:
        order = self.by_id[order_id]
        if order.state.live:
            ended = order.made_at.add(hours=hours)
            self.by_id[order_id] = attrs.evolve(order, state=OrderState.DISCHARGED, ended_at=ended)

    @rule(account=st.sampled_from(ACCOUNTS), hours=HOURS)
    def link(self, account: Identity, hours: int) -> None:
        self.defendant = self.defendant.link(account, START.add(hours=hours))

    @rule(
        hours=HOURS,
        minutes=st.integers(0, 59),
        kind=st.sampled_from(
            (
                IncidentKind.MESSAGE,
                IncidentKind.POST,
                IncidentKind.SIGHTING,
                IncidentKind.ONLINE_ACTIVITY,
                IncidentKind.THREAT,
            )
        ),
        account=st.sampled_from((None, *ACCOUNTS)),
        person=st.sampled_from((None, "P1", "P2", "P3")),
        location=st.sampled_from((None, HOME, NEAR, FAR)),
    )
    def incident(
        self,
        hours: int,
        minutes: int,
        kind: IncidentKind,
        account: Identity | None,
        person: str | None,
        location: GeoPoint | None,
    ) -> None:
        self.count += 1
        actor = account  # None: an officer attributed it directly
        self.incidents.append(
            Incident(
                incident_id=f"I{self.count}",
                occurred_at=START.add(hours=hours, minutes=minutes),
                kind=kind,
                actor=actor,
                defendant_id=None if actor is not None else "D1",
                target_person_id=person,
                location=location,
            )
        )

    @invariant()
    def breaches_match_the_oracle(self) -> None:
        places = {p.person_id: tuple(pt for _, pt in p.restricted.places) for p in PERSONS}
        result = self._detector().scan(self.incidents)
        got = {}
        for alert in result.of_kind(AlertKind.BREACH):
            assert alert.window_start is not None
            day = alert.window_start.in_timezone("Europe/London").date().toordinal()
            key = (alert.defendant_id, alert.order_id, alert.term_id, alert.rule_id, day)
            got[key] = set(alert.evidence_ids)
        orders = list(self.by_id.values())
        assert got == oracle.grouped(orders, [self.defendant], places, self.incidents)

    @invariant()
    def pre_service_is_flagged_exactly(self) -> None:
        by_id = {i.incident_id: i for i in self.incidents}
        for alert in self._detector().scan(self.incidents).of_kind(AlertKind.BREACH):
            order = self.by_id[str(alert.order_id)]
            early = [
                by_id[e].occurred_at < order.served_at if order.served_at else True
                for e in alert.evidence_ids
            ]
            assert alert.pre_service == any(early)
            assert alert.appeal_pending == order.appeal_pending

    @invariant()
    def incremental_equals_batch(self) -> None:
        detector = self._detector()
        tracker = detector.tracker()
        for incident in reversed(self.incidents):
            tracker.observe(incident)
        assert tracker.result() == detector.scan(self.incidents)


TestDetectionMachine = DetectionMachine.TestCase
