"""One input boundary: every public constructor and the record intake refuse a bad value with
a typed error naming the field, and read an aware datetime by its own UTC offset."""

from __future__ import annotations

import contextlib
import datetime as dt
import math
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from spo_tracker.detection.intake import INCIDENT_FIELDS, incident_from_record
from spo_tracker.domain.alerts import Alert
from spo_tracker.domain.compliance import ComplianceRecord
from spo_tracker.domain.geo import Circle, GeoPoint, Polygon
from spo_tracker.domain.identities import Identity, device, email, handle, phone
from spo_tracker.domain.incidents import Incident
from spo_tracker.domain.limits import (
    ID_MAX_LENGTH,
    INSTANT_MAX,
    INSTANT_MIN,
    LONG_TEXT_MAX_LENGTH,
    SHORT_TEXT_MAX_LENGTH,
)
from spo_tracker.domain.notification import NotificationDuty
from spo_tracker.domain.orders import Duration, Order, OrderVersion
from spo_tracker.domain.people import (
    Address,
    AddressPeriod,
    ChiefOfficer,
    Defendant,
    Force,
    LinkedIdentity,
    NameUse,
    ProtectedPerson,
    RestrictedDetails,
    SexOffenderRegistration,
)
from spo_tracker.domain.statutory_time import DayPeriod, ensure_aware
from spo_tracker.domain.terms import TERM_TYPES, Locality
from spo_tracker.errors import InvalidValueError, SpoTrackerError
from tests import strategies
from tests.storage import builders

LONDON = ZoneInfo("Europe/London")
AT = pendulum.datetime(2026, 3, 1, 12, tz="Europe/London")
GOOD: dict[str, Any] = {"incident_id": "I-1", "occurred_at": AT, "kind": "message"}

# --- time: a stdlib datetime is read by its own utcoffset() --------------------------------


@pytest.mark.parametrize(
    ("fold", "utc_hour", "utc_minute"),
    [(0, 1, 30), (1, 0, 30)],
)
def test_a_wall_time_in_the_spring_gap_is_the_instant_its_offset_gives(
    fold: int, utc_hour: int, utc_minute: int
) -> None:
    """In the spring gap: 01:30 on 29 March 2026 does not exist in London; PEP 495 reads fold=0
    with the offset before the gap (GMT: 01:30 UTC) and fold=1 with the one after (00:30 UTC)."""
    given_at = dt.datetime(2026, 3, 29, 1, 30, tzinfo=LONDON, fold=fold)
    incident = Incident("I-1", given_at, "message")
    assert incident.occurred_at.in_timezone("UTC") == pendulum.datetime(
        2026, 3, 29, utc_hour, utc_minute, tz="UTC"
    )


_AROUND_CHANGES = st.builds(
    lambda day, minutes, fold: (
        dt.datetime.combine(day, dt.time(0), tzinfo=LONDON).replace(fold=fold)
        + dt.timedelta(minutes=minutes)
    ),
    strategies.dst_change_days(1970, 2100),
    st.integers(-180, 180 + 24 * 60),
    st.sampled_from([0, 1]),
)


@given(at=_AROUND_CHANGES)
def test_a_london_zoneinfo_datetime_keeps_its_instant(at: dt.datetime) -> None:
    """Around both clock changes, gap and repeated hour, either fold: the instant stored is
    ``dt - dt.utcoffset()``, through ensure_aware and through an Incident."""
    offset = at.utcoffset()
    assert offset is not None
    expected = at.replace(tzinfo=None) - offset
    for converted in (ensure_aware(at, field="at"), Incident("I-1", at, "message").occurred_at):
        assert converted.in_timezone("UTC").naive() == expected


@pytest.mark.parametrize(
    ("instant", "accepted"),
    [
        (INSTANT_MIN, True),
        (INSTANT_MIN - dt.timedelta(microseconds=1), False),
        (INSTANT_MAX - dt.timedelta(microseconds=1), True),
        (INSTANT_MAX, False),
        (dt.datetime(1900, 1, 1, 0, 30, tzinfo=dt.timezone(dt.timedelta(hours=1))), False),
        (dt.datetime(1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=1))), False),
        (dt.datetime(9999, 12, 31, 23, tzinfo=dt.timezone(dt.timedelta(hours=-5))), False),
        (pendulum.datetime(1899, 12, 31, 23, 30, tz="UTC"), False),
        (pendulum.datetime(1899, 12, 31, 23, 30, tz="UTC").in_timezone("Asia/Tokyo"), False),
        (pendulum.datetime(2199, 12, 31, 23, 30, tz="UTC").in_timezone("Asia/Tokyo"), True),
    ],
)
def test_instants_are_accepted_exactly_within_the_range(
    instant: dt.datetime, accepted: bool
) -> None:
    """1900-01-01T00:00Z included to 2200-01-01T00:00Z excluded, whatever the zone."""
    if accepted:
        assert Incident("I-1", instant, "message").occurred_at == instant
        return
    with pytest.raises(InvalidValueError, match="outside the supported range") as err:
        Incident("I-1", instant, "message")
    assert err.value.field == "occurred_at"


# --- the classes of bad input an incident must refuse ----------------------------------------

#: (field, value) refused by Incident and by incident_from_record, with the field named.
BAD_INCIDENT_VALUES: list[tuple[str, object]] = [
    ("summary", None),
    ("summary", 7),
    ("summary", "x" * (LONG_TEXT_MAX_LENGTH + 1)),
    ("summary", "bad \ud800 surrogate"),
    ("summary", "a\x00b"),
    ("summary", "bell \x07"),
    ("defendant_id", 123),
    ("defendant_id", 1.5),
    ("defendant_id", True),
    ("defendant_id", ""),
    ("defendant_id", "   "),
    ("defendant_id", "D\x00"),
    ("defendant_id", "D\n1"),
    ("defendant_id", "D\x85"),
    ("defendant_id", "x" * (ID_MAX_LENGTH + 1)),
    ("defendant_id", "x" * 10_000_000),
    ("defendant_id", "D\udfff"),
    ("incident_id", 10**5000),
    ("incident_id", math.nan),
    ("incident_id", ["I-1"]),
    ("target_person_id", ["P1"]),
    ("target_person_id", {"id": "P1"}),
    ("location", (52, -1)),
    ("location", "52,-1"),
    ("via_third_party", "no"),
    ("via_third_party", 1),
    ("via_third_party", None),
    ("evidence_refs", "EX/1"),
    ("evidence_refs", 5),
    ("evidence_refs", ["EX/1", None]),
    ("evidence_refs", ["EX/1", ""]),
    ("evidence_refs", ["x" * (SHORT_TEXT_MAX_LENGTH + 1)]),
    ("evidence_refs", ["EX"] * 101),
    ("occurred_at", "2026-03-01T12:00:00+00:00"),  # text: the record intake reads it, not Incident
    ("occurred_at", 1_700_000_000),
    ("occurred_at", math.inf),
    ("occurred_at", dt.datetime(1, 1, 1, tzinfo=dt.UTC)),
    ("reported_at", dt.datetime(2300, 1, 1, tzinfo=dt.UTC)),
    ("reported_at", dt.datetime(2026, 1, 1)),
    ("platform", 10**5000),
    ("platform", ["x"]),
    ("actor", "handle:x:someone"),
    ("kind", 10**5000),
    ("kind", None),
]


_BAD_IDS = [f"{field}-{n}" for n, (field, _) in enumerate(BAD_INCIDENT_VALUES)]


@pytest.mark.parametrize(("field", "value"), BAD_INCIDENT_VALUES, ids=_BAD_IDS)
def test_incident_refuses_a_bad_value_naming_the_field(field: str, value: object) -> None:
    """A wrong type, NaN, inf, bool for int, a surrogate, a control, over-long text: typed."""
    if field == "occurred_at" and isinstance(value, str):
        value = dt.datetime(2026, 3, 1, 12)  # naive, the constructor's version of this case
    with pytest.raises(InvalidValueError) as err:
        Incident(**{**GOOD, field: value})
    assert err.value.field.split(".")[0].split("[")[0] in {field, "record", "platform"}
    assert len(str(err.value)) < 1_000  # a 10 MB id is not echoed whole


@pytest.mark.parametrize(("field", "value"), BAD_INCIDENT_VALUES, ids=_BAD_IDS)
def test_incident_from_record_refuses_a_bad_value_naming_the_field(
    field: str, value: object
) -> None:
    """The same values from a record; an ISO string without an offset is naive there; a pair
    of coordinates is a documented form of location there, so three are given instead."""
    if field == "location" and isinstance(value, tuple):
        value = (52, -1, 0)
    if field == "occurred_at" and isinstance(value, str):
        value = "2026-03-01T12:00:00"
    record = {**GOOD, field: value}
    if value is None and field not in {"incident_id", "occurred_at", "kind"}:
        record[field] = math.nan  # None is "no value" in a record; a table's empty cell is not
    with pytest.raises(InvalidValueError) as err:
        incident_from_record(record)
    assert err.value.field.split(".")[0].split("[")[0] in {field, "record", "platform"}


@pytest.mark.parametrize(
    "field", sorted(INCIDENT_FIELDS - {"incident_id", "occurred_at", "kind", "via_third_party"})
)
def test_an_empty_table_cell_is_refused_naming_the_field(field: str) -> None:
    """pandas writes NaN for an empty cell: refused by name (give None for no value)."""
    with pytest.raises(InvalidValueError, match="empty cell") as err:
        incident_from_record({**GOOD, field: math.nan})
    assert err.value.field == field


def test_a_record_with_keys_that_are_not_text_is_refused() -> None:
    """Mixed key types cannot even be sorted: still a typed error naming them."""
    with pytest.raises(InvalidValueError, match="unknown fields"):
        incident_from_record({**GOOD, 1: "x", None: "y"})  # type: ignore[dict-item]


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: ProtectedPerson("P1", "Jane\x00Doe"), "name"),
        (lambda: ProtectedPerson("P1", "Jane \ud800"), "name"),
        (lambda: ProtectedPerson("P1", "J" * 201), "name"),
        (lambda: Address(("3 Safe\x00House Lane",), "B15 2TT"), "address.lines[0]"),
        (lambda: Address(("3 Safe House Lane",), "B15 2TT\x07"), "address.postcode"),
        (lambda: Address(("3 Safe House Lane",), "B15 2TT" * 5), "address.postcode"),
        (lambda: Address(("3 Safe House Lane",) * 11, "B15 2TT"), "address.lines"),
        (
            lambda: RestrictedDetails(places=(("Safe\x00House", GeoPoint(52.45, -1.93)),)),
            "restricted.places[0].label",
        ),
    ],
)
def test_restricted_values_are_refused_by_field_only(
    build: Callable[[], object], field: str
) -> None:
    """A protected person's name, address or place: the field and the problem, never the value."""
    with pytest.raises(InvalidValueError) as err:
        build()
    assert err.value.field == field
    for text in ("Jane", "Safe", "B15", "JJJ"):
        assert text not in str(err.value)


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: GeoPoint(math.nan, 0), "latitude"),
        (lambda: GeoPoint(0, math.inf), "longitude"),
        (lambda: GeoPoint(True, 0), "latitude"),
        (lambda: GeoPoint(10**5000, 0), "latitude"),
        (lambda: Duration(years=10**5000), "years"),
        (lambda: Duration(years=True), "years"),
        (lambda: Duration(months=1.5), "months"),  # type: ignore[arg-type]
        (lambda: Defendant("D1", names="Sam"), "names"),
        (lambda: Defendant("D1", names=(NameUse("Sam"),), addresses="home"), "addresses"),
        (
            lambda: Defendant("D1", names=(NameUse("Sam"),), soa_registration="yes"),  # type: ignore[arg-type]
            "soa_registration",
        ),
        (lambda: Force("x" * 33, "West Midlands"), "code"),
        (lambda: ChiefOfficer("West Midlands"), "force"),  # type: ignore[arg-type]
        (lambda: LinkedIdentity("phone", AT), "identity"),  # type: ignore[arg-type]
        (lambda: Identity("phone", "+447700900123"), "kind"),  # type: ignore[arg-type]
        (lambda: phone(447700900123), "phone"),  # type: ignore[arg-type]
        (lambda: email(None), "email"),  # type: ignore[arg-type]
        (lambda: email("a\x00@b.com"), "email"),
        (lambda: handle("x", ["someone"]), "handle"),  # type: ignore[arg-type]
        (lambda: device(10**5000), "device"),  # type: ignore[arg-type]
    ],
)
def test_other_constructors_refuse_wrong_types_naming_the_field(
    build: Callable[[], object], field: str
) -> None:
    """NaN, inf, bool for a number, a 5,000-digit integer, a string for a sequence: typed."""
    with pytest.raises(InvalidValueError) as err:
        build()
    assert err.value.field == field
    assert len(str(err.value)) < 1_000


# --- any value at all: only SpoTrackerError ------------------------------------------------

_HOSTILE_VALUES: list[object] = [
    10**5000,
    math.nan,
    math.inf,
    -math.inf,
    "\ud800",
    "a\x00b",
    "x" * (LONG_TEXT_MAX_LENGTH + 1),
    "",
    " ",
    True,
    -1,
    0,
    2**63,
]
# Drawn by index: Hypothesis shows a strategy's values, and a 5,000-digit int has no repr.


def _hostile(index: int) -> object:
    return _HOSTILE_VALUES[index]


_HOSTILE = st.integers(0, len(_HOSTILE_VALUES) - 1).map(_hostile)
_DOMAIN_VALUES = st.sampled_from(
    [
        AT,
        dt.datetime(2026, 3, 29, 1, 30, tzinfo=LONDON),
        dt.datetime(1, 1, 1, tzinfo=dt.UTC),
        dt.date(2026, 3, 1),
        GeoPoint(52.48, -1.9),
        phone("07700900123"),
        builders.incident("I-1"),
        DayPeriod(dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
    ]
)
_JSON: st.SearchStrategy[Any] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=20)
    | _HOSTILE
    | _DOMAIN_VALUES,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)

_CONSTRUCTORS: list[type[Any]] = [
    Incident,
    Defendant,
    NameUse,
    Address,
    AddressPeriod,
    LinkedIdentity,
    SexOffenderRegistration,
    ProtectedPerson,
    RestrictedDetails,
    Force,
    ChiefOfficer,
    Identity,
    GeoPoint,
    Circle,
    Polygon,
    Locality,
    Duration,
    OrderVersion,
    Order,
    NotificationDuty,
    DayPeriod,
    ComplianceRecord,
    Alert,
    *TERM_TYPES.values(),
]


@st.composite
def _arguments(draw: st.DrawFn, cls: type[Any]) -> dict[str, Any]:
    """Every field of ``cls``, each an arbitrary JSON-like (or hostile, or domain) value."""
    return {f.alias: draw(_JSON) for f in attrs.fields(cls) if f.init}


@pytest.mark.parametrize("cls", _CONSTRUCTORS, ids=[c.__name__ for c in _CONSTRUCTORS])
@given(data=st.data())
def test_a_public_constructor_raises_only_library_errors(
    cls: type[Any], data: st.DataObject
) -> None:
    """Whatever the values, building either succeeds or raises a SpoTrackerError subclass."""
    arguments = data.draw(_arguments(cls))
    with contextlib.suppress(SpoTrackerError):
        cls(**arguments)


_INTAKE_FUNCTIONS: list[Callable[..., object]] = [
    phone,
    email,
    device,
    lambda value: handle("x", value),
    lambda value: handle(value, "someone"),
    lambda value: Identity.parse(value, "07700900123"),
    lambda value: ensure_aware(value, field="at"),
]


@pytest.mark.parametrize("function", _INTAKE_FUNCTIONS)
@given(value=_JSON)
def test_an_intake_function_raises_only_library_errors(
    function: Callable[[object], object], value: object
) -> None:
    """Identity parsers and the instant check, for any value: a result or a SpoTrackerError."""
    with contextlib.suppress(SpoTrackerError):
        function(value)


@given(
    record=st.dictionaries(
        st.sampled_from(sorted(INCIDENT_FIELDS)) | st.text(max_size=5), _JSON, max_size=8
    )
    | _JSON
)
def test_incident_from_record_raises_only_library_errors(record: Any) -> None:
    """Bad input: any JSON-like record (or none) is an incident or a SpoTrackerError."""
    with contextlib.suppress(SpoTrackerError):
        incident_from_record(record)


@given(record=st.fixed_dictionaries({}, optional=dict.fromkeys(INCIDENT_FIELDS, _JSON)))
def test_incident_from_record_with_known_fields_raises_only_library_errors(
    record: dict[str, Any],
) -> None:
    """Known fields with arbitrary values reach every field's own check."""
    with contextlib.suppress(SpoTrackerError):
        incident_from_record({**GOOD, **record})
