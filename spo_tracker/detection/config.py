"""Every detection threshold in one frozen record.

The defaults are the library's choices where the Act is silent (it sets no
thresholds for alerts: they are operational). Forces can change any of them;
an invalid value is refused with a typed error naming it.
"""

from __future__ import annotations

import attrs

from spo_tracker.errors import InvalidValueError

__all__ = ["DetectionConfig"]


def _positive_int(_: object, attribute: attrs.Attribute[int], value: object) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise InvalidValueError(attribute.name, value, "must be a whole number, 1 or more")


def _positive(_: object, attribute: attrs.Attribute[float], value: object) -> None:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and 0 < value < 1e9
    if not ok:
        raise InvalidValueError(attribute.name, value, "must be a positive number")


@attrs.frozen(kw_only=True)
class DetectionConfig:
    """Thresholds and windows for grouping and for alerts beyond breaches.

    Attributes:
        group_days: suspected breaches of one term by one defendant are grouped into
            one alert per this many Europe/London calendar days (1: one alert a day).
            Windows are aligned to fixed London days, so grouping never depends on
            the order incidents arrive in.
        escalation_threshold: an escalation alert is raised when *more than* this
            many incidents by one defendant against one person fall within any
            rolling ``escalation_window_hours``.
        escalation_window_hours: the rolling window for ``escalation_threshold``.
        zone_watch_m: a presence incident within this distance outside an exclusion
            zone is watched for "closing in".
        closing_in_min_sightings: how many successive watched sightings, each closer to
            the zone than the last, make a closing-in alert.
        closing_in_gap_hours: the longest gap between two successive sightings of one
            closing-in run.
        course_of_conduct_min: how many incidents against a person no live order
            protects suggest an SPO application (PHA 1997 s.2A: two or more).
        interim_warning_days: warn this many days before an interim order's fixed
            period ends while the main application is undetermined (SPA2019 s.5(6)).
        renewal_review_days: raise a renewal review this many days before a fixed
            full order expires (SPA2019 s.4: an expired order cannot be renewed).
        notification_warning_hours: warn this long before a notification deadline
            (SPA2019 s.9).
    """

    group_days: int = attrs.field(default=1, validator=_positive_int)
    escalation_threshold: int = attrs.field(default=10, validator=_positive_int)
    escalation_window_hours: float = attrs.field(default=24.0, validator=_positive)
    zone_watch_m: float = attrs.field(default=1_000.0, validator=_positive)
    closing_in_min_sightings: int = attrs.field(default=3, validator=_positive_int)
    closing_in_gap_hours: float = attrs.field(default=72.0, validator=_positive)
    course_of_conduct_min: int = attrs.field(default=2, validator=_positive_int)
    interim_warning_days: int = attrs.field(default=14, validator=_positive_int)
    renewal_review_days: int = attrs.field(default=90, validator=_positive_int)
    notification_warning_hours: float = attrs.field(default=24.0, validator=_positive)
