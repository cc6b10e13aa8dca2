"""Detection's results (suspected breaches, checks, scans), what an
:class:`~spo_tracker.detection.engine.AlertTracker` keeps of the incidents it folds,
and the alerts built from that once per group, never per incident.

Split from :mod:`spo_tracker.detection.engine` (matching and folding) so that each
module holds one concern; the public names are re-exported there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

import attrs
import pendulum

from spo_tracker._gc import collector_paused
from spo_tracker.detection import explain
from spo_tracker.detection._clock import day_start, epoch, instant
from spo_tracker.detection.alerts import alert_id_from, alert_id_prefix
from spo_tracker.detection.compiled import TermEntry
from spo_tracker.detection.patterns import (
    Evidence,
    Sighting,
    closing_in_runs,
    distinct,
    escalation_episodes,
    known_by,
)
from spo_tracker.detection.resolution import Unattributed
from spo_tracker.domain.alerts import Alert, AlertKind, Severity, alert_id_for, sort_alerts
from spo_tracker.domain.orders import Order

if TYPE_CHECKING:
    from spo_tracker.detection.engine import Detector

__all__ = [
    "COURSE_SECTION",
    "ESCALATION_SECTION",
    "CheckResult",
    "FoldedIncidents",
    "ScanResult",
    "SuspectedBreach",
    "breach_severity",
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


#: The hits of one term entry in one grouping window, flat: five values per hit (time,
#: incident id, report time, before service, threat), so that recording a hit is one
#: ``+=`` of a tuple and a group is one list (one object for the garbage collector, which
#: does not track the floats and strings inside: a stream of millions of incidents does
#: not make every collection walk them).
_Hits = list[Any]
_STRIDE: Final = 5


#: Presence incidents near one exclusion zone, flat: four values per incident (time,
#: incident id, report time, metres outside the zone), like :data:`_Hits`.
_Nearby = list[Any]


def _by_time_and_id(hit: tuple[float, str, float, bool, bool, TermEntry]) -> tuple[float, str]:
    return hit[0], hit[1]


#: What a breach alert needs from its hits: evidence ids in time then id order, first
#: and last time, when first known, how many before service, and whether any was a threat.
_Summary = tuple[tuple[str, ...], float, float, float, int, bool]


def _one_group(g: _Hits) -> _Summary | None:
    """The summary of one entry's hits in one window; ``None`` if an id repeats.

    The common case, kept to whole-list operations (a column of the flat list is a
    slice): ids that repeat (an incident observed twice) take :func:`_merged_groups`,
    which keeps the first reading.
    """
    if len(g) == _STRIDE:
        t, iid, known, pre, threat = g
        return (iid,), t, t, known, int(pre), threat
    ids = g[1::_STRIDE]
    if len(set(ids)) != len(ids):
        return None
    ordered = sorted(zip(g[0::_STRIDE], ids, strict=True))
    evidence = tuple([iid for _, iid in ordered])
    known = min(g[2::_STRIDE])
    return evidence, ordered[0][0], ordered[-1][0], known, sum(g[3::_STRIDE]), True in g[4::_STRIDE]


def _merged_groups(parts: list[tuple[TermEntry, _Hits]]) -> tuple[TermEntry, _Summary]:
    """The entry in force at the first hit and the summary of every part's hits.

    Each incident id counts once, with its earliest (time, id) reading.
    """
    hits = sorted(
        (
            (g[k], g[k + 1], g[k + 2], g[k + 3], g[k + 4], e)
            for e, g in parts
            for k in range(0, len(g), _STRIDE)
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


#: Incidents aimed at one person by one defendant, flat: three values per incident
#: (time, incident id, report time), like :data:`_Hits`.
_Aimed = list[Any]


def _evidence(series: _Aimed) -> list[Evidence]:
    """Sorted by time then id, each incident once."""
    return distinct(zip(series[0::3], series[1::3], series[2::3], strict=True))


class FoldedIncidents:
    """The per-group state an alert tracker folds incidents into, and the alerts built
    from it: the base of :class:`~spo_tracker.detection.engine.AlertTracker`."""

    def __init__(self, detector: Detector) -> None:
        self._detector = detector
        self._window = detector.config.group_days
        # entry -> window index -> hits; merged across versions when alerts are built.
        self._groups: dict[TermEntry, dict[int, _Hits]] = {}
        # (defendant, person) -> incidents aimed at them (and those when unprotected).
        self._targeted: dict[tuple[str, str], _Aimed] = {}
        self._unprotected: dict[tuple[str, str], _Aimed] = {}
        self._threats: dict[tuple[str, str], Evidence] = {}
        self._near_zone: dict[TermEntry, _Nearby] = {}
        self._unattributed: dict[str, Unattributed] = {}
        self._observed = 0

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
        threshold = self._detector.config.escalation_threshold
        alert = self._breach_alert
        out: list[Alert] = []
        # One term keeps its id across versions: merge its entries' windows by that id.
        # An entry whose term has no other entry (``alone``, the common case) is its own.
        merged: dict[tuple[str, str, str, int], list[tuple[TermEntry, _Hits]]] = {}
        for e, windows in self._groups.items():
            for bucket, group in windows.items():
                if e.alone:
                    found = _one_group(group)
                    if found is None:
                        e, found = _merged_groups([(e, group)])
                    out.append(alert(bucket, e, found, threshold))
                    continue
                key = (e.order_id, e.term_id, e.rule.rule_id, bucket)
                parts = merged.get(key)
                if parts is None:
                    merged[key] = [(e, group)]
                else:
                    parts.append((e, group))
        for key, parts in merged.items():
            found = _one_group(parts[0][1]) if len(parts) == 1 else None
            e, found = (parts[0][0], found) if found is not None else _merged_groups(parts)
            out.append(alert(key[3], e, found, threshold))
        return out

    def _breach_alert(self, bucket: int, e: TermEntry, found: _Summary, threshold: int) -> Alert:
        ids, first_t, last_t, known, pre_count, threat = found
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
        for (who, person), series in self._targeted.items():
            if len(series) <= 3 * threshold:  # at most ``threshold`` incidents
                continue
            for episode in escalation_episodes(_evidence(series), threshold, window_s):
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
            zipped = zip(near[0::4], near[1::4], near[2::4], near[3::4], strict=True)
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
        for (who, person), series in self._unprotected.items():
            if len(series) < 3 * minimum:  # fewer than ``minimum`` incidents
                continue
            evidence = _evidence(series)
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
