"""An ``Idempotency-Key`` names one request: sent again with the same body it answers the first
message (nothing queued twice); with another body it is an error, 409 ``idempotency_conflict``, as
the payment APIs answer (Stripe: "keys are compared with the original request's parameters";
Adyen: the same key with a different request is refused), on the native API and every drop-in."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from api_scene import CUSTOMER, START, Scene

from zapguard.domain.models import Author, Category, Decision, OutgoingMessage, Verdict
from zapguard.gateway.outbox import IdempotencyConflict, OutboxEntry
from zapguard.gateway.snapshots import line_quota_key
from zapguard.gateway.submission import request_hash
from zapguard.store.api_keys import create_key

KEY = {"Idempotency-Key": "pedido-123-confirmacao"}


def _send(api: Scene, body: dict[str, Any], headers: dict[str, str] = KEY) -> Any:
    return api.client.post("/v1/messages", json=body, headers=headers)


def _queued(api: Scene) -> list[dict[str, Any]]:
    return list(api.client.get("/v1/messages").json())


@pytest.fixture
def ready(api: Scene) -> Scene:
    api.add_line()
    api.customer_writes()
    return api


# --- native API ---------------------------------------------------------------------------------


def test_the_same_key_and_body_answer_the_first_message(ready: Scene) -> None:
    body = {"to": CUSTOMER, "text": "Seu pedido saiu.", "line": "sac"}
    first, again = _send(ready, body), _send(ready, body)
    assert (first.status_code, again.status_code) == (202, 202)
    assert again.json()["status"] == "replayed" and again.json()["id"] == first.json()["id"]
    assert len(_queued(ready)) == 1


def test_the_same_request_written_differently_is_the_same_request(ready: Scene) -> None:
    first = _send(ready, {"to": CUSTOMER, "text": "Seu pedido saiu.", "line": "sac"})
    formatted = _send(ready, {"to": "+55 31 98877-6655", "text": "Seu pedido saiu.", "line": "sac"})
    assert formatted.status_code == 202 and formatted.json()["id"] == first.json()["id"]


@pytest.mark.parametrize(
    "change",
    [
        {"text": "Outro texto."},
        {"to": "+5531988770000"},
        {"category": "notification"},
        {"author": "agent"},
        {"media_url": "https://cdn.example.com.br/boleto.pdf"},
    ],
    ids=["text", "contact", "category", "author", "media"],
)
def test_the_same_key_with_another_body_is_a_409_and_queues_nothing(
    ready: Scene, change: dict[str, str]
) -> None:
    body = {"to": CUSTOMER, "text": "Seu pedido saiu.", "line": "sac"}
    first = _send(ready, body)

    conflict = _send(ready, {**body, **change})

    assert conflict.status_code == 409, conflict.text
    error = conflict.json()["error"]
    assert error["code"] == "idempotency_conflict"
    assert "Idempotency-Key" in error["message_pt"] and "Idempotency-Key" in error["message_en"]
    assert error["message_pt"] != error["message_en"]
    assert [message["id"] for message in _queued(ready)] == [first.json()["id"]]


def test_the_key_in_the_body_is_held_to_the_same_rule(ready: Scene) -> None:
    body = {"to": CUSTOMER, "text": "Seu pedido saiu.", "line": "sac", "idempotency_key": "k-1"}
    assert _send(ready, body, headers={}).status_code == 202
    assert _send(ready, {**body, "text": "Outro."}, headers={}).status_code == 409


def test_another_tenant_may_use_the_same_key_for_its_own_message(ready: Scene) -> None:
    mine = _send(ready, {"to": CUSTOMER, "text": "Seu pedido saiu.", "line": "sac"})
    ready.services.store.tenants.ensure(tenant_id="globex")
    key, _ = create_key(ready.services.store, tenant_id="globex", name="t", at=ready.clock())
    theirs = ready.client.post(
        "/v1/messages",
        json={"to": CUSTOMER, "text": "Outra coisa.", "line": "sac"},
        headers={**KEY, "Authorization": f"Bearer {key}"},
    )
    assert mine.status_code == 202
    assert theirs.status_code == 404  # globex has no line sac: its own answer, not a conflict


# --- drop-ins: the same rule, in each dialect's error shape ------------------------------------


def test_cloud_dropin_refuses_a_reused_key_in_the_graph_shape(ready: Scene) -> None:
    def cloud(text: str) -> Any:
        return ready.client.post(
            "/v21.0/100200300/messages",
            json={
                "messaging_product": "whatsapp",
                "to": CUSTOMER[1:],
                "type": "text",
                "text": {"body": text},
            },
            headers=KEY,
        )

    first, same, other = cloud("Oi"), cloud("Oi"), cloud("Tchau")
    assert first.status_code == same.status_code == 200
    assert same.json()["messages"][0]["id"] == first.json()["messages"][0]["id"]
    assert other.status_code == 409
    assert other.json()["error"]["zapguard_code"] == "idempotency_conflict"
    assert "Idempotency-Key" in other.json()["error"]["message"]


def test_evolution_dropin_refuses_a_reused_key_in_its_shape(ready: Scene) -> None:
    def evolution(text: str) -> Any:
        return ready.client.post(
            "/message/sendText/100200300",
            json={"number": CUSTOMER[1:], "text": text},
            headers=KEY,
        )

    assert evolution("Oi").status_code == 201
    other = evolution("Tchau")
    assert other.status_code == 409
    assert other.json()["response"]["zapguard_code"] == "idempotency_conflict"


def test_waha_dropin_refuses_a_reused_key_in_its_shape(api: Scene) -> None:
    api.add_line(provider_account="default")
    api.customer_writes()

    def waha(text: str) -> Any:
        return api.client.post(
            "/api/sendText",
            json={"session": "default", "chatId": f"{CUSTOMER[1:]}@c.us", "text": text},
            headers=KEY,
        )

    assert waha("Oi").status_code == 201
    other = waha("Tchau")
    assert other.status_code == 409
    assert other.json()["error"] == "idempotency_conflict"


# --- the race: two requests with one key, both past the first check ----------------------------


def _message(text: str) -> OutgoingMessage:
    return OutgoingMessage(
        tenant_id="default",
        contact=CUSTOMER,
        category=Category.REPLY,
        author=Author.AGENT,
        text=text,
        line="sac",
        idempotency_key="corrida",
    )


def test_the_loser_of_a_race_with_another_body_is_refused_at_the_queue(ready: Scene) -> None:
    outbox = ready.services.outbox

    def enqueue(message: OutgoingMessage) -> OutboxEntry:
        return outbox.enqueue(
            message=message,
            decision=Decision(Verdict.ALLOW, "sac"),
            decision_id=None,
            now=START,
            request_hash=request_hash(message),
        )

    enqueue(_message("Oi"))
    with pytest.raises(IdempotencyConflict):
        enqueue(_message("Tchau"))
    assert enqueue(_message("Oi")).text == "Oi"


def test_a_refused_race_loser_rerouted_elsewhere_gives_its_quota_back(ready: Scene) -> None:
    """The loser's decision may put it on another line than the winner's: the reservation it made
    there under the shared key is released, the winner's is kept."""
    services = ready.services
    ready.add_line("sac2", phone="+5511912340002", provider_account="100200301")
    services.outbox.enqueue(
        message=_message("Oi"),
        decision=Decision(Verdict.ALLOW, "sac2"),
        decision_id=None,
        now=START,
        request_hash=request_hash(_message("Oi")),
    )
    # the pre-check is skipped, as when both requests read "no such key" before either wrote
    original = services.outbox.by_idempotency_key
    services.outbox.by_idempotency_key = lambda **_: None  # type: ignore[method-assign]
    try:
        with pytest.raises(IdempotencyConflict):
            services.submitter.submit(_message("Tchau"))
    finally:
        services.outbox.by_idempotency_key = original  # type: ignore[method-assign]
    since = datetime(2026, 3, 9, tzinfo=START.tzinfo)
    assert services.counters.count(line_quota_key("default", "sac"), since) == 0
