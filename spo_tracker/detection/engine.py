"""The detector: incremental checks and streaming batch scans that agree exactly.

Build a :class:`Detector` once from the orders, the defendants (whose linked
identities make the :class:`~spo_tracker.detection.resolution.IdentityIndex`)
and a :class:`DetectionConfig`. Then:

- :meth:`Detector.check` checks one new incident against that defendant's live
  terms and returns the suspected breaches (incremental; nothing is stored);
- :meth:`Detector.tracker` gives an :class:`AlertTracker` that folds incidents
  one at a time (:meth:`AlertTracker.observe`) or as a stream
  (:meth:`AlertTracker.observe_all`) and produces grouped alerts on demand;
- :meth:`Detector.scan` is the batch: a fresh tracker fed a whole iterable.

Grouping keys are fixed London-day windows and every pattern is computed from
the *set* of incidents seen, so alerts never depend on arrival order, and a
batch scan equals the fold of incremental observations (a property test shows
it). Observing an incident id a second time changes nothing.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Collection, Iterable
from typing import Final

import pendulum

from spo_tracker._gc import collector_paused
from spo_tracker.detection._building import (
    COURSE_SECTION,
    ESCALATION_SECTION,
    CheckResult,
    ScanResult,
    SuspectedBreach,
    breach_severity,
)
from spo_tracker.detection._clock import epoch
from spo_tracker.detection._rows import IncidentRow, RowFolding
from spo_tracker.detection.compiled import DefendantPlan, TermEntry, compile_plans
from spo_tracker.detection.config import DetectionConfig
from spo_tracker.detection.dated import (
    interim_ending_alerts,
    notification_alerts,
    renewal_review_alerts,
    requirement_alerts,
)
from spo_tracker.detection.resolution import IdentityIndex, Unattributed
from spo_tracker.detection.rules import PRESENCE_CODES, Places
from spo_tracker.domain.alerts import Alert, sort_alerts
from spo_tracker.domain.compliance import ComplianceRecord
from spo_tracker.domain.geo import GeoPoint
from spo_tracker.domain.incidents import Incident, IncidentKind
from spo_tracker.domain.notification import NotificationDuty
from spo_tracker.domain.orders import Order
from spo_tracker.domain.people import Defendant, ProtectedPerson
from spo_tracker.errors import InvalidValueError

__all__ = [
    "COURSE_SECTION",
    "ESCALATION_SECTION",
    "AlertTracker",
    "CheckResult",
    "Detector",
    "IncidentRow",
    "ScanResult",
    "SuspectedBreach",
    "breach_severity",
]

_THREAT: Final = IncidentKind.THREAT


def _places(persons: Iterable[ProtectedPerson]) -> dict[str, tuple[GeoPoint, ...]]:
    out: dict[str, tuple[GeoPoint, ...]] = {}
    for person in persons:
        if not isinstance(person, ProtectedPerson):
            raise InvalidValueError("protected_person", person, "expected a ProtectedPerson")
        points = [p for _, p in person.restricted.places]
        address = person.restricted.address
        if address is not None and address.location is not None:
            points.append(address.location)
        out[person.person_id] = tuple(points)
    return out


class Detector:
    """Breach and pattern detection over a fixed set of orders and defendants.

    Build a new detector when orders change (they are compiled once, here).

    Args:
        orders: every order to check against, in any state (an order that has ended
            bites only for conduct before ``ended_at``).
        defendants: the defendants, whose linked identities attribute incidents.
        config: thresholds and windows.
        protected_persons: protected persons whose restricted places feed the
            approach rule; their places never appear in an alert.

    Raises:
        InvalidValueError: duplicate order or defendant ids, an order in a final
            state without ``ended_at``, or a value of the wrong type.
    """

    def __init__(
        self,
        orders: Iterable[Order],
        defendants: Iterable[Defendant],
        *,
        config: DetectionConfig | None = None,
        protected_persons: Iterable[ProtectedPerson] = (),
    ) -> None:
        chosen = DetectionConfig() if config is None else config
        if not isinstance(chosen, DetectionConfig):
            raise InvalidValueError("config", config, "expected a DetectionConfig")
        self.config = chosen
        self.identities = IdentityIndex(defendants)
        self.orders: tuple[Order, ...] = tuple(orders)
        self.places: Places = _places(protected_persons)
        # A force's plans are hundreds of thousands of small acyclic objects: built with the
        # cyclic collector paused (spo_tracker._gc; it took half of compiling a force's
        # 12,000 orders, docs/performance.md). Not a kept block: that would move every young
        # object of the process to the oldest generation, and a service building a detector
        # per request would keep their cycles until a full collection.
        with collector_paused():
            self.plans: dict[str, DefendantPlan] = compile_plans(
                self.orders, watch_m=chosen.zone_watch_m, places=self.places
            )

    def attribute(self, incident: Incident) -> str | Unattributed:
        """The defendant an incident belongs to, or why it cannot be attributed."""
        return self.identities.attribute(_checked(incident))

    def check(self, incident: Incident) -> CheckResult:
        """The suspected breaches shown by one incident, against that defendant's live terms.

        Raises:
            InvalidValueError: ``incident`` is not an :class:`Incident`.
        """
        who = self.attribute(incident)
        if isinstance(who, Unattributed):
            return CheckResult(incident.incident_id, None, unattributed=who)
        plan = self.plans.get(who)
        if plan is None:
            return CheckResult(incident.incident_id, who)
        t = epoch(incident.occurred_at)
        hits = [_breach(who, e, incident, t) for e in _matching(plan, incident, t, self.places)]
        hits.sort(key=lambda b: (b.order_id, b.term_id, b.rule_id))
        return CheckResult(incident.incident_id, who, tuple(hits))

    def tracker(self) -> AlertTracker:
        """A new, empty incremental tracker over this detector."""
        return AlertTracker(self)

    def scan(self, incidents: Iterable[Incident]) -> ScanResult:
        """Batch: stream ``incidents`` (any iterable, consumed once) into grouped alerts."""
        tracker = self.tracker()
        tracker.observe_all(incidents)
        return tracker.result()

    def scan_rows(self, rows: Iterable[IncidentRow]) -> ScanResult:
        """Batch over stored rows (:data:`IncidentRow`): the same alerts as :meth:`scan`
        over the same incidents, without building an incident object per row."""
        tracker = self.tracker()
        tracker.observe_rows(rows)
        return tracker.result()

    def dated_alerts(
        self,
        at: _dt.datetime,
        *,
        compliance: Iterable[ComplianceRecord] = (),
        duties: Iterable[NotificationDuty] = (),
        determined_application_ids: Collection[str] = (),
        since: _dt.datetime | None = None,
    ) -> tuple[Alert, ...]:
        """Every alert that rests on dates rather than incidents, as of ``at``, sorted.

        Positive requirements and sign-on days (with ``compliance``), notification
        failures and approaching deadlines (with ``duties``), interim orders near
        their end, and renewal reviews; see :mod:`spo_tracker.detection.dated`.

        Raises:
            NaiveDatetimeError: ``at`` or ``since`` has no time zone.
        """
        config = self.config
        alerts = requirement_alerts(self.orders, compliance, at, config=config, since=since)
        alerts += interim_ending_alerts(
            self.orders, at, config=config, determined_application_ids=determined_application_ids
        )
        alerts += renewal_review_alerts(self.orders, at, config=config)
        by_id = {o.order_id: o for o in self.orders}
        alerts += notification_alerts(duties, at, config=config, orders=by_id)
        return tuple(sort_alerts(alerts))


def _checked(incident: object) -> Incident:
    if not isinstance(incident, Incident):
        raise InvalidValueError("incident", incident, "expected an Incident")
    return incident


def _bites(e: TermEntry, incident: Incident, t: float, places: Places) -> bool:
    """The compiled form of :func:`rules.term_bites` plus the rule's content test."""
    return (
        e.lo <= t < e.hi
        and (e.persons is None or incident.target_person_id in e.persons)
        and e.match(e.term, incident, places)
        and (e.locality is None or e.locality.covers(incident.location))
    )


def _matching(plan: DefendantPlan, incident: Incident, t: float, places: Places) -> list[TermEntry]:
    """Entries that bite at ``t`` and whose rule matches the incident."""
    candidates = list(plan.by_kind.get(incident.kind.value, ()))
    if incident.platform is not None:
        candidates += plan.by_platform.get(incident.platform.value, ())
    return [e for e in candidates if _bites(e, incident, t, places)]


def _routed(
    plan: DefendantPlan, incident: Incident, t: float, places: Places
) -> tuple[list[TermEntry], bool]:
    """:func:`_matching` through the plan's routes, and whether the incident may be near
    one of the defendant's zones: an incident outside its kind's guard box, or outside
    an entry's own box, is dismissed before any rule is asked."""
    found: list[TermEntry] = []
    near = False
    kind_code = incident.kind._value_
    route = plan.routes.get(kind_code)
    point = incident.location
    if route is not None:
        entries, guard, watched = route
        if guard is None or (point is not None and _inside(guard, point)):
            for e in entries:
                box = e.box
                if (
                    box is None
                    or kind_code in e.exempt
                    or (point is not None and _inside(box, point))
                ) and _bites(e, incident, t, places):
                    found.append(e)
            near = watched and point is not None and _near_a_zone(plan, point)
    platform = incident.platform
    if platform is not None and plan.by_platform:
        for e in plan.by_platform.get(platform._value_, ()):
            if e.lo <= t < e.hi and (e.locality is None or e.locality.covers(point)):
                found.append(e)
    return found, near


def _near_a_zone(plan: DefendantPlan, point: GeoPoint) -> bool:
    """Whether ``point`` is inside the watch box of one of the plan's zones (or of one
    without a box): worth the exact distance test."""
    return any(box is None or _inside(box, point) for _, box in plan.zones)


def _inside(box: tuple[float, float, float, float], point: GeoPoint) -> bool:
    return box[0] <= point.lat <= box[1] and box[2] <= point.lon <= box[3]


def _breach(defendant_id: str, e: TermEntry, incident: Incident, t: float) -> SuspectedBreach:
    return SuspectedBreach(
        rule_id=e.rule.rule_id,
        incident_id=incident.incident_id,
        defendant_id=defendant_id,
        order_id=e.order_id,
        term_id=e.term_id,
        term_code=e.code,
        occurred_at=incident.occurred_at,
        pre_service=t < e.served,
        appeal_pending=e.appeal,
        section=e.rule.section,
        term_section=e.rule.term_section,
        cjs_code=e.rule.cjs_code,
    )


def _known(t: float, reported: pendulum.DateTime | None) -> float:
    return t if reported is None else epoch(reported)


class AlertTracker(RowFolding):
    """Folds incidents into grouped alerts; the order of arrival never matters.

    Holds, per group, only what alerts need (times, ids, report times, flags),
    not the incidents, so a stream of millions does not keep them in memory.
    """

    # -- folding -------------------------------------------------------------------------

    def observe(self, incident: Incident) -> CheckResult:
        """Check one incident and fold it in; returns its suspected breaches.

        Raises:
            InvalidValueError: ``incident`` is not an :class:`Incident` (nothing recorded).
        """
        result = self._detector.check(incident)
        self._observed += 1
        if result.unattributed is not None:
            self._unattributed[incident.incident_id] = result.unattributed
            return result
        who = result.defendant_id
        assert who is not None  # attributed: check() returned no Unattributed
        t = epoch(incident.occurred_at)
        plan = self._detector.plans.get(who)
        entries = [] if plan is None else _matching(plan, incident, t, self._detector.places)
        self._fold(who, plan, incident, t, entries, near_zone=plan is not None)
        return result

    def _fold(
        self,
        who: str,
        plan: DefendantPlan | None,
        incident: Incident,
        t: float,
        entries: list[TermEntry],
        *,
        near_zone: bool,
    ) -> None:
        """Record an attributed incident: the terms it hits, the zones it comes near, and
        the person it is aimed at (the step :meth:`observe` and :meth:`observe_all` share).

        ``near_zone`` is ``False`` only when the incident is known to be far from every
        zone of ``plan``; the exact test is :meth:`_watch_zones`.
        """
        target = incident.target_person_id
        if entries or target is not None:
            known = _known(t, incident.reported_at)
            for e in entries:
                self._hit(e, incident, t, known)
            if target is not None:
                self._targets(who, plan, incident, t, known)
        if near_zone and plan is not None and plan.zones and incident.location is not None:
            self._watch_zones(plan, incident, t)

    def _owner(self, incident: Incident) -> str | None:
        """The defendant ``incident`` belongs to; ``None`` when it cannot be attributed,
        recording why. :meth:`Detector.attribute` with its common cases first."""
        who = incident.defendant_id
        if who is None:
            actor = incident.actor
            who = None if actor is None else self._detector.identities.owner(actor)
            if who is None:
                found = self._detector.identities.attribute(incident)
                assert isinstance(found, Unattributed)
                self._unattributed[incident.incident_id] = found
        return who

    def _hit(self, e: TermEntry, incident: Incident, t: float, known: float) -> None:
        self._hit_row(e, incident.incident_id, t, known, incident.kind is _THREAT)

    def _watch_zones(self, plan: DefendantPlan, incident: Incident, t: float) -> None:
        if incident.via_third_party or incident.kind._value_ not in PRESENCE_CODES:
            return
        known = _known(t, incident.reported_at)
        point = incident.location
        if point is not None:
            self._watch_point(plan, incident.incident_id, t, known, point.lat, point.lon, point)

    def _targets(
        self, who: str, plan: DefendantPlan | None, incident: Incident, t: float, known: float
    ) -> None:
        target = incident.target_person_id
        assert target is not None
        threat = incident.kind is _THREAT
        self._target_row(who, plan, incident.incident_id, target, t, known, threat)

    def observe_all(self, incidents: Iterable[Incident]) -> int:
        """Fold a stream of incidents (the batch path); returns how many.

        The same as calling :meth:`observe` on each, without building per-incident
        results, and matching through each defendant's per-kind routes
        (:func:`_routed`). A property test checks the two paths agree.

        Raises:
            InvalidValueError: an item is not an :class:`Incident`; those before it
                are kept, nothing of it is recorded.
        """
        plans_get, places = self._detector.plans.get, self._detector.places
        count, before = 0, self._observed
        for incident in incidents:
            if type(incident) is not Incident:
                self._observed = before + count  # those before a bad item are kept
                _checked(incident)
            count += 1
            who = self._owner(incident)
            if who is None:
                continue
            t = epoch(incident.occurred_at)
            plan = plans_get(who)
            if plan is None:
                self._fold(who, plan, incident, t, [], near_zone=False)
            else:
                entries, near = _routed(plan, incident, t, places)
                self._fold(who, plan, incident, t, entries, near_zone=near)
        self._observed = before + count
        return count
