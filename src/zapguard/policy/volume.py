"""Seed tip 5: at most 6,000 messages a day per number, few and merged messages, sent like a person.

ZG501 caps each line over a rolling window (the cap halves when health is poor, ZG903). ZG502 and
ZG503 are the dispatcher's job (merge bursts, random gaps); when judging a log they become warnings on
the record that should have been merged or spaced. ZG504 keeps campaigns to the contact's daytime and
ZG505 stops the same campaign text going to many contacts.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import datetime, time, timedelta

from zapguard.domain.models import Finding, Severity
from zapguard.domain.phones import timezone_for
from zapguard.policy.catalogue import finding, num_en, num_pt, when_en, when_pt
from zapguard.policy.config import PolicyConfig
from zapguard.policy.context import Context
from zapguard.policy.health import line_health
from zapguard.policy.snapshot import LineView
from zapguard.policy.zones import zone

__all__ = ["check_line", "check_message", "fingerprint", "window_cap"]


def window_cap(view: LineView, now: datetime, config: PolicyConfig) -> int:
    """The line's cap over the rolling window: its own or the configured one, halved when unhealthy."""
    cap = view.line.daily_cap or config.volume.daily_cap
    if line_health(view, now, config.health) < config.health.halve_below:
        cap = max(1, cap // 2)
    return cap


def fingerprint(text: str) -> str:
    """Identity of a text for ZG505: case and white space folded, so only real variation counts."""
    folded = " ".join(text.casefold().split())
    return hashlib.sha256(folded.encode()).hexdigest()[:32]


def check_line(ctx: Context, view: LineView, cap: int) -> Iterator[Finding]:
    volume = ctx.config.volume
    line = view.line
    if view.sent_in_window >= cap:
        frees_at = _release_time(view, cap, ctx.now, timedelta(hours=volume.window_hours))
        hours = volume.window_hours
        yield finding(
            "ZG501",
            f"{num_pt(view.sent_in_window)} de {num_pt(cap)} mensagens nas últimas {num_pt(hours)} h "
            f"na linha {line.id}; libera em {when_pt(frees_at)}.",
            f"{num_en(view.sent_in_window)} of {num_en(cap)} messages in the last {num_en(hours)} h "
            f"on line {line.id}; frees up at {when_en(frees_at)}.",
            line=line.id,
            not_before=frees_at,
        )
    if ctx.snapshot.judging_log:
        yield from _pacing(ctx, view)


def _release_time(view: LineView, cap: int, now: datetime, window: timedelta) -> datetime:
    """When the window holds one send fewer than ``cap``: the (count − cap + 1)-th oldest leaves."""
    needed = view.sent_in_window - cap
    if 0 <= needed < len(view.release_times):
        frees_at = max(now, view.release_times[needed])
    else:
        frees_at = now + window  # the builder gave too few release times: wait a whole window
    return frees_at.astimezone(zone(view.line.timezone))


def _pacing(ctx: Context, view: LineView) -> Iterator[Finding]:
    volume = ctx.config.volume
    line = view.line
    conversation = ctx.contact.conversations.get(line.id)
    last_to_contact = conversation.last_outbound_at if conversation else None
    if last_to_contact is not None:
        gap = (ctx.now - last_to_contact).total_seconds()
        if gap < volume.merge_window_seconds:
            yield finding(
                "ZG502",
                f"Mensagem {num_pt(gap)} s após a anterior ao mesmo contato: deveria ter sido "
                f"juntada (janela de {num_pt(volume.merge_window_seconds)} s).",
                f"Message {num_en(gap)} s after the previous one to the same contact: it should "
                f"have been merged ({num_en(volume.merge_window_seconds)} s window).",
                line=line.id,
            )
        elif gap < volume.pair_interval_seconds:
            yield finding(
                "ZG503",
                f"{num_pt(gap)} s desde a última mensagem a este contato; o mínimo é "
                f"{num_pt(volume.pair_interval_seconds)} s.",
                f"{num_en(gap)} s since the last message to this contact; the minimum is "
                f"{num_en(volume.pair_interval_seconds)} s.",
                line=line.id,
            )
    if view.last_sent_at is not None and last_to_contact != view.last_sent_at:
        gap = (ctx.now - view.last_sent_at).total_seconds()
        if gap < volume.gap_min_seconds:
            yield finding(
                "ZG503",
                f"Linha {line.id} enviou {num_pt(gap)} s após o envio anterior; o intervalo mínimo "
                f"é {num_pt(volume.gap_min_seconds)} s.",
                f"Line {line.id} sent {num_en(gap)} s after its previous send; the minimum gap is "
                f"{num_en(volume.gap_min_seconds)} s.",
                line=line.id,
            )


def check_message(ctx: Context) -> Iterator[Finding]:
    if not ctx.is_campaign:
        return
    yield from _quiet_hours(ctx)
    yield from _identical_text(ctx)


def _quiet_hours(ctx: Context) -> Iterator[Finding]:
    volume = ctx.config.volume
    tz = timezone_for(ctx.contact.phone)
    local = ctx.now.astimezone(zone(tz))
    allowed_days = volume.campaign_weekdays
    if local.weekday() in allowed_days and volume.quiet_start <= local.hour < volume.quiet_end:
        return
    opens = _next_opening(local, allowed_days, volume.quiet_start, volume.quiet_end, tz)
    yield finding(
        "ZG504",
        f"Fora do horário de campanhas do contato ({volume.quiet_start:02d}:00-"
        f"{volume.quiet_end:02d}:00, {tz}); adiado para {when_pt(opens)}.",
        f"Outside the contact's campaign hours ({volume.quiet_start:02d}:00-"
        f"{volume.quiet_end:02d}:00, {tz}); deferred to {when_en(opens)}.",
        not_before=opens,
    )


def _next_opening(local: datetime, days: frozenset[int], start: int, end: int, tz: str) -> datetime:
    for ahead in range(8):
        day = local.date() + timedelta(days=ahead)
        opening = datetime.combine(day, time(start), tzinfo=zone(tz))
        closing = opening + timedelta(hours=end - start)
        if day.weekday() in days and local < closing:
            return max(opening, local)
    raise ValueError("volume.campaign_days is empty")  # config validation prevents this


def _identical_text(ctx: Context) -> Iterator[Finding]:
    volume = ctx.config.volume
    window = timedelta(minutes=volume.identical_window_minutes)
    recent = [at for at in ctx.snapshot.identical_recent if at > ctx.now - window]
    if len(recent) < volume.identical_max:
        return
    frees_at = (recent[len(recent) - volume.identical_max] + window).astimezone(ctx.home_zone)
    minutes = volume.identical_window_minutes
    yield finding(
        "ZG505",
        f"Texto idêntico já enviado {num_pt(len(recent))} vezes em {num_pt(minutes)} min (máximo "
        f"{num_pt(volume.identical_max)}): varie o texto; adiado para {when_pt(frees_at)}.",
        f"Identical text already sent {num_en(len(recent))} times in {num_en(minutes)} min (at most "
        f"{num_en(volume.identical_max)}): vary the text; deferred to {when_en(frees_at)}.",
        severity=Severity.DEFER,
        not_before=frees_at,
    )
