"""Evolution API v2 webhooks → happenings.

Every Evolution webhook has one envelope (``webhook.controller.ts``): ``{"event", "instance",
"data", "destination", "date_time", "sender", "server_url", "apikey"}``. ``event`` is dotted
(``messages.upsert``); some installations send ``MESSAGES_UPSERT``, so both are read. The account
is the ``instance`` name.

Shapes (EvolutionAPI/evolution-api, ``whatsapp.baileys.service.ts``; doc.evolution-api.com/v2/en/
configuration/webhooks):

- ``messages.upsert``: ``data = {"key": {"remoteJid", "fromMe", "id", "senderPn"?,
  "remoteJidAlt"?}, "pushName", "message": {"conversation"} | {"extendedTextMessage": {"text"}},
  "messageType", "messageTimestamp", "source"}``. A ``@lid`` chat is read through its phone
  alternative when Evolution sends one.
- ``send.message``: the same message shape, for messages sent through Evolution's API.
- ``messages.update``: ``data = {"keyId", "remoteJid", "fromMe", "status": ERROR | PENDING |
  SERVER_ACK | DELIVERY_ACK | READ | PLAYED | DELETED, …}`` (older builds: ``id`` or ``key.id``).
- ``connection.update``: ``data = {"instance", "state": open | connecting | close | refused,
  "statusReason"}``; Evolution stops reconnecting on 401 (Baileys ``loggedOut``) and 403
  (``forbidden``, the number is banned or blocked) and sends ``close`` with that reason.

Who wrote an outgoing message (``human``): ``send.message`` is a message sent through the API,
so by zapguard, a bot or an integration: ``human=False``. ``messages.upsert`` with ``fromMe`` is a
message Evolution did not send: typed on the phone or on a linked WhatsApp Web: ``human=True``.
A helpdesk that sends through the API is told apart by its own webhook (Chatwoot), not here.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any, Final

from zapguard.gateway.webhooks.model import (
    Happening,
    Kind,
    WebhookParseError,
    contact_of,
    instant,
    is_group_or_broadcast,
    optional_text,
    section,
    text,
)

STATUSES: Final = {
    "ERROR": "failed",
    "SERVER_ACK": "sent",
    "DELIVERY_ACK": "delivered",
    "READ": "read",
    "PLAYED": "read",
}
"""Evolution's Baileys ack names → zapguard statuses; PENDING and DELETED say nothing of delivery."""

DISCONNECT_REASONS: Final = {401: "logged_out", 403: "banned"}


def event_name(payload: Mapping[str, Any]) -> str:
    return text(payload.get("event"), "event").lower().replace("_", ".")


def parse(payload: Mapping[str, Any]) -> list[Happening]:
    event = event_name(payload)
    account = text(payload.get("instance"), "instance")
    received = instant(payload.get("date_time"), "date_time") if payload.get("date_time") else None
    if event in ("messages.upsert", "send.message"):
        return list(_messages(event, account, payload.get("data"), received))
    if event == "messages.update":
        return list(_updates(account, payload.get("data"), received))
    if event == "connection.update":
        return [_connection(account, section(payload.get("data"), "data"), received)]
    return []


def _each(data: object, where: str) -> list[Mapping[str, Any]]:
    """``data`` is one object in v2; some builds batch a list (or ``{"messages": [...]}``)."""
    if isinstance(data, Mapping) and isinstance(data.get("messages"), list):
        data = data["messages"]
    if isinstance(data, list):
        return [section(item, where) for item in data]
    return [section(data, where)]


def _messages(
    event: str, account: str, data: object, received: datetime | None
) -> Iterator[Happening]:
    for message in _each(data, "data"):
        key = section(message.get("key"), "data.key")
        chat = key.get("remoteJid")
        if is_group_or_broadcast(chat):
            continue
        contact = contact_of(chat) or _phone_alternative(key)
        if contact is None:
            continue
        from_me = key.get("fromMe") is True or event == "send.message"
        at = instant(message.get("messageTimestamp"), "data.messageTimestamp", fallback=received)
        written = _text(message.get("message"))
        message_id = optional_text(key.get("id"))
        if not from_me:
            yield Happening(
                Kind.INBOUND, account, at, contact, written, provider_message_id=message_id
            )
            continue
        human = event == "messages.upsert"
        yield Happening(
            Kind.OUTGOING,
            account,
            at,
            contact,
            written,
            provider_message_id=message_id,
            human=human,
            data={
                "via": "phone" if human else "api",
                "source": optional_text(message.get("source")) or "-",
            },
        )


def _phone_alternative(key: Mapping[str, Any]) -> str | None:
    for name in ("senderPn", "remoteJidAlt", "participantAlt"):
        found = contact_of(key.get(name))
        if found is not None:
            return found
    return None


def _text(message: object) -> str | None:
    if not isinstance(message, Mapping):
        return None
    for value in (
        message.get("conversation"),
        _get(message, "extendedTextMessage", "text"),
        _get(message, "buttonsResponseMessage", "selectedDisplayText"),
        _get(message, "templateButtonReplyMessage", "selectedDisplayText"),
        _get(message, "listResponseMessage", "title"),
    ):
        if isinstance(value, str) and value:
            return value
    return None


def _get(mapping: Mapping[str, Any], *path: str) -> object:
    current: object = mapping
    for key in path:
        if not isinstance(current, Mapping):
            return None
        current = current.get(key)
    return current


def _updates(account: str, data: object, received: datetime | None) -> Iterator[Happening]:
    for update in _each(data, "data"):
        nested = update.get("key")
        key: Mapping[str, Any] = nested if isinstance(nested, Mapping) else {}
        from_me = update.get("fromMe", key.get("fromMe"))
        chat = update.get("remoteJid", key.get("remoteJid"))
        status = STATUSES.get(str(update.get("status", "")).upper())
        if from_me is not True or status is None or is_group_or_broadcast(chat):
            continue  # receipts of the contact's own messages, pending, deleted, groups
        message_id = update.get("keyId") or update.get("id") or key.get("id")
        when = update.get("dateTime")
        yield Happening(
            Kind.STATUS,
            account,
            instant(when, "data.dateTime") if when else _required(received),
            contact=contact_of(chat),
            provider_message_id=text(message_id, "data.keyId"),
            status=status,
            error_code=None,
        )


def _required(received: datetime | None) -> datetime:
    if received is None:
        raise WebhookParseError("webhook sem date_time / webhook without date_time")
    return received


def _connection(account: str, data: Mapping[str, Any], received: datetime | None) -> Happening:
    state = text(data.get("state"), "data.state")
    reason = data.get("statusReason")
    code = reason if isinstance(reason, int) and not isinstance(reason, bool) else None
    if isinstance(reason, str) and reason.isdigit():
        code = int(reason)
    lost = DISCONNECT_REASONS.get(code) if code is not None and state == "close" else None
    status = lost or state
    return Happening(
        Kind.CONNECTION,
        account,
        _required(received),
        status=status,
        data={"state": state, "reason": str(code) if code is not None else "-"},
    )
