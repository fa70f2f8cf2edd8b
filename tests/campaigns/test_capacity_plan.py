"""Capacity planning: the lines a daily volume needs under the thresholds in force, and why."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from tests.policy.builders import NOW, campaign_line, line, view
from typer.testing import CliRunner, Result

from zapguard.campaigns.capacity import PlanInputError, campaign_pace, capacity_plan
from zapguard.cli import app
from zapguard.config import load_policy_config
from zapguard.domain.models import LineState
from zapguard.gateway.pool_alerts import PoolUse, effective_cap, lines_to_add, pool_uses
from zapguard.policy.config import PolicyConfig
from zapguard.warmup.plan import plan_for


def _config(**volume: object) -> PolicyConfig:
    return PolicyConfig.model_validate({"volume": volume})


def test_seed_plans_each_line_at_80_percent_of_6000() -> None:
    plan = capacity_plan(per_day=9600, campaign_share=0, config=PolicyConfig(), now=NOW)
    assert (plan.planned_per_line, plan.receptive_lines, plan.campaign_lines) == (4800, 2, 0)
    assert (
        capacity_plan(
            per_day=9601, campaign_share=0, config=PolicyConfig(), now=NOW
        ).receptive_lines
        == 3
    )


def test_the_volume_splits_by_the_campaign_share() -> None:
    plan = capacity_plan(per_day=20_000, campaign_share=0.25, config=PolicyConfig(), now=NOW)
    assert (plan.receptive_volume, plan.campaign_volume) == (15_000, 5_000)
    assert (plan.receptive_lines, plan.campaign_lines) == (4, 2)


def test_quiet_hours_and_pacing_shorten_a_campaign_lines_day() -> None:
    # 08:00-20:00 at one send every 15 s on average: 12 h x 240 an hour = 2,880 < 4,800.
    config = _config(gap_min_seconds=10, gap_max_seconds=20)
    plan = capacity_plan(per_day=10_000, campaign_share=0.5, config=config, now=NOW)
    assert plan.campaign_per_line == 2880
    assert plan.campaign_lines == 2  # 5,000 / 2,880
    assert plan.receptive_lines == 2  # receptive lines answer around the clock: 5,000 / 4,800
    narrower = _config(gap_min_seconds=10, gap_max_seconds=20, quiet_start=10, quiet_end=16)
    assert (
        capacity_plan(
            per_day=10_000, campaign_share=0.5, config=narrower, now=NOW
        ).campaign_per_line
        == 1440
    )


def test_the_planning_ratio_is_the_pool_alert_ratio() -> None:
    plan = capacity_plan(
        per_day=12_000, campaign_share=0, config=_config(pool_alert_ratio=1.0), now=NOW
    )
    assert (plan.planned_per_line, plan.receptive_lines) == (6000, 2)


def test_conservative_preset_needs_more_lines() -> None:
    conservative = load_policy_config(None, "conservative")
    plan = capacity_plan(per_day=6000, campaign_share=0.5, config=conservative, now=NOW)
    assert plan.planned_per_line == 640  # 800 x 80%
    assert (plan.receptive_lines, plan.campaign_lines) == (5, 5)


def test_new_lines_reach_full_capacity_on_the_warmup_plans_date() -> None:
    for preset in ("seed", "moderate", "conservative"):
        config = load_policy_config(None, preset)
        plan = capacity_plan(per_day=100, campaign_share=0.5, config=config, now=NOW)
        ramp = plan_for(view(campaign_line(in_use_since=NOW.date())), NOW, config)
        assert plan.full_capacity_on == ramp.full_capacity_on
    seed = capacity_plan(per_day=100, campaign_share=0.5, config=PolicyConfig(), now=NOW)
    assert seed.full_capacity_on == NOW.date() + timedelta(days=15)


def test_every_step_of_the_arithmetic_is_explained_in_both_languages() -> None:
    plan = capacity_plan(per_day=9600, campaign_share=0.5, config=PolicyConfig(), now=NOW)
    text_pt = " ".join(r.pt for r in plan.reasons)
    text_en = " ".join(r.en for r in plan.reasons)
    for code in ("ZG501", "ZG504", "ZG503", "ZG301", "ZG901"):
        assert code in text_pt and code in text_en
    assert "4.800" in text_pt and "4,800" in text_en
    assert "08:00" in text_pt and "9.094" in text_pt  # 12 h / 4.75 s


def test_the_campaign_pace_is_what_the_lines_carry_in_their_daytime_hours() -> None:
    # 2 lines x 4,800 over 08:00-20:00: 800 sends an hour, the pace ZG505's check is given.
    assert campaign_pace(2, PolicyConfig()) == 800
    slow = _config(gap_min_seconds=10, gap_max_seconds=20)  # 2,880 a day each
    assert campaign_pace(1, slow) == 240


@pytest.mark.parametrize(("per_day", "share"), [(0, 0.5), (-5, 0.5), (10, -0.1), (10, 1.01)])
def test_impossible_inputs_are_clear_errors(per_day: int, share: float) -> None:
    with pytest.raises(PlanInputError, match=" / "):
        capacity_plan(per_day=per_day, campaign_share=share, config=PolicyConfig(), now=NOW)


# -- the pool arithmetic behind the alert ---------------------------------------------------------


def test_a_pools_combined_cap_counts_warm_up_and_health_and_skips_paused_lines() -> None:
    config = PolicyConfig()
    warming = view(campaign_line("new", in_use_since=NOW.date()), sent_in_window=10)
    sick = view(campaign_line("sick", phone="+5511912340003"), health_score=50, health_at=NOW)
    paused = view(
        campaign_line("off", phone="+5511912340004", state=LineState.PAUSED), sent_in_window=7
    )
    uses = pool_uses([warming, sick, paused], NOW, config)
    assert uses["campaign"] == PoolUse("campaign", used=17, cap=20 + 3000, lines=2)
    assert effective_cap(warming, NOW, config) == 20


def test_lines_to_add_brings_the_pool_back_under_the_ratio() -> None:
    config = PolicyConfig()
    assert lines_to_add(PoolUse("p", used=9_000, cap=10_000, lines=2), config) == 1
    # 30,000 / 0.8 = 37,500 needed; 12,000 there: 25,500 more = 5 lines of 6,000.
    assert lines_to_add(PoolUse("p", used=30_000, cap=12_000, lines=2), config) == 5


def test_a_receptive_pool_and_a_campaign_pool_are_told_apart() -> None:
    receptive = view(line("sac"), sent_in_window=5000)
    campaign = view(campaign_line("camp", in_use_since=date(2024, 1, 1)), sent_in_window=100)
    uses = pool_uses([receptive, campaign], NOW, PolicyConfig())
    assert uses["receptive"].over(0.8) and not uses["campaign"].over(0.8)


# -- the command ------------------------------------------------------------------------------


def zapguard(*args: str) -> Result:
    return CliRunner(env={"COLUMNS": "250"}).invoke(app, list(args))


@pytest.fixture(autouse=True)
def _no_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ZAPGUARD_CONFIG", raising=False)


def test_plan_json_holds_the_documented_keys() -> None:
    result = zapguard("plan", "--per-day", "6000", "--campaign-share", "0.5", "--json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert {"per_day", "receptive_lines", "campaign_lines", "full_capacity_on"} <= set(body)
    assert (body["per_day"], body["receptive_lines"], body["campaign_lines"]) == (6000, 1, 1)
    assert date.fromisoformat(body["full_capacity_on"])


def test_plan_follows_the_preset() -> None:
    seed = json.loads(zapguard("plan", "--per-day", "6000", "--json").stdout)
    conservative = json.loads(
        zapguard("plan", "--per-day", "6000", "--json", "--preset", "conservative").stdout
    )
    assert conservative["campaign_lines"] > seed["campaign_lines"]
    assert conservative["preset"] == "conservative"


def test_plan_table_explains_itself_in_portuguese_then_english() -> None:
    result = zapguard("plan", "--per-day", "12000", "--campaign-share", "0.25")
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    assert "Plano para 12.000 mensagens/dia" in text
    assert text.index("Como foi calculado") < text.index("How it was computed")
    assert "Receptivo: 9.000 mensagens/dia ÷ 4.800 por linha = 2 linha(s)" in text
    assert "Receptive: 9,000 messages/day ÷ 4,800 per line = 2 line(s)" in text


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--per-day", "0"], "volume diário deve ser ao menos 1"),
        (
            ["--per-day", "10", "--campaign-share", "2"],
            "a fatia de campanhas deve estar entre 0 e 1",
        ),
    ],
)
def test_plan_refuses_bad_numbers_with_one_line(args: list[str], expected: str) -> None:
    result = zapguard("plan", *args)
    assert result.exit_code == 2
    assert expected in " ".join(result.stderr.split())
    assert "Traceback" not in result.output
