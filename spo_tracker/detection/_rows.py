"""Folding stored incident rows: the batch scan's hot path, over light rows.

:class:`RowFolding` is the part of
:class:`~spo_tracker.detection.engine.AlertTracker` that folds
:class:`~spo_tracker.storage.ScannedIncident` rows (what ``run_detection`` scans)
and the steps it shares with the incident path: recording a hit, a presence
near a zone, and an incident aimed at a person. Split from
:mod:`spo_tracker.detection.engine` so that each module holds one concern.

The row loop reads plain values and does per row only what the row can need:
the defendant's route for the row's kind (its entries, a guard box and whether
it is watched near zones) and the platform's bans. A row's fields are read by
index as they are needed; a row outside its kind's guard box, with no bans on
its platform and no target, ends there, before its time is computed (most
location fixes and online activity end so). The time, the report time and a
validated point (in a small view of the row) are made only for rows that reach
a test or a record; the answers of the rules that read only the kind, target
and via (``rules.PLACE_FREE``) are remembered for the call, so most
communications need no view at all; one row's hits share one London-day bucket
(read from the day memo inline). Hits, sightings near a zone and incidents aimed
at a person are kept in flat lists, one ``+=`` of a tuple each.
Every row the store holds was validated when it was written. A row to be tested
or recorded that holds a place off the globe (changed outside the library) is
refused before anything of it is recorded (two comparisons, then the validated
point's own error), whether or not a rule reads its place: ``run_detection``
then reads the store again as incidents, which names the record.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from spo_tracker.detection._building import FoldedIncidents
from spo_tracker.detection._clock import london_day, london_day_memo
from spo_tracker.detection.compiled import DefendantPlan, TermEntry
from spo_tracker.domain.geo import GeoPoint
from spo_tracker.domain.identities import Platform
from spo_tracker.domain.incidents import IncidentKind
from spo_tracker.domain.limits import INSTANT_MAX_US, INSTANT_MIN_US
from spo_tracker.errors import InvalidValueError

__all__ = ["IncidentRow", "RowFolding"]

_THREAT_CODE: Final = IncidentKind.THREAT.value
_KINDS: Final = {k.value: k for k in IncidentKind}
_PLATFORMS: Final = {p.value: p for p in Platform}

#: The supported range of instants in whole microseconds (spo_tracker.domain.limits).
_FIRST: Final = INSTANT_MIN_US
_END: Final = INSTANT_MAX_US
_CANNOT: Final = "a stored incident cannot hold this value (edited by hand?)"


def _whole_us(value: object) -> bool:
    """Whether ``value`` is whole microseconds of an instant in the supported range (the
    row loop's hot path writes the same test inline, saving a call per tested row)."""
    return type(value) is int and _FIRST <= value < _END


class _NotShown:
    """Stands for a value a stored row should not hold, in an error: a hand edit may have
    put anything there, so it is not quoted."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<not shown>"


_NOT_SHOWN: Final = _NotShown()

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


class _View:
    """What a rule's content test reads of a stored row (a :class:`rules.Observed`)."""

    __slots__ = ("kind", "location", "platform", "target_person_id", "via_third_party")

    def __init__(
        self,
        code: str,
        platform: str | None,
        target: str | None,
        via: int,
        lat: float | None,
        lon: float | None,
    ) -> None:
        self.kind = _KINDS[code]
        self.platform = None if platform is None else _PLATFORMS[platform]
        self.target_person_id = target
        self.via_third_party = bool(via)
        # A validated point, as the incident holds: only rows that reach a test get here.
        self.location = None if lat is None or lon is None else GeoPoint(lat, lon)


class RowFolding(FoldedIncidents):
    """Folds stored incident rows, and records hits, zone sightings and targeted incidents."""

    def _refused(self, row: IncidentRow, seen: int) -> InvalidValueError:
        """The refusal of a row holding what no stored incident can (a hand edit: a time
        that is not whole microseconds in the supported range, a ``via_third_party``
        neither 0 nor 1), naming the first such column in the row's order, the value not
        quoted; the rows before it are counted as observed."""
        self._observed = seen
        if not _whole_us(row[1]):
            field = "occurred_at"
        elif row[7] != 0 and row[7] != 1:
            field = "via_third_party"
        else:
            field = "reported_at"
        return InvalidValueError(field, _NOT_SHOWN, f"incident {row[0]!r}: {_CANNOT}")

    def observe_rows(self, rows: Iterable[IncidentRow]) -> int:
        """Fold stored incident rows (:data:`IncidentRow`); returns how many.

        The data path for scans of a store: the same alerts as
        :meth:`~spo_tracker.detection.engine.AlertTracker.observe_all` over the
        incidents the rows hold (property tests check it), reading plain values.
        Times are the stored microseconds (exactly the seconds ``observe_all``
        computes); a rule's content test reads a small view of the row, built only
        for rows that reach one.

        Raises:
            InvalidValueError: a row holds an unknown kind or platform code, or a row to
                be tested or recorded holds a place off the globe, a ``via_third_party``
                other than 0 or 1, a time not in whole microseconds or a report time
                outside the supported range; the rows before it are kept (and counted),
                nothing of it is recorded.
        """
        d = self._detector
        plans_get, places, owner_of = d.plans.get, d.places, d.identities.owners_by_key.get
        why, unattributed, groups = d.identities.unattributed_key, self._unattributed, self._groups
        kinds, platforms, window, days = _KINDS, _PLATFORMS, self._window, london_day_memo()
        answers: dict[tuple[TermEntry, str, str | None, int], bool] = {}
        before, count = self._observed, 0
        for count, row in enumerate(rows, 1):
            # Fields are read by index as they are needed, not all unpacked: most rows are
            # dismissed after reading half of them (each read writes its object's count).
            code, platform = row[2], row[3]
            if code not in kinds or (platform is not None and platform not in platforms):
                self._observed = before + count - 1
                bad = ("kind", code) if code not in kinds else ("platform", platform)
                raise InvalidValueError(bad[0], bad[1], f"incident {row[0]!r}: unknown code")
            who = row[5]
            if who is None:
                key = row[4]
                who = None if key is None else owner_of(key)
                if who is None:
                    unattributed[row[0]] = why(row[0], key)
                    continue
            plan = plans_get(who)
            target = row[6]
            if plan is None:
                if target is not None:
                    reported = row[10]
                    if not _whole_us(row[1]) or not (reported is None or _whole_us(reported)):
                        raise self._refused(row, before + count - 1)
                    t = row[1] / 1_000_000  # one correctly rounded division: epoch(occurred_at)
                    known = t if reported is None else reported / 1_000_000
                    self._target_row(who, None, row[0], target, t, known, code == _THREAT_CODE)
                continue
            route = plan.routes.get(code)
            if route is not None:
                lat, lon = row[8], row[9]
                located = lat is not None and lon is not None
                guard = route[1]
                if guard is not None and not (
                    located
                    and guard[0] <= lat <= guard[1]  # type: ignore[operator]
                    and guard[2] <= lon <= guard[3]  # type: ignore[operator]
                ):
                    route = None  # outside the kind's guard box: no entry applies, no zone near
            bans = None if platform is None else plan.by_platform.get(platform)
            if route is None and bans is None and target is None:
                continue  # nothing to test or record: most rows end here
            if (
                row[8] is not None
                and row[9] is not None
                and not (-90.0 <= row[8] <= 90.0 and -180.0 <= row[9] <= 180.0)
            ):
                # A stored row off the globe (changed outside the library) is refused
                # before anything of it is tested or recorded, whatever reads its place.
                self._observed = before + count - 1
                GeoPoint(row[8], row[9])  # raises InvalidValueError, naming the coordinate
            us = row[1]
            if (row[7] != 0 and row[7] != 1) or type(us) is not int or not _FIRST <= us < _END:
                # Neither 0 nor 1 (SQLite keeps the text 'false' a hand edit puts there,
                # which a truth test reads as true), or a time not whole microseconds in the
                # supported range: refused before anything is recorded.
                raise self._refused(row, before + count - 1)
            t = us / 1_000_000  # one correctly rounded division: epoch(occurred_at)
            view: _View | None = None
            matched: list[TermEntry] | None = None
            watch = False
            if route is not None:
                for e in route[0]:
                    box = e.box
                    if (
                        box is not None
                        and not (
                            located
                            and box[0] <= lat <= box[1]  # type: ignore[operator]
                            and box[2] <= lon <= box[3]  # type: ignore[operator]
                        )
                        and code not in e.exempt
                    ):
                        continue
                    if not (e.lo <= t < e.hi and (e.persons is None or target in e.persons)):
                        continue
                    if e.place_free:
                        # The rule reads only the kind, target and via: its answer for them
                        # is remembered for this call (no view is needed to look it up).
                        asked = (e, code, target, row[7])
                        hit = answers.get(asked)
                        if hit is None:
                            if view is None:
                                view = _View(code, platform, target, row[7], lat, lon)
                            hit = answers[asked] = e.match(e.term, view, places)
                    else:
                        if view is None:
                            view = _View(code, platform, target, row[7], lat, lon)
                        hit = e.match(e.term, view, places)
                    if hit and e.locality is not None:
                        if view is None:
                            view = _View(code, platform, target, row[7], lat, lon)
                        hit = e.locality.covers(view.location)
                    if hit:
                        if matched is None:
                            matched = [e]
                        else:
                            matched.append(e)
                # ``route[2]``: a presence kind (PRESENCE_CODES) and the plan has zones; the
                # zones themselves are tested in ``_watch_point``, after the hits.
                watch = route[2] and located and not row[7]
            if bans is not None:
                for e in bans:
                    if e.lo <= t < e.hi:
                        if e.locality is not None:
                            if view is None:
                                view = _View(code, platform, target, row[7], row[8], row[9])
                            if not e.locality.covers(view.location):
                                continue
                        if matched is None:
                            matched = [e]
                        else:
                            matched.append(e)
            if matched is None and not watch and target is None:
                continue
            iid, reported = row[0], row[10]
            if reported is None:
                known = t
            elif type(reported) is int and _FIRST <= reported < _END:
                known = reported / 1_000_000
            else:
                raise self._refused(row, before + count - 1)
            threat = code == _THREAT_CODE
            if matched is not None:
                # One row, one London-day bucket for all its hits: london_day(t) read from
                # its memo inline (a float key finds the int key of the same value).
                memo = days.get(t // 86_400)
                day = london_day(t) if memo is None else memo[1] if t < memo[0] else memo[2]
                bucket = day // window
                for e in matched:
                    windows = groups.get(e)
                    if windows is None:
                        windows = groups[e] = {}
                    hits = windows.get(bucket)
                    if hits is None:
                        windows[bucket] = [t, iid, known, t < e.served, threat]
                    else:
                        hits += (t, iid, known, t < e.served, threat)  # one call, not five
            if watch:
                point = None if view is None else view.location
                self._watch_point(plan, iid, t, known, lat, lon, point)  # type: ignore[arg-type]
            if target is not None:
                self._target_row(who, plan, iid, target, t, known, threat)
        self._observed = before + count
        return count

    def _hit_row(self, e: TermEntry, iid: str, t: float, known: float, threat: bool) -> None:
        windows = self._groups.get(e)
        if windows is None:
            windows = self._groups[e] = {}
        bucket = london_day(t) // self._window
        hits = windows.get(bucket)
        if hits is None:
            windows[bucket] = [t, iid, known, t < e.served, threat]
        else:
            hits += (t, iid, known, t < e.served, threat)

    def _watch_point(
        self,
        plan: DefendantPlan,
        iid: str,
        t: float,
        known: float,
        lat: float,
        lon: float,
        point: GeoPoint | None,
    ) -> None:
        """Record a presence incident (not made through someone else) near a zone.

        ``point`` is the incident's validated point at ``lat``, ``lon`` if made already;
        otherwise it is made here (validated) when a zone in force needs the exact test.
        """
        watch = self._detector.config.zone_watch_m
        for e, box in plan.zones:
            if box is not None and not (box[0] <= lat <= box[1] and box[2] <= lon <= box[3]):
                continue
            if e.lo <= t < e.hi:
                if point is None:
                    point = GeoPoint(lat, lon)
                if e.locality is not None and not e.locality.covers(point):
                    continue
                outside: float = e.term.zone.distance_outside_m(point)  # type: ignore[attr-defined]
                if outside <= watch:
                    near = self._near_zone.get(e)
                    if near is None:
                        self._near_zone[e] = [t, iid, known, outside]
                    else:
                        near += (t, iid, known, outside)

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
        """Record an incident aimed at ``target``: for escalation, first threats and courses."""
        key = (who, target)
        aimed = self._targeted.get(key)
        if aimed is None:
            self._targeted[key] = [t, iid, known]
        else:
            aimed += (t, iid, known)  # one call, not three (as for hits)
        if plan is None or not plan.protected_at(target, t):
            aimed = self._unprotected.get(key)
            if aimed is None:
                self._unprotected[key] = [t, iid, known]
            else:
                aimed += (t, iid, known)
        if threat:
            seen = (t, iid, known)
            first = self._threats.get(key)
            if first is None or seen[:2] < first[:2]:
                self._threats[key] = seen
