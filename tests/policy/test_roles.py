"""Seed tips 3 and 4: the receptive line never campaigns nor starts chats; campaign lines are isolated."""

from dataclasses import replace

from zapguard.domain.models import Category, Severity, Verdict
from zapguard.policy.snapshot import ContactView

from .builders import CONTACT, Scene, campaign_line, line, opted_in, view, wrote_to


def test_receptive_line_answers_a_contact_who_wrote_to_it():
    assert Scene().decide().verdict is Verdict.ALLOW


def test_receptive_line_cannot_start_a_chat():
    scene = Scene(contact=ContactView(CONTACT))
    decision = scene.decide(category=Category.NOTIFICATION)
    assert decision.verdict is Verdict.REJECT
    assert decision.codes == ["ZG302"]
    assert decision.line == "recv"


def test_a_contact_who_wrote_to_another_line_has_not_written_to_this_one():
    scene = Scene(
        lines=[view(line()), view(line("recv2", phone="+5511912340009"))],
        contact=ContactView(CONTACT, conversations=wrote_to("recv2")),
    )
    assert scene.decide(line="recv").codes == ["ZG302"]


def test_a_business_initiated_chat_is_rerouted_to_a_campaign_line():
    scene = Scene(
        lines=[view(line()), view(campaign_line(in_use_since=line().in_use_since))],
        contact=ContactView(CONTACT),
    )
    decision = scene.decide(category=Category.NOTIFICATION)
    assert decision.verdict is Verdict.REROUTE
    assert decision.line == "camp"
    assert decision.codes == ["ZG302"]


def test_a_campaign_from_the_receptive_line_is_rerouted_to_the_campaign_pool():
    scene = Scene(
        lines=[view(line()), view(campaign_line())],
        contact=ContactView(CONTACT, consent=opted_in(), conversations=wrote_to("recv")),
    )
    decision = scene.decide(category=Category.MARKETING, campaign_id="black-friday")
    assert decision.verdict is Verdict.REROUTE
    assert decision.line == "camp"
    assert "ZG301" in decision.codes


def test_a_campaign_from_the_receptive_line_with_no_campaign_line_is_rejected():
    scene = Scene(contact=ContactView(CONTACT, consent=opted_in(), conversations=wrote_to("recv")))
    decision = scene.decide(category=Category.MARKETING)
    assert decision.verdict is Verdict.REJECT
    assert "ZG301" in decision.codes


def test_a_campaign_line_on_the_receptive_device_cannot_send():
    scene = Scene(
        lines=[view(line(device="phone-1")), view(campaign_line(device="phone-1"))],
        contact=ContactView(CONTACT, consent=opted_in()),
    )
    decision = scene.decide(line="camp", category=Category.MARKETING)
    assert decision.verdict is Verdict.REJECT
    assert "ZG401" in decision.codes
    assert "recv" in decision.findings[0].message_en


def test_a_campaign_line_on_the_receptive_network_cannot_send():
    scene = Scene(
        lines=[view(line(network="203.0.113.7")), view(campaign_line(network="203.0.113.7"))],
        contact=ContactView(CONTACT, consent=opted_in()),
    )
    assert scene.decide(line="camp", category=Category.MARKETING).verdict is Verdict.REJECT


def test_a_shared_campaign_line_is_cured_by_an_isolated_campaign_line_of_the_pool():
    scene = Scene(
        lines=[
            view(line(device="phone-1")),
            view(campaign_line(device="phone-1")),
            view(campaign_line("camp2", phone="+5511912340003")),
        ],
        contact=ContactView(CONTACT, consent=opted_in()),
    )
    decision = scene.decide(line="camp", category=Category.MARKETING)
    assert (decision.verdict, decision.line) == (Verdict.REROUTE, "camp2")
    assert "ZG401" in decision.codes


def test_a_campaign_line_with_unknown_device_is_warned_that_isolation_is_unproven():
    unknown = replace(campaign_line(), device=None)
    scene = Scene(
        lines=[view(line()), view(unknown)], contact=ContactView(CONTACT, consent=opted_in())
    )
    decision = scene.decide(line="camp", category=Category.MARKETING)
    assert decision.verdict is Verdict.ALLOW
    zg401 = [f for f in decision.findings if f.code == "ZG401"]
    assert zg401 and zg401[0].severity is Severity.WARN
