"""The built-in simulator is a demo, never a silent production provider: it exists only under
``zapguard serve --demo`` (or when configured explicitly), its control routes answer this machine
only, and its webhooks are signed with a secret made at each start, checked like Meta's."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from api_scene import CUSTOMER, Scene, free_port, serving

from zapguard.api.factory import ServeOptions, build_app, build_services
from zapguard.providers.cloud.signature import sign_cloud

DEMO_ACCOUNT = "100200300"  # the demo line's phone_number_id (zapguard serve --demo)


@contextmanager
def served(tmp_path: Path, *, demo: bool) -> Iterator[httpx.Client]:
    """``zapguard serve`` as the command builds it, on a fresh SQLite file, over loopback."""
    port = free_port()
    options = ServeOptions(
        host="127.0.0.1", port=port, db=f"sqlite:///{tmp_path / 'zg.db'}", demo=demo
    )
    services, simulated = build_services(options)
    app = build_app(services, options, simulated=simulated)
    try:
        with serving(app, port=port) as url, httpx.Client(base_url=url, timeout=10) as client:
            if demo:
                from zapguard.cli.serve import ensure_demo_line

                ensure_demo_line(services)
            yield client
    finally:
        services.close()


def _inbound_webhook(text: str = "Oi") -> bytes:
    payload = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "0",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": DEMO_ACCOUNT,
                                "phone_number_id": DEMO_ACCOUNT,
                            },
                            "contacts": [{"profile": {"name": "X"}, "wa_id": CUSTOMER[1:]}],
                            "messages": [
                                {
                                    "from": CUSTOMER[1:],
                                    "id": "wamid.forjado",
                                    "timestamp": "1773147600",
                                    "text": {"body": text},
                                    "type": "text",
                                }
                            ],
                        },
                    }
                ],
            }
        ],
    }
    return json.dumps(payload).encode()


# --- without --demo there is no simulator at all ---------------------------------------------


def test_without_demo_the_simulator_routes_do_not_exist(tmp_path: Path) -> None:
    with served(tmp_path, demo=False) as client:
        assert client.get("/simulator/_simulator/messages").status_code == 404
        assert client.post("/simulator/_simulator/inbound", json={}).status_code == 404
        unsigned = client.post("/webhooks/simulator", content=_inbound_webhook())
        assert unsigned.status_code == 404


def test_without_demo_a_line_cannot_be_put_on_the_simulator(tmp_path: Path) -> None:
    with served(tmp_path, demo=False) as client:
        refused = client.post(
            "/v1/lines",
            json={
                "id": "sac",
                "phone": "+5511912340001",
                "role": "receptive",
                "in_use_since": "2023-01-02",
                "provider": "simulator",
            },
        )
    assert refused.status_code == 422
    assert "simulator" in refused.json()["error"]["message_en"]


def test_a_line_without_a_provider_is_a_422_naming_the_field(api: Scene) -> None:
    refused = api.client.post(
        "/v1/lines",
        json={
            "id": "sac",
            "phone": "+5511912340001",
            "role": "receptive",
            "in_use_since": "2023-01-02",
        },
    )
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["code"] == "invalid_request"
    assert "provider" in error["message_en"]
    assert api.client.get("/v1/lines").json() == []


# --- in the demo: signed webhooks, control routes for this machine only ------------------------


def test_the_demo_refuses_unsigned_and_forged_simulator_webhooks(tmp_path: Path) -> None:
    with served(tmp_path, demo=True) as client:
        body = _inbound_webhook("SAIR")
        unsigned = client.post("/webhooks/simulator", content=body)
        forged = client.post(
            "/webhooks/simulator",
            content=body,
            headers={"X-Hub-Signature-256": sign_cloud(body, "um segredo adivinhado")},
        )
        events = client.get("/v1/events").json()
    assert unsigned.status_code == 401
    assert forged.status_code == 401
    assert not any(event.get("text") == "SAIR" for event in events)


def test_the_demo_simulator_signs_its_webhooks_so_they_are_applied(tmp_path: Path) -> None:
    with served(tmp_path, demo=True) as client:
        written = client.post(
            "/simulator/_simulator/inbound",
            json={"phone_number_id": DEMO_ACCOUNT, "from": "+5531988770000", "text": "Olá"},
        )
        assert written.status_code == 200, written.text
        assert written.json()["webhook_status"] == 200
        reply = client.post(
            "/v1/messages", json={"to": "+5531988770000", "text": "Oi!", "line": "sac"}
        )
    assert reply.status_code == 202, reply.text  # the customer wrote first: the webhook counted


@pytest.mark.parametrize(
    "path",
    [
        "/simulator/_simulator/messages",
        "/simulator/_simulator/attempts",
        "/simulator/_simulator/reads",
    ],
)
def test_the_demo_simulators_control_routes_refuse_clients_from_elsewhere(
    tmp_path: Path, path: str
) -> None:
    elsewhere = {"X-Forwarded-For": "203.0.113.9"}  # through a proxy on this machine
    with served(tmp_path, demo=True) as client:
        assert client.get(path).status_code == 200
        refused = client.get(path, headers=elsewhere)
        injected = client.post(
            "/simulator/_simulator/inbound",
            json={"phone_number_id": DEMO_ACCOUNT, "from": CUSTOMER, "text": "SAIR"},
            headers=elsewhere,
        )
    assert refused.status_code == 403
    assert injected.status_code == 403
