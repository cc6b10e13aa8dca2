"""Compliance records: the recorded fact that a positive requirement was met.

A :class:`ComplianceRecord` says that a defendant attended, surrendered
something or signed on as a positive requirement of an order demands
(SPA2019 s.1(2)(b)). Detection checks requirements against these records
(:func:`spo_tracker.detection.requirement_alerts`); storage and the
interchange keep and carry them. The record lives in the domain so that those
layers need nothing from detection.
"""

from __future__ import annotations

import attrs
import pendulum

from spo_tracker.domain.limits import LONG_TEXT_MAX_LENGTH
from spo_tracker.domain.validators import aware_at, check_id, check_text, optional_text

__all__ = ["ComplianceRecord"]


def _text(_: object, attribute: attrs.Attribute[str], value: object) -> None:
    check_id(attribute.name, value)  # ids: the limits of spo_tracker.domain.limits


def _note(_: object, attribute: attrs.Attribute[str], value: object) -> None:
    check_text(
        attribute.name, value, max_length=LONG_TEXT_MAX_LENGTH, blank_ok=True, multiline=True
    )


@attrs.frozen
class ComplianceRecord:
    """A fact that a positive requirement was met: attended, surrendered, signed on.

    Positive requirements (SPA2019 s.1(2)(b)) are checked against these
    records: a requirement with none by the end of its due day, or a sign-on
    day with none on it, is a suspected breach (s.8(1)).

    Attributes:
        record_id: a stable external id (e.g. the custody or case system's reference),
            so that storing or importing the same record again changes nothing.
        defendant_id: the defendant.
        order_id: the order whose term it meets.
        term_id: the requirement or sign-on term.
        at: when it was met (a sign-on counts for the London day it falls on).
        recorded_by: who recorded it (an officer's id or a station), if known.
        note: free text, e.g. where or how it was met (empty for none).
    """

    record_id: str = attrs.field(validator=_text)
    defendant_id: str = attrs.field(validator=_text)
    order_id: str = attrs.field(validator=_text)
    term_id: str = attrs.field(validator=_text)
    at: pendulum.DateTime = attrs.field(converter=aware_at)
    recorded_by: str | None = attrs.field(default=None, kw_only=True, validator=optional_text)
    note: str = attrs.field(default="", kw_only=True, validator=_note)
