"""Meta Cloud API webhooks → happenings.

One POST may batch several entries, each with several changes, each with several messages and
statuses: every one of them becomes a happening, in order. A group message or a sender without a
phone number is ``UNHANDLED`` (it must reach the helpdesk or the inbox); a status with no delivery
outcome (``played``, ``deleted``) or about a group is ``IGNORED``; a field zapguard does not read
(templates, flows, calls, echoes …) is ``UNHANDLED``: it is kept or passed on, never dropped.

Shapes (developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/…):

- ``messages`` (field ``messages``): ``{"object": "whatsapp_business_account", "entry": [{"id":
  <WABA id>, "changes": [{"field": "messages", "value": {"messaging_product": "whatsapp",
  "metadata": {"display_phone_number", "phone_number_id"}, "contacts": [{"profile": {"name"},
  "wa_id"}], "messages": [{"from", "id", "timestamp", "type", "text": {"body"}}]}}]}]}``; button
  replies carry ``button.text``, interactive ones ``interactive.button_reply.title`` or
  ``interactive.list_reply.title``; group messages carry ``group_id``. Media messages
  (``image``, ``audio``, ``video``, ``document``, ``sticker``) carry the media's ``id`` under
  their type: it goes into the happening's ``data["media_id"]``, so that the Cloud API surface
  can bind a later ``GET /{media_id}`` to the line.
- statuses (same field): ``statuses: [{"id", "status": sent|delivered|read|failed, "timestamp",
  "recipient_id", "recipient_type"?, "biz_opaque_callback_data"?, "errors": [{"code", "title",
  "message", "error_data": {"details"}}]}]``. Meta documents that a message read while its chat is
  open gets ``read`` without a ``delivered`` before it: nothing here assumes an order.
- ``user_preferences``: ``value.user_preferences: [{"wa_id", "detail", "category":
  "marketing_messages", "value": stop|resume, "timestamp"}]``.
- ``phone_number_quality_update``: ``value: {"display_phone_number", "event", "current_limit",
  "old_limit"?, "max_daily_conversations_per_business"?}`` with ``entry.time``. It names the
  number, not its ``phone_number_id``: such happenings carry ``data["account_by"] = "phone"``.
- ``business_capability_update``: ``value: {"max_daily_conversations_per_business",
  "max_daily_conversation_per_phone"?, "max_phone_numbers_per_business", …}`` with ``entry.id`` the
  WABA id (developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/
  business_capability_update): the business portfolio's messaging limit, 250, 2000, 10000, 100000
  or -1 (unlimited). A QUALITY happening ``business_capability_update`` about the WABA
  (``data["account_by"] = "waba"``), carrying the limit as ``data["max_daily_conversations_per_
  business"]``.
- ``message_template_status_update``: ``value: {"event", "message_template_id",
  "message_template_name", "message_template_language", "reason", "message_template_category"?,
  …}`` with ``entry.id`` the WABA id and ``entry.time`` (developers.facebook.com/documentation/
  business-messaging/whatsapp/webhooks/reference/message_template_status_update): the event is the
  template's new status (APPROVED, REJECTED, PENDING, PAUSED, DISABLED …). A QUALITY happening
  ``message_template_status_update`` about the WABA, with ``data["template"]`` the name and
  ``data["template_status"]`` the event (``REINSTATED``, a paused template approved again, reads
  ``APPROVED``).
- ``message_template_quality_update``: ``value: {"previous_quality_score", "new_quality_score",
  "message_template_id", "message_template_name", "message_template_language"}`` (…/webhooks/
  reference/message_template_quality_update): GREEN, YELLOW, RED or UNKNOWN. A QUALITY happening
  ``message_template_quality_update`` about the WABA, ``data["template_quality"]`` the new score.
- ``account_update``: ``value: {"phone_number"?, "event", "ban_info": {"waba_ban_state"}, …}`` (field
  names as pywa 4.5 reads them). ``DISABLED_UPDATE`` with ``DISABLE`` is a ban; restrictions and
  violations are quality signals. Without ``phone_number`` the event concerns the whole business
  account (``data["account_by"] = "waba"``), which maps to no single line.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
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
    items,
    optional_text,
    section,
    text,
    unhandled,
)

__all__ = [
    "BY_PHONE",
    "BY_WABA",
    "CAPABILITY",
    "MEDIA_TYPES",
    "OBJECT",
    "STATUSES",
    "TEMPLATE_FIELDS",
    "TEMPLATE_QUALITY",
    "TEMPLATE_STATUS",
    "Tier",
    "messaging_limit",
    "parse",
    "part_for",
]

OBJECT: Final = "whatsapp_business_account"
STATUSES: Final = frozenset({"sent", "delivered", "read", "failed"})
MEDIA_TYPES: Final = frozenset({"image", "audio", "video", "document", "sticker"})
BY_PHONE: Final = "phone"
BY_WABA: Final = "waba"
CAPABILITY: Final = "business_capability_update"
TEMPLATE_STATUS: Final = "message_template_status_update"
TEMPLATE_QUALITY: Final = "message_template_quality_update"
TEMPLATE_FIELDS: Final = frozenset({TEMPLATE_STATUS, TEMPLATE_QUALITY})
_STATUS_ALIASES: Final = {"REINSTATED": "APPROVED"}


def parse(payload: Mapping[str, Any]) -> list[Happening]:
    if payload.get("object") != OBJECT:
        raise WebhookParseError(
            f"não é um webhook da Cloud API (object={payload.get('object')!r}) / not a Cloud API "
            f"webhook (object={payload.get('object')!r})"
        )
    entries = items(payload.get("entry"), "entry")
    if not entries:
        raise WebhookParseError("webhook sem entry / webhook without entry")
    happenings: list[Happening] = []
    for entry in entries:
        for change in items(entry.get("changes"), "entry[].changes"):
            happenings.extend(_change(entry, change))
    return happenings


def _change(entry: Mapping[str, Any], change: Mapping[str, Any]) -> Iterator[Happening]:
    field = change.get("field")
    value = section(change.get("value"), f"changes[field={field}].value")
    if field == "messages":
        account = text(
            section(value.get("metadata"), "value.metadata").get("phone_number_id"),
            "metadata.phone_number_id",
        )
        yield from _messages(account, value)
        yield from _statuses(account, value)
    elif field == "user_preferences":
        account = text(
            section(value.get("metadata"), "value.metadata").get("phone_number_id"),
            "metadata.phone_number_id",
        )
        yield from _preferences(account, value)
    elif field == "phone_number_quality_update":
        yield _quality(entry, value)
    elif field == "account_update":
        yield from _account_update(entry, value)
    elif field == CAPABILITY:
        yield _capability(entry, value)
    elif field in (TEMPLATE_STATUS, TEMPLATE_QUALITY):  # a tuple: a field may be any JSON
        yield _template(entry, value, str(field))
    else:
        yield _unknown_field(entry, value, field)


def _unknown_field(entry: Mapping[str, Any], value: Mapping[str, Any], field: object) -> Happening:
    """A field zapguard does not read: about the number its metadata names, else the account."""
    metadata = value.get("metadata")
    number_id = (
        optional_text(metadata.get("phone_number_id")) if isinstance(metadata, Mapping) else None
    )
    at = instant(entry.get("time"), "entry[].time") if entry.get("time") else EARLIEST
    name = optional_text(field) or "-"
    if number_id is not None:
        return unhandled(number_id, at, "campo não lido", "field not read", field=name)
    account = text(entry.get("id"), "entry[].id")
    return unhandled(
        account, at, "campo não lido", "field not read", field=name, account_by=BY_WABA
    )


def _messages(account: str, value: Mapping[str, Any]) -> Iterator[Happening]:
    for message in items(value.get("messages"), "value.messages"):
        at = instant(message.get("timestamp"), "messages[].timestamp")
        if message.get("group_id") is not None:
            yield unhandled(account, at, "mensagem de grupo", "group message")
            continue
        contact = contact_of(message.get("from"))
        if contact is None:
            yield unhandled(account, at, "remetente sem número", "sender without a phone number")
            continue
        yield Happening(
            Kind.INBOUND,
            account,
            at,
            contact=contact,
            text=_message_text(message),
            provider_message_id=optional_text(message.get("id")),
            data=_message_data(message),
        )


def _message_data(message: Mapping[str, Any]) -> dict[str, str]:
    kind = str(message.get("type", ""))
    data = {"type": kind}
    media_id = optional_text(_get(message, kind, "id")) if kind in MEDIA_TYPES else None
    if media_id is not None:
        data["media_id"] = media_id
    return data


def _message_text(message: Mapping[str, Any]) -> str | None:
    """What the contact wrote or tapped; ``None`` for media, locations and the like."""
    kind = message.get("type")
    body: object = None
    if kind == "text":
        body = _get(message, "text", "body")
    elif kind == "button":
        body = _get(message, "button", "text")
    elif kind == "interactive":
        body = _get(message, "interactive", "button_reply", "title") or _get(
            message, "interactive", "list_reply", "title"
        )
    return body if isinstance(body, str) else None


def _get(mapping: Mapping[str, Any], *path: str) -> object:
    current: object = mapping
    for key in path:
        if not isinstance(current, Mapping):
            return None
        current = current.get(key)
    return current


def _statuses(account: str, value: Mapping[str, Any]) -> Iterator[Happening]:
    for status in items(value.get("statuses"), "value.statuses"):
        name = text(status.get("status"), "statuses[].status")
        at = instant(status.get("timestamp"), "statuses[].timestamp")
        if status.get("recipient_type") == "group" or name not in STATUSES:
            # a group's receipt; "played" for voice notes, "deleted": no delivery outcome
            yield ignored(account, at, "status sem efeito", "status of no consequence", status=name)
            continue
        errors = items(status.get("errors"), "statuses[].errors")
        code = optional_text(errors[0].get("code")) if errors else None
        data = {}
        if errors and isinstance(errors[0].get("title"), str):
            data["error_title"] = errors[0]["title"]
        yield Happening(
            Kind.STATUS,
            account,
            at,
            contact=contact_of(status.get("recipient_id")),
            provider_message_id=text(status.get("id"), "statuses[].id"),
            status=name,
            error_code=code,
            reference=optional_text(status.get("biz_opaque_callback_data")),
            data=data,
        )


def _preferences(account: str, value: Mapping[str, Any]) -> Iterator[Happening]:
    for preference in items(value.get("user_preferences"), "value.user_preferences"):
        at = instant(preference.get("timestamp"), "user_preferences[].timestamp")
        choice = (optional_text(preference.get("value")) or "").lower()
        if preference.get("category") != "marketing_messages" or choice not in ("stop", "resume"):
            yield ignored(account, at, "preferência sem efeito", "preference of no consequence")
            continue
        contact = contact_of(preference.get("wa_id"))
        if contact is None:
            yield unhandled(account, at, "preferência sem número", "preference without a number")
            continue
        yield Happening(
            Kind.PREFERENCE,
            account,
            at,
            contact=contact,
            status=choice,
            data={"detail": optional_text(preference.get("detail")) or ""},
        )


def _entry_time(entry: Mapping[str, Any]) -> datetime:
    return instant(entry.get("time"), "entry[].time")


def _quality(entry: Mapping[str, Any], value: Mapping[str, Any]) -> Happening:
    number = text(value.get("display_phone_number"), "value.display_phone_number")
    data = {"account_by": BY_PHONE}
    for key in ("current_limit", "old_limit", "max_daily_conversations_per_business"):
        if optional_text(value.get(key)) is not None:
            data[key] = str(value[key])
    return Happening(
        Kind.QUALITY,
        contact_of(number) or number,
        _entry_time(entry),
        status=text(value.get("event"), "value.event"),
        data=data,
    )


@dataclass(frozen=True, slots=True)
class Tier:
    """A business portfolio's messaging limit as a webhook tells it; ``limit`` ``None``: unlimited."""

    limit: int | None


_TIERS: Final = {
    "TIER_50": 50,
    "TIER_250": 250,
    "TIER_1K": 1000,
    "TIER_2K": 2000,
    "TIER_10K": 10000,
    "TIER_100K": 100000,
    "TIER_UNLIMITED": None,
}


def messaging_limit(happening: Happening) -> Tier | None:
    """The portfolio messaging limit a QUALITY happening tells, if it tells one.

    ``max_daily_conversations_per_business`` is the portfolio's limit (a number, -1 unlimited, in
    ``business_capability_update``; a tier name such as ``TIER_2K`` in
    ``phone_number_quality_update``). ``current_limit`` is read only without it and only when the
    event is not about throughput: Meta documents it as "messaging limit or throughput level" and is
    removing it, and ``TIER_UNLIMITED`` in a ``THROUGHPUT_UPGRADE`` is throughput, not reach.
    ``TIER_NOT_SET`` and anything else unknown tell nothing.
    """
    if happening.kind is not Kind.QUALITY:
        return None
    data = happening.data
    value = data.get("max_daily_conversations_per_business")
    if value is None and not (happening.status or "").upper().startswith("THROUGHPUT"):
        value = data.get("current_limit")
    if value is None:
        return None
    value = value.strip().upper()
    if value in _TIERS:
        return Tier(_TIERS[value])
    if value == "-1":
        return Tier(None)
    if value.isdigit() and 0 < int(value) <= 10**9:
        return Tier(int(value))
    return None


def _capability(entry: Mapping[str, Any], value: Mapping[str, Any]) -> Happening:
    data = {"account_by": BY_WABA}
    for key in ("max_daily_conversations_per_business", "max_daily_conversation_per_phone"):
        if optional_text(value.get(key)) is not None:
            data[key] = str(value[key])
    return Happening(
        Kind.QUALITY,
        text(entry.get("id"), "entry[].id"),
        _entry_time(entry),
        status=CAPABILITY,
        data=data,
    )


def _template(entry: Mapping[str, Any], value: Mapping[str, Any], field: str) -> Happening:
    data = {
        "account_by": BY_WABA,
        "template": text(value.get("message_template_name"), "value.message_template_name"),
    }
    language = optional_text(value.get("message_template_language"))
    if language is not None:
        data["language"] = language
    if field == TEMPLATE_STATUS:
        event = text(value.get("event"), "value.event").strip().upper()
        data["template_status"] = _STATUS_ALIASES.get(event, event)
        reason = optional_text(value.get("reason"))
        if reason is not None:
            data["reason"] = reason
    else:
        score = text(value.get("new_quality_score"), "value.new_quality_score")
        data["template_quality"] = score.strip().upper()
    return Happening(
        Kind.QUALITY,
        text(entry.get("id"), "entry[].id"),
        _entry_time(entry),
        status=field,
        data=data,
    )


def _account_update(entry: Mapping[str, Any], value: Mapping[str, Any]) -> Iterator[Happening]:
    event = text(value.get("event"), "value.event")
    number = optional_text(value.get("phone_number"))
    if number is not None:
        account, by = contact_of(number) or number, BY_PHONE
    else:
        account, by = text(entry.get("id"), "entry[].id"), BY_WABA
    at = _entry_time(entry)
    ban = _get(value, "ban_info", "waba_ban_state")
    if event == "DISABLED_UPDATE" and ban == "DISABLE":
        yield Happening(
            Kind.CONNECTION, account, at, status="banned", data={"account_by": by, "event": event}
        )
    elif event in ("ACCOUNT_RESTRICTION", "ACCOUNT_VIOLATION"):
        yield Happening(Kind.QUALITY, account, at, status=event, data={"account_by": by})
    else:
        yield ignored(account, at, "atualização da conta", "account update", account_by=by)


def part_for(payload: Mapping[str, Any], *, account: str | None, phone: str) -> dict[str, Any]:
    """The payload cut down to the changes about one line (its ``phone_number_id`` ``account``, or
    its ``phone`` for the fields that name the number): what that line's helpdesk may see of a
    batch that also concerns other numbers."""
    entries: list[dict[str, Any]] = []
    for entry in items(payload.get("entry"), "entry"):
        kept = [
            change
            for change in items(entry.get("changes"), "entry[].changes")
            if _about(change, account, phone)
        ]
        if kept:
            entries.append({**entry, "changes": kept})
    return {**payload, "entry": entries}


def _about(change: Mapping[str, Any], account: str | None, phone: str) -> bool:
    value = change.get("value")
    if not isinstance(value, Mapping):
        return False
    metadata = value.get("metadata")
    if isinstance(metadata, Mapping) and metadata.get("phone_number_id") is not None:
        return account is not None and optional_text(metadata.get("phone_number_id")) == account
    for name in ("display_phone_number", "phone_number"):
        number = value.get(name)
        if number is not None:
            return contact_of(optional_text(number)) == phone
    return False
