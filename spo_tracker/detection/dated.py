"""Dated rules: what has failed, or is about to, by a given instant.

These rules rest on dates and recorded facts rather than on incidents:

- positive requirements not met by their due date, and sign-on days missed
  (breach of an order, SPA2019 s.8(1); the terms are SPA2019 s.1(2)(b));
- notification failures and approaching notification deadlines, turned into
  alerts from :mod:`spo_tracker.domain.notification` (SPA2019 s.9-s.11);
- an interim order near the end of its fixed period while the main
  application is undetermined (SPA2019 s.5(6));
- a fixed full order approaching expiry: a renewal review (SPA2019 s.4; an
  expired order cannot be renewed).

Every function takes ``at`` (the instant to judge as of) and never reads the
clock. Alerts are deterministic: ``identified_at`` is the instant the alert
first became due (the start of the failure, or of the warning window), not
``at``, so running the check again later gives the same alert.

The requirement rules are in :mod:`spo_tracker.detection._requirements`;
import :func:`requirement_alerts` from here.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Collection, Iterable, Mapping

import attrs
import pendulum

from spo_tracker.detection import explain
from spo_tracker.detection._clock import epoch, instant, last_day_text, london_text
from spo_tracker.detection._requirements import (
    SIGN_ON_ALERT_FORM,
    SettledSignOns,
    requirement_alerts,
    requirement_alerts_from_term_times,
    requirement_alerts_from_times,
)
from spo_tracker.detection.config import DetectionConfig
from spo_tracker.domain.alerts import Alert, AlertKind, Severity, alert_id_for
from spo_tracker.domain.notification import (
    NotificationDuty,
    NotificationFailure,
    deadlines_approaching,
    notification_failures,
)
from spo_tracker.domain.orders import Order, OrderKind
from spo_tracker.domain.statutory_time import ensure_aware, start_of_london_day
from spo_tracker.errors import InvalidValueError

__all__ = [
    "SIGN_ON_ALERT_FORM",
    "SettledSignOns",
    "interim_ending_alerts",
    "notification_alerts",
    "renewal_review_alerts",
    "requirement_alerts",
    "requirement_alerts_from_term_times",
    "requirement_alerts_from_times",
]


def _warning(order: Order, at: float, days: int) -> tuple[float, float] | None:
    """(window start, end) if ``at`` is within ``days`` London days of the order's fixed end."""
    period = order.period
    if not order.state.live or order.ended_at is not None or period is None:
        return None
    end = epoch(period.ends_at)
    opens = epoch(start_of_london_day(period.last_day.add(days=1).subtract(days=days)))
    return (opens, end) if opens <= at < end else None


def interim_ending_alerts(
    orders: Iterable[Order],
    at: _dt.datetime,
    *,
    config: DetectionConfig | None = None,
    determined_application_ids: Collection[str] = (),
) -> list[Alert]:
    """Interim orders whose fixed period ends within the warning days (SPA2019 s.5(6)).

    An interim order ceases when the main application is determined
    (s.5(6)(b)), so a live interim order means the application is still open;
    ``determined_application_ids`` names applications known to be decided whose
    interim order has not been closed yet, which are skipped. Renewal is on
    application (s.5(7)).

    Raises:
        NaiveDatetimeError: ``at`` has no time zone.
    """
    config = config or DetectionConfig()
    now = epoch(ensure_aware(at, field="at"))
    out = []
    for order in orders:
        if (
            order.kind is not OrderKind.INTERIM
            or order.application_id in determined_application_ids
        ):
            continue
        window = _warning(order, now, config.interim_warning_days)
        if window is not None:
            out.append(_ending_alert(order, window, interim=True))
    return out


def renewal_review_alerts(
    orders: Iterable[Order], at: _dt.datetime, *, config: DetectionConfig | None = None
) -> list[Alert]:
    """Fixed full orders that expire within the review days: review renewal (SPA2019 s.4).

    Raises:
        NaiveDatetimeError: ``at`` has no time zone.
    """
    config = config or DetectionConfig()
    now = epoch(ensure_aware(at, field="at"))
    out = []
    for order in orders:
        if order.kind is OrderKind.FULL:
            window = _warning(order, now, config.renewal_review_days)
            if window is not None:
                out.append(_ending_alert(order, window, interim=False))
    return out


def _ending_alert(order: Order, window: tuple[float, float], *, interim: bool) -> Alert:
    opens, end = window
    last_day = london_text(end - 1, clock=False)
    deadline = last_day_text(end - 1)
    if interim:
        rule, kind, section = "interim.ending", AlertKind.INTERIM_ENDING, "SPA2019 s.5(6)"
        title = f"Interim order {order.order_id}: main application open; {deadline}"
        text = (
            f"Interim order {order.order_id} has a fixed period ending at the end of {last_day} "
            f"(SPA2019 s.5(6)(a)) and the main application has not been determined. Decide "
            f"whether to apply to renew it (SPA2019 s.5(7), CJS application code ST19506) "
            f"or to have the application heard before then."
        )
        related: tuple[str, ...] = ("SPA2019 s.5(7)",)
    else:
        rule, kind, section = "renewal.review", AlertKind.RENEWAL_REVIEW, "SPA2019 s.4"
        title = f"Order {order.order_id}: review renewal; {deadline}"
        text = (
            f"Order {order.order_id} was made for a fixed period ending at the end of "
            f"{last_day}. An expired order cannot be renewed: review whether to apply to "
            f"renew it (SPA2019 s.4(1), CJS application code ST19503) before then."
        )
        related = ("SPA2019 s.3(2)",)
    return Alert(
        alert_id=alert_id_for(rule, order.defendant_id, order.order_id, end),
        rule_id=rule,
        kind=kind,
        severity=Severity.MEDIUM if interim else Severity.LOW,
        defendant_id=order.defendant_id,
        order_id=order.order_id,
        section=section,
        related_sections=related,
        title=title,
        explanation=text,
        identified_at=instant(opens),
        deadline=instant(end),
        appeal_pending=order.appeal_pending,
        protected_person_ids=order.protected_person_ids,
    )


def _failure_alert(
    duty: NotificationDuty, failure: NotificationFailure, order: Order | None
) -> Alert:
    began = start_of_london_day(failure.first_day_of_failure)
    status = (
        "The failure continues (SPA2019 s.11: the offence continues while it lasts)."
        if failure.continuing
        else f"It ended on {london_text(epoch(failure.ended_at))} (London time)."
        if failure.ended_at is not None
        else ""
    )
    detail = f" ({failure.detail})" if failure.code == "ST19003" and failure.detail else ""
    deadline = (
        ""
        if failure.deadline is None
        else (f" The deadline was the end of {failure.deadline.last_day} (London time).")
    )
    text = (
        f"Suspected notification offence under order {duty.order_id}: "
        f"{failure.offence.title}{detail}, from {failure.first_day_of_failure}.{deadline} "
        f"{status} CJS offence code {failure.code} ({failure.section}). {explain.REVIEW_NOTE}"
    )
    return Alert(
        alert_id=alert_id_for(
            f"notification.{failure.code}",
            duty.defendant_id,
            duty.order_id,
            failure.first_day_of_failure,
            failure.detail,
        ),
        rule_id=f"notification.{failure.code}",
        kind=AlertKind.NOTIFICATION,
        severity=Severity.MEDIUM,
        defendant_id=duty.defendant_id,
        order_id=duty.order_id,
        section=failure.section,
        related_sections=("SPA2019 s.11(1)",),
        cjs_code=failure.code,
        title=f"Suspected notification offence {failure.code}: {failure.offence.title}",
        explanation=" ".join(text.split()),
        breach_time=began,
        identified_at=began,
        deadline=None if failure.deadline is None else failure.deadline.ends_at,
        appeal_pending=False if order is None else order.appeal_pending,
        protected_person_ids=() if order is None else order.protected_person_ids,
    )


def _duty_orders(duty: NotificationDuty, by_id: Mapping[str, Order]) -> tuple[Order, ...]:
    """The known orders a duty has run under: its order and the interim ones it replaced."""
    ids = (duty.order_id, *duty.replaced_order_ids)
    return tuple(by_id[i] for i in ids if i in by_id)


def _any_in_force(orders: Iterable[Order], at: _dt.datetime) -> bool:
    return any(o.in_force_at(at) for o in orders)


def _committed_at(failure: NotificationFailure) -> pendulum.DateTime:
    """When the offence was first committed: the start of its first day of failure, or, for
    a refusal or false information (no deadline), the instant recorded (SPA2019 s.11(1))."""
    if failure.deadline is None and failure.ended_at is not None:
        return failure.ended_at
    return start_of_london_day(failure.first_day_of_failure)


def _order_end(order: Order) -> pendulum.DateTime | None:
    """When ``order`` stopped being in force (ended, or its fixed period over), if it has."""
    if order.ended_at is not None:
        return order.ended_at
    return None if order.period is None else order.period.ends_at


def _while_in_force(
    failures: Iterable[NotificationFailure], orders: tuple[Order, ...], now: pendulum.DateTime
) -> list[NotificationFailure]:
    """The failures first committed while one of ``orders`` was in force (SPA2019 s.9(1));
    one still lasting after every order has ended is shown as ended then. With no order
    known, every failure."""
    if not orders:
        return list(failures)
    ends = [_order_end(o) for o in orders]
    stopped = None
    if not _any_in_force(orders, now) and all(e is not None for e in ends):
        stopped = max((e for e in ends if e is not None), key=lambda e: e.timestamp())
    kept = []
    for failure in failures:
        if not _any_in_force(orders, _committed_at(failure)):
            continue
        end = failure.ended_at
        if stopped is not None and (end is None or stopped.timestamp() < end.timestamp()):
            failure = attrs.evolve(failure, continuing=False, ended_at=stopped)
        kept.append(failure)
    return kept


def notification_alerts(
    duties: Iterable[NotificationDuty],
    at: _dt.datetime,
    *,
    config: DetectionConfig | None = None,
    orders: Mapping[str, Order] | None = None,
) -> list[Alert]:
    """Alerts for notification failures and for deadlines about to pass (SPA2019 s.9-s.11).

    Failures come from :func:`~spo_tracker.domain.notification.notification_failures`
    (one alert each: ST19002 initial, ST19003 name, ST19004 address, ST19005
    fingerprints or photographs, ST19006 false information); deadlines ending
    within ``config.notification_warning_hours`` of ``at`` come from
    :func:`~spo_tracker.domain.notification.deadlines_approaching`. ``orders``
    (by id) adds the appeal flag and the protected persons.

    The duty binds only a defendant subject to an order (SPA2019 s.9(1)), so
    with ``orders`` given no alert is raised for a day on which none of the
    duty's orders (its order and the interim orders it replaced, s.9(1)(a)) was
    in force, whatever the stored duty says: a failure whose first day (for
    ST19005 and ST19006, whose instant) falls outside every order's time in
    force is dropped; one still continuing once every order has ended is shown
    as ended at the last order's end; and no deadline is announced while no
    order is in force. A duty none of whose orders is in ``orders`` is judged on
    the duty alone.

    Raises:
        NaiveDatetimeError: ``at`` has no time zone.
        InvalidValueError: a duty of the wrong type.
    """
    config = config or DetectionConfig()
    now = ensure_aware(at, field="at")
    within = _dt.timedelta(hours=config.notification_warning_hours)
    by_id = orders or {}
    out = []
    for duty in duties:
        if not isinstance(duty, NotificationDuty):
            raise InvalidValueError("duty", duty, "expected a NotificationDuty")
        order = by_id.get(duty.order_id)
        bound = _duty_orders(duty, by_id)
        failures = _while_in_force(notification_failures(duty, now), bound, now)
        out += [_failure_alert(duty, f, order) for f in _distinct(failures)]
        if bound and not _any_in_force(bound, now):
            continue  # no order binds the defendant now: no deadline to announce (s.9(1))
        announced: set[tuple[str, float]] = set()
        for soon in deadlines_approaching(duty, now, within):
            # Two items of one kind due at one instant (two new names arising on one day,
            # s.9(3)) are one warning: its id and words name the kind and the deadline.
            if (soon.item.kind.value, epoch(soon.ends_at)) in announced:
                continue
            announced.add((soon.item.kind.value, epoch(soon.ends_at)))
            out.append(
                _approaching_alert(
                    duty,
                    soon.item.kind.value,
                    soon.ends_at,
                    soon.item.section,
                    soon.offence.code,
                    soon.offence.title,
                    within,
                    order,
                )
            )
    # Two duties under one order (a record entered twice) would raise the same alerts:
    # one of each, the first, so that no detection run refuses to store them.
    kept: dict[str, Alert] = {}
    for alert in out:
        kept.setdefault(alert.alert_id, alert)
    return list(kept.values())


def _distinct(failures: Iterable[NotificationFailure]) -> list[NotificationFailure]:
    """One failure per alert id (offence, first day, detail): two the same are one
    suspected offence (a false-information record entered twice, SPA2019 s.11(1)(b); a
    refusal recorded twice, s.11(1)(a)), shown once, as still continuing if either is.
    Without this, the two alerts would share an id and every detection run would refuse
    to store its alerts."""
    kept: dict[tuple[str, object, str], NotificationFailure] = {}
    for failure in failures:
        key = (failure.code, failure.first_day_of_failure, failure.detail)
        held = kept.get(key)
        if held is None or (failure.continuing and not held.continuing):
            kept[key] = failure
    return list(kept.values())


def _approaching_alert(
    duty: NotificationDuty,
    item: str,
    ends_at: pendulum.DateTime,
    section: str,
    code: str,
    offence: str,
    within: _dt.timedelta,
    order: Order | None,
) -> Alert:
    end = epoch(ends_at)
    opens = end - within.total_seconds()
    text = (
        f"The defendant must notify ({item.replace('_', ' ')}) under order {duty.order_id} by "
        f"the end of {london_text(end - 1, clock=False)} (London time) ({section}). If not, "
        f"the offence is {offence} (CJS offence code {code})."
    )
    return Alert(
        alert_id=alert_id_for(
            "notification.deadline_approaching", duty.defendant_id, duty.order_id, item, end
        ),
        rule_id="notification.deadline_approaching",
        kind=AlertKind.DEADLINE_APPROACHING,
        severity=Severity.MEDIUM,
        defendant_id=duty.defendant_id,
        order_id=duty.order_id,
        section=section,
        related_sections=("SPA2019 s.11(1)",),
        cjs_code=code,
        title=f"Notification deadline approaching under order {duty.order_id}",
        explanation=text,
        identified_at=instant(opens),
        deadline=instant(end),
        appeal_pending=False if order is None else order.appeal_pending,
        protected_person_ids=() if order is None else order.protected_person_ids,
    )
