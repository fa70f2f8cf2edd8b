"""The same gateway on the scale-out backends: PostgreSQL for state and the outbox, Redis for the
quota counters, chosen by URL only. The core path end to end: register, a customer writes, submit,
idempotency, dispatch to the simulator, a status webhook back, cancel with its quota returned."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from api_scene import CUSTOMER, SIMULATOR_SECRET, Scene, scene

from zapguard.providers.cloud.signature import sign_cloud
from zapguard.store.migrate import upgrade

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture
def scaled(postgres_url: str, redis_url: str, simulator_url: str) -> Iterator[Scene]:
    httpx.post(f"{simulator_url}/_simulator/reset")
    upgrade(postgres_url)
    with scene(postgres_url, simulator_url, counters_url=redis_url) as made:
        yield made


def test_the_core_path_runs_unchanged_on_postgresql_and_redis(scaled: Scene) -> None:
    api = scaled
    api.add_line(daily_cap=2)
    api.customer_writes()
    request = {"to": CUSTOMER, "text": "Seu pedido saiu", "line": "sac"}

    first = api.client.post("/v1/messages", json=request, headers={"Idempotency-Key": "k1"})
    replay = api.client.post("/v1/messages", json=request, headers={"Idempotency-Key": "k1"})
    second = api.client.post("/v1/messages", json={**request, "text": "Chega hoje"})
    full = api.client.post("/v1/messages", json={**request, "text": "Mais uma"})

    assert first.status_code == second.status_code == 202
    assert replay.json()["status"] == "replayed"
    assert full.status_code == 429  # the cap of 2, counted in Redis
    assert api.client.delete(f"/v1/messages/{second.json()['id']}").json()["state"] == "cancelled"
    assert api.client.post("/v1/messages", json={**request, "text": "Agora vai"}).status_code == 202

    assert api.dispatch() == 1
    api.clock.advance(seconds=6)  # the pair rate: one message every 6 s to one contact
    assert api.dispatch() == 1
    delivered = api.delivered()
    assert [m["text"] for m in delivered] == ["Seu pedido saiu", "Agora vai"]

    status = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "1",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": "5511912340001",
                                "phone_number_id": "100200300",
                            },
                            "statuses": [
                                {
                                    "id": delivered[0]["wamid"],
                                    "status": "read",
                                    "timestamp": "1773147700",
                                    "recipient_id": CUSTOMER.lstrip("+"),
                                }
                            ],
                        },
                    }
                ],
            }
        ],
    }
    body = json.dumps(status).encode()
    signed = {"X-Hub-Signature-256": sign_cloud(body, SIMULATOR_SECRET)}
    assert api.client.post("/webhooks/simulator", content=body, headers=signed).status_code == 200
    followed = api.client.get(f"/v1/messages/{first.json()['id']}").json()
    assert (followed["state"], followed["delivery_status"]) == ("sent", "read")


def test_redis_losing_its_counters_never_lets_a_line_past_its_cap(
    scaled: Scene, redis_url: str
) -> None:
    import redis

    api = scaled
    api.add_line(daily_cap=3)
    api.customer_writes()
    request = {"to": CUSTOMER, "line": "sac"}
    sent = [
        api.client.post("/v1/messages", json={**request, "text": f"Mensagem {n}"}) for n in range(3)
    ]
    assert [answer.status_code for answer in sent] == [202, 202, 202]
    cancelled = api.client.delete(f"/v1/messages/{sent[2].json()['id']}").json()
    assert cancelled["state"] == "cancelled"  # its quota given back: two held

    redis.Redis.from_url(redis_url).flushdb()  # Redis restarted empty: every counter is gone

    again = [
        api.client.post("/v1/messages", json={**request, "text": f"Depois {n}"}) for n in range(3)
    ]
    # The two accepted messages are restored from the outbox before anything is reserved: one
    # more fits the cap of 3 (the cancelled one holds nothing), the rest are refused.
    assert [answer.status_code for answer in again] == [202, 429, 429]
