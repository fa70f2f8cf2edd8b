"""What every provider's webhook becomes: a list of :class:`Happening` values, provider-neutral.

Cloud API, Evolution API, WAHA and Chatwoot each describe the same few things in their own shapes:
a contact wrote, a message we sent changed status, the line connected or was logged out, a person (or
a bot) answered through the helpdesk. Parsers turn one payload into every happening it holds
(batched payloads are processed whole); :mod:`zapguard.gateway.webhooks.apply` turns happenings into
state changes.

A payload that is not of its provider's documented shape raises :class:`WebhookParseError`; the
small readers below are shared by the parsers, so every dialect reads ids, times and phone numbers
the same way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from zapguard.domain import phones


class Kind(StrEnum):
    INBOUND = "inbound"
    """A contact wrote to the line (opens the 24-hour window; may be an opt-out keyword)."""
    STATUS = "status"
    """A message the line sent changed status: sent, delivered, read, failed."""
    PREFERENCE = "preference"
    """The contact stopped or resumed marketing (Meta ``user_preferences``)."""
    QUALITY = "quality"
    """The provider rated the number's quality (GREEN, YELLOW, RED) or changed its limit tier."""
    CONNECTION = "connection"
    """The line's session changed state: open, connecting, close, logged_out, banned."""
    OUTGOING = "outgoing"
    """A message left the line outside zapguard (phone app, helpdesk); ``human`` says who wrote it."""


@dataclass(frozen=True, slots=True)
class Happening:
    kind: Kind
    account: str
    """The provider's name for the line: phone_number_id, Evolution instance, WAHA session, or the
    line id for Chatwoot (whose webhook URL names the line)."""
    at: datetime
    contact: str | None = None
    """Canonical E.164 (through :func:`zapguard.domain.phones.normalize`), when there is one."""
    text: str | None = None
    provider_message_id: str | None = None
    status: str | None = None
    """STATUS: sent, delivered, read, failed. CONNECTION: open, connecting, close, logged_out,
    banned. QUALITY: the rating or tier. PREFERENCE: stop or resume."""
    error_code: str | None = None
    """Provider error code of a failed delivery (Cloud API ``errors[].code``, e.g. 131026)."""
    reference: str | None = None
    """zapguard's own id echoed by the provider (Cloud API ``biz_opaque_callback_data``)."""
    human: bool | None = None
    """OUTGOING: True when a person wrote it, False for a bot or automation."""
    data: dict[str, str] = field(default_factory=dict)


class WebhookParseError(ValueError):
    """A payload that is not of the shape its provider documents; the message says what is wrong,
    in pt-BR and English. The receiver keeps such payloads in the webhook inbox for a person."""


# -- reading helpers shared by the parsers -----------------------------------------------------
# Parsers are pure and strict about the envelope (a wrong envelope is a WebhookParseError) but
# lenient about single items: a group chat, a broadcast or an id that is not a phone is skipped.

_WHATSAPP_ID = re.compile(r"^\+?(\d{6,15})(:\d+)?(@(s\.whatsapp\.net|c\.us))?$", re.IGNORECASE)


def contact_of(raw: object) -> str | None:
    """The canonical E.164 of a WhatsApp id (``553188776655``, ``5531…@s.whatsapp.net``,
    ``5531…@c.us``, ``+55 31 …``); ``None`` for groups, broadcasts, linked ids and non-phones.

    A bare id is international digits without the plus sign (Cloud API ``wa_id``): the plus is
    added before normalizing, so ``16505551234`` is read as a US number, not a Brazilian one.
    """
    if not isinstance(raw, str) or not raw.strip():
        return None
    text = raw.strip()
    match = _WHATSAPP_ID.match(text)
    candidate = f"+{match.group(1)}" if match else text
    try:
        return phones.normalize(candidate)
    except phones.InvalidPhoneNumber:
        return None


def is_group_or_broadcast(raw: object) -> bool:
    """Chats zapguard never acts on: groups, status broadcasts, newsletters."""
    return isinstance(raw, str) and raw.lower().endswith(("@g.us", "@broadcast", "@newsletter"))


def section(value: object, where: str) -> Mapping[str, Any]:
    """``value`` as a JSON object, or a parse error naming ``where``."""
    if not isinstance(value, Mapping):
        raise WebhookParseError(
            f"campo {where} ausente ou não é um objeto / field {where} missing or not an object"
        )
    return value


def items(value: object, where: str) -> list[Mapping[str, Any]]:
    """``value`` as a list of JSON objects (absent means empty), or a parse error."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, Mapping) for item in value):
        raise WebhookParseError(
            f"campo {where} não é uma lista de objetos / field {where} is not a list of objects"
        )
    return value


def text(value: object, where: str) -> str:
    """A required non-empty string (numbers are accepted as their decimal form)."""
    if isinstance(value, bool) or not isinstance(value, str | int) or str(value) == "":
        raise WebhookParseError(f"campo {where} ausente ou vazio / field {where} missing or empty")
    return str(value)


def optional_text(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, str | int) or str(value) == "":
        return None
    return str(value)


def instant(value: object, where: str, *, fallback: datetime | None = None) -> datetime:
    """An aware UTC instant from Unix seconds (int or string), milliseconds (WAHA envelopes),
    an ISO-8601 string, or Baileys' ``{"low": …}`` long; ``fallback`` when absent."""
    if isinstance(value, Mapping) and "low" in value:
        value = value["low"]
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        seconds = value / 1000 if value > 10**11 else value
        return datetime.fromtimestamp(seconds, tz=UTC)
    if isinstance(value, str) and value.strip():
        try:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            pass
        else:
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    if value is None and fallback is not None:
        return fallback
    raise WebhookParseError(
        f"campo {where} não é um instante válido / field {where} is not a valid instant: {value!r}"
    )
