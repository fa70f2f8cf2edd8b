"""Seed tips 2 and 9: contacts who never answer stop receiving messages the business starts.

Unanswered business-initiated messages are what turns into "report as spam". ZG902 rejects further
business-initiated messages to a contact after ``unanswered_limit`` of them went unanswered, until the
contact writes again.
"""

from __future__ import annotations

from collections.abc import Iterator

from zapguard.domain.models import Finding
from zapguard.policy.catalogue import finding, num_en, num_pt
from zapguard.policy.context import Context
from zapguard.policy.snapshot import LineView

__all__ = ["check_message"]


def check_message(ctx: Context, origin: LineView) -> Iterator[Finding]:
    limit = ctx.config.replies.unanswered_limit
    unanswered = ctx.contact.unanswered
    if unanswered >= limit and ctx.business_initiated_on(origin):
        yield finding(
            "ZG902",
            f"{num_pt(unanswered)} mensagens ativas sem resposta deste contato (limite "
            f"{num_pt(limit)}): só volte a escrever quando ele responder.",
            f"{num_en(unanswered)} business-initiated messages unanswered by this contact (limit "
            f"{num_en(limit)}): write again only after they answer.",
        )
