"""What an officer sees of a stored alert: its review, its case owner, its timeliness, its evidence.

The records the review functions (:mod:`~spo_tracker.casework._review`) return
and the queue (:mod:`~spo_tracker.casework._queue`) lists, and the two look-ups
both make: the order whose case an alert belongs to, and that case's owner.
"""

from __future__ import annotations

import attrs
import pendulum

from spo_tracker.domain.alerts import Alert
from spo_tracker.domain.incidents import Incident
from spo_tracker.domain.lifecycles.breach_review import BreachReview, ReviewState
from spo_tracker.domain.ownership import CaseOwner
from spo_tracker.storage import UnitOfWork

__all__ = ["AlertDetail", "AlertEntry", "EvidenceItem", "Timeliness", "orders_of", "owner_of"]


@attrs.frozen
class Timeliness:
    """The MoJ electronic-monitoring timeliness chain of one alert (London or UTC instants).

    Attributes:
        breach_time: when the suspected breach began (the alert's).
        identified_at: when it became known (the alert's).
        assigned_at: when it was last assigned to an officer.
        first_action_at: when a person first acted on it (the review started, or the
            decision if it was decided without a separate start).
        decided_at: when it was decided.
    """

    breach_time: pendulum.DateTime | None
    identified_at: pendulum.DateTime
    assigned_at: pendulum.DateTime | None
    first_action_at: pendulum.DateTime | None
    decided_at: pendulum.DateTime | None


@attrs.frozen
class AlertEntry:
    """One stored alert with its current review and the case owner of its order.

    Attributes:
        alert: the alert as stored.
        review: its latest review round, or ``None`` while no person has acted on it.
        owner: who manages its order's case, if recorded.
    """

    alert: Alert
    review: BreachReview | None = None
    owner: CaseOwner | None = None

    @property
    def status(self) -> ReviewState:
        """The review's state; FLAGGED (new) while there is no stored review."""
        return ReviewState.FLAGGED if self.review is None else self.review.state

    @property
    def decided(self) -> bool:
        """Whether the current round has its outcome."""
        return self.review is not None and self.review.decided

    @property
    def revision(self) -> int:
        """The revision a reviewer acts on (``expected_revision``): 0 while new."""
        return 0 if self.review is None else self.review.revision

    @property
    def timeliness(self) -> Timeliness:
        """Breach time, identified, assigned, first action and decision."""
        r = self.review
        first = None if r is None else (r.review_started_at or r.decided_at)
        return Timeliness(
            self.alert.breach_time,
            self.alert.identified_at,
            None if r is None else r.assigned_at,
            first,
            None if r is None else r.decided_at,
        )


@attrs.frozen
class EvidenceItem:
    """One incident an alert rests on, and how it was attributed to the defendant.

    Attributes:
        incident: the incident as stored.
        attribution: plain English, e.g. ``identity handle:x:someone linked to D-1 on
            2026-03-17 (London), source officer``.
    """

    incident: Incident
    attribution: str


@attrs.frozen
class AlertDetail:
    """An alert with every review round and its evidence (``spo-tracker alerts show``).

    Attributes:
        entry: the alert, its current review and case owner.
        rounds: every review round, first first (empty while new).
        evidence: the evidence incidents in the order they happened, with attribution.
    """

    entry: AlertEntry
    rounds: tuple[BreachReview, ...]
    evidence: tuple[EvidenceItem, ...]


def orders_of(alert: Alert) -> tuple[str, ...]:
    """The order whose case an alert belongs to (none: any officer may act on it)."""
    return () if alert.order_id is None else (alert.order_id,)


def owner_of(uow: UnitOfWork, alert: Alert) -> CaseOwner | None:
    """Who manages the case of the alert's order, if recorded (none without an order)."""
    if alert.order_id is None:
        return None
    return uow.case_owners.get_many([alert.order_id]).get(alert.order_id)
