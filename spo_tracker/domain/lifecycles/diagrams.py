"""The lifecycles page of the docs, rendered from the tables.

:func:`lifecycles_markdown` reads :data:`~spo_tracker.domain.lifecycles.MACHINES`
and returns the whole of ``docs/lifecycles.md``: a Mermaid diagram
(``Machine.to_mermaid``) and a table of rows per lifecycle. ``spo-tracker
diagram --output docs/lifecycles.md`` writes it (``spo-tracker diagram`` alone prints
it), and a test fails when the committed page differs, so the diagrams never drift
from the code.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from spo_tracker.domain.lifecycles import MACHINES
from spo_tracker.domain.statemachine import Machine

__all__ = ["INTROS", "OPEN_CHOICES", "lifecycles_markdown"]

#: One paragraph per lifecycle, shown above its diagram.
INTROS: Final[Mapping[str, str]] = {
    "application": (
        "A chief officer of police applies by complaint to a magistrates' court, or the youth "
        "court for a defendant under 18 (SPA2019 s.1(1), s.13(1)); a territorial chief officer "
        "only about a defendant connected to their area (s.1(3)). There is no 6-month limit on "
        "the conduct relied on (s.13(2)), so no guard looks at its age. While it is pending, "
        "the same chief officer may apply for interim orders (s.5(1)-(2)). The court grants "
        "it only on all three s.2(1) findings. The chief officer who applied may appeal "
        "against a refusal (s.7(2)), so REFUSED is not final: the appeal is kept on the "
        "application while pending (REFUSAL_APPEALED), and the Crown Court dismisses it or "
        "allows it and makes the order (s.7(4)). While the application is pending (LAID) the "
        "same chief officer may appeal against the refusal of an interim order (s.7(2)): the "
        "appeal is kept on the application beside it, and the Crown Court dismisses it or "
        "allows it and makes the interim order (a further interim decision, granted), which "
        "runs like any interim order and ceases on determination (s.5(6)(b)). Determining the "
        "application while that appeal is pending ends it (it lapses)."
    ),
    "interim_order": (
        "An interim order has a fixed period only, with no minimum (SPA2019 s.5(6)(a)), and "
        "ceases when the main application is determined (s.5(6)(b)). The defendant or the "
        "chief officer who applied may have it varied, renewed or discharged (s.5(7)-(8)). "
        "Variations append a new version; earlier versions never change. Only the defendant "
        "appeals, against the making (s.7(1)(b)); the appeal is kept on the order while "
        "pending and does not stay it."
    ),
    "full_order": (
        "A full order runs for a fixed period of at least 2 years beginning with the day it "
        "was made, or until further order (SPA2019 s.3). The defendant or a relevant chief "
        "officer (s.4(1), s.14(1)) may apply to vary, renew or discharge it; additional terms "
        "need a finding of necessity (s.4(4)(a)); before the 2-year point a discharge needs "
        "the consents in s.4(4)(b). An appeal (s.7) is kept on the order while pending "
        "(`appeal`) and does not stay it; the guards check who appeals against which "
        "decision: the defendant against the making, a s.4 order (variation, renewal or "
        "discharge) on a chief officer's application or the refusal of their own s.4 "
        "application (s.7(1)); the chief officer who applied against the refusal of their "
        "s.4 application (s.7(2)); a relevant chief officer against a s.4 order on the "
        "defendant's application (s.7(3)). A discharge is a s.4 order, so DISCHARGED is not "
        "final: its discharge may be appealed and the Crown Court may restore the order. "
        "The outcome must fit what was appealed (s.7(4)): quashing follows an appeal "
        "against the making, a discharge on appeal one against a refused discharge. The "
        "states are those of an order without CEASED."
    ),
    "notification_duty": (
        "The defendant notifies every name and the home address within 3 days beginning with "
        "service (SPA2019 s.9(1)-(2)), and each new name or home address within 3 days "
        "beginning with the day it happens (s.9(3)-(4)), in person at a station in the local "
        "police area (s.10(1)-(3)), acknowledged in writing (s.10(4)). Deadlines are "
        "Europe/London days. A full order replacing an interim one changes the order but "
        "never re-opens the initial notification (s.9(1)(a)). People under SOA 2003 Part 2 "
        "are exempt (s.9(5)) until a final day (s.9(6)-(7))."
    ),
    "breach_review": (
        "Breach without reasonable excuse is an offence (SPA2019 s.8(1)) and excuse is for a "
        "court, so software only flags: a person assigns the alert to an officer, starts the "
        "review (the first action) and decides: referred for a charging decision, a warning "
        "or words of advice, or dismissed with a reason (no further action and other need a "
        "note; a duplicate names what it duplicates). System actors are refused. Each step "
        "keeps who and when (the MoJ timeliness chain). Decisions are final: new evidence on "
        "a decided alert opens a new FLAGGED round that names the decided review."
    ),
}

#: Every place the Act is open and the library chose, in plain English.
OPEN_CHOICES: Final = (
    "**Withdrawal of the main application** ends an interim order, as grant or refusal "
    "does (s.5(6)(b)): `MAIN_APPLICATION_DETERMINED` with `MainOutcome.WITHDRAWN`.",
    '**A final day before service** (s.9(6)-(7)): "in effect" is read as served. If the '
    "order is served, the 3 days begin with the later of the final day and the day of "
    "service (`PART2_FINAL_DAY`); if not, the duty returns to `NOT_DUE` and the s.9(1) "
    "clock starts at service (`PART2_FINAL_DAY_BEFORE_SERVICE`).",
    "**Registration under SOA 2003 Part 2 during an order** exempts from then on "
    "(s.9(5)); outstanding items close as exempted, earlier failures stay recorded, and a "
    "later final day re-opens the initial notification as s.9(7) does.",
    "**A full order replacing an unserved interim order**: the duty stays `NOT_DUE` and "
    "service of the full order opens the initial notification (s.9(1)(a) stops a restart, "
    "and nothing had started).",
    "**One notification covers everything outstanding**; a late one is accepted and the "
    "failure stays recorded (s.11).",
    "**Terms shorter than 2 years** in a full order are allowed and returned by "
    "`make_order` as OPEN-point warnings (s.3(3)), never raised.",
    "**When an order takes effect** (the Act is silent): both the day made and the day "
    "served are recorded; conduct before service is flagged as pre-service, and "
    "`PRE_SERVICE_CONDUCT` dismisses only such conduct.",
    '**29 February**: "2 years beginning with" 29 February ends at the end of 28 February '
    "two years on (see the domain page); a 29 February birthday turns 18 on 1 March in a "
    "common year for the youth-court rule.",
    "**Additional terms** (s.4(4)(a)): any term not exactly one of the current version's "
    "terms counts as added, so tightening a term also needs the court's finding.",
    "**Renewals and variations state the whole new period**, counted from the day the "
    "order was made (as every order version does); a renewal must end later, and a "
    "variation may shorten the period but not to one already over (discharge instead).",
    "**Past its fixed period** an order accepts only `EXPIRE`, which records the end of "
    "the period as `ended_at` however late it is recorded; an appeal still pending when an "
    "order ends goes with it. One appeal at a time.",
    "**s.2(6)-(7) compatibility** is checked for interim orders too, when made and when varied.",
    "**Appeals about interim orders** (s.7): only against the making (s.7(1)(b)). A "
    "variation, renewal or discharge of an interim order is made under s.5(7), which s.7 "
    "does not list, so an appeal against one is refused (`appeal_decision_named`).",
    "**Whose application a s.4 decision was on** is stated by the appeal "
    "(`AppealAgainst.on_application_of`): an order version records what changed, not who "
    "applied, and the refusal of a s.4 application is not recorded at all. A s.4 order is "
    "named by the version it made, which must be a variation or a renewal.",
    "**An appeal against a discharge** is recorded for a served order only: quashing the "
    "discharge restores the order to SERVED (`APPEAL_RESTORED`), and an order discharged "
    "before service would go back to MADE, which one table row cannot say "
    "(`discharged_after_service`).",
    "**An appeal recorded before the library kept its facts** (`appeal_pending` without "
    "`appeal`) may still be dismissed, varied or quashed, as before; the outcomes that "
    "need to know what was appealed (`APPEAL_DISCHARGED`, `APPEAL_RESTORED`) refuse it.",
    "**The appeal against the refusal of an interim order** (s.7(2)) is against the latest "
    "interim decision, lodged while no interim application is open (LAID), and kept on the "
    "application until the Crown Court decides it. While it is pending no fresh interim "
    "application is taken and no second appeal (`no_interim_appeal_pending`, library: one "
    "interim question at a time). An allowed appeal is recorded as a further interim "
    "decision, granted, with the refused application's `applied_at`.",
    "**Events are recorded in time order** (library): an event dated before what its subject "
    "records (an order's making, service, end, restoration on appeal or latest version; an "
    "application's laying, interim application, interim decision or determination; a duty's "
    "service, Part 2 registration or final day, notification, refusal or closed item) is "
    "refused by `in_chronological_order`, which every row passes first. A version binds from "
    "the instant it was decided (`OrderVersion.decided_at`); days kept without a time (a "
    "version recorded before that instant was kept, service on a duty, a final day) bound "
    "from the start of that London day. The appeal pending keeps when it was lodged "
    "(`PendingAppeal.lodged_at`), so its outcome is not dated before the lodging; an appeal "
    "stored before that instant was kept does not move the bound.",
    "**A full order made with `replaces=`** returns the interim order ceased at its making "
    "(`MadeOrder.ceased`, s.5(6)(b)); an interim order already ended or expired is not "
    "replaced, and the full order's own duty starts at service (s.9(1)).",
    "**An interim duty that ended** when the interim order ceased on determination continues "
    "under the full order with `open_duty(continues=...)` (same id, the items its end closed "
    "outstanding again; DUE if anything is owed, otherwise the state it ended from).",
    "**An order restored on appeal keeps its duty** (s.7(4), s.9(1)): the duty that ended "
    "with the discharge continues under the same order with `open_duty(continues=...)` "
    "once it is restored, in the same way (same id, the items its end closed outstanding "
    "again, an initial notification already given not asked for again). Only a duty that "
    "ended while the order was not in force (`Order.not_in_force`, from the discharge to "
    "the restoration) is continued; an order restored the instant it was discharged leaves "
    "no such span, and its ended duty is refused.",
    "**Determining the application lapses a pending appeal against an interim refusal** "
    "(GRANT, REFUSE or WITHDRAW clear it): an interim order can be made only pending the "
    "determination (s.5(1)) and would cease on it (s.5(6)(b)), so nothing is left to "
    "decide. The determination's record is an `AppealRecord` naming the appeal, and its "
    "event says `lapsed_appeal`.",
)


def _intro() -> str:
    return (
        "# Lifecycles\n\n"
        "Generated from the lifecycle tables by `spo-tracker diagram --output docs/lifecycles.md`; "
        "do not edit by hand "
        "(a test fails when this page differs from the tables). Each lifecycle is one table "
        "in `spo_tracker.domain.lifecycles`: every row cites the section of the Stalking "
        "Protection Act 2019 it follows (or `library` where the Act is silent), and every "
        "guard names the statute it enforces. An event with no row raises "
        "`IllegalTransitionError` naming the state and the event; a guard that refuses "
        "raises `GuardRejectedError` naming the guard, its section and the offending value. "
        "Either way nothing changes.\n"
    )


def _guards(row: Any) -> str:
    return "; ".join(f"`{g.name}` ({g.section})" for g in row.guards) or "none"


def _table(machine: Machine[Any, Any, Any, Any]) -> str:
    lines = [
        "| From | Event | To | Section | Guards | What happens |",
        "|---|---|---|---|---|---|",
    ]
    for row in machine.transitions:
        lines.append(
            f"| {row.source.name} | `{row.event.name}` | {row.target.name} | {row.section} "
            f"| {_guards(row)} | {row.summary} |"
        )
    return "\n".join(lines) + "\n"


def _every_row(machine: Machine[Any, Any, Any, Any]) -> str:
    if not machine.every_row:
        return ""
    guards = "; ".join(f"`{g.name}` ({g.section})" for g in machine.every_row)
    return f"Every event first passes {guards}; the table lists each row's own guards.\n\n"


def _section(machine: Machine[Any, Any, Any, Any]) -> str:
    finals = ", ".join(s.name for s in machine.states if s in machine.finals)
    return (
        f"## {machine.name}\n\n"
        f"{INTROS.get(machine.name, '')}\n\n"
        f"Initial state {machine.initial.name}; final states {finals}.\n\n"
        f"{_every_row(machine)}"
        f"```mermaid\n{machine.to_mermaid()}```\n\n"
        f"{_table(machine)}"
    )


def lifecycles_markdown(machines: Mapping[str, Machine[Any, Any, Any, Any]] | None = None) -> str:
    """The whole ``docs/lifecycles.md`` page, rendered from the tables.

    Args:
        machines: the lifecycles to render; defaults to ``MACHINES``.
    """
    if machines is None:
        machines = MACHINES
    choices = "\n".join(f"- {choice}" for choice in OPEN_CHOICES)
    parts = [
        _intro(),
        *(_section(m) for m in machines.values()),
        f"## Choices where the Act is open\n\n{choices}\n",
    ]
    return "\n".join(parts)
