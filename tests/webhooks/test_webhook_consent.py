"""An opt-out webhook revokes consent granted before it arrived, whatever its message's time
(issue 7, item 11); opt-outs arriving in any order leave the same state."""

from __future__ import annotations

from datetime import UTC, datetime

from webhook_scene import ANA, Scene

from zapguard.domain.models import Consent


def test_an_opt_out_dated_before_a_grant_recorded_earlier_still_revokes_it(
    two_tenants: Scene,
) -> None:
    """The documented Evolution "Sair" is dated 10 March 13:00; the contact's consent was granted
    at 13:05 and recorded before the webhook arrived. The confirmation goes out, so consent must
    really be revoked."""
    scene = two_tenants
    scene.store.consent.grant(
        consent=Consent(
            tenant_id="loja-a",
            contact=ANA,
            purpose="marketing",
            granted_at=datetime(2026, 3, 10, 13, 5, tzinfo=UTC),
            source="balcao",
        )
    )
    assert scene.consent_active("loja-a")

    receipt = scene.post("a-evo", scene.fixture("evolution_messages_upsert", "a-evo"))

    assert receipt.status_code == 200 and len(receipt.replies) == 1
    assert not scene.consent_active("loja-a")
    assert scene.consent_active("loja-b")  # the other tenant's consent is its own
    history = scene.store.consent.history(tenant_id="loja-a", contact=ANA)
    assert len(history) == 3  # both grants and the opt-out are kept as evidence


def test_a_meta_preference_stop_dated_earlier_still_revokes(two_tenants: Scene) -> None:
    scene = two_tenants
    scene.store.consent.grant(
        consent=Consent(
            tenant_id="loja-a",
            contact=ANA,
            purpose="marketing",
            granted_at=datetime(2026, 3, 10, 13, 9, tzinfo=UTC),
            source="balcao",
        )
    )
    assert (
        scene.post("a-meta", scene.fixture("cloud_user_preferences_stop", "a-meta")).status_code
        == 200
    )
    assert not scene.consent_active("loja-a")
