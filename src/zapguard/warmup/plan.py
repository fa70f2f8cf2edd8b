"""The day-by-day plan of a line's warm-up ramp (ZG901, seed tip 9), computed by the policy itself.

Each day's number is what :func:`zapguard.policy.warmup.ramp` and
:func:`zapguard.policy.volume.window_cap` (the same calls the engine makes for every send) allow on a
line of that age at noon of that day: the plan never repeats the ramp's arithmetic, so the plan and
the enforcement cannot disagree. The projection assumes the line keeps sending (a silence of
``restart_after_days`` would start the ramp again) and takes the line's health as it recovers
(a line under ``halve_below`` shows its halved cap until it is back above).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from zapguard.policy import volume, warmup
from zapguard.policy.config import PolicyConfig
from zapguard.policy.snapshot import LineView
from zapguard.policy.zones import zone

__all__ = ["MAX_PLAN_DAYS", "PlanDay", "WarmupPlan", "new_line_plan", "plan_for"]

MAX_PLAN_DAYS = 366
"""A ramp that has not reached the cap within a year (``growth = 1``) is shown for a year."""


@dataclass(frozen=True, slots=True)
class PlanDay:
    day: int
    """Ramp day (day 1 = the ramp's anchor, the number's first day in use)."""
    date: date
    cap: int
    """Messages the policy allows on this day: the ramp's allowance, or the full cap once reached."""
    full: bool
    """The ramp no longer limits the line: ``cap`` is its cap over the rolling window (ZG501)."""


@dataclass(frozen=True, slots=True)
class WarmupPlan:
    line: str
    timezone: str
    in_use_since: date
    start: date
    """Day 1 of the ramp: ``in_use_since``, or the day it restarted after a silence."""
    today: int
    """Today's ramp day."""
    days: tuple[PlanDay, ...]
    """Day 1 up to the first day at full cap (included)."""
    full_cap: int
    full_capacity_on: date | None
    """The first day at full cap; ``None`` when the ramp does not get there in a year."""
    no_active_days: int
    """On days 1 to this one the line starts no chats (ZG901)."""

    def as_json(self) -> dict[str, object]:
        return {
            "line": self.line,
            "timezone": self.timezone,
            "in_use_since": self.in_use_since.isoformat(),
            "start": self.start.isoformat(),
            "today": self.today,
            "no_active_days": self.no_active_days,
            "days": [
                {"day": d.day, "date": d.date.isoformat(), "cap": d.cap, "full": d.full}
                for d in self.days
            ],
            "full_cap": self.full_cap,
            "full_capacity_on": (
                self.full_capacity_on.isoformat() if self.full_capacity_on else None
            ),
        }


def plan_for(view: LineView, now: datetime, config: PolicyConfig) -> WarmupPlan:
    """The ramp ``view``'s line is on as of ``now``, day by day until it reaches its cap."""
    line = view.line
    tz = zone(line.timezone)
    current = warmup.ramp(view, now, config.warmup, volume.window_cap(view, now, config))
    # Project forward from the ramp the line is on now (restarted or not), sending every day.
    projected = replace(view, ramp_anchor=current.anchor, sent_in_window=0, sent_today=0)
    days: list[PlanDay] = []
    full_cap = volume.window_cap(view, now, config)
    full_on: date | None = None
    for number in range(1, MAX_PLAN_DAYS + 1):
        day = current.anchor + timedelta(days=number - 1)
        noon = datetime.combine(day, time(12), tzinfo=tz)
        at = replace(projected, last_sent_at=noon)
        # Health as of now for days already past (their history is not replayed), recovering after.
        cap = volume.window_cap(at, max(noon, now), config)
        state = warmup.ramp(at, noon, config.warmup, cap)
        full = state.day_cap is None
        days.append(
            PlanDay(
                day=state.day,
                date=day,
                cap=cap if full else min(cap, state.day_cap or 0),
                full=full,
            )
        )
        if full:
            full_cap, full_on = cap, day
            break
    return WarmupPlan(
        line=line.id,
        timezone=line.timezone,
        in_use_since=line.in_use_since,
        start=current.anchor,
        today=current.day,
        days=tuple(days),
        full_cap=full_cap,
        full_capacity_on=full_on,
        no_active_days=config.warmup.no_active_days,
    )


def new_line_plan(view: LineView, now: datetime, config: PolicyConfig) -> WarmupPlan:
    """The plan of a line like ``view``'s coming into use today (capacity planning)."""
    today = now.astimezone(zone(view.line.timezone)).date()
    fresh = replace(view.line, in_use_since=today)
    return plan_for(LineView(line=fresh, health_score=100, health_at=None), now, config)
