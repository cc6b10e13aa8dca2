"""Folded text at entry: order text disguising an address or carrying coordinates is refused
(or, naming a protected person's street, warned about) however it is spaced or spelt."""

from __future__ import annotations

import unicodedata
from typing import Final

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from spo_tracker.domain.geo import Circle, GeoPoint
from spo_tracker.domain.people import Address, ProtectedPerson, RestrictedDetails
from spo_tracker.domain.safety import ExposureRule, exposure_warnings
from spo_tracker.domain.terms import (
    ExclusionZone,
    Locality,
    NoContact,
    PositiveRequirement,
    RequirementKind,
    SignOnSchedule,
)
from spo_tracker.domain.textfold import (
    CONFUSABLES,
    compact,
    coordinate_spans,
    fold,
    fold_with_origins,
)
from spo_tracker.errors import InvalidValueError

HOME: Final = GeoPoint(52.4862, -1.8904)
PERSON: Final = ProtectedPerson(
    "P1",
    "Jane Doe",
    RestrictedDetails(address=Address(("12 Acacia Avenue", "Moseley"), "B13 9QT", HOME)),
)
#: A zone far from the home, so that only its text can be warned about.
FAR: Final = Circle(GeoPoint(52.5200, -1.8904), 300)
FULL_WIDTH: Final = {chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)}

#: Zone labels that reveal an address or a position however disguised (issue 12, item 6).
DISGUISED_LABELS: Final = {
    "full-width postcode": "near " + "".join(FULL_WIDTH.get(c, c) for c in "B13 9QT"),
    "zwsp in postcode": "near B13\u200b9QT",
    "soft hyphen in postcode": "near B1\u00ad3 9QT",
    "cyrillic postcode": "near В13 9QТ",
    "full-width house number": "near １２ Acacia Avenue",
    "decimal coordinates": "around 52.4862, -1.8904",
    "labelled coordinates": "around lat 52.4862 lon -1.8904",
    "dms coordinates": "around 52°29'10\"N 1°53'25\"W",
}


@pytest.mark.parametrize("label", DISGUISED_LABELS.values(), ids=DISGUISED_LABELS.keys())
def test_a_disguised_address_or_position_is_refused_as_a_zone_label_unquoted(label: str) -> None:
    """A typed error naming the field; the label is withheld, folded or not."""
    with pytest.raises(InvalidValueError) as raised:
        ExclusionZone(term_id="T1", zone=FAR, label=label)
    assert raised.value.field == "label"
    shown = compact(f"{raised.value} {raised.value!r} {raised.value.value!r}")
    assert compact(label) not in shown
    assert not any(s in shown for s in ("acacia", "b139qt", "4862", "8904"))


@pytest.mark.parametrize("label", DISGUISED_LABELS.values(), ids=DISGUISED_LABELS.keys())
def test_a_disguised_address_or_position_is_refused_as_a_locality_name(label: str) -> None:
    """A locality's name is order text the defendant is shown as well."""
    with pytest.raises(InvalidValueError) as raised:
        Locality(label)
    assert raised.value.field == "name"


@pytest.mark.parametrize(
    "text",
    ["meet at 52.4862, -1.8904", "lat 52.4862 lon -1.8904", "52° 29′ 10″ N 1° 53′ 25″ W"],
)
def test_coordinates_in_a_description_or_station_are_refused_unquoted(text: str) -> None:
    """A requirement or a sign-on station names a place; a position pinpoints one."""
    with pytest.raises(InvalidValueError) as description:
        PositiveRequirement(
            term_id="T1",
            requirement=RequirementKind.OTHER,
            description=text,
            due_on=pendulum.Date(2026, 6, 1),
        )
    with pytest.raises(InvalidValueError) as station:
        SignOnSchedule(term_id="T2", station=text, weekdays=(0,))
    for raised, field in ((description, "description"), (station, "station")):
        assert raised.value.field == field
        assert not any(s in str(raised.value) for s in ("4862", "8904", "29′"))


@pytest.mark.parametrize(
    "description",
    [
        "keep away from 12 Aca\u00adcia Ave",
        "keep away from 12 Aca\u200bcia Avenue",
        "keep away from 12 Асасiа Avenue",
        "keep away from Acacia\u00a0Avenue",
        "keep away from B13\u3000\u30009QT",
        "keep away from ＢＩ３ ９ＱＴ".replace("Ｉ", "1"),
    ],
)
def test_a_description_naming_the_persons_street_in_disguise_is_warned_about(
    description: str,
) -> None:
    """The person-aware check folds the text too (on main these passed unwarned)."""
    term = PositiveRequirement(
        term_id="T1",
        requirement=RequirementKind.OTHER,
        description=description,
        due_on=pendulum.Date(2026, 6, 1),
    )
    (warning,) = exposure_warnings([term], [PERSON])
    assert warning.rule is ExposureRule.TEXT_NAMES_ADDRESS
    assert "acacia" not in warning.message.lower()


def test_a_zone_label_naming_the_persons_street_in_disguise_is_warned_about() -> None:
    """A street without a number is allowed in a label, not the person's own, disguised."""
    zone = ExclusionZone(term_id="T1", zone=FAR, label="the Аса\u00adсiа Avenue end")
    (warning,) = exposure_warnings([zone], [PERSON])
    assert warning.rule is ExposureRule.TEXT_NAMES_ADDRESS


@pytest.mark.parametrize(
    "text",
    ["Zone A", "500 m radius", "Birmingham Central", "the A38 at 10:30", "Moseley (B13 9QT)"],
)
def test_ordinary_station_and_label_text_is_accepted(text: str) -> None:
    """A station's public postcode, a distance, a road number, a time are not positions."""
    SignOnSchedule(term_id="T2", station=text, weekdays=(0,))
    if "9QT" not in text:
        NoContact(term_id="T1", persons=("P1",), locality=Locality(text))


_ANY_TEXT: Final = st.text(max_size=40)


@given(_ANY_TEXT)
def test_folding_maps_every_character_back_to_the_original(text: str) -> None:
    """Each folded character comes from a character of the original, in order."""
    folded, origins = fold_with_origins(text)
    assert len(origins) == len(folded)
    assert origins == sorted(origins)
    assert all(0 <= i < len(text) for i in origins)
    assert fold(folded) == folded


@given(st.text("0123456789 .,-:/hmsapt", max_size=30))
def test_text_without_a_decimal_pair_label_or_degree_has_no_coordinates(text: str) -> None:
    """Times, dates, distances and counts are not read as positions."""
    if "." not in text and "a" not in text:
        assert coordinate_spans(text) == []


def test_the_confusables_table_maps_cyrillic_and_greek_letters_to_latin_ones() -> None:
    """Each entry is a Cyrillic or Greek letter and reads as one lower-case Latin letter."""
    for letter, latin in CONFUSABLES.items():
        assert unicodedata.name(letter).startswith(("CYRILLIC", "GREEK")), letter
        assert latin.isascii(), letter
        assert latin.isalpha(), letter
        assert latin.islower(), letter


@given(st.text(max_size=40))
def test_folding_reads_text_and_its_nfkc_form_alike(text: str) -> None:
    """Unicode NFKC changes nothing folding can see."""
    assert fold(unicodedata.normalize("NFKC", text)) == fold(text)
