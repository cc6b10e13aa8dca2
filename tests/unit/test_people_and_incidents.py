"""People (defendants, protected persons, forces) and incidents: validation and behaviour."""

from __future__ import annotations

import calendar
import datetime as dt
import re

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from spo_tracker.domain.geo import GeoPoint
from spo_tracker.domain.identities import Identity, Platform, email, handle, phone
from spo_tracker.domain.incidents import Incident, IncidentKind, parse_kind
from spo_tracker.domain.people import (
    Address,
    AddressPeriod,
    Defendant,
    Force,
    LinkedIdentity,
    NameUse,
    ProtectedPerson,
    RestrictedDetails,
    SexOffenderRegistration,
)
from spo_tracker.errors import InvalidValueError, NaiveDatetimeError, UnknownCodeError
from tests.strategies import aware_datetimes, defendants, identities, incidents, london_dates

AT = pendulum.datetime(2026, 3, 2, 10, tz="Europe/London")
HOME = Address(("1 High Street", "Birmingham"), "B1 1AA")


def defendant(born: dt.date | None = None) -> Defendant:
    """A defendant with one name."""
    return Defendant("D1", names=(NameUse("Sam Example"),), date_of_birth=born)


def eighteenth_birthday(born: dt.date) -> dt.date:
    """Oracle: the 18th anniversary; 29 February turns 18 on 1 March in a common year."""
    year = born.year + 18
    if (born.month, born.day) == (2, 29) and not calendar.isleap(year):
        return dt.date(year, 3, 1)
    return dt.date(year, born.month, born.day)


# --------------------------------------------------------------------------- people


@pytest.mark.parametrize(
    ("build", "field", "shown"),
    [
        (lambda: Force("", "West Midlands Police"), "code", "''"),
        (lambda: Force("20", "   "), "name", "'   '"),
        (lambda: NameUse(""), "name", "<value withheld: personal data>"),  # a name
        (lambda: Defendant("", names=(NameUse("A"),)), "defendant_id", "''"),
        (lambda: Defendant("D1", names=()), "names", "()"),
        (lambda: Defendant("D1", names=("Sam",)), "names", "not a NameUse but a str"),
        (
            lambda: Defendant("D1", names=(NameUse("A"),), date_of_birth="2000-01-01"),
            "date",
            "'2000-01-01'",
        ),
        (lambda: Address((), "B1 1AA"), "address.lines", "()"),
        (lambda: Address(("",), "B1 1AA"), "address.lines[0]", "<value withheld"),
        (
            lambda: AddressPeriod(HOME, dt.date(2024, 5, 1), dt.date(2024, 4, 30)),
            "until_day",
            "Date(2024, 4, 30)",
        ),
        (
            lambda: SexOffenderRegistration(dt.date(2024, 5, 1), dt.date(2024, 1, 1)),
            "final_day",
            "Date(2024, 1, 1)",
        ),
        (
            lambda: LinkedIdentity(phone("07700900123"), dt.datetime(2026, 1, 1)),
            "linked_at",
            "2026",
        ),
        (lambda: ProtectedPerson("P1", ""), "name", "<value withheld"),  # restricted
    ],
)
def test_people_validation_errors_name_the_value(build: object, field: str, shown: str) -> None:
    """Empty ids and names, names not as NameUse, periods ending before they start, naive times."""
    with pytest.raises(InvalidValueError) as err:
        build()  # type: ignore[operator]
    assert err.value.field == field
    assert shown in str(err.value)


def test_an_address_period_may_end_on_the_day_it_starts() -> None:
    """A one-day stay is a valid period; an open-ended one has no until_day."""
    assert AddressPeriod(HOME, dt.date(2024, 5, 1), dt.date(2024, 5, 1)).until_day == (
        pendulum.Date(2024, 5, 1)
    )
    assert AddressPeriod(HOME, dt.date(2024, 5, 1)).until_day is None


@given(identity=identities(), first=aware_datetimes(), second=aware_datetimes())
def test_linking_an_identity_twice_keeps_the_first_link(
    identity: Identity, first: pendulum.DateTime, second: pendulum.DateTime
) -> None:
    """Defendant.link is idempotent: a second link changes nothing, not even the time."""
    once = defendant().link(identity, first)
    assert once.link(identity, second, source="import") == once
    assert [li.identity for li in once.identities] == [identity]
    assert once.identities[0].linked_at == first


@given(subject=defendants(), ids=st.lists(identities(), max_size=6), at=aware_datetimes())
def test_linking_keeps_one_link_per_identity_in_first_seen_order(
    subject: Defendant, ids: list[Identity], at: pendulum.DateTime
) -> None:
    """Linking a list (with repeats) gives each identity once, existing ones first."""
    linked = subject
    for identity in ids + ids:
        linked = linked.link(identity, at)
    expected = list(dict.fromkeys([li.identity for li in subject.identities] + ids))
    assert [li.identity for li in linked.identities] == expected


def test_linking_refuses_a_naive_time() -> None:
    """NaiveDatetimeError naming the value; the defendant is unchanged."""
    subject = defendant()
    with pytest.raises(NaiveDatetimeError, match="2026"):
        subject.link(email("sam@example.com"), dt.datetime(2026, 1, 1, 9))
    assert subject.identities == ()


def test_youth_until_the_day_before_the_18th_birthday() -> None:
    """Born 10 May 2008: youth court on 9 May 2026, adult on 10 May (SPA2019 s.13(1))."""
    subject = defendant(dt.date(2008, 5, 10))
    assert subject.is_youth_on(dt.date(2026, 5, 9))
    assert not subject.is_youth_on(dt.date(2026, 5, 10))


def test_born_on_29_february_turns_18_on_1_march_in_a_common_year() -> None:
    """The library's 29 February convention: a youth on 28 February 2026, adult on 1 March."""
    subject = defendant(dt.date(2008, 2, 29))
    assert subject.is_youth_on(dt.date(2026, 2, 28))
    assert not subject.is_youth_on(dt.date(2026, 3, 1))


@given(born=london_dates(1950, 2015))
def test_youth_ends_exactly_at_the_18th_birthday(born: pendulum.Date) -> None:
    """Under 18 the day before the 18th birthday, not on it (independent oracle)."""
    birthday = eighteenth_birthday(born)
    subject = defendant(born)
    assert subject.is_youth_on(birthday - dt.timedelta(days=1))
    assert not subject.is_youth_on(birthday)


def test_without_a_date_of_birth_a_defendant_is_not_treated_as_a_youth() -> None:
    """Unknown age: the adult court (the application states the age if known)."""
    assert not defendant().is_youth_on(dt.date(2026, 1, 1))


def test_is_youth_on_refuses_a_datetime() -> None:
    """A day, not an instant."""
    with pytest.raises(InvalidValueError, match="expected a calendar date"):
        defendant(dt.date(2008, 5, 10)).is_youth_on(AT)


def test_a_protected_persons_whereabouts_never_appear_in_its_repr() -> None:
    """The restricted compartment is left out of repr and str."""
    secret = RestrictedDetails(
        address=Address(("9 Secret Lane",), "B2 2BB", GeoPoint(52.4, -1.9)),
        places=(("work", GeoPoint(52.5, -1.8)),),
    )
    person = ProtectedPerson("P1", "Alex", secret)
    for text in (repr(person), str(person), repr(secret)):
        assert "Secret" not in text
        assert "52.4" not in text


# --------------------------------------------------------------------------- incidents


def incident(**changes: object) -> Incident:
    """A message incident with the given changes."""
    fields: dict[str, object] = {"incident_id": "I1", "occurred_at": AT, "kind": "message"}
    fields.update(changes)
    return Incident(**fields)  # type: ignore[arg-type]


@given(name=st.sampled_from(["twitter", "Twitter", "x.com", "X"]))
def test_an_incident_platform_comes_from_the_acting_handle(name: str) -> None:
    """A handle on twitter makes the incident's platform X."""
    event = incident(actor=handle(name, "@Someone"))
    assert event.platform is Platform.X


def test_an_incident_platform_may_be_given_by_alias() -> None:
    """'fb' is Facebook; a phone actor does not set a platform."""
    assert incident(platform="fb").platform is Platform.FACEBOOK
    assert incident(actor=phone("07700900123")).platform is None
    assert incident(actor=phone("07700900123"), platform="sms").platform is Platform.SMS


def test_a_platform_that_contradicts_the_handle_is_refused() -> None:
    """An X handle cannot have acted on Instagram: a typed error naming the platform."""
    with pytest.raises(InvalidValueError, match=re.escape("platform=<Platform.INSTAGRAM")) as err:
        incident(platform="instagram", actor=handle("x", "someone"))
    assert "handle:x:someone" in str(err.value)
    assert incident(platform="twitter", actor=handle("x", "someone")).platform is Platform.X


@pytest.mark.parametrize("kind", ["texting", "", "MESSAGE", 3])
def test_an_unknown_incident_kind_raises_naming_it(kind: object) -> None:
    """UnknownCodeError lists the known kinds."""
    with pytest.raises(UnknownCodeError) as err:
        incident(kind=kind)
    assert err.value.value == kind
    assert "message" in err.value.known


@pytest.mark.parametrize("kind", list(IncidentKind))
def test_every_incident_kind_parses_from_its_code(kind: IncidentKind) -> None:
    """parse_kind accepts the code or the member."""
    assert parse_kind(kind.value) is kind
    assert parse_kind(kind) is kind


@pytest.mark.parametrize("field", ["occurred_at", "reported_at"])
def test_incident_times_must_be_aware_and_errors_name_the_field(field: str) -> None:
    """A naive occurred_at or reported_at is a NaiveDatetimeError naming that field."""
    with pytest.raises(NaiveDatetimeError, match=f"^{field}=") as err:
        incident(**{field: dt.datetime(2026, 3, 2, 10)})
    assert err.value.field == field


def test_an_incident_needs_an_id_and_a_bounded_summary() -> None:
    """An empty id is refused, naming the value; a summary over 10,000 characters is refused
    without quoting it (free text may hold an address)."""
    with pytest.raises(InvalidValueError, match="incident_id=''"):
        incident(incident_id="")
    with pytest.raises(InvalidValueError, match="summary=<value withheld") as raised:
        incident(summary="x" * 10_001)
    assert "xxxx" not in str(raised.value)


@given(event=incidents())
def test_generated_incidents_keep_an_aware_time_and_a_known_kind(event: Incident) -> None:
    """Strategy check: aware timestamps, a handle actor's platform on the incident."""
    assert event.occurred_at.tzinfo is not None
    assert isinstance(event.kind, IncidentKind)
    if event.actor is not None and event.actor.platform is not None:
        assert event.platform is event.actor.platform


_LINKED = pendulum.datetime(2026, 1, 1, tz="Europe/London")


@pytest.mark.parametrize(
    "build",
    [
        lambda: NameUse("Zebedee\tQuillan"),
        lambda: Defendant("D1", names=("Zebedee Quillan",)),
        lambda: Defendant("D1", names="Zebedee Quillan"),
        lambda: Defendant("D1", names=(NameUse("A"),), addresses=("14 Wren Close, B17 0QT",)),
        lambda: Defendant("D1", names=(NameUse("A"),), identities=("07700 900123 Zebedee",)),
        lambda: LinkedIdentity(phone("07700900123"), _LINKED, "Zebedee Quillan\x07, 14 Wren"),
        lambda: Incident("I1", _LINKED, "message", location=(52.4589, -1.9546)),  # type: ignore[arg-type]
        lambda: Incident("I1", _LINKED, "message", actor="+447700900123 Zebedee"),  # type: ignore[arg-type]
        lambda: Incident("I1", _LINKED, "message", evidence_refs=("CCTV 14 Wren Close\x01",)),
        lambda: GeoPoint(152.4589, -1.9546),
    ],
)
def test_a_refused_personal_value_is_never_quoted(build: object) -> None:
    """A defendant's name, address, identity or link source, a position, an actor or an
    evidence reference refused: the error names the field and what is wrong, never the
    value (a hostile review, 7 December 2026)."""
    with pytest.raises(InvalidValueError) as err:
        build()  # type: ignore[operator]
    for secret in ("Zebedee", "Quillan", "Wren", "B17", "900123", "52.4589", "1.9546"):
        assert secret not in str(err.value)
        assert secret not in repr(err.value)
