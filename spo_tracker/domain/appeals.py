"""Who applies to a court about an order, and who appeals against which decision.

The parties (SPA2019 s.4(1), s.5(7), s.14(1)), the decisions s.7(1)-(3) lets
them appeal against, and the appeal pending on an order or an application
(:class:`PendingAppeal`), which the order and the application keep so that the
Crown Court's outcome (s.7(4)) can be checked against what was appealed.
Re-exported by :mod:`spo_tracker.domain.lifecycles.parties`.
"""

from __future__ import annotations

import enum
from typing import Final

import attrs
import pendulum

from spo_tracker.domain.people import ChiefOfficer
from spo_tracker.domain.statutory_time import ensure_aware
from spo_tracker.errors import InvalidValueError

__all__ = [
    "AppealAgainst",
    "AppealedDecision",
    "Party",
    "PartyRole",
    "PendingAppeal",
]


class PartyRole(enum.Enum):
    """The two kinds of party the Act lets apply (SPA2019 s.4(1), s.5(7))."""

    DEFENDANT = "defendant"
    CHIEF_OFFICER = "chief_officer"


@attrs.frozen
class Party:
    """The defendant, or a chief officer of police (with their force).

    Build one with :meth:`defendant` or :meth:`chief_officer`. Two parties are
    the same person when their :attr:`key` is equal: a chief officer is known by
    their force, whatever title is recorded.
    """

    role: PartyRole
    officer: ChiefOfficer | None = None

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.role, PartyRole):
            raise InvalidValueError("role", self.role, "must be a PartyRole")
        wants_officer = self.role is PartyRole.CHIEF_OFFICER
        if wants_officer != isinstance(self.officer, ChiefOfficer):
            raise InvalidValueError(
                "officer", self.officer, f"a {self.role.value} party needs exactly that"
            )

    @classmethod
    def defendant(cls) -> Party:
        """The defendant."""
        return cls(PartyRole.DEFENDANT)

    @classmethod
    def chief_officer(cls, officer: ChiefOfficer) -> Party:
        """A chief officer of police."""
        return cls(PartyRole.CHIEF_OFFICER, officer)

    @property
    def is_defendant(self) -> bool:
        """Whether this party is the defendant."""
        return self.role is PartyRole.DEFENDANT

    @property
    def key(self) -> str:
        """``defendant`` or ``chief-officer:<force code>``."""
        if self.officer is None:
            return "defendant"
        return f"chief-officer:{self.officer.key}"

    def is_officer(self, officer: ChiefOfficer | None) -> bool:
        """Whether this party is the chief officer of ``officer``'s force."""
        return officer is not None and self.officer is not None and self.officer.key == officer.key


class AppealedDecision(enum.Enum):
    """The kinds of decision that s.7 lets a party appeal against to the Crown Court.

    Every kind but ``REFUSAL`` and ``INTERIM_REFUSAL`` is a decision on an order
    (appealed on the order); those two are the refusal of the application for an
    order and the refusal of an interim order while it is pending, both appealed on
    the application by the chief officer who applied (s.7(2)).
    """

    MAKING = "making"  # the making of the order itself, s.7(1)(a)-(b)
    S4_ORDER = "s4_order"  # a variation or renewal made under s.4, s.7(1)(c), s.7(3)
    DISCHARGE = "discharge"  # a discharge made under s.4, s.7(1)(c), s.7(3)
    S4_REFUSAL = (
        "s4_refusal"  # the refusal of a s.4 application to vary or renew, s.7(1)(d), s.7(2)
    )
    DISCHARGE_REFUSAL = "discharge_refusal"  # the refusal of a s.4 discharge, s.7(1)(d), s.7(2)
    REFUSAL = "refusal"  # the refusal of an application for an order, s.7(2)
    INTERIM_REFUSAL = "interim_refusal"  # the refusal of an interim order (s.5(3)), s.7(2)

    @property
    def is_s4(self) -> bool:
        """A decision on a s.4 application: the appeal says whose application it was."""
        return self in _S4_DECISIONS

    @property
    def on_application(self) -> bool:
        """A refusal appealed on the application, not on an order (SPA2019 s.7(2))."""
        return self in _APPLICATION_DECISIONS


_S4_DECISIONS: Final = frozenset(
    {
        AppealedDecision.S4_ORDER,
        AppealedDecision.DISCHARGE,
        AppealedDecision.S4_REFUSAL,
        AppealedDecision.DISCHARGE_REFUSAL,
    }
)


_APPLICATION_DECISIONS: Final = frozenset(
    {AppealedDecision.REFUSAL, AppealedDecision.INTERIM_REFUSAL}
)


def _version_number(value: object) -> int | None:
    if value is None or (isinstance(value, int) and not isinstance(value, bool) and value >= 2):
        return value
    raise InvalidValueError("version", value, "a s.4 order is an order version, numbered 2 or more")


@attrs.frozen
class AppealAgainst:
    """The decision an appeal to the Crown Court is against (SPA2019 s.7(1)-(3)).

    Build one with :meth:`making`, :meth:`s4_order`, :meth:`discharge`,
    :meth:`s4_refusal`, :meth:`discharge_refusal`, :meth:`refusal` or
    :meth:`interim_refusal`. Who may
    appeal depends on the decision and, for a s.4 decision, on whose application
    it was made: an order version records what changed, not who asked, so the
    appeal states it (a discharge records who applied, and the guards check it).

    Attributes:
        decision: what kind of decision.
        on_application_of: a s.4 decision: who applied for it.
        version: a s.4 order: the order version it made (a variation or renewal).
    """

    decision: AppealedDecision
    on_application_of: Party | None = attrs.field(default=None, kw_only=True)
    version: int | None = attrs.field(default=None, kw_only=True, converter=_version_number)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.decision, AppealedDecision):
            raise InvalidValueError("decision", self.decision, "must be an AppealedDecision")
        s4 = self.decision.is_s4
        if s4 != isinstance(self.on_application_of, Party):
            raise InvalidValueError(
                "on_application_of",
                self.on_application_of,
                f"a {self.decision.value} appeal needs exactly that: "
                "the Party whose s.4 application was decided, and only for a s.4 decision",
            )
        wants_version = self.decision is AppealedDecision.S4_ORDER
        if wants_version != (self.version is not None):
            raise InvalidValueError(
                "version",
                self.version,
                f"a {self.decision.value} appeal "
                + ("names the version the s.4 order made" if wants_version else "names none"),
            )

    @classmethod
    def making(cls) -> AppealAgainst:
        """The making of the order (s.7(1)(a) full, s.7(1)(b) interim)."""
        return cls(AppealedDecision.MAKING)

    @classmethod
    def s4_order(cls, *, version: int, on_application_of: Party) -> AppealAgainst:
        """The s.4 variation or renewal that made order version ``version``."""
        return cls(AppealedDecision.S4_ORDER, on_application_of=on_application_of, version=version)

    @classmethod
    def discharge(cls, *, on_application_of: Party) -> AppealAgainst:
        """The s.4 discharge of the order, made on this party's application."""
        return cls(AppealedDecision.DISCHARGE, on_application_of=on_application_of)

    @classmethod
    def s4_refusal(cls, *, on_application_of: Party) -> AppealAgainst:
        """The refusal of this party's s.4 application to vary or renew the order."""
        return cls(AppealedDecision.S4_REFUSAL, on_application_of=on_application_of)

    @classmethod
    def discharge_refusal(cls, *, on_application_of: Party) -> AppealAgainst:
        """The refusal of this party's s.4 application to discharge the order."""
        return cls(AppealedDecision.DISCHARGE_REFUSAL, on_application_of=on_application_of)

    @classmethod
    def refusal(cls) -> AppealAgainst:
        """The refusal of the application for an order (s.7(2)); appealed on the application."""
        return cls(AppealedDecision.REFUSAL)

    @classmethod
    def interim_refusal(cls) -> AppealAgainst:
        """The refusal of an interim order (s.5(3), s.7(2)); appealed on the pending application."""
        return cls(AppealedDecision.INTERIM_REFUSAL)

    def describe(self) -> str:
        """E.g. ``making``, ``s4_order version 2 on the application of defendant``."""
        if self.on_application_of is None:
            return self.decision.value
        where = "" if self.version is None else f" version {self.version}"
        return f"{self.decision.value}{where} on the application of {self.on_application_of.key}"


def _lodged_at(value: object) -> pendulum.DateTime | None:
    return None if value is None else ensure_aware(value, field="lodged_at")


@attrs.frozen
class PendingAppeal:
    """An appeal to the Crown Court that is pending: who appealed, against what (s.7(1)-(3)).

    Kept on the order (the order stays in force, no stay) or, for the refusal of
    an application or of an interim order (s.7(2)), on the application, and
    cleared by the outcome (or, for an interim refusal, by the determination of
    the application: see :mod:`spo_tracker.domain.lifecycles.application`).

    Attributes:
        appellant: who appealed.
        against: the decision appealed against.
        lodged_at: when it was lodged (aware), so that no outcome is dated before
            it; ``None`` only for an appeal stored before the library kept it.
    """

    appellant: Party
    against: AppealAgainst
    lodged_at: pendulum.DateTime | None = attrs.field(
        default=None, kw_only=True, converter=_lodged_at
    )

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.appellant, Party):
            raise InvalidValueError("appellant", self.appellant, "must be a Party")
        if not isinstance(self.against, AppealAgainst):
            raise InvalidValueError("against", self.against, "must be an AppealAgainst")

    def describe(self) -> str:
        """E.g. ``defendant against making``."""
        return f"{self.appellant.key} against {self.against.describe()}"
