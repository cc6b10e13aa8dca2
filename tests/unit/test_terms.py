"""The term catalogue: every term type, its plain English, and clashes between orders."""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path

import attrs
import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from spo_tracker.domain.geo import Circle, GeoPoint, Polygon
from spo_tracker.domain.identities import SOCIAL_MEDIA, Platform
from spo_tracker.domain.orders import (
    Order,
    OrderKind,
    OrderOrigin,
    OrderVersion,
    VersionCause,
    check_terms_compatible,
)
from spo_tracker.domain.people import ChiefOfficer, Force
from spo_tracker.domain.statutory_time import days_beginning_with, years_beginning_with
from spo_tracker.domain.terms import (
    CATALOGUE_VERSION,
    TERM_TYPES,
    DeviceBrowsingHistory,
    ExclusionZone,
    Locality,
    NoApproach,
    NoContact,
    PlatformBan,
    PositiveRequirement,
    RequirementKind,
    SignOnSchedule,
    Term,
    TermNature,
    catalogue_examples,
    catalogue_markdown,
    find_incompatibilities,
    term_type,
)
from spo_tracker.errors import (
    IncompatibleTermError,
    InvalidValueError,
    UnknownCodeError,
    UnknownPlatformError,
)
from tests.strategies import TERM_STRATEGIES, circles, polygons, terms, uk_points

DOCS = Path(__file__).resolve().parents[2] / "docs"
BIRMINGHAM = GeoPoint(52.4862, -1.8904)


def all_subclasses(cls: type[Term]) -> set[type[Term]]:
    """Every subclass of ``cls``, however deep."""
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub, *all_subclasses(sub)}
    return found


def placeholders(text: str) -> list[str]:
    """The ``[P1]``-style placeholders left in a rendering."""
    return re.findall(r"\[(P\d+)\]", text)


# --------------------------------------------------------------------------- catalogue


def test_the_catalogue_lists_every_term_type_once() -> None:
    """TERM_TYPES holds every Term subclass, keyed by its own unique code."""
    assert set(TERM_TYPES.values()) == all_subclasses(Term)
    assert all(code == cls.CODE for code, cls in TERM_TYPES.items())
    assert len({cls.CODE for cls in all_subclasses(Term)}) == len(TERM_TYPES)


@pytest.mark.parametrize("cls", list(TERM_TYPES.values()), ids=list(TERM_TYPES))
def test_every_term_type_carries_code_title_and_section(cls: type[Term]) -> None:
    """SPO-P.. for prohibitions (s.1(2)(a)), SPO-R.. for requirements (s.1(2)(b))."""
    letter = "P" if cls.NATURE is TermNature.PROHIBITION else "R"
    assert re.fullmatch(rf"SPO-{letter}\d\d", cls.CODE)
    assert cls.TITLE.strip()
    expected = "(a)" if cls.NATURE is TermNature.PROHIBITION else "(b)"
    section = cls.SECTION
    assert section == f"SPA2019 s.1(2){expected}"


def test_every_term_type_has_a_strategy_and_a_catalogue_example() -> None:
    """A new term type must be added to the shared strategies and the docs page."""
    assert set(TERM_STRATEGIES) == set(TERM_TYPES.values())
    assert set(catalogue_examples()) == set(TERM_TYPES)


@pytest.mark.parametrize("code", list(TERM_TYPES))
def test_term_type_finds_each_code(code: str) -> None:
    """term_type is the catalogue lookup."""
    assert term_type(code) is TERM_TYPES[code]


@pytest.mark.parametrize("code", ["SPO-X99", "spo-p01", "", "P01"])
def test_an_unknown_term_code_is_a_typed_error_naming_it(code: str) -> None:
    """UnknownCodeError names the code and lists the catalogue."""
    with pytest.raises(UnknownCodeError) as err:
        term_type(code)
    assert err.value.value == code
    assert repr(code) in str(err.value)
    assert err.value.known == tuple(sorted(TERM_TYPES))


def test_the_committed_catalogue_page_is_current() -> None:
    """docs/terms.md is exactly what catalogue_markdown() generates (regenerate if not)."""
    committed = (DOCS / "terms.md").read_text(encoding="utf-8")
    assert committed == catalogue_markdown(), (
        "docs/terms.md is stale: .venv/bin/python -c 'from spo_tracker.domain.terms import "
        'catalogue_markdown as m; print(m(), end="")\' > docs/terms.md'
    )


def test_the_catalogue_page_is_in_the_docs_toctree() -> None:
    """The page is reachable from the docs index."""
    index = (DOCS / "index.md").read_text(encoding="utf-8")
    toctree = index.split("{toctree}", 1)[1].split("```", 1)[0]
    assert "terms" in toctree.split()


def test_the_catalogue_page_has_a_row_per_code_with_its_rendering() -> None:
    """Each code appears with its title, section and example rendering."""
    page = catalogue_markdown()
    assert f"Catalogue version {CATALOGUE_VERSION}." in page
    for code, example in catalogue_examples().items():
        row = next(line for line in page.splitlines() if line.startswith(f"| {code} |"))
        assert TERM_TYPES[code].TITLE in row
        assert TERM_TYPES[code].SECTION in row
        assert example.render({"P1": "the protected person"}) in row


# --------------------------------------------------------------------------- rendering


@given(term=terms(), names=st.lists(st.text("ABCDEFGHIJ abcdefghij", min_size=1), min_size=9))
def test_every_term_renders_plain_english_with_names_substituted(
    term: Term, names: list[str]
) -> None:
    """A full sentence; every person named; no placeholder left when all have names."""
    person_names = {f"P{i}": f"<{name}>" for i, name in enumerate(names[:9], start=1)}
    text = term.render(person_names)
    assert text[0].isupper()
    assert text.endswith(".")
    assert placeholders(text) == []
    for pid in getattr(term, "persons", ()):
        assert person_names[pid] in text


@given(term=terms())
def test_a_rendering_without_names_keeps_the_person_ids(term: Term) -> None:
    """Unnamed persons stay as their [id] placeholders, never blank."""
    assert set(placeholders(term.render())) == set(getattr(term, "persons", ()))


@given(term=terms())
def test_period_and_locality_are_stated_in_the_rendering(term: Term) -> None:
    """s.6(d)-(e): the locality and a term's own period appear in its words."""
    text = term.render()
    if term.locality is not None:
        assert f", within {term.locality.name}" in text
    if term.period is not None:
        assert f"from {term.period.first_day} until the end of {term.period.last_day}" in text


def test_names_are_substituted_in_one_pass() -> None:
    """A name that itself looks like a placeholder is not substituted again."""
    term = NoContact(term_id="T1", persons=("P1", "P2"))
    text = term.render({"P1": "Ann [P2]", "P2": "Bob"})
    assert text.startswith("Not to contact Ann [P2] or Bob by any means")


def test_no_approach_renders_its_distance() -> None:
    """Whole metres print without a decimal point."""
    term = NoApproach(term_id="T1", persons=("P1",), distance_m=100.0)
    assert term.render({"P1": "Jane"}) == "Not to approach within 100 metres of Jane."


def test_sign_on_days_are_listed_in_week_order() -> None:
    """Weekdays 0-6 are Monday to Sunday, joined with 'and'."""
    term = SignOnSchedule(term_id="T1", station="Lloyd House", weekdays={4, 0, 2})
    assert term.render() == (
        "To sign on in person at Lloyd House police station every Monday, Wednesday and Friday."
    )


def test_positive_requirement_states_its_due_day() -> None:
    """Due by the end of a London day."""
    term = PositiveRequirement(
        term_id="T1",
        requirement="assessment",
        description="attend an assessment",
        due_on=dt.date(2026, 6, 30),
    )
    assert term.render() == "To attend an assessment by the end of 2026-06-30."
    assert term.due_on == pendulum.Date(2026, 6, 30)
    assert term.requirement is RequirementKind.ASSESSMENT


# --------------------------------------------------------------------------- platform bans


def test_platform_ban_normalises_its_platforms() -> None:
    """twitter, X and x.com are one banned platform."""
    ban = PlatformBan(term_id="T1", platforms=["twitter", "X", "x.com", "FB"])
    assert ban.platforms == frozenset({Platform.X, Platform.FACEBOOK})


@given(
    banned=st.frozensets(st.sampled_from(tuple(Platform))),
    any_social=st.booleans(),
    used=st.one_of(st.none(), st.sampled_from(tuple(Platform))),
)
def test_platform_ban_bans_exactly_its_platforms_or_any_social_media(
    banned: frozenset[Platform], any_social: bool, used: Platform | None
) -> None:
    """bans(p) iff p is named, or p is social media and the ban covers any social media."""
    if not banned and not any_social:
        any_social = True
    ban = PlatformBan(term_id="T1", platforms=banned, any_social_media=any_social)
    expected = used is not None and (used in banned or (any_social and used in SOCIAL_MEDIA))
    assert ban.bans(used) == expected


def test_any_social_media_does_not_ban_phone_sms_email_or_post() -> None:
    """Calls, texts, email and post are not social media (no-contact terms cover them)."""
    ban = PlatformBan(term_id="T1", any_social_media=True)
    assert not any(ban.bans(p) for p in (Platform.PHONE, Platform.SMS, Platform.EMAIL))
    assert ban.render() == "Not to use or hold an account on any social media."


def test_platform_ban_renders_platform_names_as_written() -> None:
    """X (Twitter), TikTok, SMS; 'any other social media' after named platforms."""
    ban = PlatformBan(term_id="T1", platforms=["tiktok", "twitter"], any_social_media=True)
    assert (
        ban.render()
        == "Not to use or hold an account on TikTok, X (Twitter) or any other social media."
    )


@pytest.mark.parametrize(
    ("platforms", "error", "shown"),
    [
        ((), InvalidValueError, "frozenset()"),
        ("twitter", InvalidValueError, "'twitter'"),
        (Platform.X, InvalidValueError, "Platform.X"),
        (["myspace"], UnknownPlatformError, "'myspace'"),
    ],
)
def test_platform_ban_refuses_bad_platforms_naming_them(
    platforms: object, error: type[Exception], shown: str
) -> None:
    """Nothing banned, one bare name (would be split into letters), an unknown platform."""
    with pytest.raises(error, match=re.escape(shown)):
        PlatformBan(term_id="T1", platforms=platforms)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- bad parameters


@pytest.mark.parametrize(
    ("build", "field", "shown"),
    [
        (lambda: NoContact(term_id="T1", persons=()), "persons", "()"),
        (lambda: NoContact(term_id="T1", persons="P1"), "persons", "'P1'"),
        (lambda: NoContact(term_id="T1", persons=["P1", ""]), "persons", "''"),
        (lambda: NoContact(term_id="T1", persons=["P1", 3]), "persons", "3"),  # type: ignore[list-item]
        (lambda: NoContact(term_id=" ", persons=["P1"]), "term_id", "' '"),
        (lambda: NoApproach(term_id="T1", persons=["P1"], distance_m=0), "distance_m", "0"),
        (lambda: NoApproach(term_id="T1", persons=["P1"], distance_m=-5), "distance_m", "-5"),
        (
            lambda: NoApproach(term_id="T1", persons=["P1"], distance_m=50_001),
            "distance_m",
            "50001",
        ),
        (
            lambda: NoApproach(term_id="T1", persons=["P1"], distance_m=math.nan),
            "distance_m",
            "nan",
        ),
        (lambda: NoApproach(term_id="T1", persons=["P1"], distance_m=True), "distance_m", "True"),
        (lambda: ExclusionZone(term_id="T1", zone=BIRMINGHAM, label="A"), "zone", "GeoPoint"),  # type: ignore[arg-type]
        (
            lambda: ExclusionZone(term_id="T1", zone=Circle(BIRMINGHAM, 100), label=""),
            "label",
            "''",
        ),
        (lambda: SignOnSchedule(term_id="T1", station="S", weekdays=[7]), "weekdays", "[7]"),
        (lambda: SignOnSchedule(term_id="T1", station="S", weekdays=[]), "weekdays", "[]"),
        (lambda: SignOnSchedule(term_id="T1", station="S", weekdays=3), "weekdays", "3"),  # type: ignore[arg-type]
        (lambda: SignOnSchedule(term_id="T1", station="S", weekdays=[True]), "weekdays", "[True]"),
        (lambda: SignOnSchedule(term_id="T1", station="", weekdays=[1]), "station", "''"),
        (
            lambda: PositiveRequirement(
                term_id="T1", requirement="assessment", description="x", due_on="2026-01-01"
            ),
            "due_on",
            "'2026-01-01'",
        ),
        (
            lambda: PositiveRequirement(
                term_id="T1", requirement="assessment", description=" ", due_on=dt.date(2026, 1, 1)
            ),
            "description",
            "' '",
        ),
        (lambda: Locality(name=""), "name", "''"),
    ],
)
def test_invalid_term_parameters_raise_naming_the_value(
    build: object, field: str, shown: str
) -> None:
    """Each bad parameter is an InvalidValueError naming its field and value."""
    with pytest.raises(InvalidValueError) as err:
        build()  # type: ignore[operator]
    assert err.value.field == field
    assert shown in str(err.value)


def test_an_unknown_requirement_is_an_unknown_code_error() -> None:
    """The requirement kind is a code from the CPS list."""
    with pytest.raises(UnknownCodeError, match="'yoga'"):
        PositiveRequirement(
            term_id="T1", requirement="yoga", description="attend yoga", due_on=dt.date(2026, 1, 1)
        )


def test_persons_are_sorted_and_deduplicated() -> None:
    """The same persons in any order are the same term."""
    assert NoContact(term_id="T1", persons=["P2", "P1", "P2"]) == NoContact(
        term_id="T1", persons=("P1", "P2")
    )


# --------------------------------------------------------------------------- periods


def test_a_term_shorter_than_two_years_is_flagged_not_refused() -> None:
    """OPEN point (SPA2019 s.3(3)): a short term is a warning."""
    made = pendulum.Date(2026, 3, 2)
    short = DeviceBrowsingHistory(term_id="T1", period=days_beginning_with(made, 365))
    full = DeviceBrowsingHistory(term_id="T2", period=years_beginning_with(made, 2))
    assert short.short_of_two_years(made)
    assert not full.short_of_two_years(made)
    assert not DeviceBrowsingHistory(term_id="T3").short_of_two_years(made)


def test_a_term_applies_only_within_its_own_period() -> None:
    """applies_at follows the term's London-day period."""
    term = DeviceBrowsingHistory(
        term_id="T1", period=days_beginning_with(pendulum.Date(2026, 7, 1), 2)
    )
    assert term.applies_at(pendulum.datetime(2026, 7, 2, 22, 59, tz="UTC"))
    assert not term.applies_at(pendulum.datetime(2026, 7, 2, 23, 0, tz="UTC"))
    assert DeviceBrowsingHistory(term_id="T2").applies_at(pendulum.datetime(2090, 1, 1, tz="UTC"))


# --------------------------------------------------------------------------- incompatibility


def zone(term_id: str, shape: Circle | Polygon) -> ExclusionZone:
    """An exclusion zone term."""
    return ExclusionZone(term_id=term_id, zone=shape, label=term_id)


def sign_on(term_id: str, place: GeoPoint | None) -> SignOnSchedule:
    """A sign-on requirement at ``place``."""
    return SignOnSchedule(term_id=term_id, station="Central", weekdays=[0], place=place)


def test_a_requirement_inside_another_orders_zone_is_incompatible() -> None:
    """Signing on at a station inside the other order's exclusion zone (SPA2019 s.2(7))."""
    existing = [zone("Z1", Circle(BIRMINGHAM, 500))]
    clashes = find_incompatibilities([sign_on("R1", BIRMINGHAM)], existing)
    assert clashes == ["term R1 (Sign-on schedule) requires presence inside exclusion zone Z1 (Z1)"]
    # In the other direction too: a new zone around an existing requirement's place.
    assert find_incompatibilities(existing, [sign_on("R1", BIRMINGHAM)]) == clashes


def test_a_requirement_outside_the_zone_or_without_a_place_is_compatible() -> None:
    """Nothing otherwise: a place outside every zone, or no place, is no clash."""
    far = GeoPoint(52.6, -1.9)
    existing = [zone("Z1", Circle(BIRMINGHAM, 500))]
    assert find_incompatibilities([sign_on("R1", far), sign_on("R2", None)], existing) == []


@given(
    new=st.lists(terms(), max_size=4),
    existing=st.lists(terms(), max_size=4),
    extra_zone=st.one_of(circles(uk_points()), polygons()),
    place_inside=st.booleans(),
)
def test_find_incompatibilities_reports_exactly_the_places_inside_the_other_zones(
    new: list[Term],
    existing: list[Term],
    extra_zone: Circle | Polygon,
    place_inside: bool,
) -> None:
    """One clash per (zone, place) pair across the two orders, and nothing else."""
    existing = [*existing, zone("Zx", extra_zone)]
    if place_inside:  # a sign-on at the zone's centre or on a vertex: always a clash
        at = extra_zone.centre if isinstance(extra_zone, Circle) else extra_zone.ring[0]
        new = [*new, sign_on("Rx", at)]

    def expected(zones: list[Term], places: list[Term]) -> list[tuple[str, str]]:
        return [
            (z.term_id, t.term_id)
            for z in zones
            if isinstance(z, ExclusionZone)
            for t in places
            if isinstance(t, PositiveRequirement | SignOnSchedule)
            and t.place is not None
            and z.zone.contains(t.place)
        ]

    pairs = expected(existing, new) + expected(new, existing)
    clashes = find_incompatibilities(new, existing)
    if place_inside:
        assert any(c.startswith("term Rx (") and "zone Zx (" in c for c in clashes)
    assert len(clashes) == len(pairs)
    for (zone_id, term_id), clash in zip(pairs, clashes, strict=True):
        assert clash.startswith(f"term {term_id} (")
        assert f"exclusion zone {zone_id} (" in clash


def test_check_terms_compatible_names_the_live_order_and_changes_nothing() -> None:
    """IncompatibleTermError carries the other order's id; the inputs are untouched."""
    made_at = pendulum.datetime(2026, 3, 2, 10, tz="Europe/London")
    version = OrderVersion(
        1, VersionCause.MADE, made_at.date(), None, None, (zone("Z1", Circle(BIRMINGHAM, 500)),)
    )
    other = Order(
        "SPO-9",
        OrderKind.FULL,
        OrderOrigin.POLICE_APPLICATION,
        "D1",
        ("P1",),
        ChiefOfficer(Force("20", "West Midlands Police")),
        "Birmingham Magistrates' Court",
        made_at,
        (version,),
    )
    before = attrs.evolve(other)
    with pytest.raises(IncompatibleTermError, match="'SPO-9'") as err:
        check_terms_compatible([sign_on("R1", BIRMINGHAM)], [other])
    assert "SPA2019 s.2(7)" in str(err.value)
    assert other == before
    check_terms_compatible([sign_on("R1", GeoPoint(52.6, -1.9))], [other])
