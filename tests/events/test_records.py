"""Event records: frozen, validated, and their plain (JSON) form round-trips exactly."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import attrs
import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from spo_tracker.errors import InvalidValueError, NaiveDatetimeError, UnknownCodeError
from spo_tracker.events import (
    EVENT_TYPES,
    AppealDecided,
    DomainEvent,
    NotificationDue,
    OrderDomainEvent,
    OrderServed,
)

SERVED = OrderServed(
    originator_id="SPO-1",
    originator_version=2,
    occurred_at=pendulum.datetime(2026, 3, 2, 15, tz="Europe/London"),
    actor="PC 4471",
    section="SPA2019 s.9(1)",
    defendant_id="D1",
    order_kind="full",
    state="served",
)

_TEXT = st.text(st.characters(codec="utf-8"), min_size=1, max_size=20)
_ID = _TEXT.filter(str.strip)
_INSTANT = st.datetimes(
    min_value=dt.datetime(1990, 1, 1),
    max_value=dt.datetime(2100, 1, 1),
    timezones=st.sampled_from(
        [pendulum.timezone("Europe/London"), pendulum.UTC, pendulum.FixedTimezone(-5 * 3600)]
    ),
).map(pendulum.instance)
_DAY = st.dates(dt.date(1990, 1, 1), dt.date(2100, 1, 1)).map(
    lambda d: pendulum.Date(d.year, d.month, d.day)
)


def _value_for(field: attrs.Attribute[Any]) -> st.SearchStrategy[Any]:
    """A strategy for one event field, from its declared type."""
    kind = str(field.type)
    optional = kind.endswith("| None")
    base = kind.removesuffix(" | None")
    found: st.SearchStrategy[Any]
    if base == "pendulum.DateTime":
        found = _INSTANT
    elif base == "pendulum.Date":
        found = _DAY
    elif base == "int":
        found = st.integers(1, 2**31)
    elif base == "bool":
        found = st.booleans()
    elif base == "tuple[str, ...]":
        found = st.lists(_ID, max_size=3).map(tuple)
    else:
        found = _ID
    return st.none() | found if optional else found


@st.composite
def events(draw: st.DrawFn) -> DomainEvent:
    """Any event of any type, with arbitrary valid values in every field."""
    cls = draw(st.sampled_from(EVENT_TYPES))
    values = {f.name: draw(_value_for(f)) for f in attrs.fields(cls)}
    return cls(**values)


@given(events())
def test_every_event_survives_json_exactly(event: DomainEvent) -> None:
    """from_dict(json(as_dict(e))) == e, for every type and any values."""
    text = json.dumps(event.as_dict(), ensure_ascii=False)
    again = DomainEvent.from_dict(json.loads(text))
    assert again == event
    assert type(again) is type(event)


@given(events())
def test_the_plain_form_names_the_type_and_only_json_values(event: DomainEvent) -> None:
    """``type`` is the class name; values are JSON primitives and lists."""
    plain = event.as_dict()
    assert plain["type"] == type(event).__name__ == event.event_type
    assert all(isinstance(v, str | int | bool | list | type(None)) for v in plain.values())


def test_events_are_frozen() -> None:
    """A fact does not change: assigning a field raises."""
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        SERVED.actor = "someone else"  # type: ignore[misc]


def test_the_aggregate_key_names_the_kind_of_originator() -> None:
    """Orders, applications, duties, reviews and alerts are separate id spaces."""
    assert SERVED.aggregate_key == ("order", "SPO-1")
    kinds = {cls.originator_kind for cls in EVENT_TYPES}
    assert kinds == {"order", "application", "notification_duty", "breach_review", "alert"}


def test_subclasses_are_their_family() -> None:
    """OrderServed is an OrderDomainEvent; every event is a DomainEvent."""
    assert isinstance(SERVED, OrderDomainEvent)
    assert all(issubclass(cls, DomainEvent) for cls in EVENT_TYPES)
    assert len({cls.__name__ for cls in EVENT_TYPES}) == len(EVENT_TYPES)


def test_a_naive_instant_is_refused() -> None:
    """SPA2019 days are London days: an instant without a zone is ambiguous."""
    with pytest.raises(NaiveDatetimeError, match="occurred_at"):
        attrs.evolve(SERVED, occurred_at=dt.datetime(2026, 3, 2, 15))


@pytest.mark.parametrize("version", [0, -1, True, "2", 1.5])
def test_a_version_below_one_or_not_a_whole_number_is_refused(version: object) -> None:
    """Versions count from 1."""
    with pytest.raises(InvalidValueError, match="originator_version"):
        attrs.evolve(SERVED, originator_version=version)  # type: ignore[arg-type]


@pytest.mark.parametrize("field", ["originator_id", "actor", "section", "defendant_id"])
def test_empty_text_is_refused(field: str) -> None:
    """Ids, actor and section are required text."""
    with pytest.raises(InvalidValueError, match=field):
        attrs.evolve(SERVED, **{field: "  "})  # type: ignore[arg-type]


def test_an_unknown_event_type_is_a_typed_error() -> None:
    """from_dict names the unknown type and the known ones."""
    with pytest.raises(UnknownCodeError, match="'OrderLost'") as caught:
        DomainEvent.from_dict({**SERVED.as_dict(), "type": "OrderLost"})
    assert "OrderServed" in caught.value.known


def test_unknown_and_missing_fields_are_typed_errors() -> None:
    """Extra fields are named; a missing one is reported, not defaulted."""
    with pytest.raises(InvalidValueError, match="mood"):
        DomainEvent.from_dict({**SERVED.as_dict(), "mood": "bad"})
    plain = SERVED.as_dict()
    del plain["state"]
    with pytest.raises(InvalidValueError, match="state"):
        DomainEvent.from_dict(plain)


@pytest.mark.parametrize(
    ("field", "value"),
    [("occurred_at", "yesterday"), ("occurred_at", "2026-03-02T15:00:00")],
)
def test_malformed_instants_are_typed_errors(field: str, value: str) -> None:
    """Text that is not an aware ISO 8601 instant is refused, naming the field."""
    with pytest.raises(InvalidValueError, match=field):
        DomainEvent.from_dict({**SERVED.as_dict(), field: value})


def test_a_malformed_day_is_a_typed_error() -> None:
    """Days are YYYY-MM-DD."""
    due = NotificationDue(
        **{k: v for k, v in SERVED.as_dict().items() if k in _BASE},
        defendant_id="D1",
        order_id="SPO-1",
        state="due",
        item="initial",
        arose_on=pendulum.Date(2026, 3, 2),
        due_by=pendulum.Date(2026, 3, 4),
        offence="ST19002",
    )
    with pytest.raises(InvalidValueError, match="due_by"):
        DomainEvent.from_dict({**due.as_dict(), "due_by": "4 March"})


_BASE = {"originator_id", "originator_version", "occurred_at", "actor", "section"}


def test_an_appeal_outcome_is_required() -> None:
    """AppealDecided says how the appeal was decided."""
    with pytest.raises(TypeError):
        AppealDecided(**{k: getattr(SERVED, k) for k in _BASE})
