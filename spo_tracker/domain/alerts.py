"""The alert record: what detection hands to officers, reports and exports.

An :class:`Alert` is one thing an officer must look at: a grouped suspected
breach of a term (SPA2019 s.8(1)), a suspected notification offence (s.11),
or a warning where no offence is suspected yet (escalation, a course of
conduct against an unprotected person, an interim order near its end, a
renewal review, a notification deadline approaching).

Software only *flags* a suspected breach for review: "without reasonable
excuse" is for a court (SPA2019 s.8(1)). The wording of every alert says so.

Alerts are frozen and hold plain values (strings, tuples, aware datetimes,
enums with string values); :meth:`Alert.as_dict` and :meth:`Alert.from_dict`
turn one into JSON-ready primitives and back. An alert's id is derived from
what identifies it (rule, defendant, order, term and grouping window), never
from a counter or the clock, so re-running detection gives the same ids and an
alert that grows by one more incident keeps its id.

Redaction: titles and explanations never contain a protected person's
address, whereabouts or any coordinates; they name terms, zone labels, counts,
platforms and times. A zone label cannot carry an address: the term catalogue
refuses one that looks like an address (a postcode or postcode district, a
house number and street; see :class:`~spo_tracker.domain.terms.ExclusionZone`).
A label may still name a street without a number, so reports and
``spo-tracker scan`` scrub titles and explanations of the protected persons'
streets and postcodes as well (:mod:`spo_tracker.reports`).
"""

from __future__ import annotations

import enum
import functools
import hashlib
from collections.abc import Iterable, Mapping
from typing import Any, Final

import attrs
import pendulum

from spo_tracker.domain.statutory_time import ensure_aware, epoch
from spo_tracker.domain.validators import non_blank
from spo_tracker.errors import InvalidValueError, UnknownCodeError

__all__ = [
    "BREACH_CODE",
    "NOTIFICATION_CODES",
    "Alert",
    "AlertKind",
    "Severity",
    "alert_id_for",
    "sort_alerts",
]

#: CJS offence code for breach of an SPO or interim SPO (SPA2019 s.8(1)).
BREACH_CODE: Final = "ST19001"

#: CJS offence codes for the notification offences (SPA2019 s.11), by what failed.
NOTIFICATION_CODES: Final[Mapping[str, str]] = {
    "initial": "ST19002",
    "new_name": "ST19003",
    "new_address": "ST19004",
    "fingerprints_or_photographs": "ST19005",
    "false_information": "ST19006",
}


class AlertKind(enum.Enum):
    """What an alert is about; the value is the stable code."""

    BREACH = "breach"
    NOTIFICATION = "notification"
    ESCALATION = "escalation"
    COURSE_OF_CONDUCT = "course_of_conduct"
    INTERIM_ENDING = "interim_ending"
    RENEWAL_REVIEW = "renewal_review"
    DEADLINE_APPROACHING = "deadline_approaching"


_SEVERITY_RANK: Final[dict[str, int]] = {
    "info": 0,
    "low": 1,
    "medium": 2,
    "high": 3,
    "critical": 4,
}


@functools.total_ordering
class Severity(enum.Enum):
    """How urgent an alert is; ordered ``INFO < LOW < MEDIUM < HIGH < CRITICAL``.

    The value is a stable string code, so serialised alerts stay readable; the
    order comes from :attr:`rank`.
    """

    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        """0 for ``INFO`` up to 4 for ``CRITICAL``."""
        return _SEVERITY_RANK[self.value]

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank < other.rank


def alert_id_for(*parts: object) -> str:
    """A stable alert id from the values that identify an alert.

    The same parts always give the same id (``AL-`` and 20 hex digits of a
    SHA-256), across processes and runs; ``None`` and ``""`` are distinct.
    """
    text = "\x1f".join("\x00" if p is None else str(p) for p in parts)
    return "AL-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def _ids(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


def _sorted_ids(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(set(value)))


def _kind(value: str | AlertKind) -> AlertKind:
    if isinstance(value, AlertKind):
        return value
    try:
        return AlertKind(value)
    except ValueError:
        raise UnknownCodeError("kind", value, [k.value for k in AlertKind]) from None


def _severity(value: str | Severity) -> Severity:
    if isinstance(value, Severity):
        return value
    try:
        return Severity(value)
    except ValueError:
        raise UnknownCodeError("severity", value, [s.value for s in Severity]) from None


@attrs.frozen(kw_only=True)
class Alert:
    """One alert for an officer to review.

    Attributes:
        alert_id: stable id from :func:`alert_id_for` over the alert's identifying
            content (rule, defendant, order, term, window); the same on every run.
        rule_id: the stable id of the rule that raised it, e.g. ``breach.platform_ban``.
        kind: breach, notification, escalation, course of conduct, interim ending,
            renewal review or deadline approaching.
        severity: how urgent (ordered).
        defendant_id: the defendant the alert is about.
        order_id: the order concerned; ``None`` for a course of conduct against a
            person no order protects.
        term_id: the term concerned, for term breaches; otherwise ``None``.
        term_code: the term's catalogue code (e.g. ``SPO-P03``), for term breaches.
        section: the main statutory citation, e.g. ``SPA2019 s.8(1)`` for a breach.
        related_sections: further citations, e.g. the term's own ``SPA2019 s.1(2)(a)``.
        cjs_code: the CJS offence code it points to (``ST19001`` breach,
            ``ST19002``-``ST19006`` notification offences); ``None`` for warnings.
        title: one line for lists; redaction-safe.
        explanation: plain English for the officer, ending with the reminder that
            this is a suspicion for review; never an address, place or coordinate.
        evidence_ids: the incident ids it rests on, in the order they happened
            (time, then id); empty for alerts that rest on dates alone.
        count: how many incidents (``len(evidence_ids)``), or 1 for a dated alert.
        first_seen: when the earliest evidence incident happened.
        last_seen: when the latest evidence incident happened.
        breach_time: when the suspected breach or failure began (MoJ electronic
            monitoring "breach time"): the first incident, or the first day of a
            notification failure.
        identified_at: when it became known (MoJ "time identified"): the earliest
            time the police learned of any evidence incident (its ``reported_at``,
            else its ``occurred_at``), or the ``at`` a dated check was run for.
        deadline: the deadline the alert is about (notification, expiry, interim end).
        window_start: start of the grouping window (London day by default), if grouped.
        window_end: exclusive end of the grouping window, if grouped.
        pre_service: some evidence happened after the order was made but before it was
            served: a possible lack of knowledge (an OPEN point, SPA2019 s.8).
        appeal_pending: the order is under appeal (SPA2019 s.7); it is still in force.
        protected_person_ids: the persons concerned (ids only, sorted).
    """

    alert_id: str = attrs.field(validator=non_blank)
    rule_id: str = attrs.field(validator=non_blank)
    kind: AlertKind = attrs.field(converter=_kind)
    severity: Severity = attrs.field(converter=_severity)
    defendant_id: str = attrs.field(validator=non_blank)
    order_id: str | None = None
    term_id: str | None = None
    term_code: str | None = None
    section: str = attrs.field(validator=non_blank)
    related_sections: tuple[str, ...] = attrs.field(default=(), converter=_ids)
    cjs_code: str | None = None
    title: str = attrs.field(validator=non_blank)
    explanation: str = attrs.field(validator=non_blank)
    evidence_ids: tuple[str, ...] = attrs.field(default=(), converter=_ids)
    count: int = 1
    first_seen: pendulum.DateTime | None = None
    last_seen: pendulum.DateTime | None = None
    breach_time: pendulum.DateTime | None = None
    identified_at: pendulum.DateTime
    deadline: pendulum.DateTime | None = None
    window_start: pendulum.DateTime | None = None
    window_end: pendulum.DateTime | None = None
    pre_service: bool = False
    appeal_pending: bool = False
    protected_person_ids: tuple[str, ...] = attrs.field(default=(), converter=_sorted_ids)

    def __attrs_post_init__(self) -> None:
        for name in _DATETIME_FIELDS:
            value = getattr(self, name)
            if value is not None or name == "identified_at":
                # Frozen: normalise to an aware pendulum instant once, naming the field
                # (written back only when that is another object: usually it is the same).
                aware = ensure_aware(value, field=name)
                if aware is not value:
                    object.__setattr__(self, name, aware)
        if not isinstance(self.count, int) or isinstance(self.count, bool) or self.count < 1:
            raise InvalidValueError("count", self.count, "must be a whole number, 1 or more")
        if self.evidence_ids and self.count != len(self.evidence_ids):
            raise InvalidValueError(
                "count", self.count, f"must equal the {len(self.evidence_ids)} evidence ids"
            )
        if len(set(self.evidence_ids)) != len(self.evidence_ids):
            raise InvalidValueError("evidence_ids", self.evidence_ids, "ids must be unique")

    @property
    def when(self) -> pendulum.DateTime:
        """The instant the alert is filed under: breach time, else deadline, else identified."""
        return self.breach_time or self.first_seen or self.deadline or self.identified_at

    @property
    def sort_key(self) -> tuple[int, float, str, str, str, str]:
        """Most severe first, then earliest, then by ids: a total, deterministic order."""
        seconds = epoch(self.when)
        return (
            -self.severity.rank,
            seconds,
            self.defendant_id,
            self.order_id or "",
            self.rule_id,
            self.alert_id,
        )

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values: strings, ints, booleans, lists, ISO 8601 datetimes."""
        out: dict[str, Any] = {}
        for field in attrs.fields(Alert):
            value = getattr(self, field.name)
            if isinstance(value, enum.Enum):
                value = value.value
            elif isinstance(value, pendulum.DateTime):
                value = value.isoformat()
            elif isinstance(value, tuple):
                value = list(value)
            out[field.name] = value
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Alert:
        """The inverse of :meth:`as_dict`.

        Raises:
            InvalidValueError: a field is missing, unknown or malformed.
        """
        names = {f.name for f in attrs.fields(Alert)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise InvalidValueError("alert", unknown, "unknown fields")
        values = dict(data)
        for name in _DATETIME_FIELDS:
            if isinstance(values.get(name), str):
                values[name] = _parse_instant(name, values[name])
        try:
            return cls(**values)
        except TypeError as exc:
            raise InvalidValueError("alert", sorted(data), str(exc)) from None


_DATETIME_FIELDS: Final = (
    "first_seen",
    "last_seen",
    "breach_time",
    "identified_at",
    "deadline",
    "window_start",
    "window_end",
)


def _parse_instant(field: str, text: str) -> pendulum.DateTime:
    try:
        parsed = pendulum.parse(text)
    except ValueError:
        raise InvalidValueError(field, text, "not an ISO 8601 datetime") from None
    if not isinstance(parsed, pendulum.DateTime):
        raise InvalidValueError(field, text, "not an ISO 8601 datetime")
    return ensure_aware(parsed, field=field)


def sort_alerts(alerts: Iterable[Alert]) -> list[Alert]:
    """Alerts in the deterministic order of :attr:`Alert.sort_key`."""
    return sorted(alerts, key=lambda a: a.sort_key)
