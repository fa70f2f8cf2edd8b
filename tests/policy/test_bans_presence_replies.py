"""Seed tips 6 (banned numbers and devices), 8 (human presence) and 2/9 (unanswered contacts)."""

from datetime import timedelta

from zapguard.domain.models import Author, Category, LineState, Verdict
from zapguard.policy.snapshot import ContactView

from .builders import CONTACT, NOW, Scene, campaign_line, line, opted_in, view, wrote_to


def test_a_line_on_a_banned_number_cannot_send():
    scene = Scene(extra={"banned_phones": frozenset({"+5511912340001"})})
    decision = scene.decide()
    assert (decision.verdict, decision.codes) == (Verdict.REJECT, ["ZG601"])


def test_a_line_on_a_banned_device_cannot_send():
    scene = Scene(extra={"banned_devices": frozenset({"device-recv"})})
    assert scene.decide().codes == ["ZG601"]


def test_a_banned_line_reroutes_to_a_clean_pool_peer():
    scene = Scene(
        lines=[
            view(line(state=LineState.BANNED)),
            view(line("recv2", phone="+5511912340021", pool="receptive")),
        ],
        contact=ContactView(CONTACT, conversations=wrote_to("recv", "recv2")),
    )
    decision = scene.decide()
    assert (decision.verdict, decision.line) == (Verdict.REROUTE, "recv2")


def test_a_quarantined_line_still_answers_contacts_who_wrote_in_the_last_day():
    scene = Scene(
        lines=[view(line(state=LineState.QUARANTINED))],
        contact=ContactView(
            CONTACT, conversations=wrote_to("recv"), last_inbound_at=NOW - timedelta(hours=3)
        ),
    )
    assert scene.decide(category=Category.REPLY).verdict is Verdict.ALLOW


def test_a_quarantined_line_sends_nothing_else():
    scene = Scene(
        lines=[view(line(state=LineState.QUARANTINED))],
        contact=ContactView(
            CONTACT, conversations=wrote_to("recv"), last_inbound_at=NOW - timedelta(hours=30)
        ),
    )
    decision = scene.decide(category=Category.REPLY)
    assert (decision.verdict, decision.codes) == (Verdict.REJECT, ["ZG602"])


def test_a_line_on_the_network_of_a_banned_line_is_under_quarantine():
    scene = Scene(
        extra={"banned_networks": frozenset({"net-recv"})},
        contact=ContactView(CONTACT, conversations=wrote_to("recv")),
    )
    assert scene.decide(category=Category.NOTIFICATION).codes == ["ZG602"]


def test_a_bot_alone_for_more_than_a_day_is_warned():
    lonely = view(line(), last_human_at=NOW - timedelta(hours=30))
    decision = Scene(lines=[lonely]).decide(author=Author.BOT)
    assert (decision.verdict, decision.codes) == (Verdict.ALLOW, ["ZG801"])
    assert "30 h" in decision.findings[0].message_pt


def test_a_bot_on_a_line_a_person_used_today_is_not_warned():
    assert Scene().decide(author=Author.BOT).codes == []


def test_an_agent_message_is_never_a_bot_alone_warning():
    lonely = view(line(), last_human_at=NOW - timedelta(days=9))
    assert Scene(lines=[lonely]).decide(author=Author.AGENT).codes == []


def _ignored(unanswered: int):
    return Scene(
        lines=[view(campaign_line())],
        contact=ContactView(CONTACT, consent=opted_in(), unanswered=unanswered),
    )


def test_a_contact_with_five_unanswered_business_messages_gets_no_more():
    decision = _ignored(5).decide(line="camp", category=Category.MARKETING)
    assert (decision.verdict, decision.codes) == (Verdict.REJECT, ["ZG902"])


def test_a_contact_with_four_unanswered_business_messages_may_get_one_more():
    assert _ignored(4).decide(line="camp", category=Category.MARKETING).verdict is Verdict.ALLOW


def test_replies_to_a_contact_who_wrote_are_not_business_initiated():
    scene = Scene(contact=ContactView(CONTACT, conversations=wrote_to("recv"), unanswered=9))
    assert scene.decide().verdict is Verdict.ALLOW
