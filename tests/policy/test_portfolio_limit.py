"""ZG506: a Meta business portfolio's numbers share one limit on contacts reached outside the
customer service window in a moving 24 hours; at the limit a new contact waits until the oldest
reach leaves the window, and only a Cloud API line of another portfolio cures it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from zapguard.domain.models import Category, Line, ProviderKind, Verdict
from zapguard.policy.snapshot import ContactView, PortfolioView

from .builders import CONTACT, NOW, Scene, campaign_line, view, wrote_to

CLOUD = ProviderKind.CLOUD
OLDEST = NOW - timedelta(hours=20)


def cloud_line(id: str = "camp", phone: str = "+5511912340002", portfolio: str = "771122") -> Line:
    return campaign_line(id, phone=phone, provider_kind=CLOUD, portfolio=portfolio)


def at_limit(key: str = "771122", limit: int = 250, **kw: Any) -> PortfolioView:
    fields: dict[str, Any] = {"reached": limit, "oldest_reach": OLDEST, **kw}
    return PortfolioView(key, limit, **fields)


def scene(
    *lines: Line,
    portfolios: tuple[PortfolioView, ...] | list[PortfolioView] = (),
    conversations: dict[str, Any] | None = None,
) -> Scene:
    return Scene(
        lines=[view(each) for each in lines],
        contact=ContactView(CONTACT, conversations=conversations or {}),
        extra={"portfolios": {p.id: p for p in portfolios}},
    )


def notify(line: str = "camp") -> dict[str, Any]:
    return {"line": line, "category": Category.NOTIFICATION}


def test_a_new_contact_waits_while_the_portfolio_is_at_its_limit() -> None:
    decision = scene(cloud_line(), portfolios=[at_limit()]).decide(**notify())

    assert decision.verdict is Verdict.DEFER
    assert decision.codes == ["ZG506"]
    assert decision.not_before == OLDEST + timedelta(hours=24)
    finding = decision.findings[0]
    assert "771122" in finding.message_pt and "250" in finding.message_en


def test_a_new_contact_goes_out_below_the_limit() -> None:
    decision = scene(cloud_line(), portfolios=[at_limit(reached=249)]).decide(**notify())

    assert decision.verdict is Verdict.ALLOW and "ZG506" not in decision.codes


def test_a_contact_already_reached_in_the_window_is_not_counted_again() -> None:
    full = at_limit(reached=0, oldest_reach=None, contact_reached=True)

    decision = scene(cloud_line(), portfolios=[full]).decide(**notify())

    assert decision.verdict is Verdict.ALLOW


def test_a_reply_inside_the_contacts_service_window_is_not_counted() -> None:
    inside = wrote_to("camp", at=NOW - timedelta(hours=3))

    decision = scene(cloud_line(), portfolios=[at_limit()], conversations=inside).decide(
        line="camp", category=Category.REPLY
    )

    assert decision.verdict is Verdict.ALLOW


def test_a_contact_whose_window_closed_counts_again() -> None:
    closed = wrote_to("camp", at=NOW - timedelta(hours=30))

    decision = scene(cloud_line(), portfolios=[at_limit()], conversations=closed).decide(
        line="camp", category=Category.REPLY
    )

    assert decision.verdict is Verdict.DEFER and decision.codes == ["ZG506"]


def test_an_unknown_portfolio_has_the_lowest_tier() -> None:
    decision = scene(cloud_line(), portfolios=[PortfolioView("771122", 250, reached=250,
                                                             oldest_reach=OLDEST)]).decide(**notify())  # fmt: skip
    assert decision.verdict is Verdict.DEFER
    # With no view at all the rule still assumes the lowest tier, never "unlimited".
    assert scene(cloud_line()).decide(**notify()).verdict is Verdict.ALLOW


def test_an_unlimited_portfolio_never_waits() -> None:
    unlimited = PortfolioView("771122", None, reached=0)

    assert scene(cloud_line(), portfolios=[unlimited]).decide(**notify()).verdict is Verdict.ALLOW


def test_a_line_of_another_portfolio_in_the_pool_takes_the_message() -> None:
    other = cloud_line("camp2", phone="+5511912340003", portfolio="998877")
    free = PortfolioView("998877", 2000, reached=10)

    decision = scene(cloud_line(), other, portfolios=[at_limit(), free]).decide(**notify())

    assert decision.verdict is Verdict.REROUTE and decision.line == "camp2"
    assert "ZG506" in decision.codes


def test_a_line_of_the_same_portfolio_does_not_cure_it() -> None:
    sibling = cloud_line("camp2", phone="+5511912340003")

    decision = scene(cloud_line(), sibling, portfolios=[at_limit()]).decide(**notify())

    assert decision.verdict is Verdict.DEFER and decision.line == "camp"


def test_a_whatsapp_web_line_does_not_cure_it() -> None:
    web = campaign_line("zap", phone="+5511912340003", provider_kind=ProviderKind.WAHA)

    decision = scene(cloud_line(), web, portfolios=[at_limit()]).decide(**notify())

    assert decision.verdict is Verdict.DEFER and decision.line == "camp"


def test_lines_that_are_not_cloud_api_lines_are_not_limited() -> None:
    for kind in (ProviderKind.WAHA, ProviderKind.EVOLUTION, ProviderKind.WEB, None):
        web = campaign_line(provider_kind=kind)
        decision = scene(web, portfolios=[at_limit("line:camp")]).decide(**notify())
        assert decision.verdict is Verdict.ALLOW, kind


def test_a_cloud_line_without_portfolio_is_its_own_portfolio() -> None:
    alone = campaign_line(provider_kind=CLOUD)

    decision = scene(alone, portfolios=[at_limit("line:camp")]).decide(**notify())

    assert decision.verdict is Verdict.DEFER and decision.codes == ["ZG506"]
