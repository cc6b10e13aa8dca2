"""Nightly runs over orders that have ended: an incremental run stores exactly what a full
run stores, whatever is recorded late about an order no longer in force.

The dated checks rest on the instant and on records, not on incidents: positive
requirements and sign-on days (the terms are SPA2019 s.1(2)(b), a failure is a suspected
breach under s.8(1)), renewal reviews of fixed full orders (s.4: an expired order cannot
be renewed), interim orders nearing the end of their fixed period while the application
is open (s.5(6)), and notification failures and deadlines (s.9-s.11, CJS codes
ST19002-ST19006). An order whose fixed period is over, or which was discharged, ceased or
quashed, can still have its dated alerts changed: a sign-on or a requirement met recorded
late, a notification (or false information) recorded late on its duty.

One store runs incrementally, a twin runs every run in full (``full=True``); after every
run their stored alerts must be identical. Full orders here run the 2 years the Act
requires at least (s.3(2)) and were made long ago, so that they end during the history;
their sign-on schedules have their own, shorter period (s.3(3)).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator

import attrs
import pendulum
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spo_tracker.casework import (
    DetectionRun,
    discharge_order,
    expire_order,
    renew_order,
    serve_order,
    vary_order,
)
from spo_tracker.detection.config import DetectionConfig
from spo_tracker.domain.alerts import Alert
from spo_tracker.domain.appeals import Party
from spo_tracker.domain.compliance import ComplianceRecord
from spo_tracker.domain.incidents import Incident
from spo_tracker.domain.lifecycles import application, making
from spo_tracker.domain.lifecycles.application import AreaConnection
from spo_tracker.domain.lifecycles.notification_duty import (
    record_false_information,
    record_new_name,
    record_notification,
    recorded_times,
)
from spo_tracker.domain.notification import NotificationDuty
from spo_tracker.domain.orders import Duration, Order, OrderKind
from spo_tracker.domain.statemachine import Fired
from spo_tracker.domain.statutory_time import DayPeriod
from spo_tracker.domain.terms import NoContact, PositiveRequirement, SignOnSchedule, Term
from spo_tracker.errors import IllegalTransitionError, InvalidValueError
from spo_tracker.storage import Actor, Store
from tests.casework.builders import stored_alerts, twin_runs
from tests.casework.conftest import NewStore
from tests.detection.builders import CHIEF, MADE, incident, make_defendant
from tests.lifecycles import builders as lifecycle
from tests.storage import builders

ACTOR = Actor("PC 1234", "officer", purpose="dormant order tests")
#: The first night's run of every history: Monday 12 January 2026, 10:30 London.
NIGHT = MADE
DAY0 = NIGHT.start_of("day")
AREA = "West Midlands"
#: Weekly sign-on windows: a day signed late changes a window's count, not whether it exists.
WEEK = DetectionConfig(group_days=7)
NO_CONTACT = NoContact(term_id="T1", persons=("P1",))
_REFUSED = (IllegalTransitionError, InvalidValueError)

# The orders: A, full, ends during the history, with sign-ons and a requirement; B, interim,
# its warning window opens (and may close); C, full, its renewal-review window opens; D, full,
# until further order, signing on on Mondays.
A, B, C, D = "SPO-A", "ISPO-B", "SPO-C", "SPO-D"


@attrs.frozen
class Plan:
    """A small force: which orders exist, whose they are, and when their dates fall (days
    counted from the first night's London day)."""

    ends_in: int = 3  # A's fixed period ends as this day begins
    due_before_end: int = 1  # A's requirement is due this many days before its last day
    weekdays: frozenset[int] = frozenset({0, 2, 4})  # A's sign-on days
    interim_ends_in: int | None = None  # B's fixed period ends as this day begins
    review_opens_in: int | None = None  # C's renewal-review window opens as this day begins
    open_ended: bool = False  # D
    owners: tuple[str, ...] = ("D1", "D1", "D1", "D1")  # the defendants of A, B, C, D
    duty_on: str = A  # the order served through casework, opening its notification duty
    config: DetectionConfig = WEEK

    def owner(self, order_id: str) -> str:
        return self.owners[(A, B, C, D).index(order_id)]

    @property
    def present(self) -> tuple[str, ...]:
        """The orders of this force, A always."""
        here = (self.interim_ends_in is not None, self.review_opens_in is not None)
        return (A, *(o for o, h in ((B, here[0]), (C, here[1]), (D, self.open_ended)) if h))


def _made(
    order_id: str,
    plan: Plan,
    kind: OrderKind,
    made_at: pendulum.DateTime,
    duration: Duration | None,
    *terms: Term,
) -> Order:
    """An order made as the Act allows (SPA2019 s.3(2), s.5(6)(a)), checked by the lifecycle."""
    return making.make_order(
        order_id=order_id,
        kind=kind,
        defendant_id=plan.owner(order_id),
        protected_person_ids=("P1",),
        applicant=CHIEF,
        court="Birmingham Magistrates' Court",
        made_at=made_at,
        terms=terms,
        duration=duration,
        application_id="APP-B" if kind is OrderKind.INTERIM else None,
    ).order


def _two_years_ending(end: pendulum.Date) -> pendulum.DateTime:
    """When a 2-year order (SPA2019 s.3(2)) ending as ``end`` begins was made (10:30)."""
    made = end.subtract(years=2)
    return pendulum.datetime(made.year, made.month, made.day, 10, 30, tz="Europe/London")


def orders_of(plan: Plan) -> list[Order]:
    """The plan's orders, as made (not served)."""
    end_a = DAY0.add(days=plan.ends_in).date()
    last_a = end_a.subtract(days=1)
    weeks = DayPeriod(DAY0.subtract(days=14).date(), last_a)  # its own period (SPA2019 s.3(3))
    sign_on = SignOnSchedule(term_id="T2", station="Central", weekdays=plan.weekdays, period=weeks)
    assessment = PositiveRequirement(
        term_id="T3",
        requirement="assessment",
        description="attend a stalking assessment",
        due_on=last_a.subtract(days=plan.due_before_end),
    )
    made = _two_years_ending(end_a)
    orders = [
        _made(A, plan, OrderKind.FULL, made, Duration(years=2), NO_CONTACT, sign_on, assessment)
    ]
    if plan.interim_ends_in is not None:
        weeks_ago = NIGHT.subtract(days=20)
        length = Duration(days=20 + plan.interim_ends_in)
        orders.append(_made(B, plan, OrderKind.INTERIM, weeks_ago, length, NO_CONTACT))
    if plan.review_opens_in is not None:
        end_c = DAY0.add(days=plan.review_opens_in + plan.config.renewal_review_days).date()
        c_made = _two_years_ending(end_c)
        orders.append(_made(C, plan, OrderKind.FULL, c_made, Duration(years=2), NO_CONTACT))
    if plan.open_ended:
        mondays = SignOnSchedule(term_id="T2", station="Central", weekdays=frozenset({0}))
        month_ago = NIGHT.subtract(days=30)
        orders.append(_made(D, plan, OrderKind.FULL, month_ago, None, NO_CONTACT, mondays))
    return orders


def _application(plan: Plan) -> application.Application:
    """The application interim order B was made on, laid the day before (SPA2019 s.5(1))."""
    laid_at = NIGHT.subtract(days=21)
    draft = lifecycle.draft(application_id="APP-B", defendant_id=plan.owner(B))
    laid = application.lay_application(
        draft, at=laid_at, actor="DI 1", area_connection=AreaConnection.RESIDES_IN_AREA
    ).subject
    return application.apply_for_interim(
        laid, at=laid_at.add(minutes=5), actor="DI 1", applicant=CHIEF
    ).subject


def build(store: Store, plan: Plan) -> None:
    """The plan's force in ``store``: every order served an hour after it was made, the one
    ``plan.duty_on`` names through ``serve_order``, which opens its duty (SPA2019 s.9(1))."""
    orders = orders_of(plan)
    with store.unit_of_work(ACTOR, at=NIGHT) as uow:
        uow.defendants.add_many([make_defendant(d) for d in sorted(set(plan.owners))])
        uow.protected_persons.add(builders.person("P1", restricted=False))
        if plan.interim_ends_in is not None:
            uow.applications.add(_application(plan))
        for order in orders:
            if order.order_id != plan.duty_on:
                order = making.serve_order(
                    order, at=order.made_at.add(hours=1), actor="PC 1"
                ).subject
            uow.orders.add(order)
        uow.commit()
    (duty_order,) = [o for o in orders if o.order_id == plan.duty_on]
    at = duty_order.made_at.add(hours=1)
    serve_order(store, plan.duty_on, at=at, actor=ACTOR, local_police_area=AREA)


def _built(stores: tuple[Store, Store], plan: Plan) -> Plan:
    for store in stores:
        build(store, plan)
    return plan


def _stored(store: Store) -> dict[str, Alert]:
    return stored_alerts(store, ACTOR)


def _both(
    stores: tuple[Store, Store], at: pendulum.DateTime, config: DetectionConfig
) -> tuple[DetectionRun, DetectionRun]:
    return twin_runs(stores, at, actor=ACTOR, config=config)


def _each(stores: tuple[Store, Store], change: Callable[[Store], object]) -> None:
    """``change`` made in both stores, refused in both or in neither."""
    outcomes = []
    for store in stores:
        try:
            change(store)
            outcomes.append("done")
        except _REFUSED as error:
            outcomes.append(type(error).__name__)
    assert outcomes[0] == outcomes[1]


def _sign_on(order_id: str, owner: str, day: int) -> ComplianceRecord:
    """A sign-on at 10:00 London on the day ``day`` days after the first night's."""
    at = DAY0.add(days=day, hours=10)
    return ComplianceRecord(f"S-{order_id}-{day}", owner, order_id, "T2", at)


def _record(
    stores: tuple[Store, Store], *records: ComplianceRecord, incidents: tuple[Incident, ...] = ()
) -> None:
    """Compliance records and incidents added to both stores (recorded late, say)."""
    for store in stores if records or incidents else ():
        with store.unit_of_work(ACTOR, at=NIGHT) as uow:
            uow.compliance.add_many(records)
            if incidents:
                uow.add_incidents(incidents, reason="reported late")
            uow.commit()


def _duty(store: Store) -> NotificationDuty:
    with store.unit_of_work(ACTOR, at=NIGHT) as uow:
        (duty,) = uow.notification_duties.get_many(uow.notification_duties.ids()).values()
        return duty


def _on_duty(
    stores: tuple[Store, Store],
    fire: Callable[[NotificationDuty], Fired[NotificationDuty] | None],
) -> None:
    """A transition of the (one) notification duty, recorded in both stores (if the
    lifecycle allows it)."""
    duty = _duty(stores[0])
    try:
        fired = fire(duty)
    except _REFUSED:
        fired = None
    if fired is None:
        return
    for store in stores:
        with store.unit_of_work(ACTOR, at=fired.record.at) as uow:
            uow.record(fired, expected_revision=duty.revision)
            uow.commit()


def _of(run: DetectionRun, rule: str) -> list[Alert]:
    return [a for a in run.alerts if a.rule_id == rule]


def _raised(store: Store, rule: str, order_id: str) -> list[Alert]:
    """The stored alerts of ``rule`` on ``order_id``."""
    return [a for a in _stored(store).values() if (a.rule_id, a.order_id) == (rule, order_id)]


def _window(alert: Alert) -> str:
    """The London date a sign-on alert's window starts on."""
    assert alert.window_start is not None  # a sign-on alert's window is its days
    return alert.window_start.in_tz("Europe/London").date().isoformat()


@pytest.fixture
def twins(new_store: NewStore) -> Iterator[tuple[Store, Store]]:
    """Two empty stores on each backend: the first run incrementally, the second in full."""
    with new_store() as incremental, new_store() as full:
        yield incremental, full


def _nights(stores: tuple[Store, Store], plan: Plan, *days: int) -> list[tuple[DetectionRun, ...]]:
    """Runs as of the first night plus each of ``days``, the stores twins after each."""
    return [_both(stores, NIGHT.add(days=day), plan.config) for day in days]


def test_a_sign_on_recorded_late_for_an_order_ended_before_the_previous_run(
    twins: tuple[Store, Store],
) -> None:
    """Order A ended as 15 January began; the nights of the 16th and 17th judged it ended.
    A sign-on on Monday 12 January, recorded after that, takes a day off the week's window
    on the night of the 18th.

    Catches an incremental run that skips the orders not in force at the previous run's
    instant without taking back those with compliance recorded since: the window would
    keep 2 missed days in the incremental store, 1 in the full one."""
    plan = _built(twins, Plan())
    _nights(twins, plan, 4, 5)
    _record(twins, _sign_on(A, "D1", 0))
    ((incremental, _),) = _nights(twins, plan, 6)
    assert incremental.incremental
    # Windows of 7 London days from a Sunday: 11 to 17 January held the 12th and the 14th.
    (week,) = [a for a in _of(incremental, "requirement.sign_on") if _window(a) == "2026-01-11"]
    assert week.alert_id in incremental.stored.updated_ids
    assert (week.order_id, week.count) == (A, 1)
    assert "(14 January 2026)" in week.explanation


def test_a_requirement_of_an_expired_order_met_late(twins: tuple[Store, Store]) -> None:
    """Order A's assessment was due by the end of 13 January; attended on the 14th (its
    last day), recorded after the nights of the 16th and 17th had judged the order ended.

    Catches an incremental run that takes back a dormant order for sign-ons recorded since
    but not for a positive requirement met since: its alert would not say it was met late."""
    plan = _built(twins, Plan())
    _nights(twins, plan, 4, 5)
    met = DAY0.add(days=2, hours=15)
    _record(twins, ComplianceRecord("R-1", "D1", A, "T3", met))
    ((incremental, _),) = _nights(twins, plan, 6)
    assert incremental.incremental
    (late,) = _of(incremental, "requirement.positive")
    assert late.alert_id in incremental.stored.updated_ids
    assert "It was recorded late, on 14 January 2026" in late.explanation


def test_a_requirement_falls_due_on_a_night_with_no_sign_on_day(
    twins: tuple[Store, Store],
) -> None:
    """Order A's assessment is due by the end of Tuesday 13 January; A signs on on Mondays,
    Wednesdays and Fridays, and its notification duty is not open (D's is, so A is read
    for nothing else). Between the nights of the 13th and 14th only the 13th ended: no
    sign-on day, but the due day, so the requirement fails (SPA2019 s.1(2)(b), s.8(1)).

    Catches a nightly run that reads an order with requirements only when one of its
    sign-on days ended: the failure would wait for the night after Wednesday."""
    plan = _built(twins, Plan(open_ended=True, duty_on=D))
    _nights(twins, plan, 0, 1)
    assert not _raised(twins[0], "requirement.positive", A)
    ((incremental, _),) = _nights(twins, plan, 2)
    assert incremental.incremental
    (failed,) = _raised(twins[0], "requirement.positive", A)
    assert failed.alert_id in incremental.stored.new_ids


@pytest.mark.parametrize(
    ("plan", "rule", "order_id"),
    [
        # Order C's renewal review (SPA2019 s.4) opens as 14 January begins.
        (Plan(review_opens_in=2, config=DetectionConfig()), "renewal.review", C),
        # Interim order B's fixed period ends as 28 January begins: with 14 warning days
        # its window (SPA2019 s.5(6)) opens as the 14th begins.
        (Plan(interim_ends_in=16, config=DetectionConfig()), "interim.ending", B),
    ],
    ids=["renewal review", "interim ending"],
)
def test_a_warning_window_opens_between_two_nights(
    twins: tuple[Store, Store], plan: Plan, rule: str, order_id: str
) -> None:
    """Nothing is recorded between the nights of the 13th and 14th, and the warning is
    raised on the 14th.

    Catches an incremental run that judges only the orders something was recorded about
    since (compliance, duties, incidents): the window opens with time alone."""
    built = _built(twins, plan)
    _nights(twins, built, 0, 1)
    assert not _raised(twins[0], rule, order_id)
    ((incremental, _),) = _nights(twins, built, 2)
    assert incremental.incremental
    (warning,) = _raised(twins[0], rule, order_id)
    assert warning.alert_id in incremental.stored.new_ids


def test_a_notification_recorded_late_on_the_duty_of_an_ended_order(
    twins: tuple[Store, Store],
) -> None:
    """Order A's initial notification (SPA2019 s.9(1)) was never recorded: ST19002 from
    2024, shown ended when A ended. After the nights of the 16th and 17th judged A ended, a
    notification given on 2 January is recorded, and that what it said was false (s.11(1)(b)).

    Catches an incremental run that skips dormant orders without taking back those whose
    notification duty changed since (or judges a duty without its order): the ST19002
    alert would keep its old end, and no ST19006 would be raised."""
    plan = _built(twins, Plan())
    _nights(twins, plan, 4, 5)
    given = DAY0.subtract(days=10).add(hours=11)
    _on_duty(twins, lambda d: _notified(d, given))
    _on_duty(twins, lambda d: _false(d, DAY0.add(days=5, hours=12)))
    ((incremental, _),) = _nights(twins, plan, 6)
    assert incremental.incremental
    (initial,) = _of(incremental, "notification.ST19002")
    (false,) = _of(incremental, "notification.ST19006")
    assert initial.alert_id in incremental.stored.updated_ids
    assert "It ended on 2 January 2026" in initial.explanation
    assert false.alert_id in incremental.stored.new_ids


def test_two_nights_in_a_row_after_an_order_expired_store_nothing(
    twins: tuple[Store, Store],
) -> None:
    """Order A, in force on the night of the 13th, ended as the 15th began. The night of
    the 16th stores its last sign-on day and its duty's failure as ended; the night of the
    17th stores nothing new and updates nothing.

    Catches an incremental run that skips the orders not in force *now* rather than at the
    previous run's instant (the night of the 16th would miss the last day and the end), and
    one whose alerts of a dormant order differ from night to night."""
    plan = _built(twins, Plan())
    _, (ended, _), (after, _) = _nights(twins, plan, 1, 4, 5)
    assert ended.incremental
    assert after.incremental
    updated = {a.rule_id for a in ended.alerts if a.alert_id in ended.stored.updated_ids}
    assert updated == {"notification.ST19002", "requirement.sign_on"}
    assert (after.stored.new, after.stored.updated) == (0, 0)


def _notified(duty: NotificationDuty, at: pendulum.DateTime) -> Fired[NotificationDuty]:
    return record_notification(duty, at=at, actor="PC 1", station="Central", police_area=AREA)


def _false(duty: NotificationDuty, at: pendulum.DateTime, n: int = 0) -> Fired[NotificationDuty]:
    # One of two details: the same false information recorded twice is one alert (the
    # duplicate once stopped every run: tests/detection/test_notification_duplicates.py).
    detail = f"a false home address (record {n % 2})"
    return record_false_information(duty, at=at, actor="PC 1", detail=detail)


# --- any history ------------------------------------------------------------------------

#: Case commands a step may try (each changes an order, so the next run is full): refused
#: ones (an order already ended, a period not over) change nothing, in both stores.
COMMANDS = tuple(
    f"discharge {B},renew {B},renew {C},expire {A},expire {B},expire {C},vary {D}".split(",")
)


def _command(store: Store, *, command: str, at: pendulum.DateTime) -> None:
    what, order_id = command.split()
    court = Party.chief_officer(CHIEF)
    if what == "discharge":
        discharge_order(store, order_id, at=at, actor=ACTOR, applied_by=Party.defendant())
    elif what == "renew":
        longer = Duration(weeks=12) if order_id == B else Duration(years=3)
        renew_order(store, order_id, at=at, actor=ACTOR, applied_by=court, duration=longer)
    elif what == "expire":
        expire_order(store, order_id, at=at, actor=ACTOR)
    else:  # the sign-on requirement lifted (SPA2019 s.4(1))
        vary_order(store, order_id, at=at, actor=ACTOR, applied_by=court, terms=[NO_CONTACT])


@st.composite
def plans(draw: st.DrawFn) -> Plan:
    """Order A and one to three of B, C and D, across one or two defendants."""
    others = draw(st.sets(st.sampled_from((B, C, D)), min_size=1))
    present = [A, *sorted(others)]
    config = DetectionConfig(
        group_days=draw(st.sampled_from((1, 3, 7))),
        interim_warning_days=draw(st.sampled_from((3, 14))),
        renewal_review_days=draw(st.sampled_from((7, 30, 90))),
    )
    return Plan(
        ends_in=draw(st.integers(1, 21)),
        due_before_end=draw(st.integers(0, 3)),
        weekdays=draw(st.frozensets(st.integers(0, 6), min_size=1, max_size=3)),
        interim_ends_in=draw(st.integers(1, 40)) if B in others else None,
        review_opens_in=draw(st.integers(1, 40)) if C in others else None,
        open_ended=D in others,
        owners=draw(st.tuples(*[st.sampled_from(("D1", "D2"))] * 4)),
        duty_on=draw(st.sampled_from(present)),
        config=config,
    )


@attrs.frozen
class Step:
    """What happens before one night's run (instants as percentages of a span to now)."""

    hours: int  # since the previous run
    sign_ons: tuple[tuple[str, int], ...] = ()  # (order, day after the first night's) late
    met: int | None = None  # A's requirement met, from 14 days before the first night
    duty: tuple[str, int] | None = None  # a change to the duty, from 30 days before it
    command: str | None = None
    incident: tuple[int, int] | None = None  # (which defendant, hours before the run)


_STEPS = st.builds(
    Step,
    hours=st.integers(0, 24 * 10),
    sign_ons=st.lists(st.tuples(st.sampled_from((A, D)), st.integers(-14, 60)), max_size=3).map(
        tuple
    ),
    met=st.none() | st.integers(0, 100),
    duty=st.none() | st.tuples(st.sampled_from(("notify", "name", "false")), st.integers(0, 100)),
    command=st.sampled_from((None, None, None, None, *COMMANDS)),
    incident=st.none() | st.tuples(st.integers(0, 1), st.integers(0, 24 * 10)),
)


def _between(start: pendulum.DateTime, end: pendulum.DateTime, percent: int) -> pendulum.DateTime:
    """The whole minute ``percent`` of the way from ``start`` to ``end``."""
    minutes = int((end - start).total_seconds() // 60)
    return start.add(minutes=minutes * percent // 100)


def _duty_change(
    duty: NotificationDuty, what: str, at: pendulum.DateTime, n: int
) -> Fired[NotificationDuty] | None:
    if what == "notify":
        return _notified(duty, at)
    if what == "false":
        return _false(duty, at, n)
    # Two new names may arise on one day: one "deadline approaching" warning for both.
    return record_new_name(duty, at=at, actor="PC 1", name=f"Alias Number {n}")


def _latest(duty: NotificationDuty) -> pendulum.DateTime:
    """The latest instant the duty records (a change is not dated before it)."""
    times = [t for _, t in recorded_times(duty) if t is not None]
    return max(times, key=lambda t: t.timestamp())


#: As the settled sign-on tests': each example builds twin stores (a database each on
#: PostgreSQL) and runs detection several times, so a fixed number of examples, as the
#: quick profile's, in CI too.
_SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _late_records(
    plan: Plan, step: Step, n: int, at: pendulum.DateTime, signed: set[tuple[str, int]]
) -> list[ComplianceRecord]:
    """The step's sign-ons on days begun before ``at`` (on A, maybe ended, or D) and A's
    requirement met, all recorded late."""
    days = sorted(set(step.sign_ons) - signed)
    days = [(o, d) for o, d in days if o in plan.present and DAY0.add(days=d, hours=10) < at]
    signed.update(days)
    late = [_sign_on(o, plan.owner(o), day) for o, day in days]
    if step.met is not None:
        met = _between(DAY0.subtract(days=14), at, step.met)
        late.append(ComplianceRecord(f"R-{n}", plan.owner(A), A, "T3", met))
    return late


def _incident(
    drawn: tuple[int, int], n: int, at: pendulum.DateTime, defendants: list[str]
) -> Incident:
    """A message to P1 by one of ``defendants``, some hours before ``at``."""
    who, hours = drawn
    return incident(
        f"I-{n}", at.subtract(hours=hours), defendant_id=defendants[who % len(defendants)]
    )


def _duty_step(
    stores: tuple[Store, Store], what: str, percent: int, n: int, at: pendulum.DateTime
) -> None:
    """A change to the duty dated between its latest record (or 30 days before the first
    night) and ``at``: often before the order ended, recorded after."""
    start = max(_latest(_duty(stores[0])), DAY0.subtract(days=30), key=lambda t: t.timestamp())
    if start < at:
        when = _between(start, at, percent)
        _on_duty(stores, lambda d: _duty_change(d, what, when, n))


@_SETTINGS
@given(plan=plans(), steps=st.lists(_STEPS, min_size=2, max_size=7))
def test_dormant_orders_runs_store_what_full_runs_store(
    new_store: NewStore, plan: Plan, steps: list[Step]
) -> None:
    """Any history of nights over a force whose orders end, with sign-ons, requirements met
    and notifications recorded late, orders changed and incidents added: the stores stay
    twins, and a night with no order changed since the last is incremental."""
    defendants = sorted({plan.owner(o) for o in plan.present})
    at = NIGHT
    signed: set[tuple[str, int]] = set()
    with new_store() as incremental, new_store() as full:
        stores = (incremental, full)
        _built(stores, plan)
        for n, step in enumerate(steps):
            at = at.add(hours=step.hours)
            made = () if step.incident is None else (_incident(step.incident, n, at, defendants),)
            _record(stores, *_late_records(plan, step, n, at, signed), incidents=made)
            if step.duty is not None:
                _duty_step(stores, *step.duty, n, at)
            command = step.command
            if command is not None and command.split()[1] in plan.present:
                _each(stores, functools.partial(_command, command=command, at=at))
            night, _ = _both(stores, at, plan.config)
            if n > 0:  # an order served, varied, renewed, discharged... stays incremental
                assert night.incremental, night.full_reason
