"""WAHA (WhatsApp HTTP API) webhooks → happenings.

Envelope (waha.devlike.pro/docs/how-to/events; devlikeapro/waha ``webhooks.dto.ts``): ``{"id",
"timestamp" (ms), "event", "session", "me": {"id", "pushName"}, "payload", "engine",
"environment"}``. The account is the ``session`` name.

- ``message``: messages the session *received*; ``payload = {"id": "false_5531…@c.us_…",
  "timestamp" (s), "from": "5531…@c.us", "fromMe": false, "to", "body", "hasMedia", …}``.
- ``message.any``: every message, sent ones included (``fromMe: true``, the contact in ``to``).
  Only its ``fromMe`` messages are read: the received ones are ``message`` events already, and
  counting them twice would double the inbound counts.
- ``message.ack``: ``payload = {"id", "from", "to", "participant", "fromMe", "ack", "ackName"}``
  with ``ack`` -1 ERROR, 0 PENDING, 1 SERVER, 2 DEVICE, 3 READ, 4 PLAYED (``enums.dto.ts``).
- ``session.status``: ``payload = {"status": STOPPED | STARTING | SCAN_QR_CODE | WORKING |
  FAILED}``.

Who wrote a ``fromMe`` message: WAHA marks ``payload.source`` ``"app"`` (the phone or a linked
device: a person) or ``"api"`` (sent through WAHA: zapguard, a bot). Without it, unknown
(``human=None``: recorded, not counted as human activity).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

from zapguard.gateway.webhooks.model import (
    Happening,
    Kind,
    contact_of,
    instant,
    is_group_or_broadcast,
    optional_text,
    section,
    text,
)

ACKS: Final = {-1: "failed", 1: "sent", 2: "delivered", 3: "read", 4: "read"}
ACK_NAMES: Final = {"ERROR": -1, "PENDING": 0, "SERVER": 1, "DEVICE": 2, "READ": 3, "PLAYED": 4}
SESSION_STATES: Final = {
    "WORKING": "open",
    "STARTING": "connecting",
    "SCAN_QR_CODE": "qr",
    "STOPPED": "close",
    # FAILED is how WAHA reports a session whose phone logged it out (it needs a new QR scan).
    "FAILED": "logged_out",
}


def parse(payload: Mapping[str, Any]) -> list[Happening]:
    event = text(payload.get("event"), "event")
    account = text(payload.get("session"), "session")
    envelope_at = (
        instant(payload.get("timestamp"), "timestamp") if payload.get("timestamp") else None
    )
    if event in ("message", "message.any", "message.ack", "session.status"):
        body = section(payload.get("payload"), "payload")
    else:
        return []
    if event == "session.status":
        state = text(body.get("status"), "payload.status")
        return [
            Happening(
                Kind.CONNECTION,
                account,
                _at(body, envelope_at, "timestamp"),
                status=SESSION_STATES.get(state, state.lower()),
                data={"provider_status": state},
            )
        ]
    from_me = body.get("fromMe") is True
    chat = body.get("to") if from_me else body.get("from")
    if is_group_or_broadcast(chat) or is_group_or_broadcast(body.get("from")):
        return []
    contact = contact_of(chat)
    message_id = optional_text(body.get("id"))
    if event == "message.ack":
        ack = _ack(body)
        status = ACKS.get(ack) if ack is not None else None
        if not from_me or status is None:
            return []
        return [
            Happening(
                Kind.STATUS,
                account,
                _at(body, envelope_at, "timestamp"),
                contact=contact,
                provider_message_id=text(message_id, "payload.id"),
                status=status,
            )
        ]
    if contact is None or (event == "message") == from_me:
        return []  # "message" with fromMe, or "message.any" received: see the module docstring
    at = _at(body, envelope_at, "timestamp")
    written = optional_text(body.get("body"))
    if not from_me:
        return [Happening(Kind.INBOUND, account, at, contact, written, message_id)]
    source = optional_text(body.get("source"))
    human = {"app": True, "api": False}.get(source or "")
    return [
        Happening(
            Kind.OUTGOING,
            account,
            at,
            contact,
            written,
            message_id,
            human=human,
            data={"source": source or "-"},
        )
    ]


def _ack(body: Mapping[str, Any]) -> int | None:
    ack = body.get("ack")
    if isinstance(ack, int) and not isinstance(ack, bool):
        return ack
    return ACK_NAMES.get(str(body.get("ackName", "")).upper())


def _at(body: Mapping[str, Any], envelope_at: datetime | None, key: str) -> datetime:
    if body.get(key):
        return instant(body.get(key), f"payload.{key}")
    return instant(None, "timestamp", fallback=envelope_at)
