"""What every provider's webhook becomes: a list of :class:`Happening` values, provider-neutral.

Cloud API, Evolution API, WAHA and Chatwoot each describe the same few things in their own shapes:
a contact wrote, a message we sent changed status, the line connected or was logged out, a person (or
a bot) answered through the helpdesk. Parsers turn one payload into every happening it holds
(batched payloads are processed whole); :mod:`zapguard.gateway.webhooks.apply` turns happenings into
state changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


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
