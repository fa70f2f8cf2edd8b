"""Phone numbers: canonical E.164, Brazil's mobile 9th digit, and the time zone a number lives in.

WhatsApp IDs of Brazilian mobiles registered before the 9th digit (2012-2016) still lack it:
``553188776655`` and the CRM form ``+55 31 98877-6655`` are the same person. zapguard keys contacts by
the canonical form, which always carries the 9, and treats the 8-digit form as an alias.
"""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers
from phonenumbers import timezone as phone_timezone

__all__ = ["InvalidPhoneNumber", "aliases", "normalize", "timezone_for", "whatsapp_id"]


class InvalidPhoneNumber(ValueError):
    """A phone number that cannot be understood; the message names the input."""


# A WhatsApp ID is ``user[_agent][:device]@server`` (Baileys, WhiskeySockets/Baileys
# src/WABinary/jid-utils.ts, jidEncode/jidDecode). Only these servers name a phone number: "hosted"
# is a Cloud-API-hosted device of one (src/WABinary/decode.ts maps the hosted domain type to it).
# Every other server (lid, hosted.lid, g.us, broadcast, newsletter, call, bot...) names something
# else: groups, channels, calls, bots and WhatsApp's opaque linked IDs are not phone numbers.
_PHONE_SERVERS = frozenset({"s.whatsapp.net", "c.us", "hosted"})
_JID_USER = re.compile(r"\+?(?P<digits>[0-9]+)(?:_[0-9]+)?(?::[0-9]+)?")
_DEVICE_SUFFIX = re.compile(r":\d+$")  # a typed id may carry the device: 5531988776655:12
_BR_OLD_MOBILE = re.compile(r"^\+55(\d{2})([6-9]\d{7})$")

# The main zone of each Brazilian area code (DDD). phonenumbers maps some DDDs to the zone of a few
# islands or of a minority of the state (81 to Fernando de Noronha), which is wrong for quiet hours.
_BR_DDD_ZONES: dict[str, str] = {
    **dict.fromkeys(
        ("11", "12", "13", "14", "15", "16", "17", "18", "19", "21", "22", "24", "27", "28"),
        "America/Sao_Paulo",
    ),
    **dict.fromkeys(
        ("31", "32", "33", "34", "35", "37", "38", "41", "42", "43", "44", "45", "46"),
        "America/Sao_Paulo",
    ),
    **dict.fromkeys(
        ("47", "48", "49", "51", "53", "54", "55", "61", "62", "64"), "America/Sao_Paulo"
    ),
    **dict.fromkeys(("63",), "America/Araguaina"),
    **dict.fromkeys(("65", "66"), "America/Cuiaba"),
    "67": "America/Campo_Grande",
    "68": "America/Rio_Branco",
    "69": "America/Porto_Velho",
    **dict.fromkeys(("71", "73", "74", "75", "77"), "America/Bahia"),
    **dict.fromkeys(("79", "82"), "America/Maceio"),
    **dict.fromkeys(("81", "87"), "America/Recife"),
    **dict.fromkeys(("83", "84", "85", "86", "88", "89", "98", "99"), "America/Fortaleza"),
    **dict.fromkeys(("91", "93", "94", "96"), "America/Belem"),
    **dict.fromkeys(("92", "97"), "America/Manaus"),
    "95": "America/Boa_Vista",
}


def normalize(raw: str, default_region: str = "BR") -> str:
    """Return the canonical E.164 form of ``raw``, a number typed by a person or a WhatsApp ID.

    Raises :class:`InvalidPhoneNumber` naming the input when it is not a possible number.
    """
    return _normalize(raw.strip(), default_region)


# Bounded small on purpose: about 380 bytes an entry, and a gateway sees each contact again within
# minutes (a conversation) or never (a campaign list), so a few thousand entries catch the repeats
# while the server's memory stays flat however many contacts pass through it.
@lru_cache(maxsize=4096)
def _normalize(text: str, default_region: str) -> str:
    if "@" in text:
        digits = _jid_digits(text)
    else:
        digits = re.sub(r"[^\d+]", "", _DEVICE_SUFFIX.sub("", text))
    if not digits:
        raise InvalidPhoneNumber(
            f"número de telefone vazio ou sem dígitos / no digits in phone number: {text!r}"
        )
    # A bare run of 12-13 digits starting with 55 is a WhatsApp ID without the plus sign.
    if not digits.startswith("+") and re.fullmatch(r"55\d{10,11}", digits):
        digits = "+" + digits
    try:
        parsed = phonenumbers.parse(digits, None if digits.startswith("+") else default_region)
    except phonenumbers.NumberParseException as error:
        raise InvalidPhoneNumber(
            f"número de telefone inválido / invalid phone number {text!r}: {error}"
        ) from None
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    old_mobile = _BR_OLD_MOBILE.match(e164)
    if old_mobile:
        e164 = f"+55{old_mobile.group(1)}9{old_mobile.group(2)}"
        parsed = phonenumbers.parse(e164, None)
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidPhoneNumber(f"número de telefone inválido / invalid phone number: {text!r}")
    return e164


def _jid_digits(text: str) -> str:
    """The number of a WhatsApp ID, in international form (a JID's user is the whole number
    without "+", whatever the country), without its agent and device; refused unless its server
    names a phone number and its user part is bare digits."""
    user, _, server = text.partition("@")
    if server.lower() not in _PHONE_SERVERS:
        raise InvalidPhoneNumber(
            "número inválido, identificador do WhatsApp que não é um telefone / invalid phone "
            f"number, a WhatsApp ID that is not a phone: {text!r}"
        )
    match = _JID_USER.fullmatch(user)
    if match is None:
        raise InvalidPhoneNumber(
            f"número inválido, identificador do WhatsApp malformado / invalid phone number, a "
            f"malformed WhatsApp ID: {text!r}"
        )
    return "+" + match["digits"]


def aliases(e164: str) -> tuple[str, ...]:
    """Other forms under which WhatsApp may know the same number (the 8-digit Brazilian mobile)."""
    match = re.fullmatch(r"\+55(\d{2})9([6-9]\d{7})", e164)
    if match:
        return (f"+55{match.group(1)}{match.group(2)}",)
    return ()


def whatsapp_id(e164: str) -> str:
    """The digits WhatsApp uses as a user ID for ``e164`` (no plus sign)."""
    return e164.lstrip("+")


def timezone_for(e164: str, default: str = "America/Sao_Paulo") -> str:
    """The IANA zone where the holder of ``e164`` most likely lives (for quiet hours)."""
    if e164.startswith("+55") and len(e164) >= 5:
        return _BR_DDD_ZONES.get(e164[3:5], default)  # a dict lookup: nothing worth caching
    return _foreign_timezone(e164, default)


@lru_cache(maxsize=4096)
def _foreign_timezone(e164: str, default: str) -> str:
    try:
        zones = phone_timezone.time_zones_for_number(phonenumbers.parse(e164, None))
    except phonenumbers.NumberParseException:
        return default
    known = [zone for zone in zones if zone != "Etc/Unknown"]
    return known[0] if known else default
