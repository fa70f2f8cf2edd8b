"""The simulator over real HTTP, driven by the production Cloud API adapter.

Each test serves a fresh simulator with uvicorn on a loopback port and talks to it through
``CloudProvider`` exactly as the dispatcher would, so what passes here is the sending path itself.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from provider_kit import Receiver

from zapguard.providers.base import Endpoint, ProviderError
from zapguard.providers.cloud.adapter import CloudProvider
from zapguard.providers.simulator.app import simulator_app

LINE = "106540352242922"
CONTACT = "+5511912345678"
WEBHOOK_SECRET = "app-secret-for-tests"


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5.0) as client:
        yield client


@pytest.fixture(scope="module")
def shared_simulator(served_for_module: Callable[[Any], str]) -> str:
    """One plain simulator for the module (starting a server per test costs more than the test)."""
    return served_for_module(simulator_app())


@pytest.fixture
def simulator(shared_simulator: str) -> Iterator[str]:
    """The shared simulator's base URL, reset before the test."""
    httpx.post(f"{shared_simulator}/_simulator/reset", timeout=5.0).raise_for_status()
    yield shared_simulator


def cloud(base_url: str, http: httpx.Client, account: str = LINE) -> CloudProvider:
    endpoint = Endpoint(kind="simulator", base_url=base_url, account=account, token="any")
    return CloudProvider(endpoint, http)


def test_simulator_accepts_a_send_and_records_it(simulator: str, http: httpx.Client) -> None:
    base = simulator
    sent = cloud(base, http).send_text(CONTACT, "Olá, seu pedido saiu!", reference="msg_1")
    assert sent.provider_message_id.startswith("wamid.")
    [message] = http.get(f"{base}/_simulator/messages").json()
    assert message["phone_number_id"] == LINE
    assert message["to"] == "5511912345678"
    assert message["text"] == "Olá, seu pedido saiu!"
    assert message["wamid"] == sent.provider_message_id
    assert message["reference"] == "msg_1"
    assert message["at"]


def test_simulator_gives_each_send_a_fresh_wamid_in_order(
    simulator: str, http: httpx.Client
) -> None:
    base = simulator
    provider = cloud(base, http)
    ids = [provider.send_text(CONTACT, f"m{i}").provider_message_id for i in range(3)]
    assert len(set(ids)) == 3
    assert [m["wamid"] for m in http.get(f"{base}/_simulator/messages").json()] == ids


def test_simulator_deduplicates_a_resend_with_the_same_reference(
    simulator: str, http: httpx.Client
) -> None:
    base = simulator
    provider = cloud(base, http)
    first = provider.send_text(CONTACT, "uma vez", reference="msg_same")
    again = provider.send_text(CONTACT, "uma vez", reference="msg_same")
    assert again == first
    assert len(http.get(f"{base}/_simulator/messages").json()) == 1
    attempts = http.get(f"{base}/_simulator/attempts").json()
    assert attempts["attempts"] == 2
    assert attempts["delivered"] == 1
    assert [d["reference"] for d in attempts["duplicates"]] == ["msg_same"]


def test_simulator_injected_429_is_retryable_with_retry_after(
    simulator: str, http: httpx.Client
) -> None:
    base = simulator
    queued = http.post(
        f"{base}/_simulator/failures",
        json={"phone_number_id": LINE, "status": 429, "count": 2, "retry_after": 3},
    )
    assert queued.json() == {"phone_number_id": LINE, "pending": 2}
    provider = cloud(base, http)
    for _ in range(2):
        with pytest.raises(ProviderError) as caught:
            provider.send_text(CONTACT, "oi", reference="msg_r")
        error = caught.value
        assert (error.status, error.code, error.retryable, error.ban) == (
            429,
            "130429",
            True,
            False,
        )
        assert error.retry_after == 3.0
    assert provider.send_text(CONTACT, "oi", reference="msg_r").provider_message_id
    attempts = http.get(f"{base}/_simulator/attempts").json()
    assert (attempts["attempts"], attempts["failed"], attempts["delivered"]) == (3, 2, 1)


def test_simulator_injected_500_is_retryable(simulator: str, http: httpx.Client) -> None:
    base = simulator
    http.post(f"{base}/_simulator/failures", json={"phone_number_id": LINE, "status": 500})
    with pytest.raises(ProviderError) as caught:
        cloud(base, http).send_text(CONTACT, "oi")
    assert (caught.value.status, caught.value.retryable, caught.value.ban) == (500, True, False)


@pytest.mark.parametrize("status", [401, 403])
def test_simulator_injected_account_lock_reads_as_a_ban(
    simulator: str, http: httpx.Client, status: int
) -> None:
    base = simulator
    http.post(f"{base}/_simulator/failures", json={"phone_number_id": LINE, "status": status})
    with pytest.raises(ProviderError) as caught:
        cloud(base, http).send_text(CONTACT, "oi")
    assert (caught.value.code, caught.value.ban, caught.value.retryable) == ("131031", True, False)


def test_simulator_failures_touch_only_their_line(simulator: str, http: httpx.Client) -> None:
    base = simulator
    http.post(f"{base}/_simulator/failures", json={"phone_number_id": "other", "status": 500})
    assert cloud(base, http).send_text(CONTACT, "oi").provider_message_id


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"messaging_product": "whatsapp", "type": "text", "text": {"body": "x"}}, "to"),
        ({"messaging_product": "whatsapp", "to": "5511", "type": "text", "text": {}}, "body"),
        ({"messaging_product": "whatsapp", "to": "5511", "type": "sticker"}, "type"),
        ({"to": "5511", "type": "text", "text": {"body": "x"}}, "messaging_product"),
    ],
    ids=["no-to", "no-body", "unsupported-type", "no-product"],
)
def test_simulator_refuses_a_malformed_send_like_the_graph_api(
    simulator: str, http: httpx.Client, body: dict[str, Any], message: str
) -> None:
    base = simulator
    answer = http.post(
        f"{base}/v21.0/{LINE}/messages", json=body, headers={"Authorization": "Bearer x"}
    )
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == 100
    assert error["type"] == "OAuthException"
    assert message in error["message"]
    assert error["fbtrace_id"]
    assert http.get(f"{base}/_simulator/messages").json() == []


def test_simulator_requires_a_bearer_token(simulator: str, http: httpx.Client) -> None:
    base = simulator
    answer = http.post(f"{base}/v21.0/{LINE}/messages", json={"messaging_product": "whatsapp"})
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == 190


def test_simulator_records_mark_read(simulator: str, http: httpx.Client) -> None:
    base = simulator
    cloud(base, http).mark_read(CONTACT, "wamid.IN")
    [read] = http.get(f"{base}/_simulator/reads").json()
    assert (read["phone_number_id"], read["message_id"]) == (LINE, "wamid.IN")


def test_simulator_reset_forgets_everything(simulator: str, http: httpx.Client) -> None:
    base = simulator
    provider = cloud(base, http)
    provider.send_text(CONTACT, "oi", reference="msg_x")
    http.post(f"{base}/_simulator/failures", json={"phone_number_id": LINE, "status": 500})
    http.post(f"{base}/_simulator/reset")
    assert http.get(f"{base}/_simulator/attempts").json() == {
        "attempts": 0,
        "delivered": 0,
        "failed": 0,
        "duplicates": [],
    }
    provider.send_text(CONTACT, "oi", reference="msg_x")  # no queued failure, no dedupe memory
    assert len(http.get(f"{base}/_simulator/messages").json()) == 1


def _signature(raw: bytes) -> str:
    return "sha256=" + hmac.new(WEBHOOK_SECRET.encode(), raw, hashlib.sha256).hexdigest()


def test_simulator_inbound_posts_a_signed_cloud_webhook(
    served: Callable[[Any], str], http: httpx.Client, webhook_receiver: Receiver
) -> None:
    base = served(simulator_app(webhook_url=webhook_receiver.url, webhook_secret=WEBHOOK_SECRET))
    answer = http.post(
        f"{base}/_simulator/inbound",
        json={
            "phone_number_id": LINE,
            "from": CONTACT,
            "text": "Quero cancelar, não é não",
            "name": "Ana",
        },
    )
    assert answer.status_code == 200
    assert answer.json()["webhook_status"] == 200
    [hook] = webhook_receiver.wait_for(1)
    assert hook.path == "/webhooks/meta"
    assert hmac.compare_digest(hook.headers["x-hub-signature-256"], _signature(hook.raw))
    assert b"\\u00e3" in hook.raw  # non-ASCII escaped, as Meta sends it
    payload = hook.json()
    assert payload["object"] == "whatsapp_business_account"
    [entry] = payload["entry"]
    [change] = entry["changes"]
    assert change["field"] == "messages"
    value = change["value"]
    assert value["messaging_product"] == "whatsapp"
    assert value["metadata"]["phone_number_id"] == LINE
    assert value["contacts"] == [{"profile": {"name": "Ana"}, "wa_id": "5511912345678"}]
    [message] = value["messages"]
    assert message["from"] == "5511912345678"
    assert message["id"] == answer.json()["wamid"]
    assert message["type"] == "text"
    assert message["text"] == {"body": "Quero cancelar, não é não"}
    assert message["timestamp"].isdigit()


def test_simulator_inbound_without_a_secret_is_unsigned(
    served: Callable[[Any], str], http: httpx.Client, webhook_receiver: Receiver
) -> None:
    base = served(simulator_app(webhook_url=webhook_receiver.url))
    http.post(
        f"{base}/_simulator/inbound", json={"phone_number_id": LINE, "from": CONTACT, "text": "oi"}
    )
    [hook] = webhook_receiver.wait_for(1)
    assert "x-hub-signature-256" not in hook.headers


def test_simulator_inbound_without_a_webhook_url_says_so(
    simulator: str, http: httpx.Client
) -> None:
    base = simulator
    answer = http.post(
        f"{base}/_simulator/inbound", json={"phone_number_id": LINE, "from": CONTACT, "text": "oi"}
    )
    assert answer.status_code == 409
    assert "webhook_url" in answer.json()["detail"]


def test_simulator_posts_sent_then_delivered_statuses_when_asked(
    served: Callable[[Any], str], http: httpx.Client, webhook_receiver: Receiver
) -> None:
    app = simulator_app(
        webhook_url=webhook_receiver.url, webhook_secret=WEBHOOK_SECRET, statuses=True
    )
    base = served(app)
    sent = cloud(base, http).send_text(CONTACT, "oi", reference="msg_s")
    hooks = webhook_receiver.wait_for(2)
    statuses = [h.json()["entry"][0]["changes"][0]["value"]["statuses"][0] for h in hooks]
    assert [s["status"] for s in statuses] == ["sent", "delivered"]
    for hook, status in zip(hooks, statuses, strict=True):
        assert hmac.compare_digest(hook.headers["x-hub-signature-256"], _signature(hook.raw))
        assert status["id"] == sent.provider_message_id
        assert status["recipient_id"] == "5511912345678"
        assert status["biz_opaque_callback_data"] == "msg_s"


def test_simulator_posts_no_statuses_by_default(
    served: Callable[[Any], str], http: httpx.Client, webhook_receiver: Receiver
) -> None:
    base = served(simulator_app(webhook_url=webhook_receiver.url))
    cloud(base, http).send_text(CONTACT, "oi")
    assert webhook_receiver.wait_for(1, timeout=0.3) == []


def test_simulator_works_mounted_inside_another_app(
    served: Callable[[Any], str], http: httpx.Client
) -> None:
    host = FastAPI()
    host.mount("/simulator", simulator_app())
    base = served(host)
    sent = cloud(f"{base}/simulator", http).send_text(CONTACT, "montado", reference="m1")
    messages = http.get(f"{base}/simulator/_simulator/messages").json()
    assert [(m["wamid"], m["text"]) for m in messages] == [(sent.provider_message_id, "montado")]


def test_simulator_records_media_sends(simulator: str, http: httpx.Client) -> None:
    base = simulator
    cloud(base, http).send_media(CONTACT, "https://cdn.example.com/a.pdf", caption="Boleto")
    [message] = http.get(f"{base}/_simulator/messages").json()
    assert (message["type"], message["text"], message["link"]) == (
        "document",
        "Boleto",
        "https://cdn.example.com/a.pdf",
    )


def test_simulator_webhook_body_is_the_bytes_that_were_signed(
    served: Callable[[Any], str], http: httpx.Client, webhook_receiver: Receiver
) -> None:
    base = served(simulator_app(webhook_url=webhook_receiver.url, webhook_secret=WEBHOOK_SECRET))
    http.post(
        f"{base}/_simulator/inbound", json={"phone_number_id": LINE, "from": CONTACT, "text": "é"}
    )
    [hook] = webhook_receiver.wait_for(1)
    tampered = json.dumps(hook.json()).encode()  # re-serialized: different bytes, signature fails
    assert hook.headers["x-hub-signature-256"] != _signature(tampered)
