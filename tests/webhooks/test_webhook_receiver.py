"""A webhook request end to end, against a real SQLite store: proofs, state, inbox, answers."""

from __future__ import annotations

import json
import logging
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import select, text
from webhook_payloads import load, raw

from zapguard.domain.models import AccountType, Consent, Line, LineState, Role
from zapguard.gateway.events import OPT_OUT_CONFIRMATION_PT
from zapguard.gateway.webhooks.chatwoot_signature import sign_chatwoot
from zapguard.gateway.webhooks.receiver import Receipt, WebhookReceiver
from zapguard.policy.config import PolicyConfig
from zapguard.providers.cloud.signature import sign_cloud
from zapguard.providers.waha.signature import sign_waha
from zapguard.service_config import ProviderSettings
from zapguard.store import Store, upgrade
from zapguard.store.inbox import WebhookInbox
from zapguard.store.schema import events

NOW = datetime(2026, 3, 10, 13, 10, tzinfo=UTC)
TENANT = "acme"
ANA = "+5531988776655"
APP_SECRET = "segredo-do-app"
APIKEY = "B6D711FCDE4D4FD5936544120E713976"
WAHA_KEY = "chave-waha"
CHATWOOT_SECRET = "segredo-chatwoot"
HELPDESK = "https://helpdesk.example.com.br/hooks/meta"

PROVIDERS = {
    "meta": ProviderSettings(
        kind="cloud",
        base_url="https://graph.facebook.com",
        app_secret=SecretStr(APP_SECRET),
        verify_token=SecretStr("token-de-verificacao"),
    ),
    "evo": ProviderSettings(
        kind="evolution", base_url="https://evo.example.com.br", webhook_apikey=SecretStr(APIKEY)
    ),
    "waha": ProviderSettings(
        kind="waha", base_url="https://waha.example.com.br", app_secret=SecretStr(WAHA_KEY)
    ),
    "aberto": ProviderSettings(
        kind="cloud", base_url="https://graph.facebook.com", allow_unsigned_webhooks=True
    ),
    "sem-segredo": ProviderSettings(kind="cloud", base_url="https://graph.facebook.com"),
}
HELPDESK_SECRET = "segredo-do-helpdesk-da-loja"


@dataclass
class Ledger:
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    issued: dict[str, str] = field(default_factory=dict)
    """provider message id → the id the helpdesk was given when it sent through zapguard."""

    def public_ids(
        self, provider_message_ids: Collection[str], *, tenant_id: str | None = None
    ) -> dict[str, str]:
        return {p: self.issued[p] for p in provider_message_ids if p in self.issued}

    def record_delivery(
        self,
        *,
        provider_message_id: str | None,
        reference: str | None,
        status: str,
        at: datetime,
        tenant_id: str | None = None,
    ) -> None:
        self.deliveries.append(
            {"id": provider_message_id, "reference": reference, "status": status, "at": at}
        )


@dataclass
class Scene:
    store: Store
    ledger: Ledger
    receiver: WebhookReceiver

    def cloud(self, name: str, *, provider: str = "meta") -> Receipt:
        body = raw(name)
        headers = {"X-Hub-Signature-256": sign_cloud(body, APP_SECRET)}
        return self.receiver.receive(provider=provider, headers=headers, body=body)

    def evolution(self, payload: dict[str, Any]) -> Receipt:
        body = json.dumps(payload).encode()
        return self.receiver.receive(provider="evo", headers={}, body=body)

    def line(self, line_id: str) -> Any:
        record = self.store.lines.record(line_id=line_id)
        assert record is not None
        return record

    def events(self) -> list[tuple[str, str | None, str | None, dict[str, str]]]:
        query = select(events.c.kind, events.c.line_id, events.c.code, events.c.data).order_by(
            events.c.id
        )
        with self.store.read_connection("test") as connection:
            return [(r.kind, r.line_id, r.code, dict(r.data)) for r in connection.execute(query)]

    def inbox(self) -> list[Any]:
        return WebhookInbox(self.store).recent()


def _line(line_id: str, phone: str, provider: str, role: Role = Role.RECEPTIVE) -> Line:
    return Line(
        id=line_id,
        tenant_id=TENANT,
        phone=phone,
        role=role,
        account=AccountType.BUSINESS,
        in_use_since=date(2022, 1, 10),
        pool=line_id,
        provider=provider,
    )


@pytest.fixture
def scene(sqlite_url: str) -> Iterator[Scene]:
    upgrade(sqlite_url)
    store = Store(sqlite_url)
    store.tenants.ensure(tenant_id=TENANT, name="Loja Exemplo")
    registered = datetime(2026, 1, 1, tzinfo=UTC)
    store.lines.add(
        line=_line("recv", "+5511912340001", "meta"),
        registered_at=registered,
        provider_account="106540352242922",
        helpdesk_url=HELPDESK,
    )
    store.lines.add(
        line=_line("evo-recv", "+5511912340003", "evo"),
        registered_at=registered,
        provider_account="loja-recepcao",
    )
    store.lines.add(
        line=_line("camp", "+5511912340002", "waha", Role.CAMPAIGN),
        registered_at=registered,
        provider_account="loja-campanha",
    )
    store.consent.grant(
        consent=Consent(
            tenant_id=TENANT,
            contact=ANA,
            purpose="marketing",
            granted_at=datetime(2026, 2, 1, tzinfo=UTC),
            source="formulario-site",
            wording="Quero receber ofertas pelo WhatsApp",
            recorded_by="test",
        )
    )
    for kind, secret in (("chatwoot", CHATWOOT_SECRET), ("helpdesk", HELPDESK_SECRET)):
        store.line_secrets.set(
            tenant_id=TENANT, line_id="recv", kind=kind, secret=secret, at=registered
        )
    ledger = Ledger()
    receiver = WebhookReceiver(store, PolicyConfig(), PROVIDERS, ledger, lambda: NOW)
    yield Scene(store, ledger, receiver)
    store.close()


def marketing_active(scene: Scene) -> bool:
    consent = scene.store.consent.current(tenant_id=TENANT, contact=ANA)
    return consent is not None and consent.active


# --- opt-outs -------------------------------------------------------------------------------------


def test_an_opt_out_keyword_revokes_consent_and_asks_for_a_confirmation(scene: Scene) -> None:
    receipt = scene.evolution(load("evolution_messages_upsert"))  # "Sair"
    assert receipt.status_code == 200
    assert not marketing_active(scene)
    consent = scene.store.consent.current(tenant_id=TENANT, contact=ANA)
    assert consent is not None and consent.revoked_how == "keyword"
    [reply] = receipt.replies
    assert (reply.tenant, reply.line_id, reply.contact, reply.text) == (
        TENANT,
        "evo-recv",
        ANA,
        OPT_OUT_CONFIRMATION_PT,
    )


def test_a_retried_webhook_changes_nothing_the_second_time(scene: Scene) -> None:
    first = scene.evolution(load("evolution_messages_upsert"))
    again = scene.evolution(load("evolution_messages_upsert"))  # the provider thought it was lost

    assert first.status_code == again.status_code == 200
    assert len(first.replies) == 1
    assert again.replies == []  # one confirmation, not two
    conversation = scene.store.conversations.of_contact(tenant_id=TENANT, contact=ANA)["evo-recv"]
    assert conversation.inbound_count == 1
    assert [e[0] for e in scene.events()].count("opt_out") == 1


def test_a_waha_opt_out_keyword_is_honoured_too(scene: Scene) -> None:
    body = raw("waha_message")  # "PARAR"
    headers = {"X-Webhook-Hmac": sign_waha(body, WAHA_KEY), "X-Webhook-Hmac-Algorithm": "sha512"}
    receipt = scene.receiver.receive(provider="waha", headers=headers, body=body)
    assert receipt.status_code == 200
    assert [r.line_id for r in receipt.replies] == ["camp"]
    assert not marketing_active(scene)


def test_meta_user_preferences_stop_revokes_marketing_consent(scene: Scene) -> None:
    receipt = scene.cloud("cloud_user_preferences_stop")
    assert receipt.status_code == 200
    consent = scene.store.consent.current(tenant_id=TENANT, contact=ANA)
    assert consent is not None and consent.revoked_how == "user_preferences"
    assert receipt.replies == []  # Meta already confirmed it to the person


def test_meta_user_preferences_resume_does_not_grant_consent(scene: Scene) -> None:
    scene.cloud("cloud_user_preferences_stop")
    resume = raw("cloud_user_preferences_stop").replace(b'"value": "stop"', b'"value": "resume"')
    headers = {"X-Hub-Signature-256": sign_cloud(resume, APP_SECRET)}
    assert scene.receiver.receive(provider="meta", headers=headers, body=resume).status_code == 200
    assert not marketing_active(scene)
    assert [e[0] for e in scene.events()][-1] == "preference_resume"


# --- contacts and statuses ------------------------------------------------------------------------


def test_a_wa_id_without_the_9th_digit_is_the_same_contact_as_the_canonical_number(
    scene: Scene,
) -> None:
    assert scene.cloud("cloud_text").status_code == 200  # from 553188776655
    conversations = scene.store.conversations.of_contact(tenant_id=TENANT, contact=ANA)
    assert conversations["recv"].inbound_count == 1


def test_statuses_go_to_the_delivery_ledger_and_a_per_user_limit_costs_little_health(
    scene: Scene,
) -> None:
    assert scene.cloud("cloud_status_read_without_delivered").status_code == 200
    assert scene.cloud("cloud_status_failed").status_code == 200
    assert [(d["reference"], d["status"]) for d in scene.ledger.deliveries] == [
        ("zg-msg-7", "read"),
        ("zg-msg-9", "failed"),
    ]
    # 131049 is Meta's limit on the person, not the number (ZG905): the small per-user price.
    assert scene.line("recv").health_score == 100 - PolicyConfig().health.penalty_per_user_failure


def test_the_provider_payload_is_forwarded_unchanged_to_the_line_helpdesk_signed_with_its_secret(
    scene: Scene,
) -> None:
    receipt = scene.cloud("cloud_text")
    [forward] = receipt.forwards
    assert forward.url == HELPDESK
    assert forward.body == raw("cloud_text")
    signature = forward.headers["X-Hub-Signature-256"]
    assert signature == sign_cloud(raw("cloud_text"), HELPDESK_SECRET)
    assert signature != sign_cloud(raw("cloud_text"), APP_SECRET)  # never the operator's secret


def test_a_forwarded_status_carries_the_id_the_helpdesk_was_given(scene: Scene) -> None:
    payload = load("cloud_status_read_without_delivered")
    wamid = payload["entry"][0]["changes"][0]["value"]["statuses"][0]["id"]
    scene.ledger.issued[wamid] = "wamid.ZGissued"

    [forward] = scene.cloud("cloud_status_read_without_delivered").forwards

    assert wamid.encode() not in forward.body
    assert b'"wamid.ZGissued"' in forward.body
    assert forward.headers["X-Hub-Signature-256"] == sign_cloud(forward.body, HELPDESK_SECRET)


# --- connection and quality -----------------------------------------------------------------------


def test_a_401_connection_update_pauses_the_line_and_raises_an_alert(
    scene: Scene, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        receipt = scene.evolution(load("evolution_connection_update_401"))
    assert receipt.status_code == 200
    assert scene.line("evo-recv").line.state is LineState.PAUSED
    [alert] = [e for e in scene.events() if e[0] == "alert"]
    assert alert[1:3] == ("evo-recv", "connection_lost")
    assert alert[3]["status"] == "close" and alert[3]["reason"] == "401"
    assert any("evo-recv" in r.getMessage() for r in caplog.records if r.levelname == "WARNING")
    assert APIKEY not in caplog.text


def test_a_flagged_quality_update_pauses_the_line_it_names_by_phone(scene: Scene) -> None:
    assert scene.cloud("cloud_quality_update").status_code == 200
    assert scene.line("recv").line.state is LineState.PAUSED
    assert ("alert", "recv", "quality_flagged") in [e[:3] for e in scene.events()]


# --- helpdesk activity ----------------------------------------------------------------------------


def chatwoot(scene: Scene, name: str, line: str = "recv") -> Receipt:
    body = raw(name)
    stamp = str(int(NOW.timestamp()))
    headers = {
        "X-Chatwoot-Signature": sign_chatwoot(body, CHATWOOT_SECRET, stamp),
        "X-Chatwoot-Timestamp": stamp,
    }
    return scene.receiver.receive(provider="chatwoot", headers=headers, body=body, line=line)


def test_a_chatwoot_agent_answer_is_human_activity_on_the_line(scene: Scene) -> None:
    receipt = chatwoot(scene, "chatwoot_agent_message")
    assert receipt.status_code == 200 and receipt.forwards == []
    assert scene.line("recv").last_human_at == datetime(2026, 3, 10, 13, 3, tzinfo=UTC)


def test_a_chatwoot_bot_answer_is_only_logged(scene: Scene) -> None:
    assert chatwoot(scene, "chatwoot_bot_message").status_code == 200
    assert scene.line("recv").last_human_at is None
    assert scene.events()[-1][0] == "outgoing"


def test_a_phone_typed_evolution_message_is_human_activity(scene: Scene) -> None:
    assert scene.evolution(load("evolution_messages_upsert_from_me")).status_code == 200
    assert scene.line("evo-recv").last_human_at is not None


# --- refusals and the inbox -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-Hub-Signature-256": "sha256=" + "0" * 64}, {"X-Hub-Signature-256": "lixo"}],
)
def test_a_bad_signature_answers_401_and_stores_nothing(
    scene: Scene, headers: dict[str, str]
) -> None:
    receipt = scene.receiver.receive(
        provider="meta", headers=headers, body=raw("cloud_user_preferences_stop")
    )
    assert receipt.status_code == 401
    assert marketing_active(scene)
    assert scene.inbox() == [] and scene.events() == []


def test_a_wrong_evolution_apikey_answers_401(scene: Scene) -> None:
    payload = load("evolution_messages_upsert")
    payload["apikey"] = "outra-chave"
    assert scene.evolution(payload).status_code == 401
    assert marketing_active(scene)


def test_a_replayed_chatwoot_delivery_answers_401(scene: Scene) -> None:
    body = raw("chatwoot_agent_message")
    stamp = str(int(NOW.timestamp()) - 3600)
    headers = {
        "X-Chatwoot-Signature": sign_chatwoot(body, CHATWOOT_SECRET, stamp),
        "X-Chatwoot-Timestamp": stamp,
    }
    receipt = scene.receiver.receive(provider="chatwoot", headers=headers, body=body, line="recv")
    assert receipt.status_code == 401


def test_an_unparseable_payload_lands_in_the_inbox_and_answers_2xx(scene: Scene) -> None:
    body = b'{"object": "whatsapp_business_account", "entry": [{"changes": [{"field": '
    headers = {"X-Hub-Signature-256": sign_cloud(body, APP_SECRET), "User-Agent": "facebook"}
    receipt = scene.receiver.receive(provider="meta", headers=headers, body=body)
    assert receipt.status_code == 200
    [item] = scene.inbox()
    assert item.source == "meta" and item.body == body.decode()
    assert item.headers == {"user-agent": "facebook"}  # the signature is not kept
    assert receipt.body["stored"] == item.id


def test_a_payload_of_the_wrong_shape_lands_in_the_inbox(scene: Scene) -> None:
    body = json.dumps(
        {
            "object": "whatsapp_business_account",
            "entry": [{"changes": [{"field": "messages", "value": {}}]}],
        }
    ).encode()
    headers = {"X-Hub-Signature-256": sign_cloud(body, APP_SECRET)}
    receipt = scene.receiver.receive(provider="meta", headers=headers, body=body)
    assert receipt.status_code == 200
    [item] = scene.inbox()
    assert "metadata" in item.error


def test_a_webhook_for_an_unknown_line_lands_in_the_inbox(scene: Scene) -> None:
    payload = load("evolution_messages_upsert")
    payload["instance"] = "instancia-desconhecida"
    receipt = scene.evolution(payload)
    assert receipt.status_code == 200
    [item] = scene.inbox()
    assert "instancia-desconhecida" in item.error
    assert APIKEY not in item.body  # Evolution's apikey is a secret
    assert marketing_active(scene)


def test_when_the_inbox_cannot_store_the_answer_is_503_so_the_provider_retries(
    scene: Scene,
) -> None:
    with scene.store.writing("test") as connection:
        connection.execute(text("DROP TABLE webhook_inbox"))
    body = b"nao e json"
    headers = {"X-Hub-Signature-256": sign_cloud(body, APP_SECRET)}
    assert scene.receiver.receive(provider="meta", headers=headers, body=body).status_code == 503


def test_an_unknown_provider_answers_404(scene: Scene) -> None:
    assert scene.receiver.receive(provider="nenhum", headers={}, body=b"{}").status_code == 404


def test_an_unsigned_webhook_is_refused_when_no_secret_is_configured(scene: Scene) -> None:
    body = raw("cloud_status_read_without_delivered")
    receipt = scene.receiver.receive(provider="sem-segredo", headers={}, body=body)
    assert receipt.status_code == 401
    assert scene.inbox() == [] and scene.events() == []


def test_a_connection_that_opts_in_accepts_unsigned_payloads_and_says_so_at_start(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    upgrade(sqlite_url)
    store = Store(sqlite_url)
    with caplog.at_level(logging.WARNING):
        WebhookReceiver(store, PolicyConfig(), PROVIDERS, Ledger(), lambda: NOW)
    store.close()
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert any("[providers.aberto]" in w and "UNSIGNED" in w for w in warnings)
    assert not any("[providers.meta]" in w for w in warnings)


def test_an_opted_in_connection_accepts_unsigned_payloads(scene: Scene) -> None:
    scene.store.lines.add(
        line=_line("aberta", "+5511912340009", "aberto"),
        registered_at=datetime(2026, 1, 1, tzinfo=UTC),
        provider_account="106540352242922",
    )
    body = raw("cloud_status_read_without_delivered")
    receipt = scene.receiver.receive(provider="aberto", headers={}, body=body)
    assert receipt.status_code == 200 and receipt.body["applied"] == 1


# --- the GET handshake ----------------------------------------------------------------------------


def test_the_cloud_handshake_echoes_the_challenge_only_for_our_token(scene: Scene) -> None:
    good = {
        "hub.mode": "subscribe",
        "hub.verify_token": "token-de-verificacao",
        "hub.challenge": "1158201444",
    }
    assert scene.receiver.handshake("meta", good) == "1158201444"
    assert scene.receiver.handshake("meta", {**good, "hub.verify_token": "outro"}) is None
    assert scene.receiver.handshake("meta", {**good, "hub.mode": "unsubscribe"}) is None
    assert scene.receiver.handshake("evo", good) is None
