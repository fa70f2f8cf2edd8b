"""Chatwoot ``message_created`` webhooks → who answered on a line: a person or a bot.

The provider's own webhook already says when a contact wrote; Chatwoot's says who answered, which
no WhatsApp provider knows. A person's answer resets the bot-alone clock (ZG801); a bot's or an
automation's does not. The webhook URL names the line (``/webhooks/chatwoot/{line}``), so the
account of every happening here is that line id.

Shape (chatwoot/chatwoot ``Message#webhook_data`` with ``event: "message_created"``): ``{"event",
"id", "content", "message_type": incoming | outgoing | activity | template (or 0-3),
"content_type", "content_attributes", "additional_attributes", "private", "created_at", "source_id",
"sender": {"id", "name", "type": "user" | "agent_bot" | "contact" …} | null, "conversation": {"id",
"meta": {"sender": {"phone_number", …}}, …}, "inbox": {"id", "name"}, "account": {"id", "name"}}``.

How Chatwoot marks who wrote (chatwoot/chatwoot, ``Messages::MessageBuilder``,
``AutomationRules::ActionService#send_message``, ``Webhooks::EventActor``):

- an agent: ``sender.type == "user"``;
- an agent bot (incl. Captain): ``sender.type == "agent_bot"`` / ``"captain_assistant"``;
- an automation rule: built with no sender and ``content_attributes.automation_rule_id``; a
  scheduled message from a rule keeps that mark even with a user as author;
- a campaign: ``additional_attributes.campaign_id``;
- ``template`` messages (greetings, CSAT) are Chatwoot's own.

Private notes never reach the customer; incoming messages come from the provider's webhook; both
are ``IGNORED`` here, as are activity messages and every other event (zapguard subscribes to
Chatwoot only to learn who answered: the rest is Chatwoot's own business).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from zapguard.providers.happening import (
    EARLIEST,
    Happening,
    Kind,
    contact_of,
    ignored,
    instant,
    optional_text,
    section,
    text,
)

__all__ = ["BOT_SENDERS", "EVENT", "MESSAGE_TYPES", "parse"]

EVENT: Final = "message_created"
MESSAGE_TYPES: Final = {0: "incoming", 1: "outgoing", 2: "activity", 3: "template"}
BOT_SENDERS: Final = frozenset({"agent_bot", "agentbot", "captain_assistant"})


def parse(payload: Mapping[str, Any], *, line: str) -> list[Happening]:
    event = text(payload.get("event"), "event")
    if event != EVENT:
        return [ignored(line, EARLIEST, "evento do Chatwoot", "Chatwoot event", event=event)]
    raw_type = payload.get("message_type")
    message_type = MESSAGE_TYPES.get(raw_type, "") if isinstance(raw_type, int) else raw_type
    if payload.get("private") is True or message_type not in ("outgoing", "template"):
        return [ignored(line, EARLIEST, "nota ou entrada", "note or incoming", event=event)]
    human, author = _author(payload, message_type)
    conversation = section(payload.get("conversation"), "conversation")
    meta = conversation.get("meta")
    sender = meta.get("sender") if isinstance(meta, Mapping) else None
    phone = sender.get("phone_number") if isinstance(sender, Mapping) else None
    return [
        Happening(
            Kind.OUTGOING,
            line,
            instant(payload.get("created_at"), "created_at"),
            contact=contact_of(phone),
            provider_message_id=optional_text(payload.get("source_id")),
            human=human,
            data={
                "author": author,
                "chatwoot_message": optional_text(payload.get("id")) or "-",
                "chatwoot_conversation": optional_text(conversation.get("id")) or "-",
            },
        )
    ]


def _author(payload: Mapping[str, Any], message_type: object) -> tuple[bool, str]:
    """(written by a person?, who) for an outgoing message."""
    attributes = payload.get("content_attributes")
    extra = payload.get("additional_attributes")
    if isinstance(attributes, Mapping) and attributes.get("automation_rule_id") is not None:
        return False, "automation"
    if isinstance(extra, Mapping) and extra.get("campaign_id") is not None:
        return False, "campaign"
    if message_type == "template":
        return False, "template"
    sender = payload.get("sender")
    kind = str(sender.get("type", "")).lower() if isinstance(sender, Mapping) else ""
    if kind == "user":
        return True, "agent"
    if kind in BOT_SENDERS:
        return False, "bot"
    return False, kind or "unknown"
