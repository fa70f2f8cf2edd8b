"""ZG905: Meta's per-user marketing limit. A failed status with code 131049 for a contact means
Meta holds marketing to that person for a while, whichever number sends it: further marketing to
them waits ``first_hold_hours`` from that status, doubling on each repeat (a 131049 within
``repeat_within_days`` of an earlier one) up to ``max_hold_days``. Other categories are not
affected, and rerouting cures nothing: the limit is the person's.

The hold is a function of the set of failures, not of the order they were learnt in: a late or
repeated webhook gives the same hold.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta

from zapguard.domain.models import Category, Finding
from zapguard.policy.catalogue import finding, num_en, num_pt, when_en, when_pt
from zapguard.policy.config import MarketingHoldConfig
from zapguard.policy.context import Context

__all__ = ["check_message", "held_until", "lookback"]


def lookback(config: MarketingHoldConfig) -> timedelta:
    """How far back failures can still matter: the longest hold plus the repeat memory."""
    return timedelta(days=config.max_hold_days + config.repeat_within_days)


def held_until(failures: Sequence[datetime], config: MarketingHoldConfig) -> datetime | None:
    """When marketing to the contact may resume, given its 131049 failures (any order)."""
    ordered = sorted(failures)
    longest = timedelta(days=config.max_hold_days)
    memory = timedelta(days=config.repeat_within_days)
    until: datetime | None = None
    for index, at in enumerate(ordered):
        repeats = sum(1 for earlier in ordered[:index] if at - earlier <= memory)
        hold = min(longest, timedelta(hours=config.first_hold_hours) * 2 ** min(repeats, 30))
        end = at + hold
        until = end if until is None or end > until else until
    return until


def check_message(ctx: Context) -> Iterator[Finding]:
    if ctx.message.category is not Category.MARKETING or not ctx.contact.marketing_failures:
        return
    until = held_until(ctx.contact.marketing_failures, ctx.config.marketing_hold)
    if until is None or until <= ctx.now:
        return
    until = until.astimezone(ctx.home_zone)
    count = len(ctx.contact.marketing_failures)
    yield finding(
        "ZG905",
        f"A Meta segurou marketing para este contato (131049, {num_pt(count)}x): nenhuma linha "
        f"envia marketing a ele até {when_pt(until)}.",
        f"Meta is holding marketing to this contact (131049, {num_en(count)}x): no line sends "
        f"them marketing until {when_en(until)}.",
        not_before=until,
    )
