"""What happens on a line changes what the gateway decides next: opt-outs, statuses, bans, people."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from gateway_scene import DAY, NOW, TENANT, Gateway, contact, line, message, open_gateway, opt_in

from zapguard.domain.models import (
    Author,
    Category,
    OutgoingMessage,
    Role,
    Severity,
    StatusKind,
    Verdict,
)
from zapguard.gateway.events import OPT_OUT_CONFIRMATION_PT, InboundOutcome
from zapguard.gateway.lines import LineRefused, register_line
from zapguard.store import upgrade

ANA = contact(1)
HOUR = timedelta(hours=1)


@pytest.fixture
def gateway(sqlite_url: str) -> Iterator[Gateway]:
    upgrade(sqlite_url)
    gateway = open_gateway(sqlite_url)
    yield gateway
    gateway.close()


def inbound(
    gateway: Gateway, text: str, *, on: str = "recv", who: str = ANA, at: datetime = NOW - HOUR
) -> InboundOutcome:
    return gateway.events.inbound(tenant=TENANT, line_id=on, contact=who, at=at, text=text)


def promotion(on: str = "camp", to: str = ANA) -> OutgoingMessage:
    return message(to, on, Category.MARKETING, author=Author.SYSTEM, text="20% off hoje!")


# --- opt-out (ZG203) ------------------------------------------------------------------------------


@pytest.fixture
def shop(gateway: Gateway) -> Gateway:
    """A receptive and a campaign line; Ana opted in to marketing a month ago."""
    gateway.register(
        line("recv", "+5511912340001"),
        line("camp", "+5511912340002", role=Role.CAMPAIGN),
    )
    gateway.store.consent.grant(consent=opt_in(ANA, NOW - 30 * DAY))
    assert gateway.decider.advise(promotion(), NOW).verdict is Verdict.ALLOW
    return gateway


@pytest.mark.parametrize(
    "text", ["SAIR", " parar. ", "Descadastrar!", "cancelar", "REMOVER", "Stop"]
)
def test_an_opt_out_keyword_revokes_marketing_consent_tenant_wide_and_is_confirmed(
    shop: Gateway, text: str
) -> None:
    outcome = inbound(shop, text, on="recv")

    assert outcome.opted_out
    assert outcome.confirmation == OPT_OUT_CONFIRMATION_PT
    consent = shop.store.consent.current(tenant_id=TENANT, contact=ANA, purpose="marketing")
    assert consent is not None and not consent.active and consent.revoked_how == "keyword"
    # Written to the receptive line, it stops marketing from the campaign line too.
    decision = shop.decider.advise(promotion(on="camp"), NOW)
    assert decision.verdict is Verdict.REJECT
    assert {"ZG201", "ZG202"} <= set(decision.codes)


@pytest.mark.parametrize(
    "text", ["stop, o Zé não vem", "quero sair da lista de espera", "Parar?!x"]
)
def test_a_sentence_that_contains_a_keyword_is_not_an_opt_out(shop: Gateway, text: str) -> None:
    outcome = inbound(shop, text)

    assert not outcome.opted_out
    assert outcome.confirmation is None
    consent = shop.store.consent.current(tenant_id=TENANT, contact=ANA, purpose="marketing")
    assert consent is not None and consent.active
    assert shop.decider.advise(promotion(), NOW).verdict is Verdict.ALLOW


def test_an_opted_out_contact_still_gets_replies_in_the_conversation_they_opened(
    shop: Gateway,
) -> None:
    inbound(shop, "SAIR", on="recv", at=NOW - HOUR)

    decision = shop.decider.advise(message(ANA, "recv"), NOW)

    assert decision.verdict is Verdict.ALLOW, decision.codes


# --- health (ZG903) -------------------------------------------------------------------------------


def test_each_report_costs_twenty_health_points(gateway: Gateway) -> None:
    gateway.register(line("recv", "+5511912340001"))
    healths = [
        gateway.events.status(
            tenant=TENANT, line_id="recv", at=NOW, status=StatusKind.REPORTED, code=None
        )
        for _ in range(4)
    ]

    assert healths == [80, 60, 40, 20]
    record = gateway.store.lines.record(line_id="recv", tenant_id=TENANT)
    assert record is not None and record.health_score == 20 and record.health_at == NOW


def test_a_line_below_forty_health_is_paused_until_it_recovers(gateway: Gateway) -> None:
    gateway.register(line("recv", "+5511912340001"))
    inbound(gateway, "Oi", at=NOW - HOUR)

    def report() -> None:
        gateway.events.status(
            tenant=TENANT, line_id="recv", at=NOW, status=StatusKind.REPORTED, code=None
        )

    for _ in range(3):
        report()
    at_forty = gateway.decider.advise(message(ANA, "recv"), NOW)
    assert at_forty.verdict is Verdict.ALLOW  # 40: the cap halves (a warning), no pause yet
    assert [f.severity for f in at_forty.findings if f.code == "ZG903"] == [Severity.WARN]

    report()
    paused = gateway.decider.advise(message(ANA, "recv"), NOW + timedelta(minutes=1))

    assert paused.verdict is Verdict.DEFER
    assert paused.codes == ["ZG903"]
    # +2 points per quiet hour: from 20 back to 40 takes 10 hours.
    assert paused.not_before == NOW + 10 * HOUR


def test_a_spam_coded_failure_costs_five_points_and_another_failure_one(gateway: Gateway) -> None:
    gateway.register(line("recv", "+5511912340001"))

    def failed(code: str | None) -> int:
        return gateway.events.status(
            tenant=TENANT, line_id="recv", at=NOW, status=StatusKind.FAILED, code=code
        )

    assert [failed("131048"), failed("470"), failed(None), failed("463")] == [95, 94, 93, 88]


# --- bans (ZG601, ZG602) --------------------------------------------------------------------------


@pytest.fixture
def after_a_ban(gateway: Gateway) -> tuple[Gateway, list[str]]:
    """``velho`` is banned; ``vizinho`` shares its network, ``gemeo`` its device."""
    gateway.register(
        line(
            "velho", "+5511912340008", role=Role.CAMPAIGN, device="galaxy-j", network="177.30.8.8"
        ),
        line("vizinho", "+5511912340010", role=Role.CAMPAIGN, network="177.30.8.8"),
        line("gemeo", "+5511912340011", role=Role.CAMPAIGN, device="galaxy-j"),
        line("longe", "+5511912340012", role=Role.CAMPAIGN),
    )
    gateway.store.consent.grant(consent=opt_in(ANA, NOW - 30 * DAY))
    for on in ("velho", "vizinho", "gemeo", "longe"):
        inbound(gateway, "Oi", on=on, at=NOW - 2 * HOUR)
    quarantined = gateway.events.ban(tenant=TENANT, line_id="velho", at=NOW - HOUR)
    return gateway, quarantined


def test_a_ban_quarantines_the_lines_sharing_its_device_or_network(
    after_a_ban: tuple[Gateway, list[str]],
) -> None:
    gateway, quarantined = after_a_ban

    assert quarantined == ["gemeo", "vizinho"]
    decision = gateway.decider.advise(promotion(on="vizinho"), NOW)
    assert decision.verdict is Verdict.REJECT
    assert decision.codes == ["ZG602"]
    # Quarantine still answers a contact who wrote in the last 24 h.
    assert gateway.decider.advise(message(ANA, "vizinho"), NOW).verdict is Verdict.ALLOW
    # A line with neither in common is untouched.
    assert gateway.decider.advise(promotion(on="longe"), NOW).verdict is Verdict.ALLOW


@pytest.mark.parametrize("on", ["velho", "gemeo"])
def test_the_banned_number_and_device_are_never_used_again(
    after_a_ban: tuple[Gateway, list[str]], on: str
) -> None:
    gateway, _ = after_a_ban

    for wanted in (promotion(on=on), message(ANA, on)):
        decision = gateway.decider.advise(wanted, NOW)
        assert decision.verdict is Verdict.REJECT
        assert decision.codes == ["ZG601"]


def test_registering_a_banned_device_is_refused_unless_not_strict(
    after_a_ban: tuple[Gateway, list[str]],
) -> None:
    gateway, _ = after_a_ban
    reuse = line("reuso", "+5511912340020", role=Role.CAMPAIGN, device="galaxy-j")

    with pytest.raises(LineRefused, match=r"^\[ZG601\]"):
        register_line(reuse, gateway.store, NOW)
    assert gateway.store.lines.get(line_id="reuso", tenant_id=TENANT) is None

    findings = register_line(reuse, gateway.store, NOW, strict=False)

    assert [f.code for f in findings] == ["ZG601"]
    assert gateway.store.lines.get(line_id="reuso", tenant_id=TENANT) == reuse
    assert gateway.decider.advise(promotion(on="reuso"), NOW).codes == ["ZG601"]


def test_registering_a_banned_number_is_refused(
    after_a_ban: tuple[Gateway, list[str]],
) -> None:
    gateway, _ = after_a_ban

    with pytest.raises(LineRefused, match=r"^\[ZG601\].*number"):
        register_line(line("de-volta", "+5511912340008"), gateway.store, NOW)


# --- people on the line (ZG801) -------------------------------------------------------------------


def bot_reply(on: str = "recv") -> OutgoingMessage:
    return message(ANA, on, author=Author.BOT, text="Posso ajudar em algo mais?")


def test_a_bot_alone_on_a_line_for_over_a_day_is_warned(gateway: Gateway) -> None:
    gateway.register(line("recv", "+5511912340001"), at=NOW - 2 * DAY)
    inbound(gateway, "Oi")

    decision = gateway.decider.advise(bot_reply(), NOW)

    assert decision.verdict is Verdict.ALLOW
    assert decision.codes == ["ZG801"]


def test_human_activity_on_the_line_clears_the_bot_alone_warning(gateway: Gateway) -> None:
    gateway.register(line("recv", "+5511912340001"), at=NOW - 2 * DAY)
    inbound(gateway, "Oi")

    gateway.events.human_activity(tenant=TENANT, line_id="recv", at=NOW - HOUR)

    decision = gateway.decider.advise(bot_reply(), NOW)
    assert decision.verdict is Verdict.ALLOW
    assert decision.codes == []
    # ...for 24 hours.
    assert gateway.decider.advise(bot_reply(), NOW + DAY).codes == ["ZG801"]


def test_an_agents_message_counts_as_human_activity(gateway: Gateway) -> None:
    gateway.register(line("recv", "+5511912340001"), at=NOW - 2 * DAY)
    inbound(gateway, "Oi")

    assert gateway.decider.submit(message(ANA, "recv"), NOW).verdict is Verdict.ALLOW

    assert gateway.decider.advise(bot_reply(), NOW + timedelta(seconds=30)).codes == []
