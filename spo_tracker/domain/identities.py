"""Identities an incident can be attributed to, normalised so that one account is one key.

Phone numbers become E.164 (UK national numbers get +44), email addresses are
lower-cased, handles are case-insensitive without a leading ``@``, and
platforms are canonical (``twitter`` and ``x`` are one platform).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

import attrs

from spo_tracker.errors import InvalidIdentityError, UnknownCodeError, UnknownPlatformError

__all__ = [
    "MAX_IDENTITY_LENGTH",
    "PLATFORM_ALIASES",
    "SOCIAL_MEDIA",
    "Identity",
    "IdentityKind",
    "Platform",
    "device",
    "email",
    "handle",
    "normalise_platform",
    "phone",
]


class Platform(enum.Enum):
    """Canonical online platforms; the value is the stable code."""

    INSTAGRAM = "instagram"
    FACEBOOK = "facebook"
    X = "x"
    TIKTOK = "tiktok"
    SNAPCHAT = "snapchat"
    YOUTUBE = "youtube"
    LINKEDIN = "linkedin"
    REDDIT = "reddit"
    THREADS = "threads"
    BLUESKY = "bluesky"
    TELEGRAM = "telegram"
    WHATSAPP = "whatsapp"
    SIGNAL = "signal"
    DISCORD = "discord"
    MESSENGER = "messenger"
    SMS = "sms"
    PHONE = "phone"
    EMAIL = "email"
    POST = "post"

    @property
    def label(self) -> str:
        """The platform's name as written in an order, e.g. ``X (Twitter)`` or ``TikTok``."""
        return _LABELS.get(self, self.value.capitalize())


_LABELS: Final[dict[Platform, str]] = {
    Platform.X: "X (Twitter)",
    Platform.TIKTOK: "TikTok",
    Platform.YOUTUBE: "YouTube",
    Platform.LINKEDIN: "LinkedIn",
    Platform.WHATSAPP: "WhatsApp",
    Platform.SMS: "SMS",
}

#: Platforms covered by an "any social media" ban (messaging, phone, SMS, email and post are not).
SOCIAL_MEDIA: Final = frozenset(
    {
        Platform.INSTAGRAM,
        Platform.FACEBOOK,
        Platform.X,
        Platform.TIKTOK,
        Platform.SNAPCHAT,
        Platform.YOUTUBE,
        Platform.LINKEDIN,
        Platform.REDDIT,
        Platform.THREADS,
        Platform.BLUESKY,
    }
)

_ALIASES: Final[dict[str, Platform]] = {
    "twitter": Platform.X,
    "twitter/x": Platform.X,
    "x/twitter": Platform.X,
    "x (twitter)": Platform.X,
    "twitter (x)": Platform.X,
    "x.com": Platform.X,
    "twitter.com": Platform.X,
    "ig": Platform.INSTAGRAM,
    "insta": Platform.INSTAGRAM,
    "instagram.com": Platform.INSTAGRAM,
    "fb": Platform.FACEBOOK,
    "facebook.com": Platform.FACEBOOK,
    "facebook messenger": Platform.MESSENGER,
    "fb messenger": Platform.MESSENGER,
    "tik tok": Platform.TIKTOK,
    "snap": Platform.SNAPCHAT,
    "text": Platform.SMS,
    "text message": Platform.SMS,
    "mobile": Platform.PHONE,
    "telephone": Platform.PHONE,
    "e-mail": Platform.EMAIL,
    "letter": Platform.POST,
}

#: Every alias and the platform it names (read-only; codes themselves are not listed).
PLATFORM_ALIASES: Final[Mapping[str, Platform]] = MappingProxyType(_ALIASES)


#: No platform name or alias is longer; a longer text is refused before it is normalised.
_MAX_PLATFORM_NAME: Final = 64
#: The longest identity value (an email address may be 254 characters), as in the interchange.
MAX_IDENTITY_LENGTH: Final = 320


def _raw(field: str, value: object) -> str:
    """The text of an identity as given, refusing other types and over-long text."""
    if not isinstance(value, str):
        raise InvalidIdentityError(field, value, f"must be text, not {type(value).__name__}")
    if len(value) > MAX_IDENTITY_LENGTH:
        raise InvalidIdentityError(
            field, value[:40] + "...", f"is over {MAX_IDENTITY_LENGTH} characters"
        )
    return value


def _kind(_: object, attribute: attrs.Attribute[IdentityKind], value: object) -> None:
    if not isinstance(value, IdentityKind):
        raise InvalidIdentityError("kind", value, "must be an IdentityKind")


def _value(_: object, attribute: attrs.Attribute[str], value: object) -> None:
    _raw("value", value)


def _platform(_: object, attribute: attrs.Attribute[Platform | None], value: object) -> None:
    if value is not None and not isinstance(value, Platform):
        raise InvalidIdentityError("platform", value, "must be a Platform or None")


def normalise_platform(name: str | Platform) -> Platform:
    """The canonical platform for a name or alias, case and spacing ignored.

    Raises:
        UnknownPlatformError: the name is not a known platform or alias.
    """
    if isinstance(name, Platform):
        return name
    if not isinstance(name, str) or len(name) > _MAX_PLATFORM_NAME:
        known = sorted([p.value for p in Platform] + list(_ALIASES))
        raise UnknownPlatformError("platform", name, known)
    key = " ".join(name.strip().lower().split())
    try:
        return Platform(key)
    except ValueError:
        pass
    found = _ALIASES.get(key)
    if found is None:
        known = sorted([p.value for p in Platform] + list(_ALIASES))
        raise UnknownPlatformError("platform", name, known)
    return found


class IdentityKind(enum.Enum):
    """What sort of identifier an identity is."""

    PHONE = "phone"
    EMAIL = "email"
    HANDLE = "handle"
    DEVICE = "device"


def _kind_order(kind: IdentityKind) -> str:
    return kind.value


def _platform_order(platform: Platform | None) -> str:
    return "" if platform is None else platform.value


@attrs.frozen(order=True)
class Identity:
    """A normalised identifier; equal identities are the same account or device.

    Build one with :func:`phone`, :func:`email`, :func:`handle` or :func:`device`,
    which validate and normalise; the constructor trusts its input. Identities
    sort by kind, value and platform codes (enums themselves have no order).

    Attributes:
        kind: phone, email, handle or device.
        value: the normalised value (E.164, lower-case address, handle without ``@``).
        platform: the platform a handle belongs to; ``None`` for other kinds.
    """

    kind: IdentityKind = attrs.field(order=_kind_order, validator=_kind)
    value: str = attrs.field(validator=_value)
    platform: Platform | None = attrs.field(
        default=None, order=_platform_order, validator=_platform
    )

    @property
    def key(self) -> str:
        """A stable string key, e.g. ``handle:x:someone`` or ``phone:+447700900123``."""
        if self.platform is None:
            return f"{self.kind.value}:{self.value}"
        return f"{self.kind.value}:{self.platform.value}:{self.value}"

    @classmethod
    def parse(cls, kind: str, value: str, platform: str | None = None) -> Identity:
        """Validate and normalise from plain strings (for imports and the CLI).

        ``kind`` is matched ignoring case and surrounding spaces.

        Raises:
            UnknownCodeError: ``kind`` is not an identity kind.
            InvalidIdentityError: the value is not valid for its kind, a handle has no
                platform, or another kind is given one (it would be silently lost).
            UnknownPlatformError: the handle's platform is unknown.
        """
        try:
            which = IdentityKind(kind.strip().lower() if isinstance(kind, str) else kind)
        except (ValueError, TypeError):
            raise UnknownCodeError("identity kind", kind, [k.value for k in IdentityKind]) from None
        if which is IdentityKind.HANDLE:
            if platform is None:
                raise InvalidIdentityError("platform", platform, "a handle needs its platform")
            return handle(platform, value)
        if platform is not None:
            raise InvalidIdentityError("platform", platform, f"a {which.value} has no platform")
        return {IdentityKind.PHONE: phone, IdentityKind.EMAIL: email, IdentityKind.DEVICE: device}[
            which
        ](value)


_PHONE_JUNK = re.compile(r"[\s\-().]")
# ASCII digits only: \d would also accept other scripts' digits (e.g. fullwidth),
# giving one number two different keys.
_E164 = re.compile(r"\+[1-9][0-9]{7,14}")


def phone(number: str) -> Identity:
    """A phone number in E.164 form; UK national numbers (``07700 900123``) get ``+44``.

    Raises:
        InvalidIdentityError: not a plausible phone number.
    """
    raw = _PHONE_JUNK.sub("", _raw("phone", number))
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    elif raw.startswith("0") and len(raw) in (10, 11):
        raw = "+44" + raw[1:]
    elif raw.startswith("44") and len(raw) == 12:
        raw = "+" + raw
    if raw.startswith("+440"):
        raw = "+44" + raw[4:]
    if not _E164.fullmatch(raw):
        raise InvalidIdentityError("phone", number, "not a phone number (E.164 or UK national)")
    return Identity(IdentityKind.PHONE, raw)


# No control character or unpaired surrogate either: they are not part of any address.
_NOT_IN_EMAIL: Final = r"@\s\x00-\x1f\x7f-\x9f\ud800-\udfff"
_EMAIL = re.compile(rf"[^{_NOT_IN_EMAIL}]+@[^{_NOT_IN_EMAIL}]+\.[^{_NOT_IN_EMAIL}]+")


def email(address: str) -> Identity:
    """An email address, trimmed and lower-cased.

    Raises:
        InvalidIdentityError: not of the form ``local@domain.tld``.
    """
    value = _raw("email", address).strip().lower()
    if not _EMAIL.fullmatch(value) or len(value) > 254:
        raise InvalidIdentityError("email", address, "not an email address")
    return Identity(IdentityKind.EMAIL, value)


_HANDLE = re.compile(r"[a-z0-9._\-]{1,64}")


def handle(platform: str | Platform, name: str) -> Identity:
    """An account on a platform: case-insensitive, without a leading ``@``.

    Raises:
        UnknownPlatformError: the platform is unknown.
        InvalidIdentityError: the handle has characters no platform allows.
    """
    where = normalise_platform(platform)
    value = _raw("handle", name).strip().lower().removeprefix("@")
    if not _HANDLE.fullmatch(value):
        raise InvalidIdentityError("handle", name, "handles are 1-64 of a-z, 0-9, '.', '_', '-'")
    return Identity(IdentityKind.HANDLE, value, where)


_DEVICE = re.compile(r"[A-Z0-9:\-]{4,64}")


def device(device_id: str) -> Identity:
    """A device id (IMEI, serial or MAC address), upper-cased.

    Raises:
        InvalidIdentityError: empty or with characters outside A-Z, 0-9, ':' and '-'.
    """
    value = _raw("device", device_id).strip().upper()
    if not _DEVICE.fullmatch(value):
        raise InvalidIdentityError("device", device_id, "4-64 of A-Z, 0-9, ':' and '-'")
    return Identity(IdentityKind.DEVICE, value)
