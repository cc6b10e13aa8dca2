"""Plain-English titles and explanations for alerts, redaction-safe by construction.

Nothing here is given a protected person's address, places or any coordinate:
the functions receive ids, counts, epoch-second times, term wording (which
names persons by id and zones by their label) and section numbers only.
Times are shown in London wall-clock time.
"""

from __future__ import annotations

from typing import Final

from spo_tracker.detection._clock import london_parts
from spo_tracker.domain.orders import Order
from spo_tracker.domain.terms import Term

__all__ = ["REVIEW_NOTE", "breach_text", "breach_wording", "plural", "when_text"]

#: Every breach and notification alert ends with this reminder (SPA2019 s.8(1), s.11).
REVIEW_NOTE: Final = (
    "This is a suspicion flagged for review: whether there was a reasonable excuse is for a court."
)


def when_text(first: float, last: float) -> str:
    """A span of incidents in London time, compact when it falls on one London day."""
    first_day, first_clock = london_parts(first)
    if first == last:
        return f"at {first_day} {first_clock} (London time)"
    last_day, last_clock = london_parts(last)
    if first_day == last_day:
        return f"on {first_day} between {first_clock} and {last_clock} (London time)"
    return f"between {first_day} {first_clock} and {last_day} {last_clock} (London time)"


def plural(count: int, noun: str) -> str:
    """``1 incident``, ``2 incidents``."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def breach_wording(
    *, phrase: str, term: Term, order: Order, section: str, cjs_code: str
) -> tuple[str, str]:
    """The parts of a breach alert's text that depend only on the term: title and body.

    Computed once per term and reused for every alert on it. The term is quoted
    as the order states it: persons by id, zones by label, never an address.
    """
    title = f"Suspected breach of {term.TITLE.lower()} ({term.term_id}), order {order.order_id}"
    body = (
        f"appear to show {phrase}, contrary to term {term.term_id} ({term.CODE}, {term.TITLE}) "
        f'of {order.kind.value} order {order.order_id}, which reads: "{term.render()}" '
        f"Suspected offence: breach of a Stalking Protection Order ({section}), "
        f"CJS offence code {cjs_code}."
    )
    return title, body


def breach_text(
    wording: tuple[str, str],
    *,
    count: int,
    first: float,
    last: float,
    pre_service: int,
    appeal_pending: bool,
) -> tuple[str, str]:
    """Title and explanation of a grouped suspected term breach."""
    title, body = wording
    parts = [f"{plural(count, 'incident')} {when_text(first, last)} {body}"]
    if pre_service:
        parts.append(
            f"{plural(pre_service, 'incident')} happened after the order was made but before "
            "it was served: the defendant may not have known of it."
        )
    if appeal_pending:
        parts.append("An appeal is pending; the order remains in force (SPA2019 s.7).")
    parts.append(REVIEW_NOTE)
    return title, " ".join(parts)
