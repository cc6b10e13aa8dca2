"""An independent model of statutory time for the stateful tests (stdlib only).

Written without pendulum or spo_tracker.domain.statutory_time, so the stateful
tests compare the library against a second implementation of the same rules.
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from spo_tracker.domain.statemachine import Machine
from spo_tracker.errors import GuardRejectedError, IllegalTransitionError

LONDON = ZoneInfo("Europe/London")


def london_day(at: dt.datetime) -> dt.date:
    """The calendar day in London of an aware instant."""
    return at.astimezone(LONDON).date()


def day_end(day: dt.date) -> dt.datetime:
    """The instant the day after ``day`` begins in London."""
    after = day + dt.timedelta(days=1)
    return dt.datetime(after.year, after.month, after.day, tzinfo=LONDON)


def shift_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by whole months; a missing day becomes the 1st of the next month."""
    year, month0 = divmod(day.year * 12 + day.month - 1 + months, 12)
    month = month0 + 1
    if day.day <= calendar.monthrange(year, month)[1]:
        return dt.date(year, month, day.day)
    return dt.date(year + (month == 12), 1 if month == 12 else month + 1, 1)


def last_day(
    first: dt.date, *, years: int = 0, months: int = 0, weeks: int = 0, days: int = 0
) -> dt.date:
    """The last day of a period of that length beginning with ``first``."""
    moved = shift_months(first, years * 12 + months)
    return moved + dt.timedelta(days=weeks * 7 + days - 1)


def under_18(born: dt.date, on: dt.date) -> bool:
    """Under 18 on ``on`` (a 29 February birthday falls on 1 March in common years)."""
    return on < shift_months(born, 18 * 12)


def expect(
    machine: Machine[Any, Any, Any, Any], subject: Any, command: Any, *, legal: bool, passes: bool
) -> Any:
    """Fire ``command`` as the model predicts and return the subject to carry on with.

    An illegal event must raise IllegalTransitionError (not a guard error); a
    legal one the model expects a guard to refuse must raise GuardRejectedError;
    either way the subject must be left as it was. Otherwise the new subject is
    returned, with its revision bumped by exactly one.
    """
    snapshot = (subject, subject.revision)
    if not legal or not passes:
        kind = GuardRejectedError if legal else IllegalTransitionError
        with pytest.raises(kind) as caught:
            machine.fire(subject, command)
        if not legal:
            assert not isinstance(caught.value, GuardRejectedError), caught.value
        assert caught.value.event == command.event.name
        assert (subject, subject.revision) == snapshot
        return subject
    fired = machine.fire(subject, command)
    assert fired.subject.revision == subject.revision + 1
    assert fired.record.event == command.event.name
    return fired.subject
