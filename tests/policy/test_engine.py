"""How findings combine into one decision: verdict order, reroutes, pools, bad input."""

from datetime import datetime, timedelta

import pytest

from zapguard.domain.models import AccountType, Category, Verdict
from zapguard.policy.context import PolicyInputError
from zapguard.policy.explain import summary
from zapguard.policy.snapshot import ContactView

from .builders import (
    CONTACT,
    NOW,
    SAO_PAULO,
    Scene,
    campaign_line,
    line,
    opted_in,
    send,
    view,
    wrote_to,
)


def test_reject_beats_defer_and_every_finding_is_reported():
    scene = Scene(lines=[view(line(account=AccountType.PERSONAL), sent_in_window=6000)])
    decision = scene.decide(text="http://loja.com.br")
    assert decision.verdict is Verdict.REJECT
    assert decision.codes == ["ZG101", "ZG501", "ZG701"]
    assert decision.not_before is None


def test_a_reroute_and_a_content_deferral_combine_into_a_deferral_on_the_other_line():
    scene = Scene(
        lines=[view(line()), view(campaign_line())],
        contact=ContactView(CONTACT, consent=opted_in(), conversations=wrote_to("recv")),
    )
    night = datetime(2026, 3, 10, 22, 0, tzinfo=SAO_PAULO)
    decision = scene.decide(now=night, category=Category.MARKETING)
    assert decision.verdict is Verdict.DEFER
    assert decision.line == "camp"
    assert decision.codes == ["ZG301", "ZG504"]
    assert decision.not_before == datetime(2026, 3, 11, 8, 0, tzinfo=SAO_PAULO)


def test_a_message_for_a_pool_goes_to_the_pool_line_with_most_headroom_without_a_reroute():
    scene = Scene(
        lines=[
            view(line(), sent_in_window=10),
            view(line("recv2", phone="+5511912340021", pool="receptive"), sent_in_window=5),
        ],
        contact=ContactView(CONTACT, conversations=wrote_to("recv", "recv2")),
    )
    decision = scene.decide(line=None, pool="receptive")
    assert (decision.verdict, decision.line, decision.codes) == (Verdict.ALLOW, "recv2", [])


def test_a_reroute_target_must_pass_every_rule_itself():
    scene = Scene(
        lines=[view(line()), view(campaign_line(), sent_in_window=6000)],
        contact=ContactView(CONTACT),
    )
    decision = scene.decide(category=Category.NOTIFICATION)
    assert (decision.verdict, decision.line, decision.codes) == (Verdict.REJECT, "recv", ["ZG302"])


def test_content_findings_are_not_cured_by_another_line():
    scene = Scene(
        lines=[view(line()), view(campaign_line())],
        contact=ContactView(CONTACT, conversations=wrote_to("recv")),
    )
    decision = scene.decide(category=Category.MARKETING)  # no consent anywhere
    assert decision.verdict is Verdict.REJECT
    assert "ZG201" in decision.codes


def test_the_decision_explains_itself_in_portuguese_and_english():
    decision = Scene(
        lines=[view(line(), sent_in_window=6000, release_times=[NOW + timedelta(hours=1)])]
    ).decide()
    pt, en = summary(decision)
    assert pt.startswith("Adiado até") and "[ZG501]" in pt
    assert en.startswith("Deferred until") and "[ZG501]" in en
    assert summary(Scene().decide()) == (
        "Permitido: nenhuma regra disparou.",
        "Allowed: no rule fired.",
    )


def test_an_unknown_line_is_a_clear_input_error():
    with pytest.raises(PolicyInputError, match="unknown line: 'nope'"):
        Scene().decide(line="nope")


def test_a_clock_without_time_zone_is_refused():
    with pytest.raises(PolicyInputError, match="timezone"):
        Scene().decide(now=datetime(2026, 3, 10, 10, 0))


def test_the_same_inputs_always_give_the_same_decision():
    scene = Scene(lines=[view(line()), view(campaign_line())], contact=ContactView(CONTACT))
    message = send(category=Category.NOTIFICATION)
    assert scene.decide(message) == scene.decide(message)
