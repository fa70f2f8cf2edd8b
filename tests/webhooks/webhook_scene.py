"""Two tenants on shared provider connections, each line with its own webhook secrets, a real SQLite
store, a real outbox and the webhook receiver; documented payloads retargeted at any line and signed
the way each provider signs them.

Connections (the operator's ``[providers.*]``):

- ``meta``: Cloud API, no operator secret: each tenant brings its own Meta app (the line's secret);
- ``bsp``: Cloud API through the operator's own Meta app (``app_secret`` trusted for its lines);
- ``evo``: one Evolution server for both tenants (each instance's token is the line's secret);
- ``waha``: one WAHA server for both tenants (each session's HMAC key is the line's secret).
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pydantic import SecretStr
from sqlalchemy import select
from webhook_payloads import load

from zapguard.domain.models import AccountType, Consent, Line, ProviderKind, Role
from zapguard.gateway.outbox import Outbox
from zapguard.gateway.webhooks.chatwoot_signature import sign_chatwoot
from zapguard.gateway.webhooks.receiver import Receipt, WebhookReceiver
from zapguard.policy.config import PolicyConfig
from zapguard.providers.cloud.signature import sign_cloud
from zapguard.providers.waha.signature import sign_waha
from zapguard.service_config import ProviderSettings
from zapguard.store import Store, upgrade
from zapguard.store.inbox import InboxItem, WebhookInbox
from zapguard.store.records import LineRecord
from zapguard.store.schema import events

NOW = datetime(2026, 3, 10, 13, 10, tzinfo=UTC)
"""The receiver's clock: a few minutes after the documented payloads' own times."""
ANA = "+5531988776655"
BSP_SECRET = "segredo-do-app-do-operador"

PROVIDERS = {
    "meta": ProviderSettings(kind="cloud", base_url="https://graph.facebook.com"),
    "bsp": ProviderSettings(
        kind="cloud", base_url="https://graph.facebook.com", app_secret=SecretStr(BSP_SECRET)
    ),
    "evo": ProviderSettings(kind="evolution", base_url="https://evo.example.com.br"),
    "waha": ProviderSettings(kind="waha", base_url="https://waha.example.com.br"),
}
DIALECTS = {"meta": "cloud", "bsp": "cloud", "evo": "evolution", "waha": "waha"}


@dataclass(frozen=True)
class LineSpec:
    id: str
    tenant: str
    phone: str
    provider: str
    account: str
    webhook_secret: str | None
    chatwoot_secret: str | None = None
    helpdesk_url: str | None = None
    helpdesk_secret: str | None = None


LINES = (
    LineSpec("a-meta", "loja-a", "+5511912340001", "meta", "111000111", "segredo-app-meta-da-loja-a",
             "segredo-chatwoot-da-loja-a", "https://helpdesk-a.example.com/meta",
             "segredo-helpdesk-da-loja-a"),
    LineSpec("b-meta", "loja-b", "+5521912340001", "meta", "222000222", "segredo-app-meta-da-loja-b",
             "segredo-chatwoot-da-loja-b", "https://helpdesk-b.example.com/meta",
             "segredo-helpdesk-da-loja-b"),
    LineSpec("a-bsp", "loja-a", "+5511912340002", "bsp", "333000333", None),
    LineSpec("b-bsp", "loja-b", "+5521912340002", "bsp", "444000444", None),
    LineSpec("a-evo", "loja-a", "+5511912340003", "evo", "loja-a-recepcao",
             "token-da-instancia-evolution-loja-a", helpdesk_url="https://helpdesk-a.example.com/evo"),
    LineSpec("b-evo", "loja-b", "+5521912340003", "evo", "loja-b-recepcao",
             "token-da-instancia-evolution-loja-b"),
    LineSpec("a-waha", "loja-a", "+5511912340004", "waha", "loja-a-campanha",
             "chave-hmac-waha-da-loja-a"),
    LineSpec("b-waha", "loja-b", "+5521912340004", "waha", "loja-b-campanha",
             "chave-hmac-waha-da-loja-b"),
)  # fmt: skip
BY_ID = {spec.id: spec for spec in LINES}


def retarget(payload: dict[str, Any], dialect: str, account: str) -> dict[str, Any]:
    """``payload`` about the line the provider calls ``account``."""
    moved = copy.deepcopy(payload)
    if dialect == "cloud":
        for entry in moved["entry"]:
            for change in entry["changes"]:
                metadata = change["value"].get("metadata")
                if metadata is not None:
                    metadata["phone_number_id"] = account
    elif dialect == "evolution":
        moved["instance"] = account
        if isinstance(moved.get("data"), dict) and "instance" in moved["data"]:
            moved["data"]["instance"] = account
    elif dialect == "waha":
        moved["session"] = account
    return moved


@dataclass
class Scene:
    store: Store
    outbox: Outbox
    receiver: WebhookReceiver
    clock: list[datetime]

    def post(
        self,
        line: str,
        payload: dict[str, Any],
        *,
        signed_by: str | None = None,
        secret: str | None = None,
        chatwoot: bool = False,
    ) -> Receipt:
        """Deliver ``payload`` (already about ``line``) to the receiver of ``line``'s provider,
        signed with the own secret of line ``signed_by`` (default: ``line``) or with ``secret``."""
        spec = BY_ID[line]
        signer = BY_ID[signed_by or line]
        if chatwoot:
            key = secret or signer.chatwoot_secret
            assert key is not None
            body = json.dumps(payload).encode()
            stamp = str(int(self.clock[0].timestamp()))
            headers = {
                "X-Chatwoot-Signature": sign_chatwoot(body, key, stamp),
                "X-Chatwoot-Timestamp": stamp,
            }
            return self.receiver.receive(provider="chatwoot", headers=headers, body=body, line=line)
        dialect = DIALECTS[spec.provider]
        key = secret or signer.webhook_secret or BSP_SECRET
        headers = {}
        if dialect == "evolution":
            payload = {**payload, "apikey": key}
        body = json.dumps(payload).encode()
        if dialect == "cloud":
            headers["X-Hub-Signature-256"] = sign_cloud(body, key)
        elif dialect == "waha":
            headers = {"X-Webhook-Hmac": sign_waha(body, key), "X-Webhook-Hmac-Algorithm": "sha512"}
        return self.receiver.receive(provider=spec.provider, headers=headers, body=body)

    def fixture(self, name: str, line: str) -> dict[str, Any]:
        """The documented payload ``name``, about ``line``."""
        spec = BY_ID[line]
        return retarget(load(name), DIALECTS.get(spec.provider, spec.provider), spec.account)

    def record(self, line: str) -> LineRecord:
        found = self.store.lines.record(line_id=line)
        assert found is not None
        return found

    def events(self, line: str | None = None) -> list[tuple[str, str | None, str | None]]:
        query = select(events.c.kind, events.c.line_id, events.c.code).order_by(events.c.id)
        if line is not None:
            query = query.where(events.c.line_id == line)
        with self.store.read_connection("test") as connection:
            return [(r.kind, r.line_id, r.code) for r in connection.execute(query)]

    def inbox(self) -> list[InboxItem]:
        return WebhookInbox(self.store).recent(limit=1000)

    def consent_active(self, tenant: str, contact: str = ANA) -> bool:
        consent = self.store.consent.current(tenant_id=tenant, contact=contact)
        return consent is not None and consent.active


def line_of(spec: LineSpec) -> Line:
    return Line(
        id=spec.id,
        tenant_id=spec.tenant,
        phone=spec.phone,
        role=Role.RECEPTIVE,
        account=AccountType.BUSINESS,
        in_use_since=date(2022, 1, 10),
        pool="receptive",
        provider=spec.provider,
    )


def build_scene(url: str, *, config: PolicyConfig | None = None) -> Scene:
    """A migrated store at ``url`` with the two tenants, their lines, secrets and consents."""
    upgrade(url)
    store = Store(url)
    registered = datetime(2026, 1, 1, tzinfo=UTC)
    for tenant in ("loja-a", "loja-b"):
        store.tenants.ensure(tenant_id=tenant)
        store.consent.grant(
            consent=Consent(
                tenant_id=tenant,
                contact=ANA,
                purpose="marketing",
                granted_at=datetime(2026, 2, 1, tzinfo=UTC),
                source="formulario-site",
                wording="Quero receber ofertas pelo WhatsApp",
                recorded_by="test",
            )
        )
    for spec in LINES:
        store.lines.add(
            line=line_of(spec),
            registered_at=registered,
            provider_account=spec.account,
            helpdesk_url=spec.helpdesk_url,
        )
        for kind, secret in (
            ("webhook", spec.webhook_secret),
            ("chatwoot", spec.chatwoot_secret),
            ("helpdesk", spec.helpdesk_secret),
        ):
            if secret is not None:
                store.line_secrets.set(
                    tenant_id=spec.tenant, line_id=spec.id, kind=kind, secret=secret, at=registered
                )
    return open_scene(store, config=config)


def open_scene(store: Store, *, config: PolicyConfig | None = None) -> Scene:
    """The receiver over a store that :func:`build_scene` seeded."""
    clock = [NOW]
    outbox = Outbox(store)
    receiver = WebhookReceiver(
        store, config or PolicyConfig(), PROVIDERS, outbox, lambda: clock[0],
        future_tolerance=timedelta(minutes=5),
    )  # fmt: skip
    return Scene(store, outbox, receiver, clock)


META_SECRET = "segredo-app-meta-da-loja-c"
"""The webhook secret of :func:`build_waba_scene`'s Cloud API line."""
META_WABA = "102290129340398"
"""The business account (WABA) of that line: Meta's account-wide webhooks name it."""


def build_waba_scene(url: str) -> Scene:
    """:func:`build_scene` and one Cloud API campaign line of ``loja-a`` in portfolio ``p1`` on
    :data:`META_WABA`, signed with :data:`META_SECRET` (for Meta's WABA-wide webhooks)."""
    made = build_scene(url)
    made.store.lines.add(
        line=Line(
            id="c-meta", tenant_id="loja-a", phone="+5511955550001", role=Role.CAMPAIGN,
            account=AccountType.BUSINESS, in_use_since=date(2022, 1, 10), pool="campaign",
            provider="meta", provider_kind=ProviderKind.CLOUD, portfolio="p1",
        ),
        registered_at=datetime(2026, 1, 1, tzinfo=UTC),
        provider_account="555000555",
        business_account=META_WABA,
    )  # fmt: skip
    made.store.line_secrets.set(
        tenant_id="loja-a", line_id="c-meta", kind="webhook", secret=META_SECRET,
        at=datetime(2026, 1, 1, tzinfo=UTC),
    )  # fmt: skip
    return made


def deliver_meta(scene: Scene, payload: dict[str, Any]) -> int:
    """``payload`` signed for :func:`build_waba_scene`'s line, through the receiver: its status."""
    body = json.dumps(payload).encode()
    receipt = scene.receiver.receive(
        provider="meta", headers={"X-Hub-Signature-256": sign_cloud(body, META_SECRET)}, body=body
    )
    return receipt.status_code
