"""``decide(message, snapshot, now)``: the one pure function every path of zapguard goes through.

1. Findings about the message and the contact (consent, links, quiet hours, identical text, replies)
   cannot be cured by another line.
2. Findings about the sending line (roles, isolation, volume, bans, warm-up, health) can: when one of
   them blocks, the candidate lines (same pool for volume and bans; campaign lines for campaigns and
   business-initiated chats) are judged in full and the one with the most headroom that passes every
   line rule wins. ``codes`` still lists what fired on the original line. Only lines the snapshot
   says can send are candidates, or the line picked for a pool.
3. Verdict: reject > defer > reroute > allow. A deferral and a reroute combine (another line, not
   before a time); ``not_before`` is the latest instant any deferring finding names.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from zapguard.domain.models import (
    Decision,
    Finding,
    LineState,
    OutgoingMessage,
    Role,
    Severity,
    Usage,
    Verdict,
)
from zapguard.policy import (
    bans,
    consent,
    health,
    identity,
    links,
    marketing_hold,
    meta_delivery,
    portfolio,
    presence,
    replies,
    roles,
    templates,
    volume,
    warmup,
)
from zapguard.policy.context import Context, PolicyInputError
from zapguard.policy.snapshot import LineView, Snapshot
from zapguard.policy.zones import zone

__all__ = ["decide", "judge_line"]

_BLOCKING = (Severity.DEFER, Severity.REJECT)
_ROLE_CODES = frozenset({"ZG301", "ZG302"})
_UNUSABLE = (LineState.BANNED, LineState.RETIRED, LineState.PAUSED)


@dataclass(frozen=True, slots=True)
class _LineJudgement:
    view: LineView
    findings: tuple[Finding, ...]
    usage: Usage

    @property
    def blocking(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity in _BLOCKING)

    @property
    def headroom(self) -> int:
        window = self.usage.window_cap - self.usage.sent_in_window
        if self.usage.day_cap is None:
            return window
        return min(window, self.usage.day_cap - self.usage.sent_today)


def decide(message: OutgoingMessage, snapshot: Snapshot, now: datetime) -> Decision:
    """Judge ``message`` against every rule, given ``snapshot`` as of ``now`` (timezone-aware)."""
    if now.tzinfo is None:
        raise PolicyInputError("o relógio precisa de fuso horário / now must be timezone-aware")
    ctx = Context(message, snapshot, now)
    origin = _origin(ctx)
    content = list(_message_findings(ctx, origin.view))
    chosen = origin
    if origin.blocking:
        better = _best(_judge_all(ctx, _candidates(ctx, origin)))
        if better is not None:
            chosen = better
    rerouted = chosen is not origin and message.line is not None
    findings = [*content, *origin.findings]
    if chosen is not origin:
        findings += [f for f in chosen.findings if f.severity not in _BLOCKING]
    line_blocking = () if chosen is not origin else origin.blocking
    verdict, not_before = _verdict([*content, *line_blocking], rerouted)
    rewritten = (
        links.rewrite(message.text, snapshot.config.links) if verdict.strictness < 3 else None
    )
    if rewritten is not None:
        findings.append(links.rewrite_finding(rewritten))
    sending = origin if verdict is Verdict.REJECT else chosen
    return Decision(
        verdict=verdict,
        line=sending.view.line.id,
        findings=tuple(_unique(findings)),
        not_before=not_before.astimezone(zone(sending.view.line.timezone)) if not_before else None,
        usage=sending.usage,
        risk=_risk(ctx, sending),
        text=rewritten.text if rewritten else None,
        short_links=rewritten.short_links if rewritten else (),
        business_initiated=ctx.business_initiated_on(sending.view),
    )


def judge_line(ctx: Context, view: LineView) -> tuple[tuple[Finding, ...], Usage]:
    """Every line-level finding for sending ``ctx.message`` on ``view``, and the usage it would count
    under."""
    config = ctx.config
    cap = volume.window_cap(view, ctx.now, config)
    ramp = warmup.ramp(view, ctx.now, config.warmup, cap)
    findings = (
        *identity.check_line(ctx, view),
        *roles.check_line(ctx, view),
        *bans.check_line(ctx, view),
        *health.check_line(ctx, view),
        *volume.check_line(ctx, view, cap),
        *warmup.check_line(ctx, view, ramp),
        *presence.check_line(ctx, view),
        *portfolio.check_line(ctx, view),
    )
    usage = Usage(
        line=view.line.id,
        sent_in_window=view.sent_in_window,
        window_cap=cap,
        sent_today=view.sent_today,
        day_cap=ramp.day_cap,
        day_start=ramp.day_start,
        health=health.line_health(view, ctx.now, config.health),
        ramp_anchor=ramp.anchor,
    )
    return findings, usage


def _judge(ctx: Context, view: LineView) -> _LineJudgement:
    findings, usage = judge_line(ctx, view)
    return _LineJudgement(view, findings, usage)


def _judge_all(ctx: Context, views: Iterable[LineView]) -> list[_LineJudgement]:
    return [_judge(ctx, view) for view in views]


def _origin(ctx: Context) -> _LineJudgement:
    """The line the caller asked for, or, for a pool, the pool's best line (not a reroute)."""
    message, lines = ctx.message, ctx.snapshot.lines
    if message.line is not None:
        view = lines.get(message.line)
        if view is None:
            raise PolicyInputError(f"linha desconhecida / unknown line: {message.line!r}")
        return _judge(ctx, view)
    if message.pool is None:
        raise PolicyInputError("informe a linha ou o pool / give a line or a pool")
    roster = ctx.snapshot.roster
    members = [lines[key] for key, line in roster.items() if line.pool == message.pool]
    if not members:
        raise PolicyInputError(
            f"pool vazio ou desconhecido / empty or unknown pool: {message.pool!r}"
        )
    pool = sorted((v for v in members if v.can_send), key=lambda v: v.line.id)
    if not pool:
        raise PolicyInputError(
            f"nenhuma linha do pool {message.pool!r} pode enviar (sem provedor) / no line of pool "
            f"{message.pool!r} can send (no provider)"
        )
    judged = _judge_all(ctx, pool)
    return _best(judged) or max(judged, key=lambda j: j.headroom)


def _message_findings(ctx: Context, origin: LineView) -> Iterator[Finding]:
    yield from identity.check_message(ctx)
    yield from consent.check_message(ctx)
    yield from volume.check_message(ctx)
    yield from links.check_message(ctx)
    yield from replies.check_message(ctx, origin)
    yield from marketing_hold.check_message(ctx)
    yield from meta_delivery.check_message(ctx, origin)
    yield from templates.check_message(ctx)


def _candidates(ctx: Context, origin: _LineJudgement) -> list[LineView]:
    codes = {f.code for f in origin.blocking}
    wants_campaign_line = bool(codes & _ROLE_CODES)
    wants_pool_peer = bool(codes - _ROLE_CODES)
    line = origin.view.line
    # Meta's portfolio limit (ZG506) is only cured by a Cloud API line of another portfolio.
    full_portfolio = portfolio.portfolio_key(line) if "ZG506" in codes else None
    # Chosen on the registered lines first: only the candidates' activity is looked up.
    named = [
        other.id
        for other in ctx.snapshot.roster.values()
        if other.id != line.id
        and other.state not in _UNUSABLE
        and (
            (wants_campaign_line and other.role is Role.CAMPAIGN)
            or (wants_pool_peer and other.pool == line.pool)
        )
        and (full_portfolio is None or portfolio.portfolio_key(other) not in (None, full_portfolio))
    ]
    views = [ctx.snapshot.lines[key] for key in named]
    return [view for view in views if view.can_send]


def _best(judged: list[_LineJudgement]) -> _LineJudgement | None:
    passing = [j for j in judged if not j.blocking]
    if not passing:
        return None
    return max(passing, key=lambda j: (j.headroom, _reverse_id(j.view.line.id)))


def _reverse_id(line_id: str) -> tuple[int, ...]:
    """Tie-break on the smallest id, inside ``max``."""
    return tuple(-ord(ch) for ch in line_id)


def _verdict(blocking: list[Finding], rerouted: bool) -> tuple[Verdict, datetime | None]:
    if any(f.severity is Severity.REJECT for f in blocking):
        return Verdict.REJECT, None
    defers = [f.not_before for f in blocking if f.severity is Severity.DEFER and f.not_before]
    if defers:
        return Verdict.DEFER, max(defers)
    return (Verdict.REROUTE if rerouted else Verdict.ALLOW), None


def _unique(findings: list[Finding]) -> Iterator[Finding]:
    seen: set[tuple[str, str | None, str]] = set()
    for item in findings:
        key = (item.code, item.line, item.message_en)
        if key not in seen:
            seen.add(key)
            yield item


def _risk(ctx: Context, chosen: _LineJudgement) -> int:
    """0-100: how close the sending line is to a ban, from its health and standing warnings."""
    risk = 100 - chosen.usage.health
    codes = {f.code for f in chosen.findings}
    if "ZG101" in codes:
        risk += ctx.config.identity.personal_account_risk
    if "ZG801" in codes:
        risk += 10
    if chosen.usage.day_cap is not None:
        risk += 10  # still warming up
    if chosen.view.line.state is LineState.QUARANTINED or "ZG401" in codes:
        risk += 20
    return max(0, min(100, risk))
