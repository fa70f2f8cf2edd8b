"""What every provider's webhook becomes: a list of :class:`Happening` values, provider-neutral.

Cloud API, Evolution API, WAHA and Chatwoot each describe the same few things in their own shapes:
a contact wrote, a message we sent changed status, the line connected or was logged out, a person (or
a bot) answered through the helpdesk. Parsers turn one payload into every happening it holds
(batched payloads are processed whole); :mod:`zapguard.gateway.webhooks.apply` turns happenings into
state changes.

Every part of a payload becomes a happening, even the parts zapguard has nothing to do with: an
``UNHANDLED`` one (a group message, a contact known only by a linked id, an event nobody here knows)
must still reach a person, through the line's helpdesk or the webhook inbox; an ``IGNORED`` one (a
voice note played, a pending ack, presence) is only passed on to the helpdesk. So nothing received
is silently dropped, and the receiver always knows which line a payload is about.

A payload that is not of its provider's documented shape raises :class:`WebhookParseError`, and
nothing else: the small readers below are shared by the parsers, so every dialect reads ids, times
and phone numbers the same way, and none of them lets another exception out.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Final

from zapguard.domain import phones

__all__ = [
    "EARLIEST",
    "KEY_LENGTH",
    "LATEST",
    "Happening",
    "Kind",
    "WebhookParseError",
    "contact_of",
    "ignored",
    "instant",
    "is_broadcast",
    "is_group",
    "is_group_or_broadcast",
    "is_linked_id",
    "items",
    "optional_text",
    "section",
    "text",
    "unhandled",
]


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
    UNHANDLED = "unhandled"
    """Something zapguard cannot act on that a person must see (``data["reason"]`` says what): not
    applied; forwarded to the line's helpdesk, else kept in the webhook inbox."""
    IGNORED = "ignored"
    """Known and of no consequence to the rules (``data["reason"]``): forwarded to the line's
    helpdesk when it has one, else only logged."""


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

    @property
    def key(self) -> str:
        """What makes a report of this happening the same report when a provider sends it again:
        the message id for a message, the message id and status for a status (a status applies
        once per line, message and status), else a digest of everything the happening says.

        An instant moved by the receiver (a future date clamped, ``data["original_at"]``) is keyed
        by its original, so a redelivery at another moment is still the same happening.
        """
        message_id = self.provider_message_id
        if message_id and self.kind in (Kind.INBOUND, Kind.OUTGOING):
            return _bounded(message_id)
        if message_id and self.kind is Kind.STATUS:
            return _bounded(f"status:{self.status}:{message_id}")
        said = [
            self.kind.value,
            self.account,
            self.data.get("original_at") or self.at.isoformat(),
            self.contact,
            self.text,
            message_id,
            self.status,
            self.error_code,
            self.reference,
            self.human,
            sorted(self.data.items()),
        ]
        return f"{self.kind.value}:{_digest(json.dumps(said, ensure_ascii=False))}"


KEY_LENGTH: Final = 200
"""Room for a happening key (``webhook_receipts.message_id``)."""


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", errors="replace")).hexdigest()


def _bounded(key: str) -> str:
    return key if len(key) <= KEY_LENGTH else f"sha256:{_digest(key)}"


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
    return is_group(raw) or is_broadcast(raw)


def is_group(raw: object) -> bool:
    """A group chat (``…@g.us``): customers write there, but not to the line alone."""
    return isinstance(raw, str) and raw.lower().endswith("@g.us")


def is_broadcast(raw: object) -> bool:
    """Status stories, broadcast lists and channels: nothing a customer wrote to the line."""
    return isinstance(raw, str) and raw.lower().endswith(("@broadcast", "@newsletter"))


def is_linked_id(raw: object) -> bool:
    """A WhatsApp linked id (``…@lid``): stands for a person without showing their number."""
    return isinstance(raw, str) and raw.lower().endswith("@lid")


def unhandled(
    account: str, at: datetime, pt: str, en: str, *, contact: str | None = None, **data: str
) -> Happening:
    """A part of a payload a person must see: ``pt`` / ``en`` say why zapguard cannot act on it."""
    return Happening(
        Kind.UNHANDLED, account, at, contact=contact, data={"reason": f"{pt} / {en}", **data}
    )


def ignored(account: str, at: datetime, pt: str, en: str, **data: str) -> Happening:
    """A part of a payload that changes nothing zapguard keeps: ``pt`` / ``en`` say what it is."""
    return Happening(Kind.IGNORED, account, at, data={"reason": f"{pt} / {en}", **data})


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
    found = optional_text(value)
    if found is None:
        raise WebhookParseError(f"campo {where} ausente ou vazio / field {where} missing or empty")
    return found


def optional_text(value: object) -> str | None:
    """A non-empty string, or a whole number as its decimal form; ``None`` for anything else."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    if isinstance(value, int) and abs(value) >= 10**100:
        return None  # no id is that long; str() of a huge int may even refuse
    found = str(value)
    return found or None


EARLIEST: Final = datetime(2009, 1, 1, tzinfo=UTC)
"""No WhatsApp event is older than WhatsApp (founded in 2009): an earlier instant is a wrong field
or a zero, not news."""
LATEST: Final = datetime(9000, 1, 1, tzinfo=UTC)
"""Far enough for any real date, near enough that adding a window or a time zone never overflows
(the receiver clamps future instants to its own clock anyway)."""
_MAX_DIGITS: Final = 16
"""A Unix time in milliseconds has 13 digits until the year 2286; more is not a time."""


def instant(value: object, where: str, *, fallback: datetime | None = None) -> datetime:
    """An aware UTC instant from Unix seconds (int or string), milliseconds (WAHA envelopes),
    an ISO-8601 string, or Baileys' ``{"low": …}`` long; ``fallback`` when absent.

    Anything else (a 20-digit number, an infinite float, a date before 2009 or after 9000) is a
    :class:`WebhookParseError` naming the field: never an overflow out of :mod:`datetime`.
    """
    if isinstance(value, Mapping) and "low" in value:
        value = value["low"]
    if isinstance(value, str) and value.strip().isdigit():
        digits = value.strip()
        value = int(digits) if len(digits) <= _MAX_DIGITS else math.inf
    parsed: datetime | None = None
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        parsed = _from_unix(value)
    elif isinstance(value, str) and value.strip():
        parsed = _from_iso(value.strip())
    elif value is None and fallback is not None:
        return fallback
    if parsed is None or not EARLIEST <= parsed < LATEST:
        raise WebhookParseError(
            f"campo {where} não é um instante válido / field {where} is not a valid instant: "
            f"{_shown(value)}"
        )
    return parsed


def _from_unix(value: float) -> datetime | None:
    if not math.isfinite(value) or value >= 10**_MAX_DIGITS:
        return None
    seconds = value / 1000 if value > 10**11 else value
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _from_iso(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except (ValueError, OverflowError):
        return None


def _shown(value: object) -> str:
    """``value`` for an error message: short, whatever it is."""
    try:
        shown = repr(value)
    except ValueError:  # an int too long to print
        shown = f"<{type(value).__name__}>"
    return shown if len(shown) <= 80 else shown[:77] + "..."
