"""Who applies to a court about an order: the defendant or a chief officer.

Used by the order lifecycles for the applicant rules (SPA2019 s.4(1), s.5(7),
s.14(1)) and the discharge consents (s.4(4)(b)).
"""

from __future__ import annotations

import enum

import attrs

from spo_tracker.domain.people import ChiefOfficer
from spo_tracker.errors import InvalidValueError

__all__ = ["Party", "PartyRole"]


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
