"""The row text of an alert, made once: what the comparison before storing makes serves the
insert, its NUL check finds a NUL anywhere, and the outbox's times reach PostgreSQL as the
same instants."""

from __future__ import annotations

import datetime as dt
import json
from typing import Final

import attrs
import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from spo_tracker.errors import InvalidValueError
from spo_tracker.storage import Store
from spo_tracker.storage._sql_audit import _plain_utc
from spo_tracker.storage._stored import NUL_ESCAPED, json_text
from tests.storage.conftest import ACTOR, BACKENDS
from tests.storage.test_bulk_alerts import NOW, alerts, stored_ids
from tests.strategies import aware_datetimes

_JSON: Final = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=10,
)


@given(_JSON)
def test_json_text_escapes_every_nul(data: object) -> None:
    """Text without JSON's escape of NUL holds no NUL in any key or value."""
    text = json_text(data)
    assert "\x00" not in text
    assert text == json.dumps(data)
    if NUL_ESCAPED not in text:
        assert "\x00" not in repr(data)


@given(aware_datetimes())
def test_the_outbox_time_is_the_same_instant(at: pendulum.DateTime) -> None:
    """A plain UTC datetime, equal to the pendulum one to the microsecond."""
    plain = _plain_utc(at)
    assert type(plain) is dt.datetime
    assert plain.tzinfo is dt.UTC
    # Compared in UTC: Python never finds an instant in a repeated hour equal to one in
    # another zone (PEP 495).
    assert plain == at.in_tz("UTC")
    assert plain.microsecond == at.microsecond


@pytest.mark.parametrize("fresh_store", BACKENDS, indirect=True)
def test_a_nul_in_an_alert_compared_first_is_refused_naming_the_field(
    fresh_store: Store,
) -> None:
    """The text made by the comparison is the one checked for NUL before the insert: the
    field is named (never its text), and nothing is stored."""
    batch = alerts("nul-compared", 2)
    bad = attrs.evolve(batch[1], explanation="no\x00excuse")
    with fresh_store.unit_of_work(ACTOR, at=NOW) as uow:
        changed, same = uow.alerts.get_many_unless_same([batch[0], bad])
        assert (changed, same) == ({}, {})
        with pytest.raises(InvalidValueError, match="explanation") as refused:
            uow.add_alerts([batch[0], bad])
        assert "excuse" not in str(refused.value)
    assert stored_ids(fresh_store) == []


@pytest.mark.parametrize("fresh_store", BACKENDS, indirect=True)
def test_the_compared_text_is_what_the_row_holds(fresh_store: Store) -> None:
    """Alerts added after a comparison are found again stored exactly so (and read back
    equal), whichever zone their times were given in."""
    batch = [
        attrs.evolve(a, first_seen=NOW.subtract(hours=n).in_tz("Europe/London"))
        for n, a in enumerate(alerts("compared", 3))
    ]
    with fresh_store.unit_of_work(ACTOR, at=NOW) as uow:
        uow.alerts.get_many_unless_same(batch)
        uow.add_alerts(batch)
        uow.commit()
    with fresh_store.unit_of_work(ACTOR, at=NOW) as uow:
        changed, same = uow.alerts.get_many_unless_same(batch)
        assert changed == {}
        assert sorted(same) == sorted(a.alert_id for a in batch)
        assert uow.alerts.get_many(a.alert_id for a in batch) == {a.alert_id: a for a in batch}
