"""Shared Hypothesis strategies for spo_tracker's domain objects.

Every test suite draws its domain values from here, so that an edge case
found once (a DST-change day, 29 February, a concave zone, a platform alias)
is exercised everywhere. Strategies build values through the library's own
validating constructors, so everything they produce is valid; the strategies
for *bad* input (naive datetimes, out-of-range coordinates) are named so.

Times: instants are aware ``pendulum.DateTime`` values in several zones, with
extra weight on the Europe/London clock changes (01:00 UTC on the last Sunday
of March and of October) and on London midnights. Dates are ``pendulum.Date``
with extra weight on clock-change days, 29 February and its neighbours.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import math
from collections.abc import Callable, Sequence
from typing import Final, ParamSpec, TypeVar, cast

import attrs
import pendulum
from hypothesis import strategies as st

from spo_tracker.domain.geo import Circle, GeoPoint, Polygon
from spo_tracker.domain.identities import (
    PLATFORM_ALIASES,
    Identity,
    IdentityKind,
    Platform,
    device,
    email,
    handle,
    phone,
)
from spo_tracker.domain.incidents import Incident, IncidentKind
from spo_tracker.domain.orders import (
    Duration,
    Order,
    OrderKind,
    OrderOrigin,
    OrderVersion,
    VersionCause,
)
from spo_tracker.domain.people import (
    ChiefOfficer,
    Defendant,
    Force,
    LinkedIdentity,
    NameUse,
    ProtectedPerson,
)
from spo_tracker.domain.statutory_time import (
    DayPeriod,
    as_london_date,
    days_beginning_with,
    start_of_london_day,
)
from spo_tracker.domain.terms import (
    TERM_TYPES,
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
    RequirementKind,
    SignOnSchedule,
    Term,
)

__all__ = [
    "MAX_YEAR",
    "MIN_YEAR",
    "TERM_STRATEGIES",
    "ZONES",
    "aware_datetimes",
    "chief_officers",
    "circles",
    "defendants",
    "device_ids",
    "dst_change_days",
    "dst_change_instants",
    "due_from",
    "durations",
    "email_addresses",
    "free_texts",
    "geo_points",
    "handle_names",
    "identities",
    "incidents",
    "instants_on_london_day",
    "last_sunday",
    "leap_days",
    "london_dates",
    "metres_to_degrees",
    "naive_datetimes",
    "not_in_force_spans",
    "order_versions",
    "orders",
    "person_ids",
    "phone_inputs",
    "platform_names",
    "platforms",
    "polygons",
    "protected_persons",
    "terms",
    "uk_points",
]

MIN_YEAR: Final = 2000
MAX_YEAR: Final = 2099

#: Zones with whole, half- and quarter-hour offsets, both hemispheres' DST, and +14:00.
ZONES: Final = (
    "UTC",
    "Europe/London",
    "Europe/Paris",
    "America/New_York",
    "America/St_Johns",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "Pacific/Kiritimati",
    "Pacific/Pago_Pago",
)

P = ParamSpec("P")
R = TypeVar("R")


def _shared(factory: Callable[P, R]) -> Callable[P, R]:
    """Build each strategy once per argument list: composites draw them thousands of times."""
    return cast(Callable[P, R], functools.cache(factory))


# Mean metres per degree of latitude on the library's sphere (EARTH_RADIUS_M).
_M_PER_DEGREE: Final = 6_371_008.8 * math.pi / 180


# --------------------------------------------------------------------------- dates


def last_sunday(year: int, month: int) -> pendulum.Date:
    """The last Sunday of a month: the UK clocks change on it in March and October."""
    last = calendar.monthrange(year, month)[1]
    day = pendulum.Date(year, month, last)
    return day.subtract(days=(day.weekday() - 6) % 7)


@_shared
def _years(min_year: int, max_year: int) -> st.SearchStrategy[int]:
    return st.integers(min_value=min_year, max_value=max_year)


@_shared
def dst_change_days(
    min_year: int = MIN_YEAR, max_year: int = MAX_YEAR
) -> st.SearchStrategy[pendulum.Date]:
    """London clock-change days: the last Sunday of March (23 hours) or October (25)."""
    return st.builds(last_sunday, _years(min_year, max_year), st.sampled_from((3, 10)))


@_shared
def leap_days(
    min_year: int = MIN_YEAR, max_year: int = MAX_YEAR
) -> st.SearchStrategy[pendulum.Date]:
    """29 February of the leap years in range."""
    leap = [y for y in range(min_year, max_year + 1) if calendar.isleap(y)]
    return st.sampled_from(leap).map(lambda y: pendulum.Date(y, 2, 29))


def _near(days: st.SearchStrategy[pendulum.Date]) -> st.SearchStrategy[pendulum.Date]:
    return st.tuples(days, st.integers(-1, 1)).map(lambda pair: pair[0].add(days=pair[1]))


@_shared
def london_dates(
    min_year: int = MIN_YEAR, max_year: int = MAX_YEAR
) -> st.SearchStrategy[pendulum.Date]:
    """Calendar days, weighted towards clock-change days, 29 February and their neighbours."""
    plain = st.dates(dt.date(min_year, 1, 1), dt.date(max_year, 12, 31)).map(
        lambda d: pendulum.Date(d.year, d.month, d.day)
    )
    month_ends = st.builds(
        lambda y, m: pendulum.Date(y, m, calendar.monthrange(y, m)[1]),
        _years(min_year, max_year),
        st.integers(1, 12),
    )
    special = st.one_of(
        dst_change_days(min_year, max_year), leap_days(min_year, max_year), month_ends
    )
    edge = _near(special).filter(lambda d: min_year <= d.year <= max_year)
    return st.one_of(plain, edge)


# --------------------------------------------------------------------------- instants


def _in_zone(instant: dt.datetime, zone: str) -> pendulum.DateTime:
    # Via UTC, so that an ambiguous or imaginary local reading can never shift the instant.
    return pendulum.instance(instant.astimezone(dt.UTC)).in_timezone(zone)


@_shared
def dst_change_instants(
    min_year: int = MIN_YEAR, max_year: int = MAX_YEAR
) -> st.SearchStrategy[pendulum.DateTime]:
    """The exact instants the London clocks change (01:00 UTC on the change days), in UTC."""
    return dst_change_days(min_year, max_year).map(
        lambda d: pendulum.datetime(d.year, d.month, d.day, 1, tz="UTC")
    )


@_shared
def _offsets(max_hours: int) -> st.SearchStrategy[dt.timedelta]:
    return st.one_of(
        st.integers(-1, 1).map(lambda us: dt.timedelta(microseconds=us)),
        st.integers(-max_hours * 3600, max_hours * 3600).map(lambda s: dt.timedelta(seconds=s)),
    )


def aware_datetimes(
    min_year: int = MIN_YEAR,
    max_year: int = MAX_YEAR,
    zones: Sequence[str] = ZONES,
) -> st.SearchStrategy[pendulum.DateTime]:
    """Aware instants in several zones, weighted towards London clock changes and midnights."""
    return _aware_datetimes(min_year, max_year, tuple(zones))


@_shared
def _aware_datetimes(
    min_year: int, max_year: int, zones: tuple[str, ...]
) -> st.SearchStrategy[pendulum.DateTime]:
    zone = st.sampled_from(zones)
    plain = st.datetimes(
        dt.datetime(min_year, 1, 2), dt.datetime(max_year, 12, 30), timezones=st.just(dt.UTC)
    )
    midnights = london_dates(min_year, max_year).map(start_of_london_day)
    anchors = st.one_of(dst_change_instants(min_year, max_year), midnights)
    near = st.builds(lambda a, off: a + off, anchors, _offsets(3))
    return st.builds(_in_zone, st.one_of(plain, near), zone)


@_shared
def naive_datetimes() -> st.SearchStrategy[dt.datetime]:
    """Datetimes without a time zone: always refused by the library."""
    return st.datetimes(dt.datetime(MIN_YEAR, 1, 1), dt.datetime(MAX_YEAR, 12, 31))


@st.composite
def instants_on_london_day(draw: st.DrawFn, day: pendulum.Date) -> pendulum.DateTime:
    """An aware instant (in a drawn zone) that falls on the London calendar day ``day``."""
    start = start_of_london_day(day)
    length_us = (start_of_london_day(day.add(days=1)) - start).total_seconds() * 1_000_000
    offset = draw(
        st.one_of(st.sampled_from((0, int(length_us) - 1)), st.integers(0, int(length_us) - 1))
    )
    instant = start.add(microseconds=offset)
    return instant.in_timezone(draw(st.sampled_from(ZONES)))


# --------------------------------------------------------------------------- places


def metres_to_degrees(metres: float, lat: float) -> tuple[float, float]:
    """Degrees of latitude and of longitude that ``metres`` spans at latitude ``lat``."""
    return metres / _M_PER_DEGREE, metres / (_M_PER_DEGREE * math.cos(math.radians(lat)))


@_shared
def geo_points(
    *,
    lat: tuple[float, float] = (-90.0, 90.0),
    lon: tuple[float, float] = (-180.0, 180.0),
) -> st.SearchStrategy[GeoPoint]:
    """Valid WGS84 points (the whole globe by default, both poles and the antimeridian)."""
    return st.builds(
        GeoPoint,
        st.floats(*lat, allow_nan=False, allow_infinity=False),
        st.floats(*lon, allow_nan=False, allow_infinity=False),
    )


@_shared
def uk_points() -> st.SearchStrategy[GeoPoint]:
    """Points in the box around Great Britain and Northern Ireland, where orders apply."""
    return geo_points(lat=(49.9, 58.7), lon=(-8.2, 1.8))


@_shared
def circles(
    centres: st.SearchStrategy[GeoPoint] | None = None, max_radius_m: float = 50_000
) -> st.SearchStrategy[Circle]:
    """Circles around UK points with radii from 1 m to ``max_radius_m``."""
    return st.builds(
        Circle,
        centres if centres is not None else uk_points(),
        st.floats(1.0, max_radius_m, allow_nan=False),
    )


@st.composite
def polygons(
    draw: st.DrawFn,
    *,
    convex: bool | None = None,
    min_vertices: int = 3,
    max_vertices: int = 12,
    min_radius_m: float = 50,
    max_radius_m: float = 20_000,
) -> Polygon:
    """Simple polygons around a UK centre: convex, or star-shaped and often concave.

    Vertices are at increasing angles about the centre with every angular gap
    under 180 degrees, which keeps the ring simple (no self-crossing). Equal
    radii give a convex polygon; drawn radii usually give a concave one.
    ``convex=None`` draws either. Some rings repeat their first point at the end.
    """
    centre = draw(uk_points())
    count = draw(st.integers(min_vertices, max_vertices))
    step = 2 * math.pi / count
    base = draw(st.floats(0, 2 * math.pi))
    jitters = draw(st.lists(st.floats(-0.2, 0.2), min_size=count, max_size=count))
    angles = [base + step * (i + j) for i, j in enumerate(jitters)]
    is_convex = draw(st.booleans()) if convex is None else convex
    outer = draw(st.floats(min_radius_m, max_radius_m))
    radius = st.just(outer) if is_convex else st.floats(outer * 0.1, outer)
    radii = draw(st.lists(radius, min_size=count, max_size=count))
    ring = [_offset_point(centre, r, a) for r, a in zip(radii, angles, strict=True)]
    if draw(st.booleans()):
        ring.append(ring[0])
    return Polygon(tuple(ring))


def _offset_point(centre: GeoPoint, metres: float, angle: float) -> GeoPoint:
    dlat, dlon = metres_to_degrees(metres, centre.lat)
    return GeoPoint(centre.lat + dlat * math.sin(angle), centre.lon + dlon * math.cos(angle))


# --------------------------------------------------------------------------- identities


@_shared
def platforms() -> st.SearchStrategy[Platform]:
    """Any canonical platform."""
    return st.sampled_from(tuple(Platform))


def _messy_case(draw: st.DrawFn, text: str) -> str:
    flips = draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
    cased = "".join(c.upper() if f else c for c, f in zip(text, flips, strict=True))
    words = cased.split(" ")
    gap = draw(st.sampled_from((" ", "  ", "\t")))
    pad = draw(st.sampled_from(("", " ", "  ")))
    return pad + gap.join(words) + pad


@st.composite
def platform_names(draw: st.DrawFn) -> tuple[str, Platform]:
    """A platform as a user might type it (code, label or alias, any case and spacing).

    Returns:
        ``(name, platform)``: the text and the canonical platform it must give.
    """
    table = [(p.value, p) for p in Platform] + [(p.label, p) for p in Platform]
    table += list(PLATFORM_ALIASES.items())
    name, platform = draw(st.sampled_from(table))
    return _messy_case(draw, name), platform


def _separated(draw: st.DrawFn, digits: str) -> str:
    seps = draw(st.lists(st.sampled_from(("", "", "", " ", "-", ".")), min_size=len(digits)))
    return "".join(d + s for d, s in zip(digits, seps, strict=False)).strip(" -.")


@st.composite
def phone_inputs(draw: st.DrawFn) -> tuple[str, str]:
    """A phone number as written in a report, and its E.164 form.

    UK numbers come as national (``07700 900123``), ``+44``, ``0044``, ``44`` or
    ``+44 (0)`` with spaces, dashes or dots; other countries as ``+`` or ``00``.

    Returns:
        ``(raw, e164)``.
    """
    if draw(st.booleans()):
        national = draw(st.sampled_from(("7", "1", "2", "3"))) + draw(
            st.text("0123456789", min_size=9, max_size=9)
        )
        form = draw(st.sampled_from(("0", "+44", "0044", "44", "+44 (0)")))
        body = _separated(draw, national)
        spacer = "" if form.endswith(")") else draw(st.sampled_from(("", " ", "-")))
        return f"{form}{spacer}{body}", "+44" + national
    country = draw(st.sampled_from(("1", "33", "49", "353", "61", "91")))
    rest = draw(st.text("0123456789", min_size=8, max_size=11))
    prefix = draw(st.sampled_from(("+", "00")))
    return prefix + country + " " + _separated(draw, rest), "+" + country + rest


_LOCAL = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-"
_LABEL = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-"


@_shared
def email_addresses() -> st.SearchStrategy[str]:
    """Plausible ASCII email addresses in mixed case (``local@domain.tld``)."""
    local = st.text(_LOCAL, min_size=1, max_size=30)
    labels = st.lists(st.text(_LABEL, min_size=1, max_size=15), min_size=1, max_size=3)
    tld = st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=2, max_size=6)
    return st.builds(lambda lp, d, t: f"{lp}@{'.'.join(d)}.{t}", local, labels, tld)


@_shared
def handle_names() -> st.SearchStrategy[str]:
    """Valid handles in mixed case, some with a leading ``@``."""
    name = st.text(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-",
        min_size=1,
        max_size=64,
    )
    return st.builds(lambda at, n: at + n, st.sampled_from(("", "@")), name)


@_shared
def device_ids() -> st.SearchStrategy[str]:
    """IMEIs, MAC addresses and serials, in either case."""
    imei = st.text("0123456789", min_size=15, max_size=15)
    mac = st.lists(
        st.text("0123456789abcdefABCDEF", min_size=2, max_size=2), min_size=6, max_size=6
    )
    serial = st.text("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-", min_size=4, max_size=20)
    return st.one_of(imei, mac.map(":".join), serial.filter(lambda s: s.strip() == s))


@_shared
def identities(kind: IdentityKind | None = None) -> st.SearchStrategy[Identity]:
    """Normalised identities of one kind, or of any kind."""
    by_kind: dict[IdentityKind, st.SearchStrategy[Identity]] = {
        IdentityKind.PHONE: phone_inputs().map(lambda pair: phone(pair[0])),
        IdentityKind.EMAIL: email_addresses().map(email),
        IdentityKind.HANDLE: st.builds(handle, platforms(), handle_names()),
        IdentityKind.DEVICE: device_ids().map(device),
    }
    if kind is not None:
        return by_kind[kind]
    return st.one_of(*by_kind.values())


# --------------------------------------------------------------------------- people


@_shared
def person_ids() -> st.SearchStrategy[str]:
    """Protected person ids such as ``P1`` ... ``P9``: few, so that terms share persons."""
    return st.integers(1, 9).map(lambda n: f"P{n}")


_NAMES: Final = st.text(
    "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ'-", min_size=1
).filter(lambda s: bool(s.strip()))


@_shared
def forces() -> st.SearchStrategy[Force]:
    """Police forces (the codes are two-digit force numbers)."""
    return st.builds(
        Force,
        st.integers(1, 99).map(lambda n: f"{n:02d}"),
        st.sampled_from(("West Midlands Police", "Metropolitan Police Service", "Kent Police")),
    )


@_shared
def chief_officers() -> st.SearchStrategy[ChiefOfficer]:
    """Chief officers of police (SPA2019 s.1(1))."""
    return st.builds(ChiefOfficer, forces())


@st.composite
def defendants(draw: st.DrawFn) -> Defendant:
    """Defendants with one to three names, a date of birth and linked identities."""
    names = draw(st.lists(_NAMES, min_size=1, max_size=3, unique=True))
    born = draw(st.one_of(st.none(), london_dates(1950, 2015)))
    linked_at = draw(aware_datetimes(2015, 2030))
    ids = draw(st.lists(identities(), max_size=4, unique=True))
    return Defendant(
        defendant_id=f"D{draw(st.integers(1, 10_000))}",
        names=tuple(NameUse(n) for n in names),
        date_of_birth=born,
        identities=tuple(LinkedIdentity(i, linked_at) for i in ids),
    )


@_shared
def protected_persons() -> st.SearchStrategy[ProtectedPerson]:
    """Protected persons (their restricted details empty)."""
    return st.builds(ProtectedPerson, person_ids(), _NAMES)


# --------------------------------------------------------------------------- terms


@_shared
def _persons() -> st.SearchStrategy[tuple[str, ...]]:
    return st.lists(person_ids(), min_size=1, max_size=3).map(tuple)


@_shared
def _term_ids() -> st.SearchStrategy[str]:
    return st.integers(1, 99).map(lambda n: f"T{n}")


@_shared
def localities() -> st.SearchStrategy[Locality]:
    """Locality limits (SPA2019 s.2(4)), with or without a drawn area."""
    area = st.one_of(st.none(), circles(), polygons())
    return st.builds(Locality, st.sampled_from(("Birmingham", "the West Midlands")), area)


@_shared
def _term_periods() -> st.SearchStrategy[DayPeriod]:
    return st.builds(days_beginning_with, london_dates(2020, 2040), st.integers(1, 3 * 366))


def _with_common(draw: st.DrawFn, term: Term) -> Term:
    """``term`` with a drawn id, and sometimes its own period and a locality."""
    return attrs.evolve(
        term,
        term_id=draw(_term_ids()),
        period=draw(st.one_of(st.none(), _term_periods())),
        locality=draw(st.one_of(st.none(), localities())),
    )


def _person_term(cls: Callable[..., Term]) -> st.SearchStrategy[Term]:
    @st.composite
    def build(draw: st.DrawFn) -> Term:
        return _with_common(draw, cls(term_id="T1", persons=draw(_persons())))

    return build()


_PLATFORM_LISTS: Final = st.lists(
    st.one_of(st.sampled_from(tuple(Platform)), platform_names().map(lambda pair: pair[0])),
    max_size=5,
)
_ZONES: Final = st.one_of(circles(), polygons())
_DISTANCES: Final = st.one_of(st.integers(1, 50_000), st.floats(0.5, 50_000))
_PLACES: Final = st.one_of(st.none(), uk_points())


@st.composite
def _platform_bans(draw: st.DrawFn) -> Term:
    names = draw(_PLATFORM_LISTS)
    any_social = draw(st.booleans()) if names else True
    return _with_common(
        draw, PlatformBan(term_id="T1", platforms=names, any_social_media=any_social)
    )


@st.composite
def _exclusion_zones(draw: st.DrawFn) -> Term:
    zone = draw(_ZONES)
    label = draw(st.sampled_from(("A", "B", "around the school")))
    return _with_common(draw, ExclusionZone(term_id="T1", zone=zone, label=label))


@st.composite
def _no_approaches(draw: st.DrawFn) -> Term:
    distance = draw(_DISTANCES)
    persons = draw(_persons())
    return _with_common(draw, NoApproach(term_id="T1", persons=persons, distance_m=distance))


@st.composite
def _device_histories(draw: st.DrawFn) -> Term:
    return _with_common(draw, DeviceBrowsingHistory(term_id="T1"))


@st.composite
def _requirements(draw: st.DrawFn) -> Term:
    requirement = PositiveRequirement(
        term_id="T1",
        requirement=draw(st.sampled_from(tuple(RequirementKind))),
        description=draw(st.sampled_from(("attend an assessment", "surrender all phones"))),
        due_on=draw(london_dates(2020, 2040)),
        place=draw(_PLACES),
    )
    return _with_common(draw, requirement)


@st.composite
def _sign_ons(draw: st.DrawFn) -> Term:
    schedule = SignOnSchedule(
        term_id="T1",
        station=draw(st.sampled_from(("Birmingham Central", "Lloyd House"))),
        weekdays=draw(st.frozensets(st.integers(0, 6), min_size=1)),
        place=draw(_PLACES),
    )
    return _with_common(draw, schedule)


#: A strategy for every term type, by class; a test checks that it covers TERM_TYPES.
TERM_STRATEGIES: Final[dict[type[Term], st.SearchStrategy[Term]]] = {
    NoContact: _person_term(NoContact),
    NoThirdPartyContact: _person_term(NoThirdPartyContact),
    PlatformBan: _platform_bans(),
    ExclusionZone: _exclusion_zones(),
    NoApproach: _no_approaches(),
    NoOnlineReference: _person_term(NoOnlineReference),
    NoSurveillance: _person_term(NoSurveillance),
    NoRecordingImages: _person_term(NoRecordingImages),
    DeviceBrowsingHistory: _device_histories(),
    PositiveRequirement: _requirements(),
    SignOnSchedule: _sign_ons(),
}


@_shared
def terms(*types: type[Term]) -> st.SearchStrategy[Term]:
    """Terms of the given types (every catalogue type when none is given)."""
    chosen = types or tuple(TERM_TYPES.values())
    return st.one_of(*(TERM_STRATEGIES[cls] for cls in chosen))


@_shared
def _term_lists(max_size: int = 4) -> st.SearchStrategy[tuple[Term, ...]]:
    """Terms with ids T1, T2... unique within the list, as an order needs."""
    return st.lists(terms(), min_size=1, max_size=max_size).map(
        lambda ts: tuple(attrs.evolve(t, term_id=f"T{i}") for i, t in enumerate(ts, start=1))
    )


# --------------------------------------------------------------------------- orders


@_shared
def durations(kind: OrderKind | None = None) -> st.SearchStrategy[Duration]:
    """Fixed periods an order of ``kind`` may state.

    Full orders: at least 2 years (SPA2019 s.3(2)), as years, months or weeks.
    Interim orders: any length (s.5(6)(a)), typically weeks or months.
    """
    full = st.one_of(
        st.builds(Duration, years=st.integers(2, 10)),
        st.builds(Duration, years=st.integers(2, 5), months=st.integers(0, 11)),
        st.builds(Duration, months=st.integers(24, 60)),
        st.builds(Duration, weeks=st.integers(105, 300)),
    )
    interim = st.one_of(
        st.builds(Duration, days=st.integers(1, 120)),
        st.builds(Duration, weeks=st.integers(1, 26)),
        st.builds(Duration, months=st.integers(1, 12)),
    )
    if kind is OrderKind.FULL:
        return full
    if kind is OrderKind.INTERIM:
        return interim
    return st.one_of(full, interim)


@st.composite
def order_versions(
    draw: st.DrawFn,
    *,
    kind: OrderKind,
    made_on: pendulum.Date,
    max_versions: int = 4,
    made_at: pendulum.DateTime | None = None,
) -> tuple[OrderVersion, ...]:
    """Versions 1..n of an order made on ``made_on``: as made, then variations and renewals.

    Later versions are decided on the same day or later, in order, and while
    the order is still running (an expired order cannot be varied or renewed);
    a renewal lengthens a fixed period (still counted from the day made).
    Given ``made_at``, later versions from a drawn one on carry the instant they
    were decided (``decided_at``, in order and not before ``made_at``); those
    before it were recorded without it, as data written before it was kept.
    """
    count = draw(st.integers(1, max_versions))
    fixed = kind is OrderKind.INTERIM or draw(st.booleans())
    duration = draw(durations(kind)) if fixed else None
    day = made_on
    timed_from = count + 1 if made_at is None else draw(st.integers(2, count + 1))
    latest = made_at
    terms_now = due_from(draw(_term_lists()), made_on)
    versions: list[OrderVersion] = []
    for number in range(1, count + 1):
        cause, decided_at = VersionCause.MADE, None
        if number > 1:
            last = None if duration is None else duration.period_from(made_on).last_day
            room = 200 if last is None else min(200, (last - day).in_days())
            day = day.add(days=draw(st.integers(0, room)))
            cause = draw(st.sampled_from(tuple(VersionCause)[1:]))
            if cause is VersionCause.RENEWED and duration is not None:
                duration = attrs.evolve(duration, years=duration.years + 1)
            elif draw(st.booleans()):  # a variation (or appeal) may change the terms
                terms_now = due_from(draw(_term_lists()), day)
            if number >= timed_from and latest is not None:
                decided_at = latest = _time_on(draw, day, not_before=latest)
        period = None if duration is None else duration.period_from(made_on)
        versions.append(
            OrderVersion(number, cause, day, duration, period, terms_now, decided_at=decided_at)
        )
    return tuple(versions)


def _time_on(
    draw: st.DrawFn, day: pendulum.Date, *, not_before: pendulum.DateTime
) -> pendulum.DateTime:
    """An instant on London ``day`` (often midday or the first or last minute), not before
    ``not_before`` (which is on ``day`` or earlier)."""
    start, after = start_of_london_day(day), start_of_london_day(day.add(days=1))
    minutes = int((after - start).total_seconds()) // 60
    offset = draw(st.one_of(st.sampled_from((0, 1, minutes - 1)), st.integers(0, minutes - 1)))
    at = start + dt.timedelta(minutes=offset)
    return at if at.timestamp() >= not_before.timestamp() else not_before


@st.composite
def not_in_force_spans(
    draw: st.DrawFn, made_at: pendulum.DateTime, *, until: pendulum.DateTime | None = None
) -> tuple[tuple[pendulum.DateTime, pendulum.DateTime], ...]:
    """0-2 spans ``[discharged, restored)`` after ``made_at`` (each a discharge quashed on
    appeal, SPA2019 s.7(4)), in order and ending by ``until`` when given."""
    spans = []
    bound = made_at
    for _ in range(draw(st.integers(0, 2))):
        start = bound + dt.timedelta(seconds=draw(st.integers(0, 120 * 86_400)))
        end = start + dt.timedelta(seconds=draw(st.integers(1, 90 * 86_400)))
        if until is not None and end.timestamp() > until.timestamp():
            break
        spans.append((pendulum.instance(start), pendulum.instance(end)))
        bound = end
    return tuple(spans)


def due_from(terms: tuple[Term, ...], day: pendulum.Date) -> tuple[Term, ...]:
    """``terms`` with every positive requirement due no earlier than ``day``, the day the
    version imposing it is decided (a requirement due before it could never be met)."""
    return tuple(
        attrs.evolve(t, due_on=day.add(days=(t.due_on.toordinal() % 400)))
        if isinstance(t, PositiveRequirement) and t.due_on < day
        else t
        for t in terms
    )


@st.composite
def orders(draw: st.DrawFn, *, kind: OrderKind | None = None, max_versions: int = 4) -> Order:
    """Interim or full orders, made at any aware instant, with 1..n versions."""
    which = kind if kind is not None else draw(st.sampled_from(tuple(OrderKind)))
    made_at = draw(aware_datetimes(2020, 2040))
    made_on = as_london_date(made_at)
    versions = draw(
        order_versions(kind=which, made_on=made_on, max_versions=max_versions, made_at=made_at)
    )
    persons = sorted({p for v in versions for t in v.terms for p in getattr(t, "persons", ())})
    return Order(
        order_id=f"SPO-{draw(st.integers(1, 10_000))}",
        kind=which,
        origin=draw(st.sampled_from(tuple(OrderOrigin))),
        defendant_id=f"D{draw(st.integers(1, 100))}",
        protected_person_ids=tuple(persons) or ("P1",),
        applicant=draw(chief_officers()),
        court="Birmingham Magistrates' Court",
        made_at=made_at,
        versions=versions,
    )


# --------------------------------------------------------------------------- incidents

#: What free text may hold: any character but a control (tab and line breaks excepted) or an
#: unpaired surrogate (see spo_tracker.domain.limits).
_FREE_TEXT: Final = st.characters(exclude_categories=("Cs", "Cc"), include_characters="\t\n\r")


def free_texts(max_size: int = 200) -> st.SearchStrategy[str]:
    """Free text the library accepts (summaries, descriptions, notes), blank included."""
    return st.text(_FREE_TEXT, max_size=max_size)


@st.composite
def incidents(draw: st.DrawFn) -> Incident:
    """Incidents of any kind; a handle actor's platform becomes the incident's."""
    actor = draw(st.one_of(st.none(), identities()))
    platform = None
    if actor is None or actor.platform is None:
        platform = draw(st.one_of(st.none(), platforms()))
    return Incident(
        incident_id=f"I{draw(st.integers(1, 10**6))}",
        occurred_at=draw(aware_datetimes(2020, 2040)),
        kind=draw(st.sampled_from(tuple(IncidentKind))),
        platform=platform,
        actor=actor,
        target_person_id=draw(st.one_of(st.none(), person_ids())),
        location=draw(st.one_of(st.none(), uk_points())),
        summary=draw(free_texts()),
    )
