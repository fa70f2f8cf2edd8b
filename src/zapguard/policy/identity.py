"""Seed tip 1: always WhatsApp Business, and the welcome greeting lives in the app, not in the bot.

ZG101 warns on every send from a personal account (its ban algorithms are stricter). ZG102 warns when a
bot sends a welcome: WhatsApp Business has a native greeting message that does not count as the
business talking first.
"""

from __future__ import annotations

from collections.abc import Iterator

from zapguard.domain.models import AccountType, Author, Category, Finding
from zapguard.policy.catalogue import finding
from zapguard.policy.context import Context
from zapguard.policy.snapshot import LineView

__all__ = ["check_line", "check_message"]


def check_line(ctx: Context, view: LineView) -> Iterator[Finding]:
    if view.line.account is AccountType.PERSONAL:
        yield finding(
            "ZG101",
            f"A linha {view.line.id} é uma conta pessoal do WhatsApp; use o WhatsApp Business.",
            f"Line {view.line.id} is a personal WhatsApp account; use WhatsApp Business.",
            line=view.line.id,
        )


def check_message(ctx: Context) -> Iterator[Finding]:
    message = ctx.message
    if message.category is Category.WELCOME and message.author is Author.BOT:
        yield finding(
            "ZG102",
            "Boas-vindas enviadas pelo bot: configure a mensagem de saudação no app WhatsApp Business.",
            "Welcome sent by the bot: set the greeting message in the WhatsApp Business app instead.",
        )
