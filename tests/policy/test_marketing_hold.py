"""ZG905: after Meta's per-user marketing limit (131049) for a contact, marketing to them waits 24 h
from that status, doubling on each repeat up to 7 days; other categories are unaffected."""

from __future__ import annotations

from datetime import timedelta

from zapguard.domain.models import Category, Verdict
from zapguard.policy.config import MarketingHoldConfig
from zapguard.policy.marketing_hold import held_until
from zapguard.policy.snapshot import ContactView

from .builders import CONTACT, NOW, Scene, campaign_line, opted_in, view, wrote_to

CONFIG = MarketingHoldConfig()


def held(*failures: timedelta) -> Scene:
    """A campaign line and an opted-in contact with 131049 failures ``failures`` ago."""
    return Scene(
        lines=[view(campaign_line()), view(campaign_line("camp2", phone="+5511912340003"))],
        contact=ContactView(
            CONTACT,
            consent=opted_in(),
            conversations=wrote_to("camp"),
            marketing_failures=[NOW - ago for ago in failures],
        ),
    )


def marketing(line: str = "camp") -> dict[str, object]:
    return {"line": line, "category": Category.MARKETING, "text": "Promoção de março!"}


def test_marketing_waits_24_hours_after_a_131049() -> None:
    decision = held(timedelta(hours=2)).decide(**marketing())

    assert decision.verdict is Verdict.DEFER and decision.codes == ["ZG905"]
    assert decision.not_before == NOW + timedelta(hours=22)


def test_marketing_goes_out_once_the_hold_is_over() -> None:
    decision = held(timedelta(hours=25)).decide(**marketing())

    assert decision.verdict is Verdict.ALLOW


def test_no_other_line_cures_it() -> None:
    decision = held(timedelta(hours=2)).decide(**marketing("camp2"))

    assert decision.verdict is Verdict.DEFER and decision.line == "camp2"


def test_other_categories_are_not_held() -> None:
    for category in (Category.REPLY, Category.NOTIFICATION):
        decision = held(timedelta(hours=2)).decide(line="camp", category=category)
        assert decision.verdict is Verdict.ALLOW, category


def test_each_repeat_doubles_the_hold() -> None:
    first, second, third = NOW, NOW + timedelta(hours=30), NOW + timedelta(hours=80)

    assert held_until([first], CONFIG) == first + timedelta(hours=24)
    assert held_until([first, second], CONFIG) == second + timedelta(hours=48)
    assert held_until([third, first, second], CONFIG) == third + timedelta(hours=96)


def test_the_hold_stops_doubling_at_seven_days() -> None:
    failures = [NOW + timedelta(days=day) for day in range(6)]

    assert held_until(failures, CONFIG) == failures[-1] + timedelta(days=7)


def test_a_failure_older_than_the_repeat_memory_does_not_count_as_a_repeat() -> None:
    old, new = NOW - timedelta(days=40), NOW

    assert held_until([old, new], CONFIG) == new + timedelta(hours=24)


def test_the_durations_are_configurable() -> None:
    config = MarketingHoldConfig(first_hold_hours=12, max_hold_days=1)

    assert held_until([NOW], config) == NOW + timedelta(hours=12)
    assert held_until([NOW, NOW, NOW], config) == NOW + timedelta(days=1)
