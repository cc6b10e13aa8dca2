"""spo_tracker: Stalking Protection Orders, their lifecycle, suspected breaches and integration.

The top level holds the names a newcomer needs first (the README's tour, the
integration guide and the casework entry points), for example::

    from spo_tracker import connect, import_file, deliver_outbox, EventPublisher, OrderMade

Everything else lives in its subpackage, which is its reference:
:mod:`spo_tracker.domain` (records, terms, statutory time, lifecycles),
:mod:`spo_tracker.detection`, :mod:`spo_tracker.storage`,
:mod:`spo_tracker.casework`, :mod:`spo_tracker.events`,
:mod:`spo_tracker.reports`, :mod:`spo_tracker.interchange`,
:mod:`spo_tracker.errors`, :mod:`spo_tracker.clock`, and
:mod:`spo_tracker.testing` for integrators' own tests.

The names are loaded lazily (PEP 562: on first use, through the module's
``__getattr__`` and the one table :data:`_EXPORTS`), so ``import spo_tracker``
stays cheap and does nothing: no engine, no file, no network; the domain,
storage, reports and interchange (pendulum, SQLAlchemy, Alembic, Jinja2, JSON
Schema) load only when one of their names is used, and ``__version__`` is read
from the package metadata on first use. Type checkers see the same names
through the ``TYPE_CHECKING`` imports below; a test keeps the two in step.
"""

from __future__ import annotations

import importlib

#: True for type checkers only (mypy and pyright read the name): ``typing`` is not imported
#: at run time, which keeps ``import spo_tracker`` to the interpreter's own start-up.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final

    __version__: str
    from spo_tracker.casework import report_from_store as report_from_store
    from spo_tracker.casework import run_detection as run_detection
    from spo_tracker.clock import Clock as Clock
    from spo_tracker.clock import SystemClock as SystemClock
    from spo_tracker.detection import Alert as Alert
    from spo_tracker.detection import AlertKind as AlertKind
    from spo_tracker.detection import Detector as Detector
    from spo_tracker.detection import incident_from_record as incident_from_record
    from spo_tracker.domain.identities import handle as handle
    from spo_tracker.domain.incidents import Incident as Incident
    from spo_tracker.domain.lifecycles import Party as Party
    from spo_tracker.domain.lifecycles import lodge_appeal as lodge_appeal
    from spo_tracker.domain.lifecycles import make_order as make_order
    from spo_tracker.domain.lifecycles import serve_order as serve_order
    from spo_tracker.domain.lifecycles.full_order import discharge_order as discharge_order
    from spo_tracker.domain.lifecycles.full_order import vary_order as vary_order
    from spo_tracker.domain.notification import notification_deadline as notification_deadline
    from spo_tracker.domain.notification import notification_failures as notification_failures
    from spo_tracker.domain.orders import Duration as Duration
    from spo_tracker.domain.orders import Order as Order
    from spo_tracker.domain.orders import check_fixed_period as check_fixed_period
    from spo_tracker.domain.people import ChiefOfficer as ChiefOfficer
    from spo_tracker.domain.people import Defendant as Defendant
    from spo_tracker.domain.people import Force as Force
    from spo_tracker.domain.people import NameUse as NameUse
    from spo_tracker.domain.people import ProtectedPerson as ProtectedPerson
    from spo_tracker.domain.terms import PlatformBan as PlatformBan
    from spo_tracker.errors import EventDeliveryError as EventDeliveryError
    from spo_tracker.errors import GuardRejectedError as GuardRejectedError
    from spo_tracker.errors import IllegalTransitionError as IllegalTransitionError
    from spo_tracker.errors import NotFoundError as NotFoundError
    from spo_tracker.errors import SpoTrackerError as SpoTrackerError
    from spo_tracker.events import BreachFlagged as BreachFlagged
    from spo_tracker.events import DomainEvent as DomainEvent
    from spo_tracker.events import EventPublisher as EventPublisher
    from spo_tracker.events import OrderMade as OrderMade
    from spo_tracker.events import OrderServed as OrderServed
    from spo_tracker.interchange import Dataset as Dataset
    from spo_tracker.interchange import export_file as export_file
    from spo_tracker.interchange import import_file as import_file
    from spo_tracker.interchange import write_dataset as write_dataset
    from spo_tracker.storage import Actor as Actor
    from spo_tracker.storage import InMemoryStore as InMemoryStore
    from spo_tracker.storage import SqlStore as SqlStore
    from spo_tracker.storage import Store as Store
    from spo_tracker.storage import connect as connect
    from spo_tracker.storage import deliver_outbox as deliver_outbox
    from spo_tracker.storage import upgrade as upgrade

#: The one table of public names: each defining module and the names taken from it
#: (under the same name: nothing is renamed on the way up).
_EXPORTS: Final[dict[str, tuple[str, ...]]] = {
    "spo_tracker.casework": ("report_from_store", "run_detection"),
    "spo_tracker.clock": ("Clock", "SystemClock"),
    "spo_tracker.detection": ("Alert", "AlertKind", "Detector", "incident_from_record"),
    "spo_tracker.domain.identities": ("handle",),
    "spo_tracker.domain.incidents": ("Incident",),
    "spo_tracker.domain.lifecycles": ("Party", "lodge_appeal", "make_order", "serve_order"),
    "spo_tracker.domain.lifecycles.full_order": ("discharge_order", "vary_order"),
    "spo_tracker.domain.notification": ("notification_deadline", "notification_failures"),
    "spo_tracker.domain.orders": ("Duration", "Order", "check_fixed_period"),
    "spo_tracker.domain.people": (
        "ChiefOfficer",
        "Defendant",
        "Force",
        "NameUse",
        "ProtectedPerson",
    ),
    "spo_tracker.domain.terms": ("PlatformBan",),
    "spo_tracker.errors": (
        "EventDeliveryError",
        "GuardRejectedError",
        "IllegalTransitionError",
        "NotFoundError",
        "SpoTrackerError",
    ),
    "spo_tracker.events": (
        "BreachFlagged",
        "DomainEvent",
        "EventPublisher",
        "OrderMade",
        "OrderServed",
    ),
    "spo_tracker.interchange": ("Dataset", "export_file", "import_file", "write_dataset"),
    "spo_tracker.storage": (
        "Actor",
        "InMemoryStore",
        "SqlStore",
        "Store",
        "connect",
        "deliver_outbox",
        "upgrade",
    ),
}

_MODULE_OF: Final[dict[str, str]] = {
    name: module for module, names in _EXPORTS.items() for name in names
}

__all__ = sorted([*_MODULE_OF, "__version__"])


def _version() -> str:
    """The installed distribution's version: one source, ``pyproject.toml``."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("spo-tracker")
    except PackageNotFoundError:  # pragma: no cover - only when run from an uninstalled tree
        return "0+unknown"


def __getattr__(name: str) -> object:
    """Load a public name from its module on first use, then keep it here."""
    if name == "__version__":
        value: object = _version()
    else:
        try:
            module = _MODULE_OF[name]
        except KeyError:
            raise AttributeError(f"module 'spo_tracker' has no attribute {name!r}") from None
        value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
