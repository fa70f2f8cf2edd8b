"""Seed tip 8: the bot must not run alone for long; a person should use the line now and then.

ZG801 warns (the verdict is unaffected) on a bot's message when the line has seen no human activity,
an agent's message or a recorded human action, for longer than ``bot_alone_hours``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time, timedelta

from zapguard.domain.models import Author, Finding
from zapguard.policy.catalogue import finding, num_en, num_pt
from zapguard.policy.context import Context
from zapguard.policy.snapshot import LineView
from zapguard.policy.zones import zone

__all__ = ["bot_alone", "check_line", "last_human_activity"]


def last_human_activity(view: LineView) -> datetime:
    """The last human sign on the line; a line never touched counts from when it came into use."""
    if view.last_human_at is not None:
        return view.last_human_at
    if view.registered_at is not None:
        return view.registered_at
    return datetime.combine(view.line.in_use_since, time(0), tzinfo=zone(view.line.timezone))


def bot_alone(view: LineView, now: datetime, hours: float) -> bool:
    return now - last_human_activity(view) > timedelta(hours=hours)


def check_line(ctx: Context, view: LineView) -> Iterator[Finding]:
    if ctx.message.author is not Author.BOT:
        return
    hours = ctx.config.presence.bot_alone_hours
    if not bot_alone(view, ctx.now, hours):
        return
    line_id = view.line.id
    if view.last_human_at is None:
        yield finding(
            "ZG801",
            f"Nenhuma atividade humana registrada na linha {line_id} (limite {num_pt(hours)} h): "
            "abra o WhatsApp, role os chats, responda algumas mensagens à mão.",
            f"No human activity recorded on line {line_id} (limit {num_en(hours)} h): open "
            "WhatsApp, scroll the chats, answer a few messages by hand.",
            line=line_id,
        )
        return
    idle = (ctx.now - view.last_human_at).total_seconds() / 3600
    yield finding(
        "ZG801",
        f"Bot sozinho na linha {line_id} há {num_pt(round(idle))} h (limite {num_pt(hours)} h): "
        "abra o WhatsApp, role os chats, responda algumas mensagens à mão.",
        f"Bot alone on line {line_id} for {num_en(round(idle))} h (limit {num_en(hours)} h): open "
        "WhatsApp, scroll the chats, answer a few messages by hand.",
        line=line_id,
    )
