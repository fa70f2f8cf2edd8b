"""ZG508: Meta stopped delivering marketing templates to +1 numbers (April 2025); a Cloud API
marketing message to one, outside the contact's service window, is refused with the reason."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from zapguard.domain.models import Category, Consent, Conversation, ProviderKind, Verdict
from zapguard.policy.config import MetaDeliveryConfig, PolicyConfig
from zapguard.policy.snapshot import ContactView

from .builders import NOW, TENANT, Scene, campaign_line, view

US = "+12024561111"
BR = "+5531988776655"


def scene(contact: str, kind: ProviderKind | None = ProviderKind.CLOUD, **kw: Any) -> Scene:
    consent = Consent(TENANT, contact, "marketing", NOW - timedelta(days=3), "site")
    return Scene(
        lines=[view(campaign_line(provider_kind=kind))],
        contact=ContactView(contact, consent=consent, **kw),
    )


def marketing() -> dict[str, object]:
    return {"line": "camp", "category": Category.MARKETING, "text": "Promoção!"}


def test_cloud_marketing_to_a_plus_one_number_is_refused_with_the_reason() -> None:
    decision = scene(US).decide(**marketing())

    assert decision.verdict is Verdict.REJECT and decision.codes == ["ZG508"]
    assert "+1" in decision.findings[0].message_en and "2025" in decision.findings[0].message_pt


def test_other_countries_are_not_affected() -> None:
    assert scene(BR).decide(**marketing()).verdict is Verdict.ALLOW


def test_other_categories_are_not_affected() -> None:
    decision = scene(US).decide(line="camp", category=Category.NOTIFICATION)

    assert decision.verdict is Verdict.ALLOW


def test_whatsapp_web_lines_and_lines_of_unknown_kind_are_not_affected() -> None:
    for kind in (ProviderKind.EVOLUTION, ProviderKind.WAHA, ProviderKind.WEB, None):
        assert scene(US, kind).decide(**marketing()).verdict is Verdict.ALLOW, kind


def test_inside_the_service_window_a_free_form_message_still_goes() -> None:
    wrote = NOW - timedelta(hours=1)
    open_window = {"camp": Conversation("camp", US, wrote, wrote, None, 1, 0)}

    assert scene(US, conversations=open_window).decide(**marketing()).verdict is Verdict.ALLOW


def test_the_country_codes_are_configurable() -> None:
    brazil_too = PolicyConfig(
        meta_delivery=MetaDeliveryConfig(marketing_blocked_country_codes=["55"])
    )
    made = scene(BR)
    made.config = brazil_too

    assert made.decide(**marketing()).codes == ["ZG508"]
    assert scene(US).decide(**marketing()).verdict is Verdict.REJECT  # the default stands apart
