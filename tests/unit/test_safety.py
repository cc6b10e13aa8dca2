"""Victim safety: address-like order text is refused, zones drawn on a home are warned about,
and errors about a protected person's whereabouts never quote them."""

from __future__ import annotations

import re

import attrs
import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from spo_tracker.domain.geo import Circle, GeoPoint, Polygon, distance_m
from spo_tracker.domain.lifecycles.making import MadeOrder, make_order, safety_warnings
from spo_tracker.domain.orders import Duration
from spo_tracker.domain.people import (
    STREET_WORDS,
    UNIT_WORDS,
    Address,
    ChiefOfficer,
    Force,
    ProtectedPerson,
    RestrictedDetails,
    address_likeness,
    street_patterns,
)
from spo_tracker.domain.safety import (
    DEFAULT_DISTANCE_M,
    SAFETY_SECTION,
    ExposureRule,
    exposure_warnings,
)
from spo_tracker.domain.terms import (
    ExclusionZone,
    Locality,
    NoContact,
    PositiveRequirement,
    RequirementKind,
    SignOnSchedule,
)
from spo_tracker.errors import InvalidValueError

HOME = GeoPoint(52.4862, -1.8904)
WORK = GeoPoint(52.4790, -1.9020)
LINES = ("12 Acacia Avenue", "Moseley", "Birmingham")
POSTCODE = "B13 9QT"
PERSON = ProtectedPerson(
    "P1",
    "Jane Doe",
    RestrictedDetails(address=Address(LINES, POSTCODE, HOME), places=(("work", WORK),)),
)

_AREAS = ("B", "CV", "WS", "SW", "M", "EC", "DY", "WV")
_NAME_WORD = st.from_regex(r"\A[A-Z][a-z]{2,10}\Z")
_UNIT = st.from_regex(r"\A[A-Z]{2}\Z")


def _secret_digits(point: GeoPoint) -> list[str]:
    """The digits of a coordinate as it could be printed (e.g. '4862' of 52.4862)."""
    return [f"{abs(v):.4f}".split(".")[1] for v in (point.lat, point.lon)]


def _zone(shape: Circle | Polygon, label: str = "Zone A") -> ExclusionZone:
    return ExclusionZone(term_id="T1", zone=shape, label=label)


def _offset(point: GeoPoint, north_m: float, east_m: float = 0.0) -> GeoPoint:
    """A point about ``north_m`` metres north and ``east_m`` east of ``point``."""
    lat = point.lat + north_m / 111_195.0
    lon = point.lon + east_m / (111_195.0 * 0.6087)  # cos(52.5 degrees)
    return GeoPoint(round(lat, 7), round(lon, 7))


# --------------------------------------------------------------------------- address-like text


@st.composite
def house_addresses(draw: st.DrawFn) -> str:
    """A house number, a street name of one to three words and a street word, as written."""
    number = f"{draw(st.integers(1, 9999))}{draw(st.sampled_from(['', 'a', 'B']))}"
    words = draw(st.lists(_NAME_WORD, min_size=1, max_size=3))
    street = draw(st.sampled_from(STREET_WORDS))
    street = draw(st.sampled_from([street, street.upper(), street.lower(), street + "."]))
    comma = draw(st.sampled_from(["", ","]))
    return f"{number}{comma} {' '.join(words)} {street}"


@st.composite
def postcodes(draw: st.DrawFn) -> str:
    """A full UK postcode, spaced or not, in any case."""
    outward = f"{draw(st.sampled_from(_AREAS))}{draw(st.integers(1, 99))}"
    letters = draw(_UNIT)
    inward = f"{draw(st.integers(0, 9))}{letters}"
    text = f"{outward}{draw(st.sampled_from(['', ' ']))}{inward}"
    return draw(st.sampled_from([text, text.lower()]))


_CONTEXT = st.text("abcdefghij ABCDEFGHIJ,'-", max_size=20)


@given(before=_CONTEXT, address=st.one_of(house_addresses(), postcodes()), after=_CONTEXT)
def test_generated_addresses_look_like_addresses_wherever_they_stand(
    before: str, address: str, after: str
) -> None:
    """A house number and street, or a postcode, inside other text is still found."""
    assert address_likeness(f"{before} {address} {after}") is not None


@given(area=st.sampled_from(_AREAS), district=st.integers(1, 99))
def test_a_postcode_district_on_its_own_looks_like_an_address(area: str, district: int) -> None:
    """B13, SW1 and the like name a postcode district."""
    assert address_likeness(f"around {area}{district}") is not None


@given(st.text(min_size=1).filter(lambda t: not any(c.isdigit() for c in t)))
def test_text_without_digits_never_looks_like_an_address(text: str) -> None:
    """No number, no postcode and no house number: a street named alone is allowed."""
    assert address_likeness(text) is None


@pytest.mark.parametrize(
    "label",
    [
        "Zone A",
        "Zone 2",
        "Moseley village centre",
        "the school on Wake Green Road",
        "3 schools on Hill Street",
        "a 5 minute walk from the station",
        "the A38 corridor",
        "the M6 motorway",
        "Area 51",
    ],
)
def test_ordinary_labels_do_not_look_like_addresses(label: str) -> None:
    """Zone names, districts by name, a street without a number, numbers that are not houses."""
    assert address_likeness(label) is None
    assert _zone(Circle(HOME, 500), label).label == label


def test_the_problem_is_described_without_quoting_the_text() -> None:
    """address_likeness says what it found, not where."""
    problem = address_likeness("around 12 Acacia Ave, Moseley B13 9QT")
    assert problem is not None
    assert not any(secret in problem for secret in ("Acacia", "9QT"))


# --------------------------------------------------------------------------- order text refused


@pytest.mark.parametrize(
    "label", ["around 12 Acacia Ave, Moseley B13 9QT", "14 Wren Close", "near B13", "b13 9qt"]
)
def test_an_exclusion_zone_label_that_looks_like_an_address_is_refused_unquoted(
    label: str,
) -> None:
    """A typed error naming the field and the problem; the label itself is withheld."""
    with pytest.raises(InvalidValueError) as raised:
        _zone(Circle(HOME, 500), label)
    assert raised.value.field == "label"
    assert label not in str(raised.value)
    assert not any(part in str(raised.value) for part in ("Acacia", "Wren", "9QT", "9qt"))
    assert "withheld" in str(raised.value)


@given(address=house_addresses())
def test_generated_addresses_are_refused_as_zone_labels_and_locality_names(address: str) -> None:
    """Both are order text the defendant is shown."""
    with pytest.raises(InvalidValueError) as zone:
        _zone(Circle(HOME, 500), f"around {address}")
    with pytest.raises(InvalidValueError) as locality:
        Locality(f"within {address}")
    assert (zone.value.field, locality.value.field) == ("label", "name")
    assert address not in str(zone.value) + str(locality.value)


_NOT_A_UNIT = _NAME_WORD.filter(lambda w: w.lower() not in UNIT_WORDS)


@st.composite
def numbered_names(draw: st.DrawFn) -> str:
    """A house number then a name with no street word: ``7 Kingsway``, ``12 The Acacias``."""
    number = f"{draw(st.integers(1, 9999))}{draw(st.sampled_from(['', 'a', 'B', '-9', '/11']))}"
    words = draw(st.lists(_NOT_A_UNIT, min_size=1, max_size=3))
    comma = draw(st.sampled_from(["", ","]))
    name = " ".join(words)
    return f"{number}{comma} {draw(st.sampled_from([name, name.upper(), 'The ' + name]))}"


_LOWER_CONTEXT = st.text("abcdefghij ,'-", max_size=20)


@given(before=_LOWER_CONTEXT, address=numbered_names(), after=_LOWER_CONTEXT)
def test_a_number_followed_by_a_name_looks_like_an_address(
    before: str, address: str, after: str
) -> None:
    """A street need not end in a street word: "around 7 Kingsway" locates a home."""
    assert address_likeness(f"{before} {address} {after}") is not None


@given(address=numbered_names())
def test_a_number_followed_by_a_name_is_refused_unquoted(address: str) -> None:
    """As a zone label and as a locality name; the error never quotes the text."""
    with pytest.raises(InvalidValueError) as zone:
        _zone(Circle(HOME, 500), f"around {address}")
    with pytest.raises(InvalidValueError) as locality:
        Locality(f"within {address}")
    assert (zone.value.field, locality.value.field) == ("label", "name")
    shown = str(zone.value) + str(locality.value)
    assert address not in shown
    assert not any(word in shown for word in address.split()[1:] if len(word) > 3)


@given(
    number=st.integers(1, 9999),
    # "1 yard" reads as "1 Yard", a street: the street-word rule comes first
    unit=st.sampled_from(sorted(UNIT_WORDS - {w.lower() for w in STREET_WORDS})),
    spelt=st.sampled_from([str.lower, str.upper, str.capitalize]),
    space=st.sampled_from(["", " "]),
    then=st.sampled_from(["", " Radius", " from the Station", " of the School"]),
    before=st.sampled_from(["", "within ", "a ", "Zone A: "]),
)
def test_a_quantity_with_its_unit_is_not_an_address(
    number: int,
    unit: str,
    spelt: object,
    space: str,
    then: str,
    before: str,
) -> None:
    """ "500 m", "5 Minutes", "2 KM Radius", "500m Radius": a distance or a time, not a house."""
    label = f"{before}{number}{space}{spelt(unit)}{then}"  # type: ignore[operator]
    assert address_likeness(label) is None
    assert _zone(Circle(HOME, 500), label).label == label


@given(
    name=st.sampled_from(["Zone", "Area", "zone", "the zone"]),
    number=st.integers(0, 9999),
    after=st.sampled_from(["", " (school run)", " near the park", " by the canal"]),
)
def test_a_numbered_zone_without_a_name_after_it_is_accepted(
    name: str, number: int, after: str
) -> None:
    """ "Zone 2" and "Area 51" are labels: no capitalised word follows the number."""
    label = f"{name} {number}{after}"
    assert address_likeness(label) is None
    assert _zone(Circle(HOME, 500), label).label == label


@pytest.mark.parametrize(
    "label", ["around 7 Kingsway", "7 Kingsway, Moseley", "12 The Acacias", "Flat 3, 7 Kingsway"]
)
def test_the_reviewers_labels_are_refused(label: str) -> None:
    """Streets without a street word, found in review."""
    assert address_likeness(label) == "contains a house number followed by a name"
    with pytest.raises(InvalidValueError):
        _zone(Circle(HOME, 500), label)


# --------------------------------------------------------------------------- restricted errors


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: Address(("12 Acacia Avenue", "   "), POSTCODE), "address.lines[1]"),
        (lambda: Address(("12 Acacia Avenue", 5), POSTCODE), "address.lines[1]"),
        (lambda: Address("12 Acacia Avenue", POSTCODE), "address.lines"),
        (lambda: Address(LINES, 139), "address.postcode"),  # type: ignore[arg-type]
        (lambda: Address(LINES, POSTCODE, (52.4862, -1.8904)), "address.location"),  # type: ignore[arg-type]
        (lambda: RestrictedDetails(places=(("work", (52.4862, -1.8904)),)), "restricted.places[0]"),
        (lambda: RestrictedDetails(places=(("  ", HOME),)), "restricted.places[0].label"),
        (lambda: RestrictedDetails(places=[HOME]), "restricted.places[0]"),
        (lambda: RestrictedDetails(address=LINES), "restricted.address"),  # type: ignore[arg-type]
    ],
)
def test_bad_restricted_details_name_the_field_and_never_the_value(
    build: object, field: str
) -> None:
    """Neither the address text nor a coordinate's digits appear in the error."""
    with pytest.raises(InvalidValueError) as raised:
        build()  # type: ignore[operator]
    assert raised.value.field == field
    shown = f"{raised.value} {raised.value!r} {raised.value.value!r}"
    assert not any(secret in shown for secret in ("Acacia", "139", *_secret_digits(HOME)))


def test_a_blank_address_line_is_called_blank() -> None:
    """Not the misleading 'needs at least one line' the address already has."""
    with pytest.raises(InvalidValueError, match="is blank"):
        Address(("12 Acacia Avenue", ""), POSTCODE)
    with pytest.raises(InvalidValueError, match="needs at least one line"):
        Address((), POSTCODE)


# --------------------------------------------------------------------------- street patterns


@pytest.mark.parametrize(
    "text",
    ["12 Acacia Ave", "12, acacia avenue", "Acacia Rd", "12 ACACIA AVENUE", "no. 12 Acacia"],
)
def test_a_street_of_the_address_is_found_however_it_is_written(text: str) -> None:
    """The house number with the street, or the street with any street word."""
    ((key, pattern),) = street_patterns(Address(LINES, POSTCODE))
    assert key == "acacia"
    assert re.search(pattern, text, re.IGNORECASE)


@pytest.mark.parametrize("text", ["Acacia", "the acacia tree", "Moseley", "12 Oak Avenue"])
def test_the_street_name_alone_or_another_street_is_not_matched(text: str) -> None:
    """Only a number or a street word makes it the street."""
    ((_, pattern),) = street_patterns(Address(LINES, POSTCODE))
    assert not re.search(pattern, text, re.IGNORECASE)


def test_town_lines_give_no_street_pattern() -> None:
    """A line without a house number or street word locates no one."""
    assert street_patterns(Address(("Rose Cottage", "Birmingham"), POSTCODE)) == ()


# --------------------------------------------------------------------------- exposure check


def test_a_circle_centred_on_the_home_is_warned_about_without_coordinates() -> None:
    """The review's case: Circle(home, 300) pinpoints the home."""
    (warning,) = exposure_warnings([_zone(Circle(HOME, 300))], [PERSON])
    assert warning.rule is ExposureRule.ZONE_CENTRE_NEAR_PLACE
    assert (warning.term_id, warning.person_id) == ("T1", "P1")
    assert all(word in warning.message for word in ("T1", "P1", "home"))
    assert not any(d in warning.message for d in _secret_digits(HOME))
    assert "Acacia" not in warning.message


@given(
    north=st.floats(-2000, 2000),
    east=st.floats(-2000, 2000),
    within=st.floats(50, 1000),
)
def test_a_circle_is_warned_about_exactly_when_its_centre_is_near_a_place(
    north: float, east: float, within: float
) -> None:
    """Home or known place, within the configured distance (the oracle: distance_m)."""
    centre = _offset(HOME, north, east)
    warnings = exposure_warnings([_zone(Circle(centre, 600))], [PERSON], distance_m=within)
    near = [p for p in (HOME, WORK) if distance_m(centre, p) <= within]
    assert len(warnings) == len(near)
    assert all(w.rule is ExposureRule.ZONE_CENTRE_NEAR_PLACE for w in warnings)


@given(corner=st.integers(0, 3), gap=st.floats(0, 2 * DEFAULT_DISTANCE_M))
def test_a_polygon_with_a_corner_near_the_home_is_warned_about(corner: int, gap: float) -> None:
    """A corner drawn on (or near) the home pinpoints it; far corners do not."""
    far = [_offset(HOME, n, e) for n, e in ((900, 900), (900, -900), (-900, -900), (-900, 900))]
    ring = list(far)
    ring[corner] = _offset(HOME, gap)
    warnings = exposure_warnings([_zone(Polygon(ring))], [PERSON])
    homes = [w for w in warnings if "home" in w.message]
    expected = distance_m(ring[corner], HOME) <= DEFAULT_DISTANCE_M
    assert len(homes) == int(expected)
    assert all(w.rule is ExposureRule.ZONE_VERTEX_NEAR_PLACE for w in warnings)


def test_a_zone_covering_the_home_without_pinpointing_it_is_not_warned_about() -> None:
    """A circle centred on a public place 600 m away still covers the home: that is its job."""
    zone = _zone(Circle(_offset(HOME, 600), 900))
    assert zone.zone.contains(HOME)
    assert exposure_warnings([zone], [PERSON]) == ()


@pytest.mark.parametrize(
    ("term", "field"),
    [
        (_zone(Circle(_offset(HOME, 2000), 300), "the Acacia Avenue end"), "label"),
        (
            NoContact(
                term_id="T1",
                persons=("P1",),
                locality=Locality("the acacia rd estate"),
            ),
            "locality",
        ),
        (SignOnSchedule(term_id="T1", station="Moseley (b13 9qt)", weekdays=(0,)), "station"),
        (
            PositiveRequirement(
                term_id="T1",
                requirement=RequirementKind.OTHER,
                description="keep away from 12 Acacia Ave",
                due_on=pendulum.Date(2026, 6, 1),
            ),
            "description",
        ),
    ],
)
def test_term_text_naming_the_persons_street_or_postcode_is_warned_about(
    term: object, field: str
) -> None:
    """A street without a number is allowed in a label, but not the person's own street."""
    (warning,) = exposure_warnings([term], [PERSON])  # type: ignore[list-item]
    assert warning.rule is ExposureRule.TEXT_NAMES_ADDRESS
    assert f"its {field}" in warning.message
    assert not any(secret in warning.message.upper() for secret in ("ACACIA", "9QT"))


def test_another_street_or_the_town_in_term_text_is_not_warned_about() -> None:
    """Only the locating lines and the postcode count; 'Birmingham' locates no one."""
    terms = [
        _zone(Circle(_offset(HOME, 2000), 300), "the school on Wake Green Road"),
        SignOnSchedule(term_id="T2", station="Birmingham Central", weekdays=(0,)),
    ]
    assert exposure_warnings(terms, [PERSON]) == ()


def test_persons_without_restricted_details_give_no_warnings() -> None:
    """Nothing to compare with: nothing to warn about."""
    plain = ProtectedPerson("P2", "Someone")
    assert exposure_warnings([_zone(Circle(HOME, 300))], [plain]) == ()


@pytest.mark.parametrize("bad", [-1.0, float("nan"), float("inf"), True, "250"])
def test_a_bad_distance_is_a_typed_error(bad: object) -> None:
    """Names the argument and its value (a distance is not restricted)."""
    with pytest.raises(InvalidValueError) as raised:
        exposure_warnings([], [PERSON], distance_m=bad)  # type: ignore[arg-type]
    assert raised.value.field == "distance_m"


def test_a_person_that_is_not_a_protected_person_is_a_typed_error() -> None:
    """Ids instead of records would silently check nothing."""
    with pytest.raises(InvalidValueError) as raised:
        exposure_warnings([], ["P1"])  # type: ignore[list-item]
    assert raised.value.field == "protected_persons"


# --------------------------------------------------------------------------- making an order


def _make(zone: ExclusionZone, persons: tuple[ProtectedPerson, ...]) -> MadeOrder:
    return make_order(
        order_id="SPO-1",
        kind="full",
        defendant_id="D1",
        protected_person_ids=["P1"],
        applicant=ChiefOfficer(Force("20", "West Midlands Police")),
        court="Birmingham Magistrates' Court",
        made_at=pendulum.datetime(2026, 3, 2, 10, tz="Europe/London"),
        terms=[zone],
        duration=Duration(years=2),
        protected_persons=persons,
    )


def test_make_order_adds_safety_warnings_to_its_open_point_warnings() -> None:
    """A circle on the home is made (a court may order it) but warned about, unquoted."""
    made = _make(_zone(Circle(HOME, 300)), (PERSON,))
    (warning,) = made.warnings
    assert (warning.section, warning.subject) == (SAFETY_SECTION, "T1")
    assert "zone_centre_near_place" in warning.message
    assert not any(d in warning.message for d in _secret_digits(HOME))


def test_make_order_without_protected_persons_or_with_a_safe_zone_warns_nothing() -> None:
    """The check is opt-in, and a zone around a public place passes it."""
    assert _make(_zone(Circle(HOME, 300)), ()).warnings == ()
    assert _make(_zone(Circle(_offset(HOME, 600), 900)), (PERSON,)).warnings == ()


def test_safety_warnings_check_a_varied_orders_current_terms() -> None:
    """A variation's record has no warnings: safety_warnings runs on the varied order."""
    made = _make(_zone(Circle(_offset(HOME, 600), 900)), (PERSON,))
    moved = _zone(Polygon([HOME, _offset(HOME, 900), _offset(HOME, 900, 900)]))
    version = attrs.evolve(made.order.versions[0], terms=(moved,))
    varied = attrs.evolve(made.order, versions=(version,))
    (warning,) = safety_warnings(varied, [PERSON])
    assert "zone_vertex_near_place" in warning.message
