"""Provider webhooks over real HTTP, into a ``zapguard serve`` process: the payloads are the exact
shapes of each provider's public documentation (the fixtures of ``tests/webhooks/payloads``), signed
as each provider signs them."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from e2e_processes import ZAPGUARD, free_port, process

from zapguard.providers.cloud.signature import sign_cloud
from zapguard.providers.waha.signature import sign_waha

PAYLOADS = Path(__file__).parent.parent / "webhooks" / "payloads"
APP_SECRET = "segredo-do-app"
VERIFY_TOKEN = "token-de-verificacao"
WAHA_KEY = "chave-hmac-waha"
EVOLUTION_APIKEY = "B6D711FCDE4D4FD5936544120E713976"  # as in the documented payloads
ANA = "+5531988776655"  # writes as 553188776655: no 9th digit


def payload(name: str) -> bytes:
    return (PAYLOADS / f"{name}.json").read_bytes()


@dataclass
class Server:
    url: str
    api: httpx.Client
    config: Path

    def post(
        self, provider: str, body: bytes, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        return httpx.post(
            f"{self.url}/webhooks/{provider}",
            content=body,
            headers={"content-type": "application/json", **(headers or {})},
        )

    def events(self, line: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.api.get("/v1/events", params={"line": line}).json()
        return found


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("webhooks")
    config = folder / "zapguard.toml"
    config.write_text(
        f"""
[app]
database_url = "sqlite:///{folder / "zapguard.db"}"

[dispatch]
enabled = false

[providers.meta]
kind = "cloud"
base_url = "https://graph.facebook.com"
token = "meta-token"
app_secret = "{APP_SECRET}"
verify_token = "{VERIFY_TOKEN}"

[providers.evo]
kind = "evolution"
base_url = "https://evo.example.com.br"
token = "{EVOLUTION_APIKEY}"
webhook_apikey = "{EVOLUTION_APIKEY}"

[providers.waha]
kind = "waha"
base_url = "https://waha.example.com.br"
app_secret = "{WAHA_KEY}"
""",
        encoding="utf-8",
    )
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with (
        process(
            [*ZAPGUARD, "serve", "--config", str(config), "--port", str(port)], f"{url}/healthz"
        ),
        httpx.Client(base_url=url) as api,
    ):
        for line_id, phone, provider, account, role in (
            ("recv", "+5511912340001", "meta", "106540352242922", "receptive"),
            ("recv2", "+5511912340005", "meta", "206540352242923", "receptive"),
            ("evo-recv", "+5511912340003", "evo", "loja-recepcao", "receptive"),
            ("camp", "+5511912340002", "waha", "loja-campanha", "campaign"),
        ):
            created = api.post(
                "/v1/lines",
                json={
                    "id": line_id,
                    "phone": phone,
                    "role": role,
                    "in_use_since": "2022-01-10",
                    "provider": provider,
                    "provider_account": account,
                    "device": f"d-{line_id}",
                    "network": f"n-{line_id}",
                },
            )
            assert created.status_code == 201, created.text
        yield Server(url, api, config)


def test_meta_verification_handshake_echoes_the_challenge_only_for_our_token(
    server: Server,
) -> None:
    params = {
        "hub.mode": "subscribe",
        "hub.verify_token": VERIFY_TOKEN,
        "hub.challenge": "1158201444",
    }
    assert httpx.get(f"{server.url}/webhooks/meta", params=params).text == "1158201444"
    wrong = {**params, "hub.verify_token": "outro"}
    assert httpx.get(f"{server.url}/webhooks/meta", params=wrong).status_code == 403


def test_a_batched_cloud_payload_is_applied_whole(server: Server) -> None:
    body = payload("cloud_batch")

    response = server.post("meta", body, {"X-Hub-Signature-256": sign_cloud(body, APP_SECRET)})

    assert response.status_code == 200, response.text
    expected = sum(
        len(change["value"].get("messages", [])) + len(change["value"].get("statuses", []))
        for entry in json.loads(body)["entry"]
        for change in entry["changes"]
    )
    assert response.json()["applied"] == expected
    inbound = [e for e in server.events("recv") if e["kind"] == "inbound"]
    assert {e["contact"] for e in inbound} >= {ANA, "+5521987654321"}


def test_a_brazilian_wa_id_without_the_ninth_digit_is_the_canonical_contact(server: Server) -> None:
    body = payload("cloud_text")  # from 553188776655
    assert b'"from": "553188776655"' in body

    def ana_wrote() -> int:
        return sum(e["kind"] == "inbound" and e["contact"] == ANA for e in server.events("recv"))

    before = ana_wrote()
    response = server.post("meta", body, {"X-Hub-Signature-256": sign_cloud(body, APP_SECRET)})

    assert response.status_code == 200
    assert ana_wrote() == before + 1
    advice = server.api.post(
        "/v1/messages/advice", json={"to": "+55 31 98877-6655", "text": "Oi, Ana!", "line": "recv"}
    )
    assert advice.json()["verdict"] == "allow"  # she wrote first: a reply, not an active chat


def test_a_read_status_with_no_delivered_before_it_is_accepted(server: Server) -> None:
    body = payload("cloud_status_read_without_delivered")
    response = server.post("meta", body, {"X-Hub-Signature-256": sign_cloud(body, APP_SECRET)})
    assert response.status_code == 200


def test_a_tampered_cloud_payload_is_refused(server: Server) -> None:
    body = payload("cloud_text")
    signature = sign_cloud(body, APP_SECRET)
    response = server.post("meta", body.replace(b"Ana", b"Eva"), {"X-Hub-Signature-256": signature})
    assert response.status_code == 401


def test_an_evolution_opt_out_revokes_consent_and_a_401_pauses_the_line(server: Server) -> None:
    # Granted before the documented message's own time (10 March 2026), which revokes it.
    granted = server.api.post(
        f"/v1/contacts/{ANA}/consent",
        json={"source": "site", "granted_at": "2026-02-01T00:00:00Z"},
    )
    assert granted.json()["active"] is True

    opt_out = server.post("evo", payload("evolution_messages_upsert"))
    assert opt_out.status_code == 200, opt_out.text
    assert server.api.get(f"/v1/contacts/{ANA}/consent").json()["active"] is False

    lost = server.post("evo", payload("evolution_connection_update_401"))
    assert lost.status_code == 200
    assert server.api.get("/v1/lines/evo-recv").json()["state"] == "paused"
    assert any(e["kind"] == "alert" for e in server.events("evo-recv"))


def test_waha_payloads_need_their_hmac(server: Server) -> None:
    body = payload("waha_message")
    signed = {"X-Webhook-Hmac": sign_waha(body, WAHA_KEY), "X-Webhook-Hmac-Algorithm": "sha512"}

    assert server.post("waha", body, {**signed, "X-Webhook-Hmac": "0" * 128}).status_code == 401
    assert server.post("waha", body, signed).status_code == 200
    assert any(e["kind"] in ("inbound", "opt_out") for e in server.events("camp"))


def test_a_payload_zapguard_cannot_read_is_kept_and_shown_by_the_inbox_command(
    server: Server,
) -> None:
    body = b'{"object": "whatsapp_business_account", "entry": "not a list"}'

    response = server.post("meta", body, {"X-Hub-Signature-256": sign_cloud(body, APP_SECRET)})

    assert response.status_code == 200
    stored = response.json()["stored"]
    shown = subprocess.run(
        [*ZAPGUARD, "inbox", "--show", str(stored), "--config", str(server.config)],
        capture_output=True,
        check=True,
        timeout=30,
    )
    assert b"not a list" in shown.stdout
    listed = subprocess.run(
        [*ZAPGUARD, "inbox", "--config", str(server.config)],
        capture_output=True,
        check=True,
        timeout=30,
    )
    assert str(stored).encode() in listed.stdout
