"""End to end over real HTTP, every piece its own process: ``zapguard serve``, ``zapguard simulator``
and two existing client packages (pywa for the Cloud API, ``evolutionapi`` for Evolution API) pointed
at zapguard by their base URL only. Webhooks flow back from the simulator, are applied and forwarded,
signed, to the line's helpdesk."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from e2e_processes import (
    ZAPGUARD,
    Helpdesk,
    create_key,
    free_port,
    helpdesk,
    process,
    run_client,
    write_config,
)

from zapguard.providers.cloud.signature import verify_cloud

HERE = Path(__file__).parent
SECRET = "segredo-do-app"
HELPDESK_SECRET = "segredo-que-o-helpdesk-conhece"
CUSTOMER_WA_ID = "553188776655"  # Belo Horizonte mobile, as WhatsApp sends it: no 9th digit
CUSTOMER = "+5531988776655"


@dataclass
class Stack:
    zapguard: httpx.Client
    simulator: httpx.Client
    base_url: str
    key: str
    helpdesk: Helpdesk

    def delivered(self, count: int, timeout: float = 15) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            messages: list[dict[str, Any]] = self.simulator.get("/_simulator/messages").json()
            if len(messages) >= count:
                return messages
            time.sleep(0.05)
        raise AssertionError(f"expected {count} deliveries, got {messages}")

    def message(self, message_id: str, until: str, field: str = "state") -> dict[str, Any]:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            body: dict[str, Any] = self.zapguard.get(f"/v1/messages/{message_id}").json()
            if body.get(field) == until:
                return body
            time.sleep(0.05)
        raise AssertionError(f"{message_id}: {field} never became {until}: {body}")


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    folder = tmp_path_factory.mktemp("e2e")
    simulator_port, zapguard_port = free_port(), free_port()
    config = write_config(folder, simulator_port, SECRET)
    key = create_key(config)
    base_url = f"http://127.0.0.1:{zapguard_port}"
    simulator_args = [
        *ZAPGUARD,
        "simulator",
        "--port",
        str(simulator_port),
        "--webhook-url",
        f"{base_url}/webhooks/simulator",
        "--statuses",
    ]
    serve_args = [*ZAPGUARD, "serve", "--config", str(config), "--port", str(zapguard_port)]
    with (
        helpdesk() as desk,
        process(
            simulator_args,
            f"http://127.0.0.1:{simulator_port}/_simulator/messages",
            env={"ZAPGUARD_SIMULATOR_WEBHOOK_SECRET": SECRET},  # never on the command line
        ),
        process(serve_args, f"{base_url}/healthz"),
        httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {key}"}) as client,
        httpx.Client(base_url=f"http://127.0.0.1:{simulator_port}") as simulator,
    ):
        created = client.post(
            "/v1/lines",
            json={
                "id": "sac",
                "phone": "+5511912340001",
                "role": "receptive",
                "in_use_since": "2023-01-02",
                "provider": "simulator",
                "provider_account": "100200300",
                "helpdesk_url": desk.url,
                "helpdesk_secret": HELPDESK_SECRET,
            },
        )
        assert created.status_code == 201, created.text
        yield Stack(client, simulator, base_url, key, desk)


def test_a_customer_message_reaches_zapguard_and_the_helpdesk_signed(stack: Stack) -> None:
    sent = stack.simulator.post(
        "/_simulator/inbound",
        json={"phone_number_id": "100200300", "from": CUSTOMER_WA_ID, "text": "Oi, tudo bem?"},
    )
    assert sent.status_code == 200, sent.text

    [(headers, body)] = stack.helpdesk.wait_for(1)[:1]
    assert b"Oi, tudo bem?" in body
    assert verify_cloud(body, headers.get("x-hub-signature-256"), HELPDESK_SECRET)
    events = stack.zapguard.get("/v1/events").json()
    assert any(e["kind"] == "inbound" and e["contact"] == CUSTOMER for e in events)


def test_pywa_sends_through_the_cloud_surface_and_the_message_is_delivered_paced(
    stack: Stack,
) -> None:
    result = run_client(
        HERE / "pywa_client.py",
        stack.base_url,
        stack.key,
        "100200300",
        CUSTOMER_WA_ID,
        "Olá pelo pywa",
    )

    assert "id" in result, result
    sent = stack.message(result["id"], until="sent")
    delivered = [m for m in stack.delivered(1) if m["text"] == "Olá pelo pywa"]
    assert len(delivered) == 1
    assert sent["provider_message_id"] == delivered[0]["wamid"]
    # The simulator's status webhooks come back, are matched to the id pywa was given, and reach
    # the helpdesk carrying that id (re-signed), so its own records line up.
    stack.message(result["id"], until="delivered", field="delivery_status")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        statuses = [
            (headers, body)
            for headers, body in stack.helpdesk.received
            if result["id"].encode() in body and b'"delivered"' in body
        ]
        if statuses:
            break
        time.sleep(0.05)
    assert statuses, "no status forwarded with the id pywa was given"
    headers, body = statuses[0]
    assert delivered[0]["wamid"].encode() not in body
    assert verify_cloud(body, headers.get("x-hub-signature-256"), HELPDESK_SECRET)


def test_pywa_gets_a_refusal_as_a_whatsapp_error_with_the_zapguard_code(stack: Stack) -> None:
    result = run_client(
        HERE / "pywa_client.py", stack.base_url, stack.key, "100200300", "5511999990000", "Promo!"
    )
    assert result["error"]["code"] == 131049
    assert "ZG30" in result["error"]["message"]


def test_the_evolution_client_sends_through_the_evolution_surface(stack: Stack) -> None:
    result = run_client(
        HERE / "evolution_client.py",
        stack.base_url,
        stack.key,
        "100200300",
        "5531988776655",
        "Olá pela Evolution",
    )

    assert result["key"]["fromMe"] is True, result
    stack.message(result["key"]["id"], until="sent")
    assert any(m["text"] == "Olá pela Evolution" for m in stack.delivered(2))


def test_a_wrong_signature_is_refused_and_nothing_is_applied(stack: Stack) -> None:
    response = httpx.post(
        f"{stack.base_url}/webhooks/simulator",
        content=b'{"object": "whatsapp_business_account", "entry": []}',
        headers={"X-Hub-Signature-256": "sha256=" + "0" * 64, "content-type": "application/json"},
    )
    assert response.status_code == 401
