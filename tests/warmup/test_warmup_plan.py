"""``zapguard warmup plan``: the day-by-day cap of ZG901's ramp, computed by the policy itself, so the
plan and the enforcement can never disagree."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from tests.policy.builders import NOW, campaign_line, view
from typer.testing import CliRunner, Result

from zapguard.cli import app
from zapguard.config import load_policy_config
from zapguard.domain.models import Author, Category, OutgoingMessage
from zapguard.policy.config import PolicyConfig
from zapguard.policy.context import Context
from zapguard.policy.engine import judge_line
from zapguard.policy.snapshot import ContactView, Snapshot
from zapguard.warmup.plan import plan_for

TODAY = NOW.date()


def _effective_cap(config: PolicyConfig, in_use_since: date, **view_fields: object) -> int:
    """What the engine lets a line of that age send today: the smaller of its caps."""
    line_view = view(campaign_line(in_use_since=in_use_since), **view_fields)  # type: ignore[arg-type]
    message = OutgoingMessage(
        tenant_id="acme",
        contact="+5531988776655",
        category=Category.NOTIFICATION,
        author=Author.BOT,
        text="oi",
        line=line_view.line.id,
    )
    snapshot = Snapshot(
        config=config, lines={line_view.line.id: line_view}, contact=ContactView("+5531988776655")
    )
    _, usage = judge_line(Context(message, snapshot, NOW), line_view)
    return usage.window_cap if usage.day_cap is None else min(usage.window_cap, usage.day_cap)


@pytest.mark.parametrize("preset", ["seed", "moderate", "conservative"])
def test_each_day_of_the_plan_is_the_cap_the_policy_enforces_on_a_line_that_age(
    preset: str,
) -> None:
    config = load_policy_config(None, preset)
    plan = plan_for(view(campaign_line(in_use_since=TODAY)), NOW, config)
    assert plan.days[0].day == 1 and plan.days[0].date == TODAY
    for day in plan.days:
        age = TODAY - timedelta(days=day.day - 1)
        assert day.cap == _effective_cap(config, age), f"{preset} day {day.day}"
        assert day.date == TODAY + timedelta(days=day.day - 1)


@pytest.mark.parametrize("preset", ["seed", "moderate", "conservative"])
def test_the_plan_ends_on_the_first_day_at_full_cap(preset: str) -> None:
    config = load_policy_config(None, preset)
    plan = plan_for(view(campaign_line(in_use_since=TODAY)), NOW, config)
    *ramping, last = plan.days
    assert last.full and last.cap == config.volume.daily_cap == plan.full_cap
    assert plan.full_capacity_on == last.date
    assert all(not d.full and d.cap < config.volume.daily_cap for d in ramping)
    assert [d.cap for d in ramping] == sorted(d.cap for d in ramping)
    # The engine agrees: a line one day younger is still ramping, one of that age is not.
    assert _effective_cap(config, TODAY - timedelta(days=last.day - 1)) == plan.full_cap
    assert _effective_cap(config, TODAY - timedelta(days=last.day - 2)) < plan.full_cap


def test_seed_ramp_starts_at_20_and_grows_by_half_each_day() -> None:
    plan = plan_for(view(campaign_line(in_use_since=TODAY)), NOW, PolicyConfig())
    assert [d.cap for d in plan.days[:5]] == [20, 30, 45, 67, 101]
    assert plan.full_capacity_on == TODAY + timedelta(days=15)  # day 16: 20 x 1.5^15 > 6,000


def test_a_line_with_its_own_lower_cap_reaches_it_sooner() -> None:
    plan = plan_for(view(campaign_line(in_use_since=TODAY, daily_cap=500)), NOW, PolicyConfig())
    assert plan.full_cap == 500
    assert plan.days[-1].day == 9  # 20 x 1.5^8 = 512 >= 500


def test_an_old_line_shows_its_ramp_from_its_first_day_and_today() -> None:
    start = TODAY - timedelta(days=5)
    plan = plan_for(view(campaign_line(in_use_since=start)), NOW, PolicyConfig())
    assert plan.start == start and plan.today == 6
    assert plan.days[plan.today - 1].cap == _effective_cap(PolicyConfig(), start)


def test_a_long_silence_restarts_the_ramp_today() -> None:
    silent = view(
        campaign_line(in_use_since=date(2024, 1, 1)), last_sent_at=NOW - timedelta(days=10)
    )
    plan = plan_for(silent, NOW, PolicyConfig())
    assert plan.start == TODAY and plan.today == 1
    assert plan.days[0].cap == 20


def test_an_unhealthy_line_plans_with_its_halved_cap() -> None:
    sick = view(campaign_line(in_use_since=date(2024, 1, 1)), health_score=50, health_at=NOW)
    plan = plan_for(sick, NOW, PolicyConfig())
    assert plan.full_cap == 3000
    assert plan.days[-1].cap == _effective_cap(
        PolicyConfig(), date(2024, 1, 1), health_score=50, health_at=NOW
    )


def test_a_ramp_that_never_grows_is_shown_for_a_year_without_a_full_date() -> None:
    config = PolicyConfig.model_validate({"warmup": {"growth": 1.0}})
    plan = plan_for(view(campaign_line(in_use_since=TODAY)), NOW, config)
    assert plan.full_capacity_on is None
    assert len(plan.days) == 366 and {d.cap for d in plan.days} == {20}


# -- the command ------------------------------------------------------------------------------

PROVIDERS = """
[providers.meta]
kind = "cloud"
base_url = "https://graph.facebook.com"
token = "env:ZAPGUARD_TEST_UNSET_META_TOKEN"
"""


def zapguard(*args: str) -> Result:
    return CliRunner(env={"COLUMNS": "250"}).invoke(app, list(args))


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ZAPGUARD_CONFIG", raising=False)
    monkeypatch.delenv("ZAPGUARD_DATABASE_URL", raising=False)
    assert zapguard("init").exit_code == 0
    with (tmp_path / "zapguard.toml").open("a", encoding="utf-8") as config:
        config.write(PROVIDERS)
    return tmp_path


def _add_line(since: date) -> None:
    result = zapguard(
        "lines", "add", "camp1", "--phone", "+55 11 91234-0002", "--role", "campaign",
        "--in-use-since", since.isoformat(), "--provider", "meta",
    )  # fmt: skip
    assert result.exit_code == 0, result.output


def test_warmup_plan_json_is_the_policy_plan_of_the_stored_line(workdir: Path) -> None:
    today = datetime.now(UTC).astimezone(NOW.tzinfo).date()
    _add_line(today - timedelta(days=2))
    result = zapguard("warmup", "plan", "camp1", "--json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["line"] == "camp1"
    assert body["start"] == (today - timedelta(days=2)).isoformat()
    assert body["today"] == 3
    assert [d["cap"] for d in body["days"][:3]] == [20, 30, 45]
    assert body["days"][0] == {"day": 1, "date": body["start"], "cap": 20, "full": False}
    assert body["full_cap"] == 6000
    assert body["full_capacity_on"] == body["days"][-1]["date"]
    assert body["days"][-1]["full"] is True


def test_warmup_plan_table_is_in_portuguese_and_english(workdir: Path) -> None:
    _add_line(datetime.now(UTC).date())
    result = zapguard("warmup", "plan", "camp1")
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    assert "Limite cheio de 6.000 mensagens/24 h a partir de" in text
    assert "Full cap of 6,000 messages/24 h from" in text
    assert "sem chats ativos / no new chats" in text


def test_warmup_plan_of_an_unknown_line_is_a_clear_error(workdir: Path) -> None:
    result = zapguard("warmup", "plan", "nope")
    assert result.exit_code == 2
    assert "linha desconhecida / unknown line: 'nope'" in " ".join(result.stderr.split())
    assert "Traceback" not in result.output
