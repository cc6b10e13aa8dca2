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

import attrs
import pendulum

from spo_tracker._gc import collector_paused
from spo_tracker.detection import explain
from spo_tracker.detection._clock import day_start, epoch, instant, london_day
from spo_tracker.detection.alerts import alert_id_from, alert_id_prefix
from spo_tracker.detection.compiled import DefendantPlan, TermEntry, compile_plans
from spo_tracker.detection.config import DetectionConfig
from spo_tracker.detection.dated import (
    interim_ending_alerts,
    notification_alerts,
    renewal_review_alerts,
    requirement_alerts,
)
from spo_tracker.detection.patterns import (
    Evidence,
    Sighting,
    closing_in_runs,
    distinct,
    escalation_episodes,
    known_by,
)
from spo_tracker.detection.resolution import IdentityIndex, Unattributed
from spo_tracker.detection.rules import PRESENCE_CODES, Places
from spo_tracker.domain.alerts import Alert, AlertKind, Severity, alert_id_for, sort_alerts
from spo_tracker.domain.compliance import ComplianceRecord
from spo_tracker.domain.geo import GeoPoint
from spo_tracker.domain.identities import Platform
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
_KINDS: Final = {k.value: k for k in IncidentKind}
_PLATFORMS: Final = {p.value: p for p in Platform}

#: A stored incident as a light row, field for field a
#: :class:`~spo_tracker.storage.ScannedIncident`: id, occurred (microseconds since the
#: epoch, UTC), kind code, platform code, actor identity key, defendant id, target person
#: id, via a third party (0 or 1), latitude, longitude, reported (microseconds, or ``None``).
IncidentRow = tuple[
    str,
    int,
    str,
    str | None,
    str | None,
    str | None,
    str | None,
    int,
    float | None,
    float | None,
    int | None,
]
#: Escalation alerts rest on the risk test for an order: a risk associated with stalking.
ESCALATION_SECTION: Final = "SPA2019 s.2(1)(b)"
#: A course of conduct amounting to stalking.
COURSE_SECTION: Final = "PHA 1997 s.2A"


@attrs.frozen
class SuspectedBreach:
    """One incident that appears to breach one term (before grouping into alerts).

    Attributes:
        rule_id: the breach rule, e.g. ``breach.platform_ban``.
        incident_id: the incident.
        defendant_id: who it is attributed to.
        order_id: the order whose term it appears to breach.
        term_id: the term.
        term_code: the term's catalogue code.
        occurred_at: when it happened.
        pre_service: after the order was made but before it was served.
        appeal_pending: the order is under appeal (still in force, SPA2019 s.7).
        section: the offence, SPA2019 s.8(1).
        term_section: the term's own section (SPA2019 s.1(2)(a) for a prohibition).
        cjs_code: ``ST19001``.
    """

    rule_id: str
    incident_id: str
    defendant_id: str
    order_id: str
    term_id: str
    term_code: str
    occurred_at: pendulum.DateTime
    pre_service: bool
    appeal_pending: bool
    section: str
    term_section: str
    cjs_code: str


@attrs.frozen
class CheckResult:
    """What one incident shows: its defendant and the terms it appears to breach.

    Attributes:
        incident_id: the incident checked.
        defendant_id: who it was attributed to; ``None`` when unattributed.
        breaches: every suspected breach, by order, term and rule id.
        unattributed: why it could not be attributed, when it could not.
    """

    incident_id: str
    defendant_id: str | None
    breaches: tuple[SuspectedBreach, ...] = ()
    unattributed: Unattributed | None = None


@attrs.frozen
class ScanResult:
    """The alerts from a set of incidents, and the incidents nobody could be tied to.

    Attributes:
        alerts: every alert, in :func:`~spo_tracker.domain.alerts.sort_alerts` order.
        unattributed: incidents no defendant could be found for, by incident id.
        incidents_seen: incidents observed. An incident observed twice counts twice (its
            evidence is not duplicated): the tracker keeps nothing per incident that
            matched no rule, so its memory does not grow with the stream's length.
    """

    alerts: tuple[Alert, ...]
    unattributed: tuple[Unattributed, ...]
    incidents_seen: int

    def of_kind(self, kind: AlertKind) -> tuple[Alert, ...]:
        """The alerts of one kind, in order."""
        return tuple(a for a in self.alerts if a.kind is kind)


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


class _Series:
    """Incidents as parallel lists (times, ids, report times): no tuple per incident.

    Floats and strings are not tracked by the cyclic garbage collector, so a
    stream of millions of incidents does not make every collection walk them.
    """

    __slots__ = ("ids", "known", "times")

    def __init__(self) -> None:
        self.times: list[float] = []
        self.ids: list[str] = []
        self.known: list[float] = []

    def add(self, t: float, incident_id: str, known: float) -> None:
        self.times.append(t)
        self.ids.append(incident_id)
        self.known.append(known)

    def evidence(self) -> list[Evidence]:
        """Sorted by time then id, each incident once."""
        return distinct(zip(self.times, self.ids, self.known, strict=True))


class _Group(_Series):
    """The hits of one term entry in one grouping window."""

    __slots__ = ("pre", "threat")

    def __init__(self) -> None:
        super().__init__()
        self.pre: list[bool] = []
        self.threat: list[bool] = []


class _Near(_Series):
    """Presence incidents near one exclusion zone, with how far outside it they were."""

    __slots__ = ("outside",)

    def __init__(self) -> None:
        super().__init__()
        self.outside: list[float] = []


def _by_time_and_id(hit: tuple[float, str, float, bool, bool, TermEntry]) -> tuple[float, str]:
    return hit[0], hit[1]


#: What a breach alert needs from its hits: evidence ids in time then id order, first
#: and last time, when first known, how many before service, and whether any was a threat.
_Summary = tuple[tuple[str, ...], float, float, float, int, bool]


def _one_group(g: _Group) -> _Summary | None:
    """The summary of one entry's hits in one window; ``None`` if an id repeats.

    The common case, kept to whole-list operations: ids that repeat (an incident
    observed twice) take :func:`_merged_groups`, which keeps the first reading.
    """
    ids, times = g.ids, g.times
    if len(ids) == 1:
        return (ids[0],), times[0], times[0], g.known[0], int(g.pre[0]), g.threat[0]
    if len(set(ids)) != len(ids):
        return None
    ordered = sorted(zip(times, ids, strict=True))
    evidence = tuple([iid for _, iid in ordered])
    return evidence, ordered[0][0], ordered[-1][0], min(g.known), sum(g.pre), True in g.threat


def _merged_groups(parts: list[tuple[TermEntry, _Group]]) -> tuple[TermEntry, _Summary]:
    """The entry in force at the first hit and the summary of every part's hits.

    Each incident id counts once, with its earliest (time, id) reading.
    """
    hits = sorted(
        (
            (t, iid, known, pre, threat, e)
            for e, g in parts
            for t, iid, known, pre, threat in zip(
                g.times, g.ids, g.known, g.pre, g.threat, strict=True
            )
        ),
        key=_by_time_and_id,
    )
    evidence: dict[str, None] = {}
    known, pre_count, threat = hits[0][2], 0, False
    for hit in hits:
        if hit[1] in evidence:
            continue  # the same incident observed again
        evidence[hit[1]] = None
        known = min(known, hit[2])
        pre_count += hit[3]
        threat = threat or hit[4]
    summary = (tuple(evidence), hits[0][0], hits[-1][0], known, pre_count, threat)
    return hits[0][5], summary


#: One severity level up, capped at critical.
_RAISED: Final = {
    Severity.INFO: Severity.LOW,
    Severity.LOW: Severity.MEDIUM,
    Severity.MEDIUM: Severity.HIGH,
    Severity.HIGH: Severity.CRITICAL,
    Severity.CRITICAL: Severity.CRITICAL,
}


def breach_severity(base: Severity, *, threat: bool, count: int, threshold: int) -> Severity:
    """The severity of a grouped suspected breach.

    The rule's own severity; critical if any evidence incident is a threat; and
    one level higher (capped at critical) when the group holds at least
    ``threshold`` incidents (``DetectionConfig.escalation_threshold``), so a
    breach made of a burst is never shown below the escalation alert the same
    burst raises (SPA2019 s.2(1)(b): escalating conduct raises the risk).

    Args:
        base: the rule's severity.
        threat: some evidence incident is a threat.
        count: the group's distinct evidence incidents.
        threshold: the escalation threshold.
    """
    severity = Severity.CRITICAL if threat else base
    return _RAISED[severity] if count >= threshold else severity


def _series(table: dict[str, dict[str, _Series]], who: str, person: str) -> _Series:
    by_person = table.get(who)
    if by_person is None:
        by_person = table[who] = {}
    series = by_person.get(person)
    if series is None:
        series = by_person[person] = _Series()
    return series


class _View:
    """What a rule's content test reads of a stored row (a :class:`rules.Observed`)."""

    __slots__ = ("kind", "location", "platform", "target_person_id", "via_third_party")

    def __init__(
        self,
        kind: IncidentKind,
        platform: str | None,
        target: str | None,
        via: int,
        lat: float | None,
        lon: float | None,
    ) -> None:
        self.kind = kind
        self.platform = None if platform is None else _PLATFORMS[platform]
        self.target_person_id = target
        self.via_third_party = bool(via)
        # A validated point, as the incident holds: only rows that reach a test get here.
        self.location = None if lat is None or lon is None else GeoPoint(lat, lon)


class AlertTracker:
    """Folds incidents into grouped alerts; the order of arrival never matters.

    Holds, per group, only what alerts need (times, ids, report times, flags),
    not the incidents, so a stream of millions does not keep them in memory.
    """

    def __init__(self, detector: Detector) -> None:
        self._detector = detector
        self._window = detector.config.group_days
        # entry -> window index -> hits; merged across versions when alerts are built.
        self._groups: dict[TermEntry, dict[int, _Group]] = {}
        # defendant -> person -> incidents aimed at them (and those when unprotected).
        self._targeted: dict[str, dict[str, _Series]] = {}
        self._unprotected: dict[str, dict[str, _Series]] = {}
        self._threats: dict[tuple[str, str], Evidence] = {}
        self._near_zone: dict[TermEntry, _Near] = {}
        self._unattributed: dict[str, Unattributed] = {}
        self._observed = 0

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
        windows = self._groups.get(e)
        if windows is None:
            windows = self._groups[e] = {}
        bucket = london_day(t) // self._window
        group = windows.get(bucket)
        if group is None:
            group = windows[bucket] = _Group()
        group.add(t, incident.incident_id, known)
        group.pre.append(t < e.served)
        group.threat.append(incident.kind is _THREAT)

    def _watch_zones(self, plan: DefendantPlan, incident: Incident, t: float) -> None:
        point = incident.location
        if point is None or incident.via_third_party or incident.kind._value_ not in PRESENCE_CODES:
            return
        watch = self._detector.config.zone_watch_m
        lat, lon = point.lat, point.lon
        for e, box in plan.zones:
            if box is not None and not (box[0] <= lat <= box[1] and box[2] <= lon <= box[3]):
                continue  # further than the watch distance from the zone
            if e.lo <= t < e.hi and (e.locality is None or e.locality.covers(point)):
                outside: float = e.term.zone.distance_outside_m(point)  # type: ignore[attr-defined]
                if outside <= watch:
                    near = self._near_zone.get(e)
                    if near is None:
                        near = self._near_zone[e] = _Near()
                    near.add(t, incident.incident_id, _known(t, incident.reported_at))
                    near.outside.append(outside)

    def _targets(
        self, who: str, plan: DefendantPlan | None, incident: Incident, t: float, known: float
    ) -> None:
        target = incident.target_person_id
        assert target is not None
        _series(self._targeted, who, target).add(t, incident.incident_id, known)
        if plan is None or not plan.protected_at(target, t):
            _series(self._unprotected, who, target).add(t, incident.incident_id, known)
        if incident.kind is _THREAT:
            seen = (t, incident.incident_id, known)
            first = self._threats.get((who, target))
            if first is None or seen[:2] < first[:2]:
                self._threats[who, target] = seen

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

    def observe_rows(self, rows: Iterable[IncidentRow]) -> int:
        """Fold stored incident rows (:data:`IncidentRow`); returns how many.

        The data path for scans of a store: the same alerts as
        :meth:`observe_all` over the incidents the rows hold (a property test
        checks it), reading plain values. Times are the stored microseconds
        (exactly the seconds :meth:`observe_all` computes); a rule's content test
        reads a small view of the row, built only for rows that reach one.

        Raises:
            InvalidValueError: a row holds an unknown kind or platform code; the rows
                before it are kept, nothing of it is recorded.
        """
        d = self._detector
        plans_get, places = d.plans.get, d.places
        owner_of_key, why = d.identities.owner_of_key, d.identities.unattributed_key
        unattributed, hit, count, before = self._unattributed, self._hit_row, 0, self._observed
        for iid, occurred_us, code, platform, key, who, target, via, lat, lon, reported in rows:
            kind = _KINDS.get(code)
            if kind is None or (platform is not None and platform not in _PLATFORMS):
                self._observed = before + count
                bad = ("kind", code) if kind is None else ("platform", platform)
                raise InvalidValueError(bad[0], bad[1], f"incident {iid!r}: unknown code")
            if who is None:
                who = None if key is None else owner_of_key(key)
                if who is None:
                    count += 1
                    unattributed[iid] = why(iid, key)
                    continue
            count += 1
            t = (
                occurred_us / 1_000_000
            )  # exactly epoch(occurred_at): one correctly rounded division
            known = t if reported is None else reported / 1_000_000
            threat = kind is _THREAT
            view: _View | None = None
            plan = plans_get(who)
            if plan is not None:
                route = plan.routes.get(code)
                if route is not None:
                    entries, guard, watched = route
                    located = lat is not None and lon is not None
                    if guard is None or (
                        located
                        and guard[0] <= lat <= guard[1]  # type: ignore[operator]
                        and guard[2] <= lon <= guard[3]  # type: ignore[operator]
                    ):
                        for e in entries:
                            box = e.box
                            if (
                                box is not None
                                and code not in e.exempt
                                and (
                                    not located
                                    or not (
                                        box[0] <= lat <= box[1]  # type: ignore[operator]
                                        and box[2] <= lon <= box[3]  # type: ignore[operator]
                                    )
                                )
                            ):
                                continue
                            if e.lo <= t < e.hi and (e.persons is None or target in e.persons):
                                if view is None:
                                    view = _View(kind, platform, target, via, lat, lon)
                                if e.match(e.term, view, places) and (
                                    e.locality is None or e.locality.covers(view.location)
                                ):
                                    hit(e, iid, t, known, threat)
                        if watched and located and not via and code in PRESENCE_CODES:
                            for _, zone in plan.zones:
                                if zone is None or (
                                    zone[0] <= lat <= zone[1]  # type: ignore[operator]
                                    and zone[2] <= lon <= zone[3]  # type: ignore[operator]
                                ):
                                    if view is None:
                                        view = _View(kind, platform, target, via, lat, lon)
                                    self._watch_point(plan, iid, t, known, view.location)
                                    break  # near a zone: the exact test, once
                if platform is not None and plan.by_platform:
                    bans = plan.by_platform.get(platform)
                    if bans is not None:
                        for e in bans:
                            if e.lo <= t < e.hi:
                                if view is None:
                                    view = _View(kind, platform, target, via, lat, lon)
                                if e.locality is None or e.locality.covers(view.location):
                                    hit(e, iid, t, known, threat)
            if target is not None:
                self._target_row(who, plan, iid, target, t, known, threat)
        self._observed = before + count
        return count

    def _hit_row(self, e: TermEntry, iid: str, t: float, known: float, threat: bool) -> None:
        windows = self._groups.get(e)
        if windows is None:
            windows = self._groups[e] = {}
        bucket = london_day(t) // self._window
        group = windows.get(bucket)
        if group is None:
            group = windows[bucket] = _Group()
        group.add(t, iid, known)
        group.pre.append(t < e.served)
        group.threat.append(threat)

    def _watch_point(
        self, plan: DefendantPlan, iid: str, t: float, known: float, point: GeoPoint | None
    ) -> None:
        """:meth:`_watch_zones` for a presence incident not made through someone else."""
        if point is None:
            return
        watch = self._detector.config.zone_watch_m
        lat, lon = point.lat, point.lon
        for e, box in plan.zones:
            if box is not None and not (box[0] <= lat <= box[1] and box[2] <= lon <= box[3]):
                continue
            if e.lo <= t < e.hi and (e.locality is None or e.locality.covers(point)):
                outside: float = e.term.zone.distance_outside_m(point)  # type: ignore[attr-defined]
                if outside <= watch:
                    near = self._near_zone.get(e)
                    if near is None:
                        near = self._near_zone[e] = _Near()
                    near.add(t, iid, known)
                    near.outside.append(outside)

    def _target_row(
        self,
        who: str,
        plan: DefendantPlan | None,
        iid: str,
        target: str,
        t: float,
        known: float,
        threat: bool,
    ) -> None:
        """:meth:`_targets` over plain values."""
        _series(self._targeted, who, target).add(t, iid, known)
        if plan is None or not plan.protected_at(target, t):
            _series(self._unprotected, who, target).add(t, iid, known)
        if threat:
            seen = (t, iid, known)
            first = self._threats.get((who, target))
            if first is None or seen[:2] < first[:2]:
                self._threats[who, target] = seen

    # -- alerts (built once per group, never per incident) ------------------------------

    def result(self) -> ScanResult:
        """Every alert from what has been observed so far, sorted; unattributed by id."""
        with collector_paused():
            alerts = self._breach_alerts()
            alerts += self._escalations()
            alerts += self._first_threats()
            alerts += self._closing_in()
            alerts += self._courses_of_conduct()
            unattributed = tuple(self._unattributed[k] for k in sorted(self._unattributed))
            return ScanResult(tuple(sort_alerts(alerts)), unattributed, self._observed)

    def _breach_alerts(self) -> list[Alert]:
        # One term keeps its id across versions: merge its entries' windows by that id.
        merged: dict[tuple[str, str, str, int], list[tuple[TermEntry, _Group]]] = {}
        for e, windows in self._groups.items():
            for bucket, group in windows.items():
                key = (e.order_id, e.term_id, e.rule.rule_id, bucket)
                parts = merged.get(key)
                if parts is None:
                    merged[key] = [(e, group)]
                else:
                    parts.append((e, group))
        threshold = self._detector.config.escalation_threshold
        return [self._breach_alert(key[3], parts, threshold) for key, parts in merged.items()]

    def _breach_alert(
        self, bucket: int, parts: list[tuple[TermEntry, _Group]], threshold: int
    ) -> Alert:
        found = _one_group(parts[0][1]) if len(parts) == 1 else None
        e, (ids, first_t, last_t, known, pre_count, threat) = (
            (parts[0][0], found) if found is not None else _merged_groups(parts)
        )
        rule, order = e.rule, e.order
        if e.wording is None:
            e.wording = explain.breach_wording(
                phrase=rule.phrase,
                term=e.term,
                order=order,
                section=rule.section,
                cjs_code=rule.cjs_code,
            )
        if e.id_prefix is None:
            e.id_prefix = alert_id_prefix(rule.rule_id, order.defendant_id, e.order_id, e.term_id)
        count = len(ids)
        title, text = explain.breach_text(
            e.wording,
            count=count,
            first=first_t,
            last=last_t,
            pre_service=pre_count,
            appeal_pending=e.appeal,
        )
        start_day = bucket * self._window
        first_seen = instant(first_t)
        return Alert(
            alert_id=alert_id_from(e.id_prefix, start_day),
            rule_id=rule.rule_id,
            kind=AlertKind.BREACH,
            severity=breach_severity(
                rule.severity, threat=threat, count=count, threshold=threshold
            ),
            defendant_id=order.defendant_id,
            order_id=e.order_id,
            term_id=e.term_id,
            term_code=e.code,
            section=rule.section,
            related_sections=e.related,
            cjs_code=rule.cjs_code,
            title=title,
            explanation=text,
            evidence_ids=ids,
            count=count,
            first_seen=first_seen,
            last_seen=first_seen if last_t == first_t else instant(last_t),
            breach_time=first_seen,
            identified_at=first_seen if known == first_t else instant(known),
            window_start=day_start(start_day),
            window_end=day_start(start_day + self._window),
            pre_service=pre_count > 0,
            appeal_pending=e.appeal,
            protected_person_ids=e.protected,
        )

    def _order_context(self, who: str, person: str, t: float) -> tuple[str | None, bool]:
        plan = self._detector.plans.get(who)
        order = None if plan is None else plan.protecting(person, t)
        return (None, False) if order is None else (order.order_id, order.appeal_pending)

    def _escalations(self) -> list[Alert]:
        config = self._detector.config
        threshold, window_s = config.escalation_threshold, config.escalation_window_hours * 3600
        out = []
        for who, by_person in self._targeted.items():
            for person, series in by_person.items():
                if len(series.times) <= threshold:
                    continue
                for episode in escalation_episodes(series.evidence(), threshold, window_s):
                    out.append(self._escalation_alert(who, person, episode))
        return out

    def _escalation_alert(self, who: str, person: str, episode: list[Evidence]) -> Alert:
        config = self._detector.config
        first_t, last_t = episode[0][0], episode[-1][0]
        order_id, appeal = self._order_context(who, person, first_t)
        hours = f"{config.escalation_window_hours:g}"
        text = (
            f"{len(episode)} incidents by defendant {who} against {person} "
            f"{explain.when_text(first_t, last_t)}: more than {config.escalation_threshold} "
            f"within {hours} hours. Escalating conduct raises the risk associated with "
            f"stalking ({ESCALATION_SECTION}); review the risk assessment and safety plan."
        )
        return Alert(
            alert_id=alert_id_for("escalation.rolling_count", who, person, episode[0][1]),
            rule_id="escalation.rolling_count",
            kind=AlertKind.ESCALATION,
            severity=Severity.HIGH,
            defendant_id=who,
            order_id=order_id,
            section=ESCALATION_SECTION,
            related_sections=(COURSE_SECTION,),
            title=f"Escalation: {len(episode)} incidents against {person} within {hours} hours",
            explanation=text,
            evidence_ids=tuple(e[1] for e in episode),
            count=len(episode),
            first_seen=instant(first_t),
            last_seen=instant(last_t),
            identified_at=instant(known_by(episode, config.escalation_threshold + 1)),
            appeal_pending=appeal,
            protected_person_ids=(person,),
        )

    def _first_threats(self) -> list[Alert]:
        return [
            self._threat_alert(who, person, seen) for (who, person), seen in self._threats.items()
        ]

    def _threat_alert(self, who: str, person: str, seen: Evidence) -> Alert:
        t, iid, known = seen
        order_id, appeal = self._order_context(who, person, t)
        at = instant(t)
        return Alert(
            alert_id=alert_id_for("escalation.first_threat", who, person),
            rule_id="escalation.first_threat",
            kind=AlertKind.ESCALATION,
            severity=Severity.HIGH,
            defendant_id=who,
            order_id=order_id,
            section=ESCALATION_SECTION,
            title=f"First threat by {who} against {person}",
            explanation=(
                f"The first recorded threat by defendant {who} against {person} was made "
                f"{explain.when_text(t, t)}. A first threat marks an escalation of the risk "
                f"associated with stalking ({ESCALATION_SECTION})."
            ),
            evidence_ids=(iid,),
            count=1,
            first_seen=at,
            last_seen=at,
            identified_at=instant(known),
            appeal_pending=appeal,
            protected_person_ids=(person,),
        )

    def _closing_in(self) -> list[Alert]:
        config = self._detector.config
        merged: dict[tuple[str, str, str], list[Sighting]] = {}
        orders: dict[str, Order] = {}
        for e, near in self._near_zone.items():
            key = (e.order.defendant_id, e.order_id, e.term_id)
            orders[e.order_id] = e.order
            zipped = zip(near.times, near.ids, near.known, near.outside, strict=True)
            merged.setdefault(key, []).extend(zipped)
        out: list[Alert] = []
        for (who, order_id, term_id), items in merged.items():
            unique: dict[str, Sighting] = {}
            for item in sorted(items):
                unique.setdefault(item[1], item)
            runs = closing_in_runs(
                list(unique.values()),
                config.closing_in_min_sightings,
                config.closing_in_gap_hours * 3600,
            )
            out += (self._closing_alert(who, orders[order_id], term_id, run) for run in runs)
        return out

    def _closing_alert(self, who: str, order: Order, term_id: str, run: list[Sighting]) -> Alert:
        first_t, last_t = run[0][0], run[-1][0]
        term = order.version_at(instant(first_t)).term(term_id)
        label = getattr(term, "label", term_id)
        text = (
            f"{len(run)} sightings of defendant {who} {explain.when_text(first_t, last_t)}, "
            f"each closer than the one before to exclusion zone {label} (term {term_id} of "
            f"order {order.order_id}): from {run[0][3]:,.0f} m outside it to "
            f"{run[-1][3]:,.0f} m. Closing in on an exclusion zone suggests an escalating "
            f"risk ({ESCALATION_SECTION})."
        )
        return Alert(
            alert_id=alert_id_for("escalation.closing_in", who, order.order_id, term_id, run[0][1]),
            rule_id="escalation.closing_in",
            kind=AlertKind.ESCALATION,
            severity=Severity.HIGH,
            defendant_id=who,
            order_id=order.order_id,
            term_id=term_id,
            term_code=term.CODE,
            section=ESCALATION_SECTION,
            related_sections=(term.SECTION,),
            title=f"Closing in on exclusion zone {label} ({term_id}), order {order.order_id}",
            explanation=text,
            evidence_ids=tuple(s[1] for s in run),
            count=len(run),
            first_seen=instant(first_t),
            last_seen=instant(last_t),
            identified_at=instant(max(s[2] for s in run)),
            appeal_pending=order.appeal_pending,
            protected_person_ids=order.protected_person_ids,
        )

    def _courses_of_conduct(self) -> list[Alert]:
        minimum = self._detector.config.course_of_conduct_min
        out = []
        for who, by_person in self._unprotected.items():
            for person, series in by_person.items():
                if len(series.times) < minimum:
                    continue
                evidence = series.evidence()
                if len(evidence) >= minimum and not self._order_made_since(who, person, evidence):
                    out.append(self._course_alert(who, person, evidence, minimum))
        return out

    def _order_made_since(self, who: str, person: str, evidence: list[Evidence]) -> bool:
        """An order protecting the person was made after the conduct: it was applied for."""
        plan = self._detector.plans.get(who)
        last = evidence[-1][0]
        return plan is not None and any(
            person in o.protected_person_ids and epoch(o.made_at) >= last for o in plan.orders
        )

    def _course_alert(self, who: str, person: str, evidence: list[Evidence], minimum: int) -> Alert:
        first_t, last_t = evidence[0][0], evidence[-1][0]
        text = (
            f"{len(evidence)} incidents by defendant {who} against {person} "
            f"{explain.when_text(first_t, last_t)}, at times when no live order protected "
            f"{person} from {who}. Two or more incidents can be a course of conduct amounting "
            f"to stalking ({COURSE_SECTION}); consider applying for a Stalking Protection "
            "Order (SPA2019 s.1)."
        )
        return Alert(
            alert_id=alert_id_for("course_of_conduct.unprotected", who, person),
            rule_id="course_of_conduct.unprotected",
            kind=AlertKind.COURSE_OF_CONDUCT,
            severity=Severity.MEDIUM,
            defendant_id=who,
            section=COURSE_SECTION,
            related_sections=("SPA2019 s.1",),
            title=f"Possible course of conduct against {person}: consider an SPO application",
            explanation=text,
            evidence_ids=tuple(e[1] for e in evidence),
            count=len(evidence),
            first_seen=instant(first_t),
            last_seen=instant(last_t),
            identified_at=instant(known_by(evidence, minimum)),
            protected_person_ids=(person,),
        )
