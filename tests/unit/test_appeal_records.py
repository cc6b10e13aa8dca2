"""The appeal attribute of interchange records (format 1.1, SPA2019 s.7): bad values are typed."""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from hypothesis import given

from spo_tracker.domain.appeals import AppealAgainst, Party, PendingAppeal
from spo_tracker.interchange._records import read_appeal, write_appeal
from spo_tracker.interchange._values import FieldError
from tests.interchange.strategies import appeals


@given(appeals() | appeals(on_application=True))
def test_an_appeal_reads_back_as_written(appeal: PendingAppeal) -> None:
    """Every decision s.7 names, every appellant: write then read gives the same appeal
    (its lodging instant comes back in UTC, as the format writes instants)."""
    lodged = appeal.lodged_at
    expected = attrs.evolve(appeal, lodged_at=None if lodged is None else lodged.in_timezone("UTC"))
    assert read_appeal(write_appeal(appeal)) == expected


def test_no_appeal_is_null_and_a_1_0_record_has_none() -> None:
    """An absent or null attribute (a 1.0 file never has one) is no appeal."""
    assert write_appeal(None) is None
    assert read_appeal(None) is None


DEFENDANT = {"role": "defendant", "chief_officer": None}


@pytest.mark.parametrize(
    ("value", "path", "shown"),
    [
        ("making", "attributes.appeal", "'making'"),
        ({"appellant": DEFENDANT, "against": "stay"}, "attributes.appeal.against", "'stay'"),
        ({"appellant": DEFENDANT, "against": "s4_order"}, "attributes.appeal", "None"),
        (
            {"appellant": DEFENDANT, "against": "refusal", "version": 2},
            "attributes.appeal",
            "version=2",
        ),
        (
            {"appellant": {"role": "judge"}, "against": "making"},
            "attributes.appeal.appellant.role",
            "'judge'",
        ),
        (
            {"appellant": {"role": "chief_officer"}, "against": "making"},
            "attributes.appeal.appellant",
            "None",
        ),
        ({"against": "making"}, "attributes.appeal", "None"),
    ],
)
def test_a_malformed_appeal_is_a_field_error_naming_the_value(
    value: Any, path: str, shown: str
) -> None:
    """The path of the bad field and the offending value are in the error."""
    with pytest.raises(FieldError) as caught:
        read_appeal(value)
    assert caught.value.path == path
    assert shown in str(caught.value)


def test_a_chief_officers_appeal_names_the_force() -> None:
    """The party's chief officer is written as an applicant is."""
    officer = read_appeal(
        {
            "appellant": {
                "role": "chief_officer",
                "chief_officer": {"force_code": "20", "force_name": "West Midlands Police"},
            },
            "against": "discharge",
            "on_application_of": DEFENDANT,
        }
    )
    assert officer is not None
    assert officer.appellant.key == "chief-officer:20"
    assert officer.against == AppealAgainst.discharge(on_application_of=Party.defendant())
