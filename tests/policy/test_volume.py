"""Seed tip 5: at most 6,000 messages a day per number, merged bursts, human pacing, daytime campaigns."""

from dataclasses import replace
from datetime import datetime, timedelta

from zapguard.domain.models import Category, Verdict
from zapguard.policy.snapshot import ContactView
from zapguard.policy.volume import fingerprint

from .builders import (
    CONTACT,
    NOW,
    SAO_PAULO,
    Scene,
    campaign_line,
    config,
    line,
    opted_in,
    view,
    wrote_to,
)


def _busy(sent: int, **kw):
    releases = [NOW + timedelta(minutes=10 + i) for i in range(sent)]
    return view(line(**kw), sent_in_window=sent, release_times=releases)


def test_a_line_below_its_daily_cap_sends():
    assert Scene(lines=[_busy(5999)]).decide().verdict is Verdict.ALLOW


def test_a_line_at_its_daily_cap_defers_until_the_oldest_send_leaves_the_window():
    decision = Scene(lines=[_busy(6000)]).decide()
    assert decision.verdict is Verdict.DEFER
    assert decision.codes == ["ZG501"]
    assert decision.not_before == NOW + timedelta(minutes=10)
    assert "6.000 de 6.000 mensagens nas últimas 24 h" in decision.findings[0].message_pt
    assert "6,000 of 6,000 messages in the last 24 h" in decision.findings[0].message_en


def test_a_line_at_its_cap_reroutes_to_the_pool_line_with_most_headroom():
    scene = Scene(
        lines=[
            _busy(6000),
            view(line("recv2", phone="+5511912340021", pool="receptive"), sent_in_window=3000),
            view(line("recv3", phone="+5511912340031", pool="receptive"), sent_in_window=100),
        ],
        contact=ContactView(CONTACT, conversations=wrote_to("recv", "recv2", "recv3")),
    )
    decision = scene.decide()
    assert (decision.verdict, decision.line) == (Verdict.REROUTE, "recv3")
    assert decision.codes == ["ZG501"]


def test_the_cap_is_configurable_and_per_line_overrides_win():
    assert (
        Scene(lines=[_busy(1500)], config=config(volume={"daily_cap": 1500})).decide().verdict
        is Verdict.DEFER
    )
    assert Scene(lines=[_busy(100, daily_cap=100)]).decide().verdict is Verdict.DEFER


def test_the_effective_cap_halves_when_health_is_poor():
    releases = [NOW + timedelta(hours=1)] * 3001
    unhealthy = view(
        line(), sent_in_window=3000, health_score=70, health_at=NOW, release_times=releases
    )
    decision = Scene(lines=[unhealthy]).decide()
    assert decision.verdict is Verdict.DEFER
    assert decision.codes == ["ZG501", "ZG903"]
    assert any("3.000 de 3.000" in f.message_pt for f in decision.findings)


def _campaign(text: str = "Promoção de verão: 20% off", **extra):
    return Scene(
        lines=[view(campaign_line())],
        contact=ContactView(CONTACT, consent=opted_in()),
        extra=extra,
    ), dict(line="camp", category=Category.MARKETING, text=text)


def test_campaigns_go_out_in_the_contacts_daytime():
    scene, msg = _campaign()
    assert scene.decide(**msg).verdict is Verdict.ALLOW


def test_a_campaign_at_night_is_deferred_to_eight_in_the_morning():
    scene, msg = _campaign()
    night = datetime(2026, 3, 10, 21, 30, tzinfo=SAO_PAULO)
    decision = scene.decide(now=night, **msg)
    assert decision.verdict is Verdict.DEFER
    assert decision.codes == ["ZG504"]
    assert decision.not_before == datetime(2026, 3, 11, 8, 0, tzinfo=SAO_PAULO)


def test_a_campaign_on_sunday_is_deferred_to_monday():
    scene, msg = _campaign()
    sunday = datetime(2026, 3, 15, 11, 0, tzinfo=SAO_PAULO)
    decision = scene.decide(now=sunday, **msg)
    assert decision.not_before == datetime(2026, 3, 16, 8, 0, tzinfo=SAO_PAULO)


def test_quiet_hours_follow_the_contacts_time_zone_from_the_area_code():
    scene = Scene(
        lines=[view(campaign_line())], contact=ContactView("+5592988776655", consent=opted_in())
    )
    # 09:30 in São Paulo is 08:30 in Manaus (DDD 92): inside hours; 08:30 SP is 07:30 in Manaus.
    at = datetime(2026, 3, 10, 8, 30, tzinfo=SAO_PAULO)
    decision = scene.decide(
        now=at, line="camp", category=Category.MARKETING, contact="+5592988776655"
    )
    assert decision.verdict is Verdict.DEFER
    assert decision.not_before.astimezone(SAO_PAULO).hour == 9


def test_replies_are_not_held_by_quiet_hours():
    night = datetime(2026, 3, 10, 23, 0, tzinfo=SAO_PAULO)
    assert Scene().decide(now=night).verdict is Verdict.ALLOW


def test_the_fourth_identical_campaign_text_in_an_hour_is_deferred():
    sent = [NOW - timedelta(minutes=50), NOW - timedelta(minutes=20), NOW - timedelta(minutes=5)]
    scene, msg = _campaign(identical_recent=sent)
    decision = scene.decide(**msg)
    assert decision.verdict is Verdict.DEFER
    assert decision.codes == ["ZG505"]
    assert decision.not_before == NOW + timedelta(minutes=10)


def test_texts_differing_only_in_case_and_spaces_are_identical_but_a_name_makes_them_differ():
    assert fingerprint("Promoção  de verão") == fingerprint("promoção de VERÃO ")
    assert fingerprint("Oi Ana, promoção") != fingerprint("Oi Bia, promoção")


def _log_scene(**contact_view):
    return Scene(extra={"judging_log": True}, **contact_view)


def test_when_judging_a_log_a_burst_to_one_contact_is_a_merge_warning():
    two_seconds_ago = NOW - timedelta(seconds=2)
    conversation = replace(wrote_to("recv")["recv"], last_outbound_at=two_seconds_ago)
    scene = Scene(
        lines=[view(line(), last_sent_at=two_seconds_ago)],
        contact=ContactView(CONTACT, conversations={"recv": conversation}),
        extra={"judging_log": True},
    )
    decision = scene.decide()
    assert decision.verdict is Verdict.ALLOW
    assert decision.codes == ["ZG502"]


def test_when_judging_a_log_sends_too_close_on_one_line_are_a_pacing_warning():
    scene = Scene(
        lines=[view(line(), last_sent_at=NOW - timedelta(seconds=1))], extra={"judging_log": True}
    )
    assert scene.decide().codes == ["ZG503"]


def test_the_gateway_paces_by_itself_so_live_decisions_carry_no_pacing_warning():
    scene = Scene(lines=[view(line(), last_sent_at=NOW - timedelta(seconds=1))])
    assert scene.decide().codes == []
