"""A line's health (ZG903): what WhatsApp's own signals say about it, turned into caps and pauses.

Seed tip 2 says a dozen spam reports ban a number; blocks, spam-coded failures and rate-limit errors
are earlier signs of the same thing. Health starts at 100, loses points per bad event, and recovers a
little every quiet hour. Below ``halve_below`` the line's cap halves; below ``pause_below`` it pauses
until it has recovered.

Health is a function of the penalties in time order, whatever order they were learned in: a late
webhook about an old failure is folded in where it belongs and never erases newer ones
(:func:`fold`). A line is back at full health after :func:`quiet_horizon` without penalties, so the
fold only ever needs the penalties since the last such quiet spell.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from zapguard.domain.models import Finding, LineState, Severity, StatusKind
from zapguard.policy.catalogue import finding, when_en, when_pt
from zapguard.policy.config import HealthConfig
from zapguard.policy.context import Context
from zapguard.policy.snapshot import LineView
from zapguard.policy.zones import zone

__all__ = [
    "FULL_HEALTH",
    "Penalty",
    "after_penalty",
    "check_line",
    "current_health",
    "fold",
    "fold_latest",
    "line_health",
    "penalty",
    "quiet_horizon",
]

FULL_HEALTH = 100


def current_health(
    score: int, scored_at: datetime | None, now: datetime, config: HealthConfig
) -> int:
    """``score`` as it has recovered since ``scored_at`` (whole quiet hours only)."""
    if scored_at is None or score >= FULL_HEALTH:
        return min(score, FULL_HEALTH)
    quiet_hours = max(0, int((now - scored_at).total_seconds() // 3600))
    return min(FULL_HEALTH, score + int(quiet_hours * config.recovery_per_hour))


def line_health(view: LineView, now: datetime, config: HealthConfig) -> int:
    return current_health(view.health_score, view.health_at, now, config)


def penalty(status: StatusKind, code: str | None, config: HealthConfig) -> int:
    """Points a delivery outcome costs the sending line."""
    if status is StatusKind.REPORTED:
        return config.penalty_reported
    if status is StatusKind.BLOCKED:
        return config.penalty_blocked
    if code is not None and str(code) in config.per_user_codes:
        return config.penalty_per_user_failure  # the person's limit, not the number's (ZG905)
    if code is not None and str(code) in config.spam_codes:
        return config.penalty_spam_failure
    return config.penalty_other_failure


def after_penalty(
    score: int, scored_at: datetime | None, at: datetime, points: int, config: HealthConfig
) -> int:
    """The new score at ``at``: recover first up to ``at``, then pay ``points`` (never below 0)."""
    return max(0, current_health(score, scored_at, at, config) - points)


@dataclass(frozen=True, slots=True)
class Penalty:
    """What one bad delivery outcome cost a line, and when it happened."""

    at: datetime
    points: int


def quiet_horizon(config: HealthConfig) -> timedelta | None:
    """How long without penalties brings any score back to full health (``None``: never, when
    health does not recover by itself)."""
    if config.recovery_per_hour <= 0:
        return None
    return timedelta(hours=math.ceil(FULL_HEALTH / config.recovery_per_hour))


def fold(penalties: Iterable[Penalty], config: HealthConfig) -> tuple[int, datetime | None]:
    """The score right after the last penalty, and its instant: from full health, each penalty in
    time order recovers the quiet hours since the one before it, then pays its points.

    Penalties at the same instant may come in any order: with no hours between them, paying them
    in any order gives the same score.
    """
    score, scored_at = FULL_HEALTH, None
    for penalty in sorted(penalties, key=lambda p: p.at):
        score = after_penalty(score, scored_at, penalty.at, penalty.points, config)
        scored_at = penalty.at
    return score, scored_at


def fold_latest(
    newest_first: Sequence[Penalty], config: HealthConfig, *, complete: bool
) -> tuple[int, datetime | None]:
    """:func:`fold` over the penalties that can still matter, given the newest ones first.

    A gap of :func:`quiet_horizon` between two penalties means full health before the later one, so
    the fold starts after the newest such gap. ``complete`` says whether ``newest_first`` holds every
    penalty of the line; when it does not and no quiet gap was found in it, the fold starts from
    zero, not full health: a line with that many penalties so close together is at the bottom, and
    guessing low never lets a troubled line send more.
    """
    horizon = quiet_horizon(config)
    kept: list[Penalty] = []
    for penalty in newest_first:
        if kept and horizon is not None and kept[-1].at - penalty.at >= horizon:
            return fold(kept, config)
        kept.append(penalty)
    if complete or not kept:
        return fold(kept, config)
    kept.reverse()
    score, scored_at = 0, kept[0].at
    for penalty in kept:
        score = after_penalty(score, scored_at, penalty.at, penalty.points, config)
        scored_at = penalty.at
    return score, scored_at


def check_line(ctx: Context, view: LineView) -> Iterator[Finding]:
    config = ctx.config.health
    line = view.line
    if line.state is LineState.PAUSED or line.state is LineState.RETIRED:
        yield finding(
            "ZG903",
            f"A linha {line.id} está {'pausada' if line.state is LineState.PAUSED else 'aposentada'}.",
            f"Line {line.id} is {line.state.value}.",
            severity=Severity.REJECT,
            line=line.id,
        )
        return
    health = line_health(view, ctx.now, config)
    if health < config.pause_below:
        resume = _recovered_at(view, health, config.pause_below, ctx.now, config)
        yield finding(
            "ZG903",
            f"Saúde da linha {line.id} em {health} (< {config.pause_below}): pausada até se "
            f"recuperar, {when_pt(resume)}.",
            f"Line {line.id} health is {health} (< {config.pause_below}): paused until it "
            f"recovers, {when_en(resume)}.",
            line=line.id,
            not_before=resume,
        )
    elif health < config.halve_below:
        yield finding(
            "ZG903",
            f"Saúde da linha {line.id} em {health} (< {config.halve_below}): limite diário pela metade.",
            f"Line {line.id} health is {health} (< {config.halve_below}): daily cap halved.",
            severity=Severity.WARN,
            line=line.id,
        )


def _recovered_at(
    view: LineView, health: int, target: int, now: datetime, config: HealthConfig
) -> datetime:
    if config.recovery_per_hour <= 0 or view.health_at is None:
        return now + timedelta(days=3650)  # never recovers by itself: a person must act
    hours = math.ceil((target - view.health_score) / config.recovery_per_hour)
    return max(now, view.health_at + timedelta(hours=hours)).astimezone(zone(view.line.timezone))
