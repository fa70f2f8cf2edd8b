"""Seed tip 2: marketing only to contacts who opted in; opt-outs honoured at once.

ZG201 rejects marketing without a recorded, unrevoked opt-in. ZG202 lets an opted-out contact receive
only replies while a conversation they opened is still open. ZG203 (an inbound opt-out keyword) is
recognised here, by :func:`is_opt_out`, and applied by whoever records inbound messages.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator

from zapguard.domain.models import Category, Finding
from zapguard.policy.catalogue import finding, num_en, num_pt
from zapguard.policy.config import ConsentConfig
from zapguard.policy.context import Context

__all__ = ["check_message", "fold", "is_opt_out"]

_EDGE_PUNCTUATION = " \t\r\n.!?,;:-_*~\"'()[]"


def fold(text: str) -> str:
    """Case- and accent-folded text, for keyword comparisons ("Descadastrar!" == "descadastrar")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def is_opt_out(text: str, config: ConsentConfig) -> bool:
    """True when the whole message is an opt-out keyword ("SAIR", " parar. "), not a sentence with one.

    "stop, o Zé não vem" is a sentence, not an opt-out.
    """
    folded = fold(text).strip(_EDGE_PUNCTUATION)
    return any(folded == fold(word) for words in config.opt_out_keywords.values() for word in words)


def check_message(ctx: Context) -> Iterator[Finding]:
    consent = ctx.contact.consent
    category = ctx.message.category
    if category is Category.MARKETING and (consent is None or not consent.active):
        yield finding(
            "ZG201",
            "Marketing sem opt-in registrado e vigente deste contato.",
            "Marketing without a recorded, unrevoked opt-in from this contact.",
        )
    if consent is not None and consent.revoked_at is not None:
        hours = ctx.config.consent.open_conversation_hours
        open_reply = category is Category.REPLY and ctx.contact_wrote_within(hours)
        if not open_reply:
            yield finding(
                "ZG202",
                f"O contato pediu para sair ({consent.revoked_how or 'descadastro'}); só respostas "
                f"a quem escreveu nas últimas {num_pt(hours)} h.",
                f"The contact opted out ({consent.revoked_how or 'opt-out'}); only replies to a "
                f"contact who wrote in the last {num_en(hours)} h.",
            )
