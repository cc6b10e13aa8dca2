"""Storing alerts found exactly as stored: an alert whose row would hold the very text the
stored row holds is unchanged without the stored one being built, and that verdict is
:func:`merge_alerts`' own, on every backend."""

from __future__ import annotations

import itertools
import json
from typing import Final

import attrs
import pendulum
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spo_tracker.casework import merge_alerts, store_alerts
from spo_tracker.domain.alerts import Alert
from spo_tracker.storage import Actor, InMemoryStore, Store
from spo_tracker.storage import _codec as codec
from spo_tracker.storage._mapping import MAPPERS, RowSet
from tests.reports.strategies import alerts
from tests.storage.conftest import (
    shared_memory_store,
    shared_postgres_store,
    shared_sqlite_store,
)
from tests.strategies import ZONES, aware_datetimes

__all__ = ["shared_memory_store", "shared_postgres_store", "shared_sqlite_store"]

ACTOR: Final = Actor("detector", "ingest", purpose="storing tests")
AT: Final = pendulum.datetime(2026, 6, 1, tz="UTC")
_MAPPER: Final = MAPPERS[Alert]
_INSTANTS: Final = aware_datetimes(min_year=2020, max_year=2030)
_CHANGES: Final = ("same", "copy", "identified", "zone", "explanation", "evidence", "other")
_unique = itertools.count(1)


def _text(alert: Alert) -> str | None:
    return _MAPPER.stored_text(alert)


def _storable(alert: Alert) -> Alert:
    """``alert`` without NUL characters, which no store takes."""
    return attrs.evolve(
        alert,
        title=alert.title.replace("\x00", "?"),
        explanation=alert.explanation.replace("\x00", "?"),
    )


@st.composite
def stored_and_found(draw: st.DrawFn) -> tuple[Alert, Alert]:
    """An alert as stored and the same alert (same id) as a run finds it again: the very
    object, an equal copy, or one changed in a way :func:`merge_alerts` must judge (a
    dated alert's identified time either way, the same instant in another zone, the
    wording, the evidence, everything)."""
    stored = _storable(draw(alerts(defendant_id="D1", order_id="O1", persons=("P1",))))
    how = draw(st.sampled_from(_CHANGES))
    if how == "same":
        return stored, stored
    if how == "copy":
        return stored, attrs.evolve(stored)
    if how == "identified":
        return stored, attrs.evolve(stored, identified_at=draw(_INSTANTS))
    if how == "zone":
        zone = draw(st.sampled_from(ZONES))
        return stored, attrs.evolve(stored, identified_at=stored.identified_at.in_tz(zone))
    if how == "explanation":
        return stored, attrs.evolve(stored, explanation=stored.explanation + " Seen again.")
    if how == "evidence":
        ids = draw(st.lists(st.from_regex(r"I[0-9]{1,2}", fullmatch=True), unique=True))
        return stored, attrs.evolve(stored, evidence_ids=ids, count=len(ids) or 1)
    other = _storable(draw(alerts(defendant_id="D1", order_id="O1", persons=("P1",))))
    return stored, attrs.evolve(other, alert_id=stored.alert_id)


@given(stored_and_found())
def test_the_same_row_text_is_the_verdict_unchanged(pair: tuple[Alert, Alert]) -> None:
    """Whenever the found alert's row text is the stored one's, merging gives the stored
    alert back; and that text reads back as the alert itself (validators run)."""
    stored, found = pair
    text = _text(found)
    assert text is not None
    assert codec.load(json.loads(text), Alert) == found
    if text == _text(stored):
        assert merge_alerts(stored, found) is stored


def _renamed(pairs: list[tuple[Alert, Alert]]) -> list[tuple[Alert, Alert]]:
    """The pairs with ids unique across the run (the stores are shared), one per pair."""
    run = next(_unique)
    return [
        (attrs.evolve(s, alert_id=f"AL-u{run}-{n}"), attrs.evolve(f, alert_id=f"AL-u{run}-{n}"))
        for n, (s, f) in enumerate(pairs)
    ]


@pytest.fixture(
    params=[
        pytest.param("shared_memory_store", id="memory"),
        pytest.param("shared_sqlite_store", id="sqlite"),
        pytest.param("shared_postgres_store", id="postgres", marks=pytest.mark.postgres),
    ]
)
def store(request: pytest.FixtureRequest) -> Store:
    """The shared store of each backend (each example keeps to ids of its own)."""
    shared: Store = request.getfixturevalue(request.param)
    return shared


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(pairs=st.lists(stored_and_found(), min_size=1, max_size=8), fresh=st.integers(0, 3))
def test_storing_gives_what_merging_each_alert_gives(
    store: Store, pairs: list[tuple[Alert, Alert]], fresh: int
) -> None:
    """Stored alerts found again (and a few new ones): the ids reported new, updated and
    unchanged, and the alerts kept, are those of a plain :func:`merge_alerts` of each."""
    pairs = _renamed(pairs)
    kept, found = pairs[fresh:], [f for _, f in pairs]
    store_alerts(store, [s for s, _ in kept], actor=ACTOR, at=AT, reason="first")
    done = store_alerts(store, found, actor=ACTOR, at=AT, reason="again")
    before = {s.alert_id: s for s, _ in kept}
    merged = {
        f.alert_id: merge_alerts(before[f.alert_id], f) for f in found if f.alert_id in before
    }
    assert done.new_ids == tuple(f.alert_id for f in found if f.alert_id not in before)
    assert done.unchanged_ids == tuple(k for k, m in merged.items() if m is before[k])
    assert done.updated_ids == tuple(k for k, m in merged.items() if m is not before[k])
    with store.unit_of_work(ACTOR, at=AT) as uow:
        now = uow.alerts.get_many(f.alert_id for f in found)
    assert now == {f.alert_id: merged.get(f.alert_id, f) for f in found}


def test_an_unchanged_run_builds_no_stored_alert(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found again exactly as stored, no stored alert is parsed or built: the comparison is
    the row text (on SQLite and PostgreSQL the body column's own text)."""
    found = [
        attrs.evolve(a, alert_id=f"AL-u{next(_unique)}")
        for a in [
            Alert(
                alert_id="x",
                rule_id="breach.no_contact",
                kind="breach",
                severity="high",
                defendant_id="D1",
                order_id="O1",
                section="SPA2019 s.8(1)",
                title="Suspected breach",
                explanation="For review: reasonable excuse is for a court.",
                evidence_ids=(f"I-{n}",),
                first_seen=AT.subtract(hours=n).in_tz("Europe/London"),
                last_seen=AT.subtract(hours=n),
                identified_at=AT,
                protected_person_ids=("P1",),
            )
            for n in range(3)
        ]
    ]
    store_alerts(store, found, actor=ACTOR, at=AT)
    built: list[object] = []
    real = _MAPPER.from_rows

    def from_rows(rows: RowSet) -> Alert:
        built.append(rows)
        found: Alert = real(rows)
        return found

    monkeypatch.setattr(_MAPPER, "from_rows", from_rows)
    done = store_alerts(
        store, [*found[:2], attrs.evolve(found[2], explanation="Reworded.")], actor=ACTOR, at=AT
    )
    assert (done.unchanged, done.updated, done.new) == (2, 1, 0)
    if not isinstance(store, InMemoryStore):
        # The one that differs is built twice: to merge it, and to check its update.
        assert len(built) == 2
