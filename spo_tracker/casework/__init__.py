"""The public casework layer: use cases over a store, one audited transaction each.

Plain functions of the form ``do_thing(store, ..., *, at, actor) -> result``
(the "service layer" of docs/domain.md): the CLI, the demo, the docs and an
integrating force call these, never a private module of another package.

- Case commands (:mod:`._commands`): serve, vary, renew, discharge, expire and
  appeal an order by id; grant, refuse or withdraw an application and decide an
  interim application. Each keeps the records the Act ties together in step in
  the same transaction (an order and its notification duty, SPA2019 s.9(1); an
  application and its interim orders, s.5(6)(b)) and takes an optional
  ``expected_revision``.
- Intake (:mod:`._intake`): :func:`ingest` of incidents and
  :func:`ingest_compliance` of compliance records, idempotent: what is already
  stored as it is is skipped and counted.
"""

from __future__ import annotations

from spo_tracker.casework._commands import (
    AppealOutcome,
    CaseResult,
    decide_appeal,
    decide_interim,
    discharge_order,
    expire_order,
    grant_application,
    lodge_appeal,
    refuse_application,
    renew_order,
    serve_order,
    vary_order,
    withdraw_application,
)
from spo_tracker.casework._intake import IntakeResult, OnDuplicate, ingest, ingest_compliance

__all__ = [
    "AppealOutcome",
    "CaseResult",
    "IntakeResult",
    "OnDuplicate",
    "decide_appeal",
    "decide_interim",
    "discharge_order",
    "expire_order",
    "grant_application",
    "ingest",
    "ingest_compliance",
    "lodge_appeal",
    "refuse_application",
    "renew_order",
    "serve_order",
    "vary_order",
    "withdraw_application",
]
