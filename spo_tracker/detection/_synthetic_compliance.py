"""The synthetic force's compliance records (see
:meth:`spo_tracker.detection.synthetic.SyntheticForce.compliance`).

Private: the records land on the very days the dated rules check
(:mod:`spo_tracker.detection._requirements`), so the shares below are the
shares of those days the rules find missed.
"""

from __future__ import annotations

import datetime as _dt
import math
import random
from collections.abc import Iterable, Iterator
from typing import Final

from spo_tracker.detection._clock import day_start, epoch, instant
from spo_tracker.detection._requirements import _runs, _sign_on_days, _term_spans
from spo_tracker.domain.compliance import ComplianceRecord
from spo_tracker.domain.orders import Order
from spo_tracker.domain.statutory_time import ensure_aware
from spo_tracker.domain.terms import PositiveRequirement, SignOnSchedule, Term

__all__ = ["REQUIREMENT_SHARES", "SIGN_ON_SHARES", "synthetic_compliance"]

#: Shares of scheduled sign-on days: signed on that day, signed on the day after (late; the
#: rule counts the scheduled day missed), not signed on at all.
SIGN_ON_SHARES: Final = (0.96, 0.015, 0.025)
#: Shares of positive requirements: met by the due day, met after it (late), never met.
REQUIREMENT_SHARES: Final = (0.90, 0.06, 0.04)


def synthetic_compliance(
    orders: Iterable[Order], seed: int, until: _dt.datetime
) -> Iterator[ComplianceRecord]:
    """The compliance records of ``orders`` made by ``until``, streamed order by order
    (documented on :meth:`~spo_tracker.detection.synthetic.SyntheticForce.compliance`).

    Raises:
        NaiveDatetimeError: ``until`` has no time zone.
    """
    end = epoch(ensure_aware(until, field="until"))
    for order in orders:
        for term_id, spans in _term_spans(order, SignOnSchedule).items():
            rng = _rng(seed, order, term_id)
            for run in _runs(spans):
                for day, _ in _sign_on_days(run, -math.inf, end):
                    yield from _sign_on(rng, order, term_id, day, end)
        for term_id, spans in _term_spans(order, PositiveRequirement).items():
            yield from _requirement_met(_rng(seed, order, term_id), order, term_id, spans, end)


def _rng(seed: int, order: Order, term_id: str) -> random.Random:
    """The draws of one term's records: days in order, so a later ``until`` only adds."""
    return random.Random(f"spo-synthetic-compliance-{seed}-{order.order_id}-{term_id}")


def _record(order: Order, term_id: str, suffix: object, at: float) -> ComplianceRecord:
    return ComplianceRecord(
        f"C-{order.order_id}-{term_id}-{suffix}",
        order.defendant_id,
        order.order_id,
        term_id,
        instant(round(at)),
        recorded_by="Central",
    )


def _sign_on(
    rng: random.Random, order: Order, term_id: str, day: int, end: float
) -> Iterator[ComplianceRecord]:
    roll = rng.random()
    hour = rng.uniform(9 * 3_600.0, 17 * 3_600.0)
    if roll >= SIGN_ON_SHARES[0] + SIGN_ON_SHARES[1]:
        return
    late = roll >= SIGN_ON_SHARES[0]
    at = epoch(day_start(day + 1 if late else day)) + hour
    if at <= end:
        yield _record(order, term_id, day, at)


def _requirement_met(
    rng: random.Random,
    order: Order,
    term_id: str,
    spans: list[tuple[float, float, Term]],
    end: float,
) -> Iterator[ComplianceRecord]:
    term = spans[0][2]
    assert isinstance(term, PositiveRequirement)
    due_end = epoch(day_start(term.due_on.toordinal() + 1))
    first = spans[0][0]
    roll = rng.random()
    if roll < REQUIREMENT_SHARES[0]:
        at = rng.uniform(max(first, due_end - 21 * 86_400.0), due_end - 3_600.0)
    elif roll < REQUIREMENT_SHARES[0] + REQUIREMENT_SHARES[1]:
        at = due_end + rng.uniform(86_400.0, 30 * 86_400.0)
    else:
        return
    if first <= at <= end:
        yield _record(order, term_id, "due", at)
