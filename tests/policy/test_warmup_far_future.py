"""A line dated in the future (a typo, 9999-12-31) is a brand-new number, never a crash: the ramp
counts it from the day being judged, so every date it derives stays within the calendar."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from zapguard.domain.models import Category, Verdict
from zapguard.policy.snapshot import ContactView

from .builders import CONTACT, NOW, Scene, campaign_line, line, opted_in, send, view, wrote_to

FAR = [date(9999, 12, 31), date(9999, 12, 29), NOW.date() + timedelta(days=400)]


@pytest.mark.parametrize("in_use_since", FAR, ids=str)
def test_a_candidate_dated_in_the_future_is_judged_as_a_new_line(in_use_since: date) -> None:
    scene = Scene(
        lines=[view(line()), view(campaign_line(in_use_since=in_use_since))],
        contact=ContactView(CONTACT, consent=opted_in(), conversations=wrote_to("recv")),
    )

    # Marketing on the receptive line (ZG301) makes the engine judge the campaign line too.
    decision = scene.decide(send(category=Category.MARKETING, line="recv"))

    # The new line may not start chats for three days, so nothing cures ZG301: a rejection.
    assert decision.verdict is Verdict.REJECT
    assert decision.codes == ["ZG301"]


@pytest.mark.parametrize("in_use_since", FAR, ids=str)
def test_a_future_line_starting_a_chat_waits_out_its_first_days(in_use_since: date) -> None:
    scene = Scene(
        lines=[view(campaign_line(in_use_since=in_use_since))],
        contact=ContactView(CONTACT),
    )

    decision = scene.decide(send(category=Category.NOTIFICATION, line="camp"))

    assert decision.verdict is Verdict.DEFER
    assert decision.codes == ["ZG901"]
    assert decision.not_before is not None
    assert decision.not_before.date() == NOW.date() + timedelta(days=3)
