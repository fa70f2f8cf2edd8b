"""WAHA (WhatsApp HTTP API) webhooks → happenings.

Envelope (waha.devlike.pro/docs/how-to/events; devlikeapro/waha ``webhooks.dto.ts``): ``{"id",
"timestamp" (ms), "event", "session", "me": {"id", "pushName"}, "payload", "engine",
"environment"}``. The account is the ``session`` name.

- ``message``: messages the session *received*; ``payload = {"id": "false_5531…@c.us_…",
  "timestamp" (s), "from": "5531…@c.us", "fromMe": false, "to", "body", "hasMedia", "_data"}``.
- ``message.any``: every message, sent ones included (``fromMe: true``, the contact in ``to``).
  Only its ``fromMe`` messages are read: the received ones are ``message`` events already, and
  counting them twice would double the inbound counts (the others are ``IGNORED``).
- ``message.ack``: ``payload = {"id", "from", "to", "participant", "fromMe", "ack", "ackName"}``
  with ``ack`` -1 ERROR, 0 PENDING, 1 SERVER, 2 DEVICE, 3 READ, 4 PLAYED (``enums.dto.ts``).
- ``session.status``: ``payload = {"status": STOPPED | STARTING | SCAN_QR_CODE | WORKING |
  FAILED}``.
- ``call.received``: a customer calling the line: ``UNHANDLED``, a person must see it.
- The other documented events (reactions, edits, revokes, presence, groups, labels, polls,
  ``engine.event`` …) change nothing here: ``IGNORED``; any other event is ``UNHANDLED``.

Linked ids: since 2025 ``from`` (or ``to``) may be ``…@lid`` instead of a phone (devlikeapro/waha
issues #1418, #1608, #1849). The phone, when the engine knows it, is in the engine's raw
``_data``: NOWEB (Baileys) ``_data.key.remoteJidAlt`` or ``_data.key.senderPn`` (issues #1608,
#2010); GOWS (whatsmeow ``types.MessageSource``) ``_data.Info.SenderAlt`` for a received message,
``_data.Info.RecipientAlt`` for a sent one. WEBJS gives none (the maintainers point to the
``/api/{session}/lids`` API, issue #1711): such a message is ``UNHANDLED``, so it reaches the
helpdesk or the inbox instead of being counted for a wrong contact. A message in a group is
``UNHANDLED`` too.

Who wrote a ``fromMe`` message: WAHA marks ``payload.source`` ``"app"`` (the phone or a linked
device: a person) or ``"api"`` (sent through WAHA: zapguard, a bot). Without it, unknown
(``human=None``: recorded, not counted as human activity).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

from zapguard.providers.happening import (
    EARLIEST,
    Happening,
    Kind,
    contact_of,
    ignored,
    instant,
    is_broadcast,
    is_group,
    is_linked_id,
    optional_text,
    section,
    text,
    unhandled,
)

__all__ = ["ACKS", "ACK_NAMES", "INFORMATIONAL", "MESSAGE_EVENTS", "SESSION_STATES", "parse"]

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
MESSAGE_EVENTS: Final = frozenset({"message", "message.any", "message.ack"})
INFORMATIONAL: Final = frozenset(
    {
        "message.reaction",
        "message.revoked",
        "message.edited",
        "message.waiting",
        "message.ack.group",
        "chat.archive",
        "presence.update",
        "poll.vote",
        "poll.vote.failed",
        "group.join",
        "group.leave",
        "group.v2.join",
        "group.v2.leave",
        "group.v2.update",
        "group.v2.participants",
        "label.upsert",
        "label.deleted",
        "label.chat.added",
        "label.chat.deleted",
        "call.accepted",
        "call.rejected",
        "event.response",
        "event.response.failed",
        "engine.event",
        "state.change",
    }
)
"""Events WAHA documents that change nothing zapguard keeps."""


def parse(payload: Mapping[str, Any]) -> list[Happening]:
    event = text(payload.get("event"), "event")
    account = text(payload.get("session"), "session")
    envelope_at = (
        instant(payload.get("timestamp"), "timestamp") if payload.get("timestamp") else None
    )
    if event == "session.status":
        body = section(payload.get("payload"), "payload")
        state = text(body.get("status"), "payload.status")
        return [
            Happening(
                Kind.CONNECTION,
                account,
                _at(body, envelope_at),
                status=SESSION_STATES.get(state, state.lower()),
                data={"provider_status": state},
            )
        ]
    if event in MESSAGE_EVENTS:
        return [_message(event, account, section(payload.get("payload"), "payload"), envelope_at)]
    at = envelope_at or EARLIEST
    if event == "call.received":
        return [unhandled(account, at, "ligação recebida", "incoming call", event=event)]
    if event in INFORMATIONAL:
        return [ignored(account, at, "evento informativo", "informational event", event=event)]
    return [unhandled(account, at, "evento desconhecido", "unknown event", event=event)]


def _message(
    event: str, account: str, body: Mapping[str, Any], envelope_at: datetime | None
) -> Happening:
    from_me = body.get("fromMe") is True
    chat = body.get("to") if from_me else body.get("from")
    at = _at(body, envelope_at)
    message_id = optional_text(body.get("id"))
    if is_group(chat) or is_group(body.get("from")):
        if event == "message.ack":
            return ignored(account, at, "recibo de grupo", "group receipt", event=event)
        return unhandled(account, at, "mensagem de grupo", "group message", event=event)
    if is_broadcast(chat):
        return ignored(account, at, "status ou canal", "status or channel", event=event)
    contact = contact_of(chat) or _phone_alternative(body.get("_data"), from_me)
    if event == "message.ack":
        ack = _ack(body)
        status = ACKS.get(ack) if ack is not None else None
        if not from_me or status is None:
            return ignored(account, at, "recibo sem efeito", "receipt of no consequence")
        return Happening(
            Kind.STATUS,
            account,
            at,
            contact=contact,
            provider_message_id=text(message_id, "payload.id"),
            status=status,
        )
    if (event == "message") == from_me:
        # "message" with fromMe, or "message.any" received: see the module docstring
        return ignored(account, at, "repetida em outro evento", "repeated by another event")
    if contact is None:
        if is_linked_id(chat):
            pt = "contato só com id vinculado (@lid), sem o número"
            en = "contact known only by a linked id (@lid), without its number"
        else:
            pt, en = "conversa sem número de telefone", "chat without a phone number"
        return unhandled(account, at, pt, en, event=event, chat=str(chat))
    written = optional_text(body.get("body"))
    if not from_me:
        return Happening(Kind.INBOUND, account, at, contact, written, message_id)
    source = optional_text(body.get("source"))
    human = {"app": True, "api": False}.get(source or "")
    return Happening(
        Kind.OUTGOING,
        account,
        at,
        contact,
        written,
        message_id,
        human=human,
        data={"source": source or "-"},
    )


def _phone_alternative(raw: object, from_me: bool) -> str | None:
    """The phone behind a linked id, from the engine's raw data (see the module docstring)."""
    if not isinstance(raw, Mapping):
        return None
    key, info = raw.get("key"), raw.get("Info")
    candidates: list[object] = []
    if isinstance(key, Mapping):
        candidates += [key.get("remoteJidAlt"), key.get("senderPn")]
    if isinstance(info, Mapping):
        candidates.append(info.get("RecipientAlt" if from_me else "SenderAlt"))
    for candidate in candidates:
        found = contact_of(candidate)
        if found is not None:
            return found
    return None


def _ack(body: Mapping[str, Any]) -> int | None:
    ack = body.get("ack")
    if isinstance(ack, int) and not isinstance(ack, bool):
        return ack
    return ACK_NAMES.get(str(optional_text(body.get("ackName")) or "").upper())


def _at(body: Mapping[str, Any], envelope_at: datetime | None) -> datetime:
    if body.get("timestamp"):
        return instant(body.get("timestamp"), "payload.timestamp")
    return instant(None, "timestamp", fallback=envelope_at)
