"""A seeded synthetic police force: defendants, orders, protected persons, incidents.

For benchmarks, tests and the demo. Everything is deterministic from the seed
(``random.Random`` seeded with a string, which is stable across processes,
unlike ``hash()``); incidents are *streamed* from a generator, so a million of
them never sit in memory at once.

The shape follows the domain file's scale notes: most defendants have one
order, some an interim order followed by a full one; 5-15 terms an order;
orders fixed for 2 or 3 years or until further order; some unserved, some
discharged, some under appeal, some varied. Incidents come from three feeds
(electronic-monitoring location fixes, online activity on linked accounts, and
reported incidents aimed at a person, including bursts like the 104 messages
in one day), attributed through linked accounts, by an officer directly, or
not at all (accounts nobody has linked yet); see :meth:`SyntheticForce.incidents`.

Nothing here is real: names are ``Defendant 17``, places are random points in
England, handles are ``user17a``.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from typing import Final

import attrs
import pendulum

from spo_tracker.detection._synthetic_compliance import (
    REQUIREMENT_SHARES,
    SIGN_ON_SHARES,
    synthetic_compliance,
)
from spo_tracker.domain.compliance import ComplianceRecord
from spo_tracker.domain.geo import Circle, GeoPoint, Polygon
from spo_tracker.domain.identities import Identity, Platform, handle, phone
from spo_tracker.domain.incidents import Incident, IncidentKind
from spo_tracker.domain.orders import (
    Duration,
    Order,
    OrderKind,
    OrderOrigin,
    OrderState,
    OrderVersion,
    VersionCause,
)
from spo_tracker.domain.people import (
    ChiefOfficer,
    Defendant,
    Force,
    NameUse,
    ProtectedPerson,
    RestrictedDetails,
)
from spo_tracker.domain.statutory_time import DayPeriod, as_london_date, days_beginning_with
from spo_tracker.domain.terms import (
    DeviceBrowsingHistory,
    ExclusionZone,
    Locality,
    NoApproach,
    NoContact,
    NoOnlineReference,
    NoRecordingImages,
    NoSurveillance,
    NoThirdPartyContact,
    PlatformBan,
    PositiveRequirement,
    SignOnSchedule,
    Term,
)

__all__ = [
    "DEFAULT_MIX",
    "REQUIREMENT_SHARES",
    "SIGN_ON_SHARES",
    "SyntheticForce",
    "synthetic_force",
]

_CHIEF: Final = ChiefOfficer(Force("SYN", "Synthetic Constabulary"))
_START: Final = pendulum.datetime(2024, 1, 1, tz="UTC")
_DAYS: Final = 730
_BANNABLE: Final = (
    Platform.INSTAGRAM,
    Platform.FACEBOOK,
    Platform.X,
    Platform.TIKTOK,
    Platform.SNAPCHAT,
    Platform.WHATSAPP,
)
#: Platforms the synthetic orders never ban.
_ALLOWED: Final = (Platform.YOUTUBE, Platform.REDDIT, Platform.LINKEDIN)
#: Shares of incidents by stream: location fixes, online activity, reported incidents.
DEFAULT_MIX: Final = (0.60, 0.30, 0.10)
_MEAN_SIZES: Final = (17.5, 5.5, 4.0)
_KINDS: Final = (
    (IncidentKind.MESSAGE, 30),
    (IncidentKind.CALL, 8),
    (IncidentKind.POST, 8),
    (IncidentKind.ONLINE_ACTIVITY, 9),
    (IncidentKind.EMAIL, 4),
    (IncidentKind.ONLINE_REFERENCE, 5),
    (IncidentKind.SIGHTING, 8),
    (IncidentKind.LOCATION_FIX, 8),
    (IncidentKind.APPROACH, 2),
    (IncidentKind.FOLLOWING, 2),
    (IncidentKind.LOITERING, 2),
    (IncidentKind.MONITORING, 2),
    (IncidentKind.RECORDING_IMAGES, 1),
    (IncidentKind.THIRD_PARTY_CONTACT, 3),
    (IncidentKind.THREAT, 2),
    (IncidentKind.GIFT, 1),
    (IncidentKind.LETTER, 1),
    (IncidentKind.DAMAGE, 1),
    (IncidentKind.DEVICE_HISTORY_DELETED, 3),
)
_KIND_LIST: Final = tuple(k for k, _ in _KINDS)
_KIND_WEIGHTS: Final = tuple(w for _, w in _KINDS)
_ONLINE: Final = frozenset(
    {
        IncidentKind.MESSAGE,
        IncidentKind.POST,
        IncidentKind.ONLINE_ACTIVITY,
        IncidentKind.ONLINE_REFERENCE,
        IncidentKind.THREAT,
    }
)
_LOCATED: Final = frozenset(
    {
        IncidentKind.SIGHTING,
        IncidentKind.LOCATION_FIX,
        IncidentKind.APPROACH,
        IncidentKind.FOLLOWING,
        IncidentKind.LOITERING,
        IncidentKind.DAMAGE,
        IncidentKind.RECORDING_IMAGES,
    }
)


@attrs.frozen
class _Profile:
    """What the incident stream needs to know about one defendant."""

    defendant_id: str
    handles: tuple[Identity, ...]
    allowed: tuple[Identity, ...]
    phones: tuple[Identity, ...]
    persons: tuple[str, ...]
    home: GeoPoint


@attrs.frozen
class SyntheticForce:
    """A generated force: its records, and a stream of incidents on demand.

    Attributes:
        seed: the seed everything was drawn from.
        defendants: every defendant, with linked identities.
        orders: every order (interim and full, in various states).
        protected_persons: every protected person, with a restricted home place.
    """

    seed: int
    defendants: tuple[Defendant, ...]
    orders: tuple[Order, ...]
    protected_persons: tuple[ProtectedPerson, ...]
    _profiles: tuple[_Profile, ...] = attrs.field(repr=False)
    _strangers: tuple[Identity, ...] = attrs.field(repr=False)

    def incidents(
        self, count: int, *, stream: int = 0, mix: tuple[float, float, float] = DEFAULT_MIX
    ) -> Iterator[Incident]:
        """``count`` incidents, deterministic from the force seed, ``stream`` and ``mix``.

        Incidents come in episodes, each one defendant on one day, from three
        feeds a force would take in; ``mix`` gives their shares of incidents
        (default 60 % / 30 % / 10 %):

        - electronic-monitoring location fixes: a track of 5-30 fixes a day within
          a few km of the protected person's home; one track in ten heads towards
          it (closing in);
        - online activity on the defendant's linked accounts (1-10 events), nine
          sessions in ten on an account the order does not ban;
        - reported incidents aimed at a person: 1-12 of mixed kinds (about 3.3 on
          average) and, one episode in a hundred, a burst of 20-120 messages from
          one account (the 104 messages in a day).

        Ids are ``S{stream}-{n}``.
        """
        weights = [share / size for share, size in zip(mix, _MEAN_SIZES, strict=True)]
        total = sum(weights)
        track_p, activity_p = weights[0] / total, (weights[0] + weights[1]) / total
        rng = random.Random(f"spo-synthetic-incidents-{self.seed}-{stream}")
        n = 0
        while n < count:
            profile = rng.choice(self._profiles)
            day = _START.timestamp() + rng.randrange(_DAYS) * 86_400.0
            roll = rng.random()
            if roll < track_p:
                size = min(rng.randint(5, 30), count - n)
                yield from self._track(rng, profile, size, stream, n, day)
            elif roll < activity_p:
                size = min(rng.randint(1, 10), count - n)
                yield from self._activity(rng, profile, size, stream, n, day)
            elif rng.random() < 0.01:
                size = min(rng.randint(20, 120), count - n)
                target = self._target(rng, profile)
                yield from self._burst(rng, profile, size, stream, n, day, target)
            else:
                size = min(1 + int(rng.expovariate(1 / 2.3)), 12, count - n)
                target = self._target(rng, profile)
                for i in range(size):
                    yield self._single(rng, profile, f"S{stream}-{n + i}", day, target)
            n += size

    def compliance(self, *, until: pendulum.DateTime) -> Iterator[ComplianceRecord]:
        """The force's compliance records made by ``until``, deterministic from the seed.

        The defendants comply as a real force's mostly do, so the dated rules
        (:func:`spo_tracker.detection.dated.requirement_alerts`) raise a few alerts,
        not one per scheduled day:

        - sign-on schedules (SPO-R02): on each London day the rule checks (the term
          binds the whole day, the day is on the schedule, it ended by ``until``), a
          sign-on between 09:00 and 17:00 that day with share ``SIGN_ON_SHARES[0]``
          (96 %); with share ``SIGN_ON_SHARES[1]`` (1.5 %) one the next day instead
          (late: the scheduled day counts as missed); with share ``SIGN_ON_SHARES[2]``
          (2.5 %) none. About 4 % of scheduled days are missed (a little less where
          a late sign-on lands on the next scheduled day).
        - positive requirements (SPO-R01): one record by the end of the due day
          (within the three weeks before it, never before the term binds) with share
          ``REQUIREMENT_SHARES[0]`` (90 %), 1-30 days after it (late) with share
          ``REQUIREMENT_SHARES[1]`` (6 %), none with share ``REQUIREMENT_SHARES[2]``
          (4 %).

        Only orders with such terms get records, each against the order's defendant
        and term; records dated after ``until`` are left out. Records are streamed
        order by order (a force's sign-ons run to millions); each term's draws come
        from its own seeded generator, so a later ``until`` only adds records, and
        the records of a term do not depend on the other terms or orders. Ids are
        ``C-{order}-{term}-{day ordinal}`` for sign-ons and ``C-{order}-{term}-due``
        for requirements.

        Raises:
            NaiveDatetimeError: ``until`` has no time zone.
        """
        return synthetic_compliance(self.orders, self.seed, until)

    def _track(
        self, rng: random.Random, profile: _Profile, size: int, stream: int, n: int, day: float
    ) -> Iterator[Incident]:
        start = _near(rng, profile.home, 6_000.0)
        homing = rng.random() < 0.1
        at = day + rng.uniform(0, 40_000.0)
        for i in range(size):
            if homing:
                share = (i + 1) / (size + 1)
                lat = start.lat + (profile.home.lat - start.lat) * share
                lon = start.lon + (profile.home.lon - start.lon) * share
                point = GeoPoint(round(lat, 6), round(lon, 6))
            else:
                point = _near(rng, start, 400.0)
            at += rng.uniform(60.0, 1_500.0)
            yield Incident(
                incident_id=f"S{stream}-{n + i}",
                occurred_at=pendulum.from_timestamp(at),
                kind=IncidentKind.LOCATION_FIX,
                defendant_id=profile.defendant_id,
                location=point,
                reported_at=pendulum.from_timestamp(at + rng.uniform(1.0, 120.0)),
            )

    def _activity(
        self, rng: random.Random, profile: _Profile, size: int, stream: int, n: int, day: float
    ) -> Iterator[Incident]:
        account = rng.choice(profile.allowed if rng.random() < 0.9 else profile.handles)
        for i in range(size):
            at = day + rng.uniform(0, 86_000.0)
            yield Incident(
                incident_id=f"S{stream}-{n + i}",
                occurred_at=pendulum.from_timestamp(at),
                kind=IncidentKind.ONLINE_ACTIVITY,
                actor=account,
                reported_at=pendulum.from_timestamp(at + rng.uniform(60.0, 86_400.0)),
            )

    def _target(self, rng: random.Random, profile: _Profile) -> str | None:
        roll = rng.random()
        if roll < 0.8:
            return rng.choice(profile.persons)
        return f"U{rng.randrange(2_000)}" if roll < 0.9 else None

    def _burst(
        self,
        rng: random.Random,
        profile: _Profile,
        size: int,
        stream: int,
        n: int,
        day: float,
        target: str | None,
    ) -> Iterator[Incident]:
        account = rng.choice(profile.handles)
        for i in range(size):
            at = day + rng.uniform(0, 86_000.0)
            yield Incident(
                incident_id=f"S{stream}-{n + i}",
                occurred_at=pendulum.from_timestamp(at),
                kind=IncidentKind.MESSAGE if rng.random() < 0.95 else IncidentKind.THREAT,
                actor=account,
                target_person_id=target,
                reported_at=pendulum.from_timestamp(at + rng.uniform(0, 2 * 86_400.0)),
            )

    def _single(
        self,
        rng: random.Random,
        profile: _Profile,
        incident_id: str,
        day: float,
        target: str | None,
    ) -> Incident:
        kind = rng.choices(_KIND_LIST, _KIND_WEIGHTS)[0]
        at = day + rng.uniform(0, 86_000.0)
        roll = rng.random()
        actor: Identity | None = None
        defendant_id: str | None = None
        platform: Platform | None = None
        if kind in _LOCATED or roll < 0.10:
            defendant_id = profile.defendant_id if roll > 0.02 else None
        elif roll < 0.20:
            actor = rng.choice(self._strangers)
        elif kind in _ONLINE:
            actor = rng.choice(profile.handles)
        else:
            actor = rng.choice(profile.phones)
            platform = Platform.SMS if kind is IncidentKind.MESSAGE else Platform.PHONE
        return Incident(
            incident_id=incident_id,
            occurred_at=pendulum.from_timestamp(at),
            kind=kind,
            platform=platform,
            actor=actor,
            defendant_id=defendant_id,
            target_person_id=target,
            via_third_party=kind is IncidentKind.THIRD_PARTY_CONTACT,
            location=_near(rng, profile.home, 3_000.0) if kind in _LOCATED else None,
            reported_at=pendulum.from_timestamp(at + rng.uniform(0, 5 * 86_400.0)),
        )


def _near(rng: random.Random, centre: GeoPoint, metres: float) -> GeoPoint:
    """A point up to about ``metres`` from ``centre`` (flat approximation)."""
    dlat = rng.uniform(-metres, metres) / 111_320.0
    dlon = rng.uniform(-metres, metres) / 70_000.0
    return GeoPoint(round(centre.lat + dlat, 6), round(centre.lon + dlon, 6))


def _home(rng: random.Random) -> GeoPoint:
    return GeoPoint(round(rng.uniform(50.8, 53.5), 6), round(rng.uniform(-2.9, 0.2), 6))


def _offset(rng: random.Random, centre: GeoPoint, low_m: float, high_m: float) -> GeoPoint:
    """A point between ``low_m`` and ``high_m`` metres from ``centre``, in a random direction
    (flat approximation, as :func:`_near`)."""
    bearing, distance = rng.uniform(0.0, 2 * math.pi), rng.uniform(low_m, high_m)
    dlat = distance * math.cos(bearing) / 111_320.0
    dlon = distance * math.sin(bearing) / 70_000.0
    return GeoPoint(round(centre.lat + dlat, 6), round(centre.lon + dlon, 6))


def _zone(rng: random.Random, home: GeoPoint) -> Circle | Polygon:
    """A zone that covers the home without pinpointing it (victim safety): its centre is
    280-380 m from the home (inside every circle's radius) and, for a polygon, every corner
    over 300 m from it, so :func:`spo_tracker.domain.safety.exposure_warnings` (250 m by
    default) has nothing to say about it."""
    centre = _offset(rng, home, 280.0, 380.0)
    if rng.random() < 0.75:
        return Circle(centre, rng.choice((400.0, 500.0, 700.0, 900.0)))
    half_lat, half_lon = rng.uniform(0.0045, 0.008), rng.uniform(0.0072, 0.012)
    return Polygon(
        (
            GeoPoint(centre.lat - half_lat, centre.lon - half_lon),
            GeoPoint(centre.lat - half_lat, centre.lon + half_lon),
            GeoPoint(centre.lat + half_lat, centre.lon + half_lon),
            GeoPoint(centre.lat + half_lat, centre.lon - half_lon),
        )
    )


def _term(
    rng: random.Random, index: int, persons: tuple[str, ...], home: GeoPoint, made: pendulum.Date
) -> Term:
    """One term of a type chosen so that each order has a realistic mix."""
    term_id = f"T{index + 1}"
    period = None
    if rng.random() < 0.08:
        period = days_beginning_with(made.add(days=rng.randrange(0, 60)), rng.randrange(90, 500))
    locality = None
    if rng.random() < 0.05:
        locality = Locality(
            "the synthetic county", Circle(_offset(rng, home, 5_000.0, 10_000.0), 25_000.0)
        )
    return attrs.evolve(
        _bare_term(rng, index, term_id, persons, home, made), period=period, locality=locality
    )


def _bare_term(
    rng: random.Random,
    index: int,
    term_id: str,
    persons: tuple[str, ...],
    home: GeoPoint,
    made: pendulum.Date,
) -> Term:
    choice = index if index < 11 else rng.randrange(11)
    if choice == 0:
        return NoContact(persons=persons, term_id=term_id)
    if choice == 1:
        bans = rng.sample(_BANNABLE, rng.randint(1, 3))
        return PlatformBan(platforms=bans, any_social_media=rng.random() < 0.2, term_id=term_id)
    if choice == 2:
        return ExclusionZone(zone=_zone(rng, home), label=f"Zone {index + 1}", term_id=term_id)
    if choice == 3:
        return NoThirdPartyContact(persons=persons, term_id=term_id)
    if choice == 4:
        return NoApproach(
            persons=persons, distance_m=rng.choice((50.0, 100.0, 200.0)), term_id=term_id
        )
    if choice == 5:
        return NoOnlineReference(persons=persons, term_id=term_id)
    if choice == 6:
        return NoSurveillance(persons=persons, term_id=term_id)
    if choice == 7:
        return NoRecordingImages(persons=persons, term_id=term_id)
    if choice == 8:
        return DeviceBrowsingHistory(term_id=term_id)
    if choice == 9:
        return PositiveRequirement(
            requirement="perpetrator_programme",
            description="attend a perpetrator programme assessment",
            due_on=made.add(days=rng.randrange(28, 120)),
            term_id=term_id,
        )
    return SignOnSchedule(station="Central", weekdays=rng.sample(range(7), 2), term_id=term_id)


def _order(
    rng: random.Random,
    order_id: str,
    defendant: str,
    persons: tuple[str, ...],
    home: GeoPoint,
    made_at: pendulum.DateTime,
    kind: OrderKind,
) -> Order:
    made = as_london_date(made_at)
    n_terms = rng.randint(5, 15)
    terms = tuple(_term(rng, i, persons, home, made) for i in range(n_terms))
    duration: Duration | None
    if kind is OrderKind.INTERIM:
        duration = Duration(months=rng.randint(2, 6))
    else:
        duration = rng.choice((Duration(years=2), Duration(years=2), Duration(years=3), None))
    period: DayPeriod | None = None if duration is None else duration.period_from(made)
    versions = [OrderVersion(1, VersionCause.MADE, made, duration, period, terms)]
    if rng.random() < 0.1:
        varied = terms[:-1] if len(terms) > 5 else terms
        versions.append(
            OrderVersion(
                2,
                VersionCause.VARIED,
                made.add(days=rng.randint(30, 200)),
                duration,
                period,
                varied,
            )
        )
    served = None if rng.random() < 0.1 else made_at.add(hours=rng.randint(1, 240))
    return Order(
        order_id=order_id,
        kind=kind,
        origin=OrderOrigin.POLICE_APPLICATION,
        defendant_id=defendant,
        protected_person_ids=persons,
        applicant=_CHIEF,
        court="Synthetic Magistrates' Court",
        made_at=made_at,
        versions=tuple(versions),
        state=OrderState.SERVED if served else OrderState.MADE,
        served_at=served,
        appeal_pending=rng.random() < 0.05,
    )


def _end(order: Order, state: OrderState, at: pendulum.DateTime, reason: str) -> Order:
    return attrs.evolve(order, state=state, ended_at=at, end_reason=reason)


_GIVEN: Final = (
    "Amelia", "Olivia", "Isla", "Ava", "Mia", "Sophia", "Grace", "Lily", "Freya", "Emily",
    "Ivy", "Ella", "Rosie", "Evie", "Florence", "Poppy", "Charlotte", "Willow", "Aisha",
    "Zara", "Priya", "Niamh", "Siobhan", "Agnieszka", "Oliver", "Noah", "Arthur", "Leo",
)  # fmt: skip
_FAMILY: Final = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel",
    "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall",
    "Wood", "Jackson", "Clarke", "Khan", "Hughes", "Edwards", "Begum", "Kowalski", "Murphy",
    "O'Brien", "Nowak", "Okafor", "Ahmed", "Campbell", "Stewart", "Lewis", "Harris",
)  # fmt: skip


def _name(defendant: int, k: int) -> str:
    """A protected person's name, drawn from common ones by position (not from the random
    stream, which decides the incidents): not their id, which a report's own wording
    shows beside the redacted name (the synthetic incidents have no summaries, where a
    force's would name people too)."""
    number = defendant * 2 + k
    return f"{_GIVEN[number % len(_GIVEN)]} {_FAMILY[number // len(_GIVEN) % len(_FAMILY)]}"


def synthetic_force(
    seed: int = 0, *, defendants: int = 10_000, orders: int = 12_000
) -> SyntheticForce:
    """Generate a force with ``defendants`` defendants and ``orders`` orders (5-15 terms each).

    Orders beyond one per defendant are interim orders that ceased when a full
    order replaced them (SPA2019 s.5(6)(b)).
    """
    rng = random.Random(f"spo-synthetic-force-{seed}")
    people, persons_all, profiles, order_list = [], [], [], []
    n_interim = max(0, min(orders - defendants, defendants))
    for d in range(min(defendants, orders)):
        did = f"D{d}"
        persons = tuple(f"P{d}-{k}" for k in range(rng.randint(1, 2)))
        home = _home(rng)
        persons_all += [
            ProtectedPerson(p, _name(d, k), RestrictedDetails(places=(("home", home),)))
            for k, p in enumerate(persons)
        ]
        handles = tuple(
            handle(rng.choice(_BANNABLE), f"user{d}{c}") for c in "ab"[: rng.randint(1, 2)]
        )
        phones = (phone(f"+44770{d:07d}"),)
        made_at = _START.add(days=rng.randint(-400, 500), hours=rng.randint(9, 16))
        if d < n_interim:
            interim = _order(rng, f"O{d}-I", did, persons, home, made_at, OrderKind.INTERIM)
            full_at = made_at.add(days=rng.randint(20, 60))
            order_list.append(_end(interim, OrderState.CEASED, full_at, "main application granted"))
            made_at = full_at
        full = _order(rng, f"O{d}", did, persons, home, made_at, OrderKind.FULL)
        if rng.random() < 0.08:
            full = _end(full, OrderState.DISCHARGED, made_at.add(days=rng.randint(200, 700)), "")
        order_list.append(full)
        # Most defendants keep accounts on platforms their order does not ban.
        allowed_handle = handle(rng.choice(_ALLOWED), f"user{d}c")
        linked = (*handles, allowed_handle, *phones)
        defendant = Defendant(did, (NameUse(f"Defendant {d}"),))
        for identity in linked:
            defendant = defendant.link(identity, made_at.add(days=rng.randint(-30, 300)))
        people.append(defendant)
        profiles.append(_Profile(did, handles, (allowed_handle,), phones, persons, home))
    strangers = tuple(handle(rng.choice(_BANNABLE), f"stranger{i}") for i in range(5_000))
    return SyntheticForce(
        seed, tuple(people), tuple(order_list), tuple(persons_all), tuple(profiles), strangers
    )
