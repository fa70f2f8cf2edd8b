"""Capacity planning: how many receptive and campaign lines a daily volume needs (seed tips 3, 5, 9).

Pure arithmetic over the policy's thresholds, each step kept as a reason in pt-BR and English:

1. A line carries at most ``volume.daily_cap`` messages per rolling 24 h (ZG501, seed tip 5). Pools
   are planned at ``volume.pool_alert_ratio`` of it (80%), the point where the pool alert fires:
   a pool sized to the full cap would be in alert every day.
2. Receptive lines answer around the clock; campaign lines only send inside the contacts' daytime
   (ZG504: ``quiet_start``-``quiet_end``, on ``campaign_days``), one send every
   (``gap_min_seconds`` + ``gap_max_seconds``) / 2 seconds on average (ZG503). A campaign line's
   useful day is the smaller of the planned cap and what fits in those hours at that pace.
3. Campaigns never leave receptive lines (ZG301, seed tip 3): the two volumes need separate lines.
4. A new line follows the warm-up ramp (ZG901, seed tip 9); the day it reaches its full cap comes
   from :func:`zapguard.warmup.plan.new_line_plan`, the policy's own ramp.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime

from zapguard.domain.models import AccountType, Line, Role
from zapguard.policy.catalogue import num_en, num_pt
from zapguard.policy.config import PolicyConfig
from zapguard.policy.snapshot import LineView
from zapguard.warmup.plan import WarmupPlan, new_line_plan

__all__ = [
    "CapacityPlan",
    "PlanInputError",
    "Reason",
    "campaign_line_day",
    "campaign_pace",
    "capacity_plan",
    "line_plan_cap",
]


class PlanInputError(ValueError):
    """A volume or share that cannot be planned; the message is pt-BR / en."""


@dataclass(frozen=True, slots=True)
class Reason:
    pt: str
    en: str


@dataclass(frozen=True, slots=True)
class CapacityPlan:
    per_day: int
    campaign_share: float
    preset: str
    receptive_volume: int
    campaign_volume: int
    line_cap: int
    """ZG501: messages per line per rolling window."""
    planned_per_line: int
    """``line_cap`` × ``pool_alert_ratio``: what a line is planned to carry."""
    campaign_per_line: int
    """What a campaign line carries in a day: the planned cap or the daytime pace, the smaller."""
    receptive_lines: int
    campaign_lines: int
    warmup: WarmupPlan
    reasons: tuple[Reason, ...]

    @property
    def full_capacity_on(self) -> date | None:
        return self.warmup.full_capacity_on

    def as_json(self) -> dict[str, object]:
        full = self.full_capacity_on
        return {
            "per_day": self.per_day,
            "campaign_share": self.campaign_share,
            "preset": self.preset,
            "receptive_lines": self.receptive_lines,
            "campaign_lines": self.campaign_lines,
            "full_capacity_on": full.isoformat() if full else None,
            "receptive_volume": self.receptive_volume,
            "campaign_volume": self.campaign_volume,
            "line_cap": self.line_cap,
            "planned_per_line": self.planned_per_line,
            "campaign_per_line": self.campaign_per_line,
            "warmup_days": [
                {"day": d.day, "date": d.date.isoformat(), "cap": d.cap} for d in self.warmup.days
            ],
            "reasons": [{"pt": r.pt, "en": r.en} for r in self.reasons],
        }


def line_plan_cap(config: PolicyConfig) -> int:
    """What one line is planned to carry in 24 h: the cap at the pool alert's ratio (at least 1)."""
    return max(1, math.floor(config.volume.daily_cap * config.volume.pool_alert_ratio))


def campaign_line_day(config: PolicyConfig) -> tuple[int, float, float]:
    """(sends a campaign line fits in the daytime hours at the average gap, those hours, the gap).

    Without any gap (``gap_max_seconds = 0``) the hours limit nothing: the cap does."""
    volume = config.volume
    hours = float(volume.quiet_end - volume.quiet_start)
    gap = (volume.gap_min_seconds + volume.gap_max_seconds) / 2
    fits = math.floor(hours * 3600 / gap) if gap > 0 else volume.daily_cap
    return fits, hours, gap


def campaign_pace(campaign_lines: int, config: PolicyConfig) -> float:
    """Sends an hour of ``campaign_lines`` lines each carrying a campaign line's day
    (:func:`campaign_line_day`, at most the planned cap) inside the daytime hours: the pace a
    campaign text must vary enough for (ZG505)."""
    fits, hours, _ = campaign_line_day(config)
    return campaign_lines * min(line_plan_cap(config), fits) / hours


def capacity_plan(
    *,
    per_day: int,
    campaign_share: float,
    config: PolicyConfig,
    now: datetime,
    timezone: str = "America/Sao_Paulo",
) -> CapacityPlan:
    """The lines ``per_day`` messages need, ``campaign_share`` of them campaigns, and why."""
    if per_day < 1:
        raise PlanInputError(
            f"volume diário deve ser ao menos 1 (recebido {per_day}) / the daily volume must be "
            f"at least 1 (got {per_day})"
        )
    if not 0 <= campaign_share <= 1:
        raise PlanInputError(
            f"a fatia de campanhas deve estar entre 0 e 1 (recebido {campaign_share}) / the "
            f"campaign share must be between 0 and 1 (got {campaign_share})"
        )
    volume = config.volume
    campaign_volume = round(per_day * campaign_share)
    receptive_volume = per_day - campaign_volume
    planned = line_plan_cap(config)
    fits, hours, gap = campaign_line_day(config)
    per_campaign_line = min(planned, fits)
    receptive_lines = math.ceil(receptive_volume / planned)
    campaign_lines = math.ceil(campaign_volume / per_campaign_line)
    ramp = new_line_plan(LineView(line=_new_line(now, timezone)), now, config)
    ratio_pt, ratio_en = (
        num_pt(volume.pool_alert_ratio * 100),
        num_en(volume.pool_alert_ratio * 100),
    )
    reasons = [
        Reason(
            f"Limite por linha: {num_pt(volume.daily_cap)} mensagens em {num_pt(volume.window_hours)} h "
            f"(ZG501, dica 5, preset {config.preset}); planejado a {ratio_pt}% = {num_pt(planned)}, "
            "abaixo do alerta de capacidade do pool (volume.pool_alert_ratio).",
            f"Per-line cap: {num_en(volume.daily_cap)} messages in {num_en(volume.window_hours)} h "
            f"(ZG501, tip 5, preset {config.preset}); planned at {ratio_en}% = {num_en(planned)}, "
            "below the pool capacity alert (volume.pool_alert_ratio).",
        ),
        Reason(
            f"Receptivo: {num_pt(receptive_volume)} mensagens/dia ÷ {num_pt(planned)} por linha = "
            f"{receptive_lines} linha(s), arredondando para cima.",
            f"Receptive: {num_en(receptive_volume)} messages/day ÷ {num_en(planned)} per line = "
            f"{receptive_lines} line(s), rounded up.",
        ),
        Reason(
            f"Campanha: só das {volume.quiet_start:02d}:00 às {volume.quiet_end:02d}:00 do contato "
            f"({num_pt(hours)} h, ZG504; o volume é por dia de campanha: "
            f"{', '.join(volume.campaign_days)}), um envio a cada {num_pt(gap)} s em média (ZG503): uma "
            f"linha cabe {num_pt(fits)} envios no dia; vale o menor entre isso e "
            f"{num_pt(planned)}: {num_pt(per_campaign_line)}. {num_pt(campaign_volume)} ÷ "
            f"{num_pt(per_campaign_line)} = {campaign_lines} linha(s) de campanha, separadas das "
            "receptivas (ZG301, dica 3), em outro aparelho e rede (ZG401, dica 4).",
            f"Campaign: only {volume.quiet_start:02d}:00-{volume.quiet_end:02d}:00 in the "
            f"contact's zone ({num_en(hours)} h, ZG504; the volume is per campaign day: "
            f"{', '.join(volume.campaign_days)}), one send every {num_en(gap)} s on average "
            f"(ZG503): a line fits {num_en(fits)} sends a day; the smaller of that and "
            f"{num_en(planned)} counts: {num_en(per_campaign_line)}. {num_en(campaign_volume)} ÷ "
            f"{num_en(per_campaign_line)} = {campaign_lines} campaign line(s), apart from the "
            "receptive ones (ZG301, tip 3), on another device and network (ZG401, tip 4).",
        ),
        _warmup_reason(ramp, config),
    ]
    return CapacityPlan(
        per_day=per_day,
        campaign_share=campaign_share,
        preset=config.preset,
        receptive_volume=receptive_volume,
        campaign_volume=campaign_volume,
        line_cap=volume.daily_cap,
        planned_per_line=planned,
        campaign_per_line=per_campaign_line,
        receptive_lines=receptive_lines,
        campaign_lines=campaign_lines,
        warmup=ramp,
        reasons=tuple(reasons),
    )


def _warmup_reason(ramp: WarmupPlan, config: PolicyConfig) -> Reason:
    warm = config.warmup
    first = ramp.days[0]
    full = ramp.full_capacity_on
    if full is None:
        return Reason(
            f"Aquecimento: uma linha nova começa com {num_pt(first.cap)} no dia 1 (ZG901, dica 9) "
            f"e não chega ao limite cheio em {len(ramp.days)} dias com warmup.growth = "
            f"{num_pt(warm.growth)}.",
            f"Warm-up: a new line starts at {num_en(first.cap)} on day 1 (ZG901, tip 9) and does "
            f"not reach its full cap within {len(ramp.days)} days with warmup.growth = "
            f"{num_en(warm.growth)}.",
        )
    last = ramp.days[-1]
    return Reason(
        f"Aquecimento: uma linha nova cadastrada hoje começa com {num_pt(first.cap)} mensagens no "
        f"dia 1 (×{num_pt(warm.growth)} ao dia; sem chats ativos nos dias 1-{warm.no_active_days}) "
        f"e chega ao limite cheio no dia {last.day}, {full:%d/%m/%Y} (ZG901, dica 9): até lá, "
        "conte com menos que o planejado.",
        f"Warm-up: a new line registered today starts at {num_en(first.cap)} messages on day 1 "
        f"(×{num_en(warm.growth)} a day; no new chats on days 1-{warm.no_active_days}) and reaches "
        f"its full cap on day {last.day}, {full.isoformat()} (ZG901, tip 9): until then, count "
        "on less than planned.",
    )


def _new_line(now: datetime, timezone: str) -> Line:
    from zapguard.policy.zones import zone

    return Line(
        id="nova/new",
        tenant_id="-",
        phone="+5511900000000",
        role=Role.CAMPAIGN,
        account=AccountType.BUSINESS,
        in_use_since=now.astimezone(zone(timezone)).date(),
        pool="campaign",
        timezone=timezone,
    )
