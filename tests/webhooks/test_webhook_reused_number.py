"""A retired line frees its number: a webhook that names the line by phone reaches the line now
using that number, never the retired one that shares it."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, date, datetime

from pydantic import SecretStr
from webhook_payloads import raw

from zapguard.domain.models import AccountType, Line, LineState, Role
from zapguard.gateway.webhooks.receiver import WebhookReceiver
from zapguard.policy.config import PolicyConfig
from zapguard.providers.cloud.signature import sign_cloud
from zapguard.service_config import ProviderSettings
from zapguard.store import Store, upgrade

SECRET = "segredo-do-app"
PHONE = "+5511912340001"  # the number cloud_quality_update.json names


class _Ledger:
    def public_ids(self, provider_message_ids: Collection[str]) -> dict[str, str]:
        return {}

    def record_delivery(self, **_: object) -> None:
        return None


def _line(line_id: str) -> Line:
    return Line(
        id=line_id,
        tenant_id="acme",
        phone=PHONE,
        role=Role.RECEPTIVE,
        account=AccountType.BUSINESS,
        in_use_since=date(2022, 1, 10),
        pool="receptive",
        provider="meta",
    )


def test_a_quality_update_by_phone_reaches_the_line_now_using_the_number(sqlite_url: str) -> None:
    upgrade(sqlite_url)
    store = Store(sqlite_url)
    try:
        store.tenants.ensure(tenant_id="acme")
        registered = datetime(2026, 1, 1, tzinfo=UTC)
        store.lines.add(line=_line("antiga"), registered_at=registered, provider_account="111")
        store.lines.set_state(tenant_id="acme", line_id="antiga", state=LineState.RETIRED)
        store.lines.add(line=_line("nova"), registered_at=registered, provider_account="222")
        providers = {
            "meta": ProviderSettings(
                kind="cloud", base_url="https://graph.facebook.com", app_secret=SecretStr(SECRET)
            )
        }
        receiver = WebhookReceiver(
            store, PolicyConfig(), providers, _Ledger(), lambda: datetime(2026, 3, 10, tzinfo=UTC)
        )
        body = raw("cloud_quality_update")

        receipt = receiver.receive(
            provider="meta", headers={"X-Hub-Signature-256": sign_cloud(body, SECRET)}, body=body
        )

        assert receipt.status_code == 200
        states = {line.id: line.state for line in store.lines.of_tenant(tenant_id="acme")}
        assert states == {"antiga": LineState.RETIRED, "nova": LineState.PAUSED}
    finally:
        store.close()
