"""Seed tips 1 and 2: Business accounts, greetings in the app, marketing only with consent."""

from datetime import timedelta

from zapguard.domain.models import AccountType, Author, Category, Verdict
from zapguard.policy.config import ConsentConfig
from zapguard.policy.consent import is_opt_out
from zapguard.policy.snapshot import ContactView

from .builders import (
    CONTACT,
    NOW,
    Scene,
    campaign_line,
    line,
    opted_in,
    opted_out,
    view,
    wrote_to,
)


def test_a_personal_account_line_is_warned_on_every_send_but_not_stopped():
    scene = Scene(lines=[view(line(account=AccountType.PERSONAL))])
    decision = scene.decide()
    assert decision.verdict is Verdict.ALLOW
    assert decision.codes == ["ZG101"]
    assert "WhatsApp Business" in decision.findings[0].message_pt


def test_a_business_account_line_draws_no_identity_warning():
    assert Scene().decide().codes == []


def test_a_bot_welcome_is_warned_to_move_into_the_app_greeting():
    decision = Scene().decide(category=Category.WELCOME, author=Author.BOT)
    assert decision.verdict is Verdict.ALLOW
    assert "ZG102" in decision.codes


def test_an_agent_welcome_is_not_a_bot_greeting():
    assert "ZG102" not in Scene().decide(category=Category.WELCOME, author=Author.AGENT).codes


def _campaign_scene(consent=None, **contact):
    return Scene(
        lines=[view(campaign_line())],
        contact=ContactView(CONTACT, consent=consent, **contact),
    )


def test_marketing_without_any_opt_in_is_rejected():
    decision = _campaign_scene().decide(line="camp", category=Category.MARKETING)
    assert decision.verdict is Verdict.REJECT
    assert "ZG201" in decision.codes


def test_marketing_to_an_opted_in_contact_is_allowed():
    decision = _campaign_scene(opted_in()).decide(line="camp", category=Category.MARKETING)
    assert decision.verdict is Verdict.ALLOW, decision


def test_marketing_after_the_contact_opted_out_is_rejected():
    decision = _campaign_scene(opted_out()).decide(line="camp", category=Category.MARKETING)
    assert decision.verdict is Verdict.REJECT
    assert {"ZG201", "ZG202"} <= set(decision.codes)


def test_an_opted_out_contact_still_gets_replies_in_a_conversation_they_opened():
    scene = Scene(
        contact=ContactView(
            CONTACT,
            consent=opted_out(),
            conversations=wrote_to("recv"),
            last_inbound_at=NOW - timedelta(minutes=5),
        )
    )
    assert scene.decide(category=Category.REPLY).verdict is Verdict.ALLOW


def test_an_opted_out_contact_gets_no_notifications():
    scene = Scene(
        contact=ContactView(
            CONTACT,
            consent=opted_out(),
            conversations=wrote_to("recv"),
            last_inbound_at=NOW - timedelta(minutes=5),
        )
    )
    decision = scene.decide(category=Category.NOTIFICATION)
    assert decision.verdict is Verdict.REJECT
    assert decision.codes == ["ZG202"]


def test_an_opted_out_contact_whose_conversation_closed_gets_no_reply():
    scene = Scene(
        contact=ContactView(
            CONTACT,
            consent=opted_out(),
            conversations=wrote_to("recv"),
            last_inbound_at=NOW - timedelta(hours=30),
        )
    )
    assert scene.decide(category=Category.REPLY).verdict is Verdict.REJECT


def test_opt_out_keywords_are_whole_messages_folded_for_case_and_accents():
    config = ConsentConfig()
    for text in ["SAIR", " parar. ", "Descadastrar!", "CANCELAR", "remover", "Stop", "sáir"]:
        assert is_opt_out(text, config), text


def test_a_sentence_that_contains_a_keyword_is_not_an_opt_out():
    config = ConsentConfig()
    for text in ["stop, o Zé não vem", "quero sair mais cedo", "não vou parar de comprar", ""]:
        assert not is_opt_out(text, config), text


def test_opt_out_keywords_are_configurable_per_language():
    config = ConsentConfig(opt_out_keywords={"es": ["baja"]})
    assert is_opt_out("BAJA", config)
    assert not is_opt_out("sair", config)
