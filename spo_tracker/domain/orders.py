"""Stalking Protection Orders and interim orders, as immutable versions.

An :class:`Order` holds everything SPA2019 s.6 requires an order to state:
(a) the date made, (b) whether it has a fixed period and its length, (c) each
prohibition and requirement, (d) any locality limit, (e) any term whose period
differs from the order's. Each variation, renewal or appeal outcome appends a
new :class:`OrderVersion`; earlier versions are kept as they were.

The lifecycle (made, served, varied, renewed, discharged, expired, ceased,
appeals) lives in :mod:`spo_tracker.domain.lifecycles`; this module holds the
records and the rules on their shape.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from typing import Final, TypeVar

import attrs
import pendulum

from spo_tracker.domain._order_parts import (
    MAX_DURATION_PART,
    Duration,
    OrderKind,
    OrderOrigin,
    OrderState,
    OrderVersion,
    VersionCause,
    _version_number,
)
from spo_tracker.domain.appeals import PendingAppeal
from spo_tracker.domain.limits import LONG_TEXT_MAX_LENGTH
from spo_tracker.domain.people import ChiefOfficer
from spo_tracker.domain.statutory_time import (
    DayPeriod,
    as_london_date,
    ensure_aware,
    ensure_date,
    instant_before,
    years_beginning_with,
)
from spo_tracker.domain.terms import PositiveRequirement, Term, find_incompatibilities
from spo_tracker.domain.validators import (
    check_bool,
    check_id,
    check_text,
    identifier,
    instance_of,
    non_empty_text,
    optional_identifier,
)
from spo_tracker.errors import (
    IncompatibleTermError,
    InvalidValueError,
    OrderPeriodError,
    UnknownCodeError,
)

_TermT = TypeVar("_TermT", bound=Term)

__all__ = [
    "MAX_DURATION_PART",
    "Duration",
    "Order",
    "OrderKind",
    "OrderOrigin",
    "OrderState",
    "OrderVersion",
    "VersionCause",
    "check_fixed_period",
    "check_terms_compatible",
]


def _order_kind(kind: object) -> OrderKind:
    if isinstance(kind, OrderKind):
        return kind
    try:
        return OrderKind(kind)
    except ValueError:
        raise UnknownCodeError("kind", kind, [k.value for k in OrderKind]) from None


def check_fixed_period(kind: OrderKind, made_on: pendulum.Date, period: DayPeriod | None) -> None:
    """Refuse a period the Act does not allow.

    A fixed period is counted from the day the order is made, so it must begin
    on ``made_on``: a later start would shorten it below what was ordered.

    Raises:
        OrderPeriodError: an interim order without a fixed period (SPA2019 s.5(6)(a)),
            a fixed period that does not begin with the day made (s.3(2)), or a full
            order fixed for less than 2 years beginning with the day it was made (s.3(2)).
        UnknownCodeError: ``kind`` is not an order kind.
    """
    kind = _order_kind(kind)
    made_on = ensure_date(made_on, field="made_on")
    if period is not None and period.first_day != made_on:
        raise OrderPeriodError(
            "period",
            f"{period.first_day}..{period.last_day}",
            f"a fixed period begins with the day the order is made, {made_on} (SPA2019 s.3(2))",
        )
    if kind is OrderKind.INTERIM and period is None:
        raise OrderPeriodError(
            "period", None, "an interim order has a fixed period (SPA2019 s.5(6)(a))"
        )
    if kind is OrderKind.FULL and period is not None:
        minimum = years_beginning_with(made_on, 2)
        if period.last_day < minimum.last_day:
            raise OrderPeriodError(
                "period",
                f"{period.first_day}..{period.last_day}",
                f"a fixed order runs at least 2 years beginning with the day made, to the end "
                f"of {minimum.last_day} (SPA2019 s.3(2))",
            )


def check_terms_compatible(terms: Iterable[Term], live_orders: Iterable[Order]) -> None:
    """Refuse terms that clash with a term of another live order (SPA2019 s.2(6)-(7)).

    Raises:
        IncompatibleTermError: naming the first clash found.
    """
    new = list(terms)
    for other in live_orders:
        clashes = find_incompatibilities(new, other.current.terms)
        if clashes:
            raise IncompatibleTermError(
                "terms",
                other.order_id,
                f"incompatible with live order: {clashes[0]} (SPA2019 s.2(7))",
            )


#: Whether instant ``a`` is before instant ``b`` (right in the repeated autumn hour).
_before: Final = instant_before


# The section behind the rules that an order protects someone, and only its own persons.
_PROTECTS: Final = "SPA2019 s.2(1)(c)"


_optional_id: Final = optional_identifier


def _flag(_: object, attribute: attrs.Attribute[bool], value: object) -> None:
    check_bool(attribute.name, value)


def _optional_long_text(_: object, attribute: attrs.Attribute[str | None], value: object) -> None:
    if value is not None:
        check_text(
            attribute.name, value, max_length=LONG_TEXT_MAX_LENGTH, blank_ok=True, multiline=True
        )


def _person_ids(value: object) -> tuple[str, ...]:
    """The protected persons as a tuple; a bare string is refused, not split into letters."""
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise InvalidValueError(
            "protected_person_ids", value, "give a collection of person ids, e.g. ['P1']"
        )
    return tuple(value)


def _protects_someone(
    _: object, attribute: attrs.Attribute[tuple[str, ...]], value: object
) -> None:
    ids = tuple(value) if isinstance(value, tuple) else ()
    if not ids:
        raise InvalidValueError(
            "protected_person_ids",
            value,
            f"an order protects at least one person from the risk ({_PROTECTS})",
        )
    for person in ids:
        check_id("protected_person_ids", person)
    if len(set(ids)) != len(ids):
        raise InvalidValueError("protected_person_ids", value, "a person is named twice")


def _made_at(value: object) -> pendulum.DateTime:
    return ensure_aware(value, field="made_at")


def _served_at(value: object) -> pendulum.DateTime | None:
    return None if value is None else ensure_aware(value, field="served_at")


def _ended_at(value: object) -> pendulum.DateTime | None:
    return None if value is None else ensure_aware(value, field="ended_at")


#: A span ``[start, end)`` in which an order was not in force (see ``Order.not_in_force``).
Span = tuple[pendulum.DateTime, pendulum.DateTime]


def _spans(value: object) -> tuple[Span, ...]:
    """Converter: the not-in-force spans as a tuple of (aware start, aware end) pairs."""
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise InvalidValueError("not_in_force", value, "give a collection of (start, end) pairs")
    spans = []
    for item in value:
        pair = (
            () if isinstance(item, str | bytes) or not isinstance(item, Iterable) else tuple(item)
        )
        if len(pair) != 2:
            raise InvalidValueError("not_in_force", item, "each span is a (start, end) pair")
        start, end = pair
        spans.append(
            (ensure_aware(start, field="not_in_force"), ensure_aware(end, field="not_in_force"))
        )
    return tuple(spans)


def _check_terms_fit(protected: tuple[str, ...], versions: tuple[OrderVersion, ...]) -> None:
    """Each version's terms name only protected persons and impose no requirement already due.

    SPA2019 s.2(1)(c): the order protects "the person" at risk; a term naming
    anyone else (any term type with ``persons``) would bind the defendant about
    a person the court made no finding for, and reports redact only the order's
    own protected persons.

    Library rule: a positive requirement is not due before the version that
    imposed it was decided (version 1: the day made), since it could never be
    met. A requirement a later version keeps unchanged keeps its date, so only
    requirements new or changed in a version are compared with its day.

    Runs on every copy a transition makes, so it is cheap: a version that keeps
    the previous version's terms (the same tuple) is skipped, and terms are
    compared only when a requirement's date is before its version's day.
    """
    allowed = frozenset(protected)
    previous: tuple[Term, ...] = ()
    for version in versions:
        _check_version_terms(protected, allowed, version, previous)
        previous = version.terms


def _check_version_terms(
    protected: tuple[str, ...],
    allowed: frozenset[str],
    version: OrderVersion,
    previous: tuple[Term, ...],
) -> None:
    """:func:`_check_terms_fit` for one version, given the previous version's terms."""
    if version.terms is previous:
        return
    for term in version.terms:
        persons = getattr(term, "persons", None)
        if persons and not allowed.issuperset(persons):
            raise InvalidValueError(
                "terms",
                f"{term.term_id}: {', '.join(sorted(set(persons) - allowed))}",
                f"version {version.number} names a person the order does not protect "
                f"(protected: {', '.join(protected)}; {_PROTECTS})",
            )
        if (
            isinstance(term, PositiveRequirement)
            and term.due_on < version.decided_on
            and term not in previous
        ):
            raise InvalidValueError(
                "terms",
                f"{term.term_id}: due on {term.due_on}",
                f"a positive requirement is due on or after the day version "
                f"{version.number} imposed it, {version.decided_on} (library rule)",
            )


@attrs.frozen
class Order:
    """An interim or full Stalking Protection Order with its version history.

    Build one with :func:`spo_tracker.domain.lifecycles.make_order`, which
    checks the statutory rules. The constructor checks the record itself, on
    every path that builds one (making, storage, interchange): non-empty ids
    and court; at least one protected person, given as a collection of ids
    (SPA2019 s.2(1)(c): the order protects "the person" at risk); every person a
    term names among them (s.2(1)(c)); a positive requirement not due before the
    version that imposed it (library rule); versions in order; service and end
    not before the making.

    Raises:
        InvalidValueError: naming the field and the value.

    Attributes:
        order_id: stable id.
        kind: interim or full.
        origin: police application, or court on conviction or acquittal.
        defendant_id: the defendant.
        protected_person_ids: the persons the order protects (s.2(1)(c)).
        applicant: the chief officer who applied (s.1(1)).
        court: the court that made it (magistrates' or youth court, s.13(1)).
        made_at: when it was made; ``made_on`` is its London day (s.6(a)).
        versions: every version, oldest first; never rewritten.
        state: lifecycle state.
        application_id: the application it was made on, if any.
        replaces_order_id: the interim order a full order replaces (s.9(1)(a)).
        served_at: when it was served on the defendant (OPEN: not the same as made).
        appeal_pending: an appeal to the Crown Court is pending (s.7); no stay.
        appeal: who appealed and against what, while the appeal is pending
            (s.7(1)-(3)); ``None`` when none is, or for an appeal recorded before
            the library kept them (``appeal_pending`` without ``appeal``).
        ended_at: when it was discharged, expired, ceased or quashed.
        end_reason: why it ended.
        not_in_force: the spans ``[start, end)``, oldest first, in which the order was
            not in force though it is live again: a discharge later quashed on appeal
            (SPA2019 s.7(4)) leaves the span from the discharge to the restoration.
        revision: bumped by every change, for optimistic concurrency in storage.
    """

    order_id: str = attrs.field(validator=identifier)
    kind: OrderKind
    origin: OrderOrigin
    defendant_id: str = attrs.field(validator=identifier)
    protected_person_ids: tuple[str, ...] = attrs.field(
        converter=_person_ids, validator=_protects_someone
    )
    applicant: ChiefOfficer = attrs.field(validator=instance_of(ChiefOfficer))
    court: str = attrs.field(validator=non_empty_text)
    made_at: pendulum.DateTime = attrs.field(converter=_made_at)
    versions: tuple[OrderVersion, ...] = attrs.field()
    state: OrderState = attrs.field(default=OrderState.MADE, validator=instance_of(OrderState))
    application_id: str | None = attrs.field(default=None, validator=_optional_id)
    replaces_order_id: str | None = attrs.field(default=None, validator=_optional_id)
    served_at: pendulum.DateTime | None = attrs.field(default=None, converter=_served_at)
    appeal_pending: bool = attrs.field(default=False, validator=_flag)
    appeal: PendingAppeal | None = attrs.field(
        default=None, validator=instance_of(PendingAppeal, optional=True)
    )
    ended_at: pendulum.DateTime | None = attrs.field(default=None, converter=_ended_at)
    end_reason: str | None = attrs.field(default=None, validator=_optional_long_text)
    not_in_force: tuple[Span, ...] = attrs.field(default=(), converter=_spans, kw_only=True)
    revision: int = attrs.field(default=1, validator=_version_number)

    @versions.validator
    def _check_versions(self, _: attrs.Attribute[tuple[OrderVersion, ...]], value: object) -> None:
        if not isinstance(value, tuple) or not value:
            raise InvalidValueError("versions", value, "an order has at least one version")
        if not all(isinstance(v, OrderVersion) for v in value):
            raise InvalidValueError("versions", value, "must be OrderVersion records")
        numbers = [v.number for v in value]
        if numbers != list(range(1, len(value) + 1)):
            raise InvalidValueError("versions", numbers, "versions are numbered 1, 2, 3...")
        decided = [v.decided_on for v in value]
        if decided != sorted(decided):
            # version_at picks the latest version decided by then: history must be in order.
            raise InvalidValueError("versions", [str(d) for d in decided], "decided out of order")
        if len(value) > 1 or value[0].decided_at is not None:
            self._check_version_instants(value)

    def _check_version_instants(self, versions: tuple[OrderVersion, ...]) -> None:
        """Version 1 is decided when the order was made; later ones not before, and in order.

        A version recorded without ``decided_at`` starts at the start of its day,
        which may be before ``made_at``: only a recorded instant is compared with it.
        """
        first = versions[0].decided_at
        # Instants: in the repeated autumn hour 01:30 BST and 01:30 GMT have one wall clock,
        # and 01:30 GMT in London is never == the same instant in UTC.
        if first is not None and (_before(first, self.made_at) or _before(self.made_at, first)):
            raise InvalidValueError(
                "decided_at", first, f"version 1 is decided when the order was made, {self.made_at}"
            )
        previous: pendulum.DateTime | None = None
        for version in versions[1:]:
            at = version.decided_at
            if at is not None and _before(at, self.made_at):
                raise InvalidValueError(
                    "decided_at", at, f"version {version.number} is before made_at {self.made_at}"
                )
            starts = version.starts_at
            if previous is not None and _before(starts, previous):
                raise InvalidValueError(
                    "versions",
                    [str(v.starts_at) for v in versions[1:]],
                    "decided out of order",
                )
            previous = starts

    @not_in_force.validator
    def _check_spans(self, _: attrs.Attribute[tuple[Span, ...]], value: tuple[Span, ...]) -> None:
        """Each span is non-empty, after the making, and they follow one another."""
        bound = self.made_at
        for start, end in value:
            if _before(start, bound) or not _before(start, end):
                raise InvalidValueError(
                    "not_in_force",
                    f"{start}..{end}",
                    f"a span starts after the previous one ends (or after made_at "
                    f"{self.made_at}) and before it ends itself",
                )
            bound = end

    def __attrs_post_init__(self) -> None:
        first = self.versions[0].decided_on
        if first != self.made_on:
            raise InvalidValueError(
                "versions", str(first), f"version 1 is decided on the day made, {self.made_on}"
            )
        if self.appeal is not None and not (
            isinstance(self.appeal, PendingAppeal) and self.appeal_pending
        ):
            raise InvalidValueError(
                "appeal", self.appeal, "a PendingAppeal, kept only while appeal_pending is True"
            )
        for name in ("served_at", "ended_at"):
            when = getattr(self, name)
            if when is not None and _before(when, self.made_at):
                raise InvalidValueError(name, when, f"is before made_at {self.made_at}")
        gaps = self.not_in_force
        if gaps and self.ended_at is not None and _before(self.ended_at, gaps[-1][1]):
            raise InvalidValueError(
                "ended_at", self.ended_at, f"is before the order was restored, {gaps[-1][1]}"
            )
        _check_terms_fit(self.protected_person_ids, self.versions)

    @property
    def subject_id(self) -> str:
        """The order id, for lifecycles and audit."""
        return self.order_id

    @property
    def made_on(self) -> pendulum.Date:
        """The London day the order was made (SPA2019 s.6(a))."""
        return as_london_date(self.made_at)

    @property
    def current(self) -> OrderVersion:
        """The latest version."""
        return self.versions[-1]

    @property
    def terms(self) -> tuple[Term, ...]:
        """The current version's terms."""
        return self.current.terms

    @property
    def period(self) -> DayPeriod | None:
        """The current fixed period, or ``None`` until further order."""
        return self.current.period

    def terms_in_any_version(self, kind: type[_TermT]) -> list[_TermT]:
        """The terms of type ``kind`` in every version, oldest version first (a term kept
        by a variation appears once per version holding it)."""
        return [t for v in self.versions for t in v.terms if isinstance(t, kind)]

    @property
    def two_year_point(self) -> DayPeriod:
        """The 2 years beginning with the day made: the s.4(4)(b) consent period."""
        return years_beginning_with(self.made_on, 2)

    def version_at(self, at: _dt.datetime) -> OrderVersion:
        """The version in force at the instant ``at``: the latest decided by then.

        A variation, renewal or variation on appeal takes effect from the moment
        the court decided it (``OrderVersion.decided_at``), not from the start of
        that day; a version recorded without that instant counts from the start
        of its London day (``OrderVersion.starts_at``). Before any later version,
        version 1 (the order as made).

        Raises:
            NaiveDatetimeError: ``at`` has no time zone.
        """
        at = ensure_aware(at, field="at")
        chosen = self.versions[0]
        for version in self.versions[1:]:
            if _before(at, version.starts_at):
                break  # versions start in order (checked when the order is built)
            chosen = version
        return chosen

    def in_force_at(self, at: _dt.datetime) -> bool:
        """Made by ``at``, not ended by then, not in a not-in-force span, and inside
        its fixed period if it has one.

        A fixed period ends at London midnight after its last day (SPA2019 s.3(2)).
        An order discharged and then restored on appeal (SPA2019 s.7(4)) was not
        in force between the discharge and the restoration (``not_in_force``):
        the discharge had effect until the Crown Court quashed it, and conduct in
        between breached no order (s.8(1) needs an order in force).
        Instants are compared as instants, so the repeated autumn hour is ordered correctly.

        Raises:
            NaiveDatetimeError: ``at`` has no time zone.
        """
        at = ensure_aware(at, field="at")
        if _before(at, self.made_at):
            return False
        if self.ended_at is not None and not _before(at, self.ended_at):
            return False
        for start, end in self.not_in_force:
            if not _before(at, start) and _before(at, end):
                return False
        period = self.version_at(at).period
        return period is None or _before(at, period.ends_at)
