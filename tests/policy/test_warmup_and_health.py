"""Seed tip 9 (warm-up) and the health signals that shrink caps and pause lines (ZG903)."""

from datetime import date, datetime, timedelta

from zapguard.domain.models import Category, LineState, StatusKind, Verdict
from zapguard.policy.config import HealthConfig, WarmupConfig
from zapguard.policy.health import after_penalty, current_health, penalty
from zapguard.policy.snapshot import ContactView
from zapguard.policy.warmup import ramp_allowance

from .builders import CONTACT, NOW, SAO_PAULO, Scene, campaign_line, line, opted_in, view, wrote_to

TODAY = NOW.date()


def test_the_ramp_starts_at_20_and_grows_by_half_a_day():
    config = WarmupConfig()
    assert [ramp_allowance(day, config) for day in (1, 2, 3, 4, 5)] == [20, 30, 45, 67, 101]


def test_a_new_line_stops_at_its_day_allowance_until_local_midnight():
    new = view(line(in_use_since=TODAY - timedelta(days=1)), sent_today=30)  # day 2: 30 allowed
    decision = Scene(lines=[new]).decide()
    assert decision.verdict is Verdict.DEFER
    assert decision.codes == ["ZG901"]
    assert decision.not_before == datetime(2026, 3, 11, 0, 0, tzinfo=SAO_PAULO)
    assert "30 de 30 mensagens hoje" in decision.findings[0].message_pt


def test_a_new_line_below_its_day_allowance_sends():
    new = view(line(in_use_since=TODAY), sent_today=19)
    assert Scene(lines=[new]).decide().verdict is Verdict.ALLOW


def test_a_line_whose_ramp_reached_the_cap_is_no_longer_limited_by_it():
    old = view(line(in_use_since=date(2020, 1, 1)), sent_today=5000)
    assert Scene(lines=[old]).decide().verdict is Verdict.ALLOW


def test_a_new_campaign_line_starts_no_chats_in_its_first_three_days():
    new = view(campaign_line(in_use_since=TODAY - timedelta(days=2)))  # day 3
    scene = Scene(lines=[new], contact=ContactView(CONTACT, consent=opted_in()))
    decision = scene.decide(line="camp", category=Category.MARKETING)
    assert decision.verdict is Verdict.DEFER
    assert decision.codes == ["ZG901"]
    assert decision.not_before == datetime(2026, 3, 11, 0, 0, tzinfo=SAO_PAULO)  # day 4


def test_a_new_line_may_answer_contacts_who_wrote_to_it():
    new = view(line(in_use_since=TODAY))
    assert Scene(lines=[new]).decide().verdict is Verdict.ALLOW


def test_a_line_silent_for_seven_days_warms_up_again():
    rested = view(line(), last_sent_at=NOW - timedelta(days=8), sent_today=20)
    decision = Scene(lines=[rested]).decide()
    assert decision.verdict is Verdict.DEFER
    assert decision.codes == ["ZG901"]
    assert decision.usage is not None and decision.usage.ramp_anchor == TODAY


def test_a_line_warming_up_defers_but_reroutes_to_a_warm_pool_peer():
    scene = Scene(
        lines=[
            view(line(in_use_since=TODAY), sent_today=20),
            view(line("recv2", phone="+5511912340021", pool="receptive")),
        ],
        contact=ContactView(CONTACT, conversations=wrote_to("recv", "recv2")),
    )
    decision = scene.decide()
    assert (decision.verdict, decision.line) == (Verdict.REROUTE, "recv2")


def test_health_penalties_follow_the_catalogue():
    config = HealthConfig()
    assert penalty(StatusKind.REPORTED, None, config) == 20
    assert penalty(StatusKind.BLOCKED, None, config) == 10
    assert penalty(StatusKind.FAILED, "131048", config) == 5
    assert penalty(StatusKind.FAILED, "463", config) == 5
    assert penalty(StatusKind.FAILED, "131000", config) == 1


def test_health_recovers_two_points_per_quiet_hour_up_to_100():
    config = HealthConfig()
    assert current_health(50, NOW, NOW + timedelta(hours=3, minutes=59), config) == 56
    assert current_health(95, NOW, NOW + timedelta(days=2), config) == 100
    assert after_penalty(50, NOW, NOW + timedelta(hours=1), 20, config) == 32


def test_an_unhealthy_line_pauses_until_it_recovers():
    sick = view(line(), health_score=30, health_at=NOW)
    decision = Scene(lines=[sick]).decide()
    assert decision.verdict is Verdict.DEFER
    assert decision.codes == ["ZG903"]
    assert decision.not_before == NOW + timedelta(hours=5)  # 30 → 40 at 2 points an hour


def test_a_paused_line_reroutes_to_a_healthy_pool_peer():
    scene = Scene(
        lines=[
            view(line(), health_score=10, health_at=NOW),
            view(line("recv2", phone="+5511912340021", pool="receptive")),
        ],
        contact=ContactView(CONTACT, conversations=wrote_to("recv", "recv2")),
    )
    decision = scene.decide()
    assert (decision.verdict, decision.line, decision.codes) == (
        Verdict.REROUTE,
        "recv2",
        ["ZG903"],
    )


def test_a_line_paused_by_hand_is_rejected():
    paused = view(line(state=LineState.PAUSED))
    assert Scene(lines=[paused]).decide().verdict is Verdict.REJECT
