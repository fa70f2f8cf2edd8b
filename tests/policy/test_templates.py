"""ZG507: a Cloud API template whose last known status at Meta is not APPROVED is refused; one of
quality RED waits 24 h from Meta's rating unless the user allowed it; a template never seen passes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from zapguard.domain.models import Category, Severity, Verdict
from zapguard.policy.config import PolicyConfig, TemplatesConfig
from zapguard.policy.snapshot import TemplateView

from .builders import NOW, Scene


def scene(template: TemplateView | None) -> Scene:
    return Scene(extra={"template": template})


def sends(name: str = "pedido_enviado") -> dict[str, object]:
    return {"category": Category.NOTIFICATION, "text": f"[{name}] 123", "template": name}


@pytest.mark.parametrize("status", ["PAUSED", "DISABLED", "REJECTED", "PENDING"])
def test_a_template_not_approved_is_refused(status: str) -> None:
    decision = scene(TemplateView("pedido_enviado", status=status)).decide(**sends())

    assert decision.verdict is Verdict.REJECT and decision.codes == ["ZG507"]
    finding = decision.findings[0]
    assert status in finding.message_pt and status in finding.message_en
    assert "pedido_enviado" in finding.message_pt


def test_an_approved_template_passes() -> None:
    view = TemplateView("pedido_enviado", status="APPROVED", quality="GREEN", quality_at=NOW)

    assert scene(view).decide(**sends()).verdict is Verdict.ALLOW


def test_a_template_never_seen_passes_the_provider_checks_it() -> None:
    assert scene(None).decide(**sends()).verdict is Verdict.ALLOW


def test_a_message_that_is_no_template_is_not_judged_by_one() -> None:
    paused = TemplateView("pedido_enviado", status="PAUSED")

    assert scene(paused).decide().verdict is Verdict.ALLOW


def test_the_state_of_another_template_does_not_count() -> None:
    paused = TemplateView("outro_modelo", status="PAUSED")

    assert scene(paused).decide(**sends()).verdict is Verdict.ALLOW


def test_a_red_template_waits_24_hours_from_metas_rating() -> None:
    rated = NOW - timedelta(hours=2)
    red = TemplateView("pedido_enviado", status="APPROVED", quality="RED", quality_at=rated)

    decision = scene(red).decide(**sends())

    assert decision.verdict is Verdict.DEFER and decision.codes == ["ZG507"]
    assert decision.findings[0].severity is Severity.DEFER
    assert decision.not_before == rated + timedelta(hours=24)
    assert (
        "RED" in decision.findings[0].message_pt and "allow_red" in decision.findings[0].message_en
    )


def test_a_red_template_passes_once_24_hours_went_by() -> None:
    red = TemplateView("pedido_enviado", quality="RED", quality_at=NOW - timedelta(hours=24))

    assert scene(red).decide(**sends()).verdict is Verdict.ALLOW


def test_the_user_may_let_a_red_template_go_out() -> None:
    red = TemplateView("pedido_enviado", quality="RED", quality_at=NOW, allow_red=True)

    assert scene(red).decide(**sends()).verdict is Verdict.ALLOW


def test_the_override_does_not_lift_a_refused_status() -> None:
    paused = TemplateView(
        "pedido_enviado", status="PAUSED", quality="RED", quality_at=NOW, allow_red=True
    )

    assert scene(paused).decide(**sends()).verdict is Verdict.REJECT


def test_yellow_is_only_a_warning_from_meta_and_passes() -> None:
    yellow = TemplateView("pedido_enviado", quality="YELLOW", quality_at=NOW)

    assert scene(yellow).decide(**sends()).verdict is Verdict.ALLOW


def test_the_red_deferral_is_configurable() -> None:
    made = scene(TemplateView("pedido_enviado", quality="RED", quality_at=NOW))
    made.config = PolicyConfig(templates=TemplatesConfig(red_defer_hours=6))

    assert made.decide(**sends()).not_before == NOW + timedelta(hours=6)
