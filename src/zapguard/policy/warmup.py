"""Seed tip 9: a new number warms up: volume ramps day by day, real conversations first.

Day *n* (in the line's time zone, day 1 = ``in_use_since``) allows ``floor(day_one × growth^(n−1))``
messages until that reaches the line's cap. On the first ``no_active_days`` days the line starts no
chats. A line silent for ``restart_after_days`` starts the ramp again: after a long pause WhatsApp sees
it as new.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from zapguard.domain.models import Finding
from zapguard.policy.catalogue import finding, num_en, num_pt, when_en, when_pt
from zapguard.policy.config import WarmupConfig
from zapguard.policy.context import Context
from zapguard.policy.snapshot import LineView
from zapguard.policy.zones import zone

__all__ = ["Ramp", "check_line", "local_day_start", "ramp", "ramp_allowance"]


def local_day_start(instant: datetime, tz: str, days_ahead: int = 0) -> datetime:
    """Midnight (in ``tz``) of the day of ``instant``, ``days_ahead`` days later."""
    local = instant.astimezone(zone(tz)).date() + timedelta(days=days_ahead)
    return datetime.combine(local, time(0), tzinfo=zone(tz))


@dataclass(frozen=True, slots=True)
class Ramp:
    """Where a line stands on its warm-up ramp at one instant."""

    anchor: date
    """Day 1 of the ramp this send would count under."""
    day: int
    day_cap: int | None
    """Today's allowance, or ``None`` once the ramp has reached the line's cap."""
    day_start: datetime
    """Midnight today, in the line's zone (today's allowance counts from here)."""


def ramp(view: LineView, now: datetime, config: WarmupConfig, window_cap: int) -> Ramp:
    tz = zone(view.line.timezone)
    today = now.astimezone(tz).date()
    # A number cannot have come into use after today: a future date (a typo such as 9999-12-31)
    # is a brand-new number, and every date derived from the anchor stays within the calendar.
    anchor = min(view.ramp_anchor or view.line.in_use_since, today)
    silence = timedelta(days=config.restart_after_days)
    if view.last_sent_at is not None and now - view.last_sent_at >= silence:
        anchor = today  # silent too long: WhatsApp sees the number as new again
    day = max(1, (today - anchor).days + 1)
    allowance = ramp_allowance(day, config)
    return Ramp(
        anchor=anchor,
        day=day,
        day_cap=None if allowance >= window_cap else int(allowance),
        day_start=datetime.combine(today, time(0), tzinfo=tz),
    )


def ramp_allowance(day: int, config: WarmupConfig) -> float:
    """Messages allowed on ramp day ``day``; grows without bound (callers compare with the cap)."""
    try:
        return float(int(config.day_one * config.growth ** min(day - 1, 10_000)))
    except OverflowError:
        return float("inf")


def check_line(ctx: Context, view: LineView, state: Ramp) -> Iterator[Finding]:
    config = ctx.config.warmup
    line = view.line
    day = state.day
    if day <= config.no_active_days and ctx.business_initiated_on(view):
        first_active = state.anchor + timedelta(days=config.no_active_days)
        resume = datetime.combine(first_active, time(0), tzinfo=zone(line.timezone))
        yield finding(
            "ZG901",
            f"Linha {line.id} em aquecimento (dia {day}): sem chats ativos nos primeiros "
            f"{config.no_active_days} dias; liberado em {when_pt(resume)}.",
            f"Line {line.id} is warming up (day {day}): no business-initiated chats in the first "
            f"{config.no_active_days} days; allowed from {when_en(resume)}.",
            line=line.id,
            not_before=resume,
        )
    cap = state.day_cap
    if cap is not None and view.sent_today >= cap:
        resume = state.day_start + timedelta(days=1)
        resume = datetime.combine(resume.date(), time(0), tzinfo=zone(line.timezone))
        yield finding(
            "ZG901",
            f"Linha {line.id} em aquecimento (dia {day}): {num_pt(view.sent_today)} de "
            f"{num_pt(cap)} mensagens hoje; volta amanhã, {when_pt(resume)}.",
            f"Line {line.id} is warming up (day {day}): {num_en(view.sent_today)} of "
            f"{num_en(cap)} messages today; resumes tomorrow, {when_en(resume)}.",
            line=line.id,
            not_before=resume,
        )
