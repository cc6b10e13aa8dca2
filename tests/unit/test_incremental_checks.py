"""A lifecycle copy checks what its change needs, and refuses exactly what the full checks do.

``spo_tracker.domain.lifecycles._support.evolve`` asks :meth:`Order.__revalidate__` for the
checks a change needs (appending a version, a time, the appeal, the not-in-force spans)
instead of re-running every check over the whole history. These properties hold it to the
full checks (``attrs.evolve``): the same changes are refused, and what is accepted is equal.
"""

from __future__ import annotations

from typing import Any

import attrs
import pendulum
import pytest
from hypothesis import assume, event, given
from hypothesis import strategies as st

from spo_tracker.domain.appeals import AppealAgainst, Party, PendingAppeal
from spo_tracker.domain.lifecycles._support import evolve
from spo_tracker.domain.orders import Order, OrderVersion
from spo_tracker.domain.statemachine import Fired, TransitionRecord, _fired, _record
from spo_tracker.domain.terms import NoContact, PositiveRequirement
from spo_tracker.errors import InvalidValueError
from spo_tracker.testing import an_order
from tests.strategies import orders


def _outcome(make: Any) -> Order | type[Exception]:
    try:
        result: Order = make()
    except InvalidValueError as error:
        return type(error)
    return result


def _same(order: Order, **changes: Any) -> None:
    incremental = _outcome(lambda: evolve(order, **changes))
    full = _outcome(lambda: attrs.evolve(order, **changes))
    assert incremental == full
    # Both kinds of outcome occur (see --hypothesis-show-statistics): the check can refuse.
    event("refused" if isinstance(full, type) else "accepted")


_VERSION_MUTATIONS = st.sampled_from(
    ["none", "number", "day_back", "instant_back", "stranger", "requirement_due", "instant_early"]
)


def _mutated(version: OrderVersion, how: str, order: Order) -> OrderVersion:
    if how == "number":
        return attrs.evolve(version, number=version.number + 1)
    if how == "day_back":
        day = order.versions[0].decided_on.subtract(days=1)
        return attrs.evolve(version, decided_on=day, decided_at=None)
    if how == "instant_back" and version.decided_at is not None:
        at = order.made_at.subtract(minutes=1)
        return attrs.evolve(
            version, decided_at=at, decided_on=at.in_timezone("Europe/London").date()
        )
    if how == "instant_early" and version.decided_at is not None:
        return attrs.evolve(version, decided_at=version.decided_at.subtract(hours=2))
    if how == "stranger":
        return attrs.evolve(
            version, terms=(*version.terms, NoContact(term_id="TX", persons=("P-NOBODY",)))
        )
    if how == "requirement_due":
        early = PositiveRequirement(
            term_id="TX",
            requirement="assessment",
            description="attend an assessment",
            due_on=version.decided_on.subtract(days=3),
        )
        return attrs.evolve(version, terms=(*version.terms, early))
    return version


@given(order=orders(max_versions=4), how=_VERSION_MUTATIONS)
def test_appending_a_version_is_refused_exactly_when_the_full_checks_refuse_it(
    order: Order, how: str
) -> None:
    """The usual copy of a variation: the history so far, and one more version."""
    assume(len(order.versions) > 1)
    base = attrs.evolve(order, versions=order.versions[:-1])
    try:
        added = _mutated(order.versions[-1], how, order)
    except InvalidValueError:
        assume(False)  # the version itself is invalid: not what is tested here
        raise
    _same(base, versions=(*base.versions, added), revision=base.revision + 1)


moments = st.integers(-5 * 86_400, 900 * 86_400)


@given(
    order=orders(max_versions=2),
    served=st.none() | moments,
    ended=st.none() | moments,
    pending=st.booleans(),
    appeal=st.booleans(),
)
def test_times_and_the_appeal_are_refused_exactly_when_the_full_checks_refuse_them(
    order: Order, served: int | None, ended: int | None, pending: bool, appeal: bool
) -> None:
    """Service, end, the appeal flag and its details, set alone or together."""
    changes: dict[str, Any] = {"appeal_pending": pending}
    if served is not None:
        changes["served_at"] = order.made_at.add(seconds=served)
    if ended is not None:
        changes["ended_at"] = order.made_at.add(seconds=ended)
    changes["appeal"] = PendingAppeal(Party.defendant(), AppealAgainst.making()) if appeal else None
    _same(order, **changes)


@given(order=orders(max_versions=2), spans=st.lists(st.tuples(moments, moments), max_size=3))
def test_not_in_force_spans_are_refused_exactly_when_the_full_checks_refuse_them(
    order: Order, spans: list[tuple[int, int]]
) -> None:
    """Spans before the making, empty, overlapping or after the end are refused by both."""
    made = order.made_at
    gaps = tuple((made.add(seconds=a), made.add(seconds=b)) for a, b in spans)
    _same(order, not_in_force=gaps)
    _same(order, not_in_force=gaps, ended_at=made.add(days=400))


def test_a_change_outside_the_incremental_fields_runs_every_check() -> None:
    """A rewritten history or another field: the hook declines and the full checks run."""
    order = Order.__new__(Order)  # never used: only the hook's answer is checked
    assert not Order.__revalidate__(order, order, {"court": "x"})
    assert not Order.__revalidate__(order, order, {"protected_person_ids": ("P1",)})


def test_the_engines_record_and_result_builders_equal_the_constructors() -> None:
    """fire() builds its TransitionRecord and Fired without __init__: the same records."""
    at = pendulum.datetime(2026, 3, 2, 10, 30, tz="Europe/London")
    values = ("full_order", "SPO-1", "SERVE", "MADE", "SERVED", "SPA2019 s.6", at, "PC 1")
    built = _record(*values)
    assert built == TransitionRecord(*values)
    assert type(built) is TransitionRecord
    assert hash(built) == hash(TransitionRecord(*values))
    subject = an_order()
    assert _fired(subject, built) == Fired(subject, built)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        built.event = "OTHER"  # type: ignore[misc]
