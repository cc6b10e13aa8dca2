"""Lifecycle transitions: median microseconds to fire one event and to list enabled events.

Target: at most 20 microseconds per transition. Each figure is the
median of 7 runs of 2,000 calls on the same subject (firing never changes its
input, so every call does the full work: guards, one copy, the record). Two
figures per line: wall-clock time (``_common.median_seconds``) and this
process's CPU time, which is far less inflated when other jobs share the
machine's two cores.

Run: ``.venv/bin/python benchmarks/bench_transitions.py``
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import pendulum
from _common import median_seconds, report

from spo_tracker.domain.lifecycles import full_order as full
from spo_tracker.domain.lifecycles import make_order, serve_order
from spo_tracker.domain.lifecycles import notification_duty as duty
from spo_tracker.domain.lifecycles.parties import Party
from spo_tracker.domain.notification import NotificationDuty
from spo_tracker.domain.orders import Duration, OrderKind
from spo_tracker.domain.people import ChiefOfficer, Force
from spo_tracker.domain.terms import NoContact, NoSurveillance

US = 1e6
TARGET = "<= 20 us"


def median_cpu_seconds(func: Callable[[], object], *, repeat: int = 7, number: int = 2000) -> float:
    """Like ``_common.median_seconds`` but in process CPU time, not wall-clock time."""
    runs = []
    for _ in range(repeat):
        start = time.process_time()
        for _ in range(number):
            func()
        runs.append((time.process_time() - start) / number)
    return statistics.median(runs)


def main() -> None:
    """Print the figures."""
    officer = ChiefOfficer(Force("20", "West Midlands Police"))
    made_at = pendulum.datetime(2026, 3, 2, 10, 30, tz="Europe/London")
    order = make_order(
        order_id="SPO-1",
        kind=OrderKind.FULL,
        defendant_id="D1",
        protected_person_ids=("P1",),
        applicant=officer,
        court="Birmingham Magistrates' Court",
        made_at=made_at,
        terms=(NoContact(term_id="T1", persons=("P1",)),),
        duration=Duration(years=2),
    ).order
    at = made_at.add(days=3, hours=2)
    serve = full.FullOrderCommand(full.FullOrderEvent.SERVE, at, "PC 1")
    vary = full.FullOrderCommand(
        full.FullOrderEvent.VARY,
        at,
        "court",
        applied_by=Party.chief_officer(officer),
        terms=(
            NoContact(term_id="T1", persons=("P1",)),
            NoSurveillance(term_id="T2", persons=("P1",)),
        ),
        necessary_to_protect=True,
    )
    served = full.MACHINE.fire(order, serve).subject
    fresh = NotificationDuty(
        duty_id="N1", defendant_id="D1", order_id="SPO-1", local_police_area="WM"
    )
    due = duty.record_service(fresh, at=at, actor="PC 1").subject
    notify = duty.DutyCommand(
        duty.DutyEvent.NOTIFIED,
        at.add(hours=3),
        "PC 1",
        in_person=True,
        station="HQ",
        police_area="WM",
    )

    figures = [
        ("full order SERVE (fire)", lambda: full.MACHINE.fire(order, serve), TARGET),
        (
            "full order SERVE (use case, builds the command)",
            lambda: serve_order(order, at=at, actor="PC 1"),
            TARGET,
        ),
        (
            "full order VARY (fire: guards, new version)",
            lambda: full.MACHINE.fire(served, vary),
            TARGET,
        ),
        ("notification duty NOTIFIED (fire)", lambda: duty.MACHINE.fire(due, notify), TARGET),
        ("full order allowed_events", lambda: full.MACHINE.allowed_events(served), ""),
        (
            "full order enabled_events (probes every allowed event)",
            lambda: full.MACHINE.enabled_events(served, at),
            "",
        ),
        ("notification duty enabled_events", lambda: duty.MACHINE.enabled_events(due, at), ""),
    ]
    for name, func, target in figures:
        report(name, median_seconds(func, repeat=7, number=2000) * US, "us", target)
        report(f"{name} [cpu]", median_cpu_seconds(func) * US, "us", target)


if __name__ == "__main__":
    main()
