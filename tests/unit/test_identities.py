"""Identities: one account, device or number is one key however it was written."""

from __future__ import annotations

import itertools
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spo_tracker.domain.identities import (
    PLATFORM_ALIASES,
    SOCIAL_MEDIA,
    Identity,
    IdentityKind,
    Platform,
    device,
    email,
    handle,
    normalise_platform,
    phone,
)
from spo_tracker.errors import (
    InvalidIdentityError,
    SpoTrackerError,
    UnknownCodeError,
    UnknownPlatformError,
)
from tests.strategies import (
    device_ids,
    email_addresses,
    handle_names,
    identities,
    phone_inputs,
    platform_names,
    platforms,
)

E164 = re.compile(r"\+[1-9][0-9]{7,14}", re.ASCII)


# --------------------------------------------------------------------------- phones


@pytest.mark.parametrize(
    "raw",
    [
        "07700 900123",
        "07700900123",
        "07700-900-123",
        "(07700) 900 123",
        "+44 7700 900123",
        "+447700900123",
        "+44 (0)7700 900123",
        "0044 7700 900123",
        "00447700900123",
        "447700900123",
        " 07700\u00a0900123 ",
    ],
)
def test_uk_mobile_written_any_way_is_one_e164_number(raw: str) -> None:
    """National, +44, 0044, 44 and +44 (0) forms, with spaces, dashes or brackets."""
    assert phone(raw).value == "+447700900123"


@given(pair=phone_inputs())
def test_phone_numbers_normalise_to_e164(pair: tuple[str, str]) -> None:
    """Generated UK and international numbers normalise to their E.164 form."""
    raw, expected = pair
    assert phone(raw) == Identity(IdentityKind.PHONE, expected)


@given(pair=phone_inputs())
def test_normalising_a_normalised_phone_gives_itself(pair: tuple[str, str]) -> None:
    """phone(phone(x).value) == phone(x)."""
    once = phone(pair[0])
    assert phone(once.value) == once


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "12345",
        "not a number",
        "07700 900123 ext 4",
        "++447700900123",
        "+0447700900123",
        "+1234567890123456",
        "+44\uff17\uff17\uff10\uff10\uff19\uff10\uff10\uff11\uff12\uff13",
        "07700 9OO123",
    ],
)
def test_invalid_phone_numbers_raise_naming_the_value(raw: str) -> None:
    """Letters, extensions, a leading 0 after +, too many digits, non-ASCII digits."""
    with pytest.raises(InvalidIdentityError) as err:
        phone(raw)
    assert err.value.value == raw
    assert repr(raw) in str(err.value)


@given(raw=st.text(max_size=25))
def test_any_text_is_either_e164_or_a_typed_error(raw: str) -> None:
    """No input escapes as another exception or as a non-E.164 value."""
    try:
        result = phone(raw)
    except InvalidIdentityError as error:
        failed_on = error.value
    else:
        assert E164.fullmatch(result.value)
        assert phone(result.value) == result
        return
    assert failed_on == raw


# --------------------------------------------------------------------------- email


@given(address=email_addresses())
def test_email_addresses_are_case_insensitive_and_trimmed(address: str) -> None:
    """Upper, lower and padded spellings of one address are one identity."""
    identity = email(address)
    assert identity.value == address.lower()
    assert email(address.upper()) == identity
    assert email(f"  {address.swapcase()}\t") == identity
    assert email(identity.value) == identity


@pytest.mark.parametrize(
    "raw", ["", "no-at-sign", "a@b", "a b@example.com", "a@@example.com", "@example.com"]
)
def test_invalid_email_addresses_raise_naming_the_value(raw: str) -> None:
    """Missing @, missing dot in the domain, spaces, two @s, empty local part."""
    with pytest.raises(InvalidIdentityError) as err:
        email(raw)
    assert err.value.value == raw


def test_overlong_email_address_is_refused() -> None:
    """Longer than 254 characters is not an address."""
    raw = "a" * 250 + "@example.com"
    with pytest.raises(InvalidIdentityError, match="not an email address"):
        email(raw)


# --------------------------------------------------------------------------- handles


@given(platform=platforms(), name=handle_names())
def test_handles_ignore_case_and_a_leading_at(platform: Platform, name: str) -> None:
    """@Name, name and NAME on one platform are one account."""
    identity = handle(platform, name)
    bare = name.removeprefix("@")
    assert identity.value == bare.lower()
    assert handle(platform, "@" + bare.upper()) == identity
    assert handle(platform, f" {bare.lower()} ") == identity
    assert handle(platform, identity.value) == identity


@given(name=handle_names())
def test_a_handle_on_twitter_is_the_same_account_on_x(name: str) -> None:
    """Platform aliases give one key: twitter:someone is x:someone."""
    assert handle("twitter", name) == handle("x", name) == handle("X.com", name)
    assert handle("twitter", name).key == f"handle:x:{name.removeprefix('@').lower()}"


@given(a=platforms(), b=platforms(), name=handle_names())
def test_one_name_on_two_platforms_is_two_accounts(a: Platform, b: Platform, name: str) -> None:
    """The platform is part of a handle's identity."""
    assert (handle(a, name) == handle(b, name)) == (a is b)


@pytest.mark.parametrize("raw", ["", "@", "has space", "émile", "a" * 65, "@@double", "semi;colon"])
def test_invalid_handles_raise_naming_the_value(raw: str) -> None:
    """Empty, spaces, accents, over 64 characters, a second @, punctuation."""
    with pytest.raises(InvalidIdentityError) as err:
        handle("instagram", raw)
    assert err.value.value == raw


def test_a_handle_on_an_unknown_platform_raises() -> None:
    """UnknownPlatformError, naming the platform."""
    with pytest.raises(UnknownPlatformError, match="'myspace'"):
        handle("myspace", "someone")


# --------------------------------------------------------------------------- devices


@given(raw=device_ids())
def test_device_ids_are_upper_cased_and_idempotent(raw: str) -> None:
    """An IMEI, MAC or serial in any case is one device."""
    identity = device(raw)
    assert identity.value == raw.upper()
    assert device(raw.lower()) == identity == device(identity.value)


@pytest.mark.parametrize("raw", ["", "abc", "has space 123", "IMEI/123456"])
def test_invalid_device_ids_raise_naming_the_value(raw: str) -> None:
    """Too short, spaces, slashes."""
    with pytest.raises(InvalidIdentityError) as err:
        device(raw)
    assert err.value.value == raw


# --------------------------------------------------------------------------- platforms


@pytest.mark.parametrize(
    ("name", "platform"),
    [
        ("twitter", Platform.X),
        ("Twitter", Platform.X),
        ("X", Platform.X),
        ("x.com", Platform.X),
        ("Twitter/X", Platform.X),
        ("X (Twitter)", Platform.X),
        ("fb", Platform.FACEBOOK),
        ("Facebook", Platform.FACEBOOK),
        ("FB Messenger", Platform.MESSENGER),
        ("IG", Platform.INSTAGRAM),
        ("insta", Platform.INSTAGRAM),
        ("Tik  Tok", Platform.TIKTOK),
        ("TikTok", Platform.TIKTOK),
        ("snap", Platform.SNAPCHAT),
        ("text message", Platform.SMS),
        ("e-mail", Platform.EMAIL),
        ("letter", Platform.POST),
        (Platform.REDDIT, Platform.REDDIT),
    ],
)
def test_platform_aliases_name_one_platform(name: str | Platform, platform: Platform) -> None:
    """twitter is x, fb is facebook, and so on, ignoring case and spacing."""
    assert normalise_platform(name) is platform


@given(pair=platform_names())
def test_every_code_label_and_alias_normalises_in_any_case(pair: tuple[str, Platform]) -> None:
    """Codes, display labels and aliases, in messy case and spacing, all resolve."""
    name, platform = pair
    assert normalise_platform(name) is platform


@given(platform=platforms())
def test_a_platform_label_reads_back_as_the_platform(platform: Platform) -> None:
    """The name an order prints (e.g. 'X (Twitter)') is accepted back."""
    assert normalise_platform(platform.label) is platform


def test_labels_use_the_platforms_own_spelling() -> None:
    """Renderings say TikTok, YouTube, LinkedIn, WhatsApp and SMS, not Tiktok or Sms."""
    labels = {p: p.label for p in Platform}
    assert labels[Platform.TIKTOK] == "TikTok"
    assert labels[Platform.SMS] == "SMS"
    assert labels[Platform.X] == "X (Twitter)"
    assert labels[Platform.INSTAGRAM] == "Instagram"


def test_aliases_never_shadow_a_platform_code() -> None:
    """An alias that equalled a code would make the alias table unreachable for it."""
    assert not set(PLATFORM_ALIASES) & {p.value for p in Platform}


@pytest.mark.parametrize("name", ["myspace", "", "twit ter", "bebo"])
def test_unknown_platform_raises_naming_the_value_and_the_known_names(name: str) -> None:
    """UnknownPlatformError is an UnknownCodeError and a ValueError, listing the choices."""
    with pytest.raises(UnknownPlatformError) as err:
        normalise_platform(name)
    assert err.value.value == name
    assert "x" in err.value.known
    assert "twitter" in err.value.known
    assert isinstance(err.value, UnknownCodeError | ValueError | SpoTrackerError)


def test_any_social_media_excludes_calls_messaging_email_and_post() -> None:
    """The 'any social media' category is the public social networks only."""
    for channel in (Platform.SMS, Platform.PHONE, Platform.EMAIL, Platform.POST):
        assert channel not in SOCIAL_MEDIA
    for network in (Platform.X, Platform.FACEBOOK, Platform.INSTAGRAM, Platform.TIKTOK):
        assert network in SOCIAL_MEDIA


# --------------------------------------------------------------------------- Identity


@pytest.mark.parametrize(
    ("kind", "value", "platform", "expected"),
    [
        ("phone", "07700 900123", None, phone("+447700900123")),
        ("PHONE", "07700 900123", None, phone("+447700900123")),
        (" Email ", "A@Example.com", None, email("a@example.com")),
        ("handle", "@Someone", "twitter", handle("x", "someone")),
        ("device", "ab:cd:ef:01:23:45", None, device("AB:CD:EF:01:23:45")),
    ],
)
def test_identity_parse_matches_the_builders(
    kind: str, value: str, platform: str | None, expected: Identity
) -> None:
    """Identity.parse validates and normalises like phone/email/handle/device."""
    assert Identity.parse(kind, value, platform) == expected


def test_identity_parse_refuses_an_unknown_kind_naming_it() -> None:
    """UnknownCodeError lists the kinds."""
    with pytest.raises(UnknownCodeError, match="'fax'") as err:
        Identity.parse("fax", "0123")
    assert err.value.known == ("phone", "email", "handle", "device")


def test_identity_parse_needs_a_platform_for_a_handle() -> None:
    """A handle without a platform is ambiguous."""
    with pytest.raises(InvalidIdentityError, match="needs its platform"):
        Identity.parse("handle", "someone")


def test_identity_parse_refuses_a_platform_on_a_phone() -> None:
    """A platform that would be silently dropped is an error, naming it."""
    with pytest.raises(InvalidIdentityError, match="platform='sms'"):
        Identity.parse("phone", "07700 900123", platform="sms")


@given(ids=st.lists(identities(), max_size=8))
def test_identities_of_mixed_kinds_sort_totally(ids: list[Identity]) -> None:
    """Sorting never raises; exactly one of a<b, a==b, b<a holds for every pair."""
    ordered = sorted(ids)
    assert all(a <= b for a, b in itertools.pairwise(ordered))
    for a in ids:
        for b in ids:
            assert [a < b, a == b, b < a].count(True) == 1


@given(identity=identities())
def test_an_identity_key_is_unique_to_it(identity: Identity) -> None:
    """The key round-trips kind, platform and value."""
    parts = identity.key.split(":", 2 if identity.platform else 1)
    assert parts[0] == identity.kind.value
    assert parts[-1] == identity.value
    if identity.platform is not None:
        assert parts[1] == identity.platform.value
