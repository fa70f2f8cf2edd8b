"""Evolution API v2 webhooks → happenings.

Every Evolution webhook has one envelope (``webhook.controller.ts``): ``{"event", "instance",
"data", "destination", "date_time", "sender", "server_url", "apikey"}``. ``event`` is dotted
(``messages.upsert``); some installations send ``MESSAGES_UPSERT``, so both are read. The account
is the ``instance`` name. ``date_time`` is the Evolution server's *local* wall time written with a
``Z`` (``channel.service.ts``, ``sendDataWebhook``: ``new Date(Date.now() - tzoffset)
.toISOString()``): it is only used when the event carries no time of its own.

Shapes (EvolutionAPI/evolution-api, ``whatsapp.baileys.service.ts``; doc.evolution-api.com/v2/en/
configuration/webhooks):

- ``messages.upsert``: ``data = {"key": {"remoteJid", "fromMe", "id", "remoteJidAlt"?,
  "senderPn"?, "addressingMode"?}, "pushName", "message": {"conversation"} |
  {"extendedTextMessage": {"text"}}, "messageType", "messageTimestamp", "source"}``. A chat with a
  linked id (``…@lid``) names the phone in ``key.remoteJidAlt`` (Baileys 7, ``decode-wa-message.ts``;
  Evolution PR #1955 even swaps it into ``remoteJid``) or ``key.senderPn`` (Baileys 6.7); without
  either the message is ``UNHANDLED``: it reaches the helpdesk or the inbox, never a wrong contact.
- ``send.message``: the same message shape, for messages sent through Evolution's API.
- ``messages.update`` (and ``send.message.update``): ``data = {"keyId", "remoteJid", "fromMe",
  "participant", "status": ERROR | PENDING | SERVER_ACK | DELIVERY_ACK | READ | PLAYED | DELETED,
  "instanceId"}`` (older builds: ``id`` or ``key.id``), without a time of its own.
- ``connection.update``: ``data = {"instance", "state": open | connecting | close | refused,
  "statusReason"}``. ``status.instance``: ``data = {"instance", "status": "closed",
  "disconnectionReasonCode", "disconnectionAt", …}``, sent when Evolution stops reconnecting
  (reasons 401, 402, 403, 406: ``codesToNotReconnect``). Both become a CONNECTION with the reason
  as ``error_code``; which reasons pause the line is policy (``[health] ban_disconnect_reasons``).
- ``logout.instance`` and ``remove.instance`` (``monitor.service.ts``, ``data: null``): the
  instance was logged out or deleted: CONNECTION ``logged_out`` / ``removed``.
- ``qrcode.updated``: ``data = {"qrcode": {"instance", "pairingCode", "code", "base64"}}`` (the
  instance waits to be paired: CONNECTION ``qr``; the QR code itself is a credential and is not
  kept), or ``{"message", "statusCode": 500}`` when the QR limit was reached (CONNECTION ``close``
  with reason 500).
- ``call``: a customer calling the line: ``UNHANDLED``, a person must see it.
- The other events Evolution documents (``Events`` in ``wa.types.ts``: presence, chats, contacts,
  groups, labels, …) change nothing here: ``IGNORED``. Any event not documented: ``UNHANDLED``.

Who wrote an outgoing message (``human``): ``send.message`` is a message sent through the API,
so by zapguard, a bot or an integration: ``human=False``. ``messages.upsert`` with ``fromMe`` is a
message Evolution did not send: typed on the phone or on a linked WhatsApp Web: ``human=True``.
A helpdesk that sends through the API is told apart by its own webhook (Chatwoot), not here.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any, Final

from zapguard.providers.happening import (
    EARLIEST,
    Happening,
    Kind,
    WebhookParseError,
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

__all__ = [
    "INFORMATIONAL",
    "LOST",
    "MESSAGE_EVENTS",
    "STATUSES",
    "STATUS_EVENTS",
    "event_name",
    "parse",
]

STATUSES: Final = {
    "ERROR": "failed",
    "SERVER_ACK": "sent",
    "DELIVERY_ACK": "delivered",
    "READ": "read",
    "PLAYED": "read",
}
"""Evolution's Baileys ack names → zapguard statuses; PENDING and DELETED say nothing of delivery."""

MESSAGE_EVENTS: Final = frozenset({"messages.upsert", "send.message"})
STATUS_EVENTS: Final = frozenset({"messages.update", "send.message.update"})
INFORMATIONAL: Final = frozenset(
    {
        "application.startup",
        "instance.create",
        "instance.delete",
        "messages.set",
        "messages.edited",
        "messages.delete",
        "contacts.set",
        "contacts.upsert",
        "contacts.update",
        "presence.update",
        "chats.set",
        "chats.update",
        "chats.upsert",
        "chats.delete",
        "groups.upsert",
        "groups.update",
        "group.participants.update",
        "group-participants.update",
        "typebot.start",
        "typebot.change-status",
        "typebot.change.status",
        "labels.edit",
        "labels.association",
        "creds.update",
        "messaging-history.set",
        "messaging.history.set",
    }
)
"""Events of Evolution's ``Events`` enum that change nothing zapguard keeps."""
LOST: Final = {"logout.instance": "logged_out", "remove.instance": "removed"}


def event_name(payload: Mapping[str, Any]) -> str:
    return text(payload.get("event"), "event").lower().replace("_", ".")


def parse(payload: Mapping[str, Any]) -> list[Happening]:
    event = event_name(payload)
    account = text(payload.get("instance"), "instance")
    stamped = instant(payload.get("date_time"), "date_time") if payload.get("date_time") else None
    data = payload.get("data")
    if event in MESSAGE_EVENTS:
        return list(_messages(event, account, data, stamped))
    if event in STATUS_EVENTS:
        return list(_updates(account, data, stamped))
    if event == "connection.update":
        return [_connection(account, section(data, "data"), stamped)]
    if event == "status.instance":
        return [_instance_status(account, section(data, "data"), stamped)]
    if event == "qrcode.updated":
        return [_qrcode(account, section(data, "data"), stamped)]
    if event in LOST:
        lost = LOST[event]
        return [
            Happening(
                Kind.CONNECTION, account, _required(stamped), status=lost, data={"event": event}
            )
        ]
    at = stamped or EARLIEST
    if event == "call":
        return [unhandled(account, at, "ligação recebida", "incoming call", event=event)]
    if event in INFORMATIONAL:
        return [ignored(account, at, "evento informativo", "informational event", event=event)]
    return [unhandled(account, at, "evento desconhecido", "unknown event", event=event)]


def _each(data: object, where: str) -> list[Mapping[str, Any]]:
    """``data`` is one object in v2; some builds batch a list (or ``{"messages": [...]}``)."""
    if isinstance(data, Mapping) and isinstance(data.get("messages"), list):
        data = data["messages"]
    if isinstance(data, list):
        return [section(item, where) for item in data]
    return [section(data, where)]


def _messages(
    event: str, account: str, data: object, stamped: datetime | None
) -> Iterator[Happening]:
    for message in _each(data, "data"):
        key = section(message.get("key"), "data.key")
        chat = key.get("remoteJid")
        at = instant(message.get("messageTimestamp"), "data.messageTimestamp", fallback=stamped)
        message_id = optional_text(key.get("id"))
        if is_group(chat):
            yield unhandled(
                account, at, "mensagem de grupo", "group message", event=event, chat=str(chat)
            )
            continue
        if is_broadcast(chat):
            yield ignored(account, at, "status ou canal", "status or channel", event=event)
            continue
        contact = contact_of(chat) or _phone_alternative(key)
        if contact is None:
            why_pt, why_en = _no_phone(chat)
            yield unhandled(account, at, why_pt, why_en, event=event, chat=str(chat))
            continue
        from_me = key.get("fromMe") is True or event == "send.message"
        written = _text(message.get("message"))
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
    """The phone behind a linked id: ``remoteJidAlt`` (Baileys 7) or ``senderPn`` (Baileys 6.7)."""
    for name in ("remoteJidAlt", "senderPn"):
        found = contact_of(key.get(name))
        if found is not None:
            return found
    return None


def _no_phone(chat: object) -> tuple[str, str]:
    if is_linked_id(chat):
        return (
            "contato só com id vinculado (@lid), sem o número",
            "contact known only by a linked id (@lid), without its number",
        )
    return "conversa sem número de telefone", "chat without a phone number"


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


def _updates(account: str, data: object, stamped: datetime | None) -> Iterator[Happening]:
    for update in _each(data, "data"):
        nested = update.get("key")
        key: Mapping[str, Any] = nested if isinstance(nested, Mapping) else {}
        from_me = update.get("fromMe", key.get("fromMe"))
        chat = update.get("remoteJid", key.get("remoteJid"))
        raw_status = optional_text(update.get("status")) or ""
        status = STATUSES.get(raw_status.upper())
        when = update.get("dateTime")
        at = instant(when, "data.dateTime") if when else _required(stamped)
        if from_me is not True or status is None or is_group(chat) or is_broadcast(chat):
            # receipts of the contact's own messages, pending, deleted, groups
            yield ignored(
                account, at, "recibo sem efeito", "receipt of no consequence", status=raw_status
            )
            continue
        message_id = update.get("keyId") or update.get("id") or key.get("id")
        yield Happening(
            Kind.STATUS,
            account,
            at,
            contact=contact_of(chat),
            provider_message_id=text(message_id, "data.keyId"),
            status=status,
            error_code=None,
        )


def _required(stamped: datetime | None) -> datetime:
    if stamped is None:
        raise WebhookParseError("webhook sem date_time / webhook without date_time")
    return stamped


def _reason(value: object) -> str | None:
    """A disconnect reason (Baileys ``DisconnectReason``, an HTTP-like code) as text."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10_000:
        return str(value)
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 4:
        return str(int(value.strip()))
    return None


def _connection(account: str, data: Mapping[str, Any], stamped: datetime | None) -> Happening:
    state = text(data.get("state"), "data.state")
    reason = _reason(data.get("statusReason"))
    return Happening(
        Kind.CONNECTION,
        account,
        _required(stamped),
        status=state,
        error_code=reason if state in ("close", "refused") else None,
        data={"state": state, "reason": reason or "-"},
    )


def _instance_status(account: str, data: Mapping[str, Any], stamped: datetime | None) -> Happening:
    status = text(data.get("status"), "data.status")
    reason = _reason(data.get("disconnectionReasonCode"))
    when = data.get("disconnectionAt")
    at = instant(when, "data.disconnectionAt") if when else _required(stamped)
    state = "close" if status == "closed" else status
    return Happening(
        Kind.CONNECTION,
        account,
        at,
        status=state,
        error_code=reason if state == "close" else None,
        data={"state": status, "reason": reason or "-", "event": "status.instance"},
    )


def _qrcode(account: str, data: Mapping[str, Any], stamped: datetime | None) -> Happening:
    reason = _reason(data.get("statusCode"))
    at = _required(stamped)
    if reason is not None:  # "QR code limit reached, please login again"
        return Happening(
            Kind.CONNECTION,
            account,
            at,
            status="close",
            error_code=reason,
            data={"state": "qr_limit", "reason": reason, "event": "qrcode.updated"},
        )
    return Happening(
        Kind.CONNECTION, account, at, status="qr", data={"state": "qr", "event": "qrcode.updated"}
    )
