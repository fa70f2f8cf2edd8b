"""Submitting messages through ``/v1/messages``: decide, queue, send paced, never twice."""

from __future__ import annotations

from api_scene import CUSTOMER, Scene


def test_a_reply_to_a_customer_who_wrote_is_queued_then_sent_to_the_provider(api: Scene) -> None:
    api.add_line()
    api.customer_writes(text="Oi, meu pedido chegou?")

    response = api.client.post(
        "/v1/messages",
        json={"to": "+55 31 98877-6655", "text": "Chega hoje!", "line": "sac", "author": "agent"},
    )

    assert response.status_code == 202, response.text
    body = response.json()
    assert body["status"] == "queued"
    assert body["decision"]["verdict"] == "allow"
    assert body["message"]["state"] == "queued"
    assert api.delivered() == []  # nothing leaves before the dispatcher paces it

    assert api.dispatch() == 1
    [delivered] = api.delivered()
    assert delivered["to"] == CUSTOMER.lstrip("+")
    assert delivered["text"] == "Chega hoje!"
    followed = api.client.get(f"/v1/messages/{body['id']}").json()
    assert followed["state"] == "sent"
    assert followed["provider_message_id"] == delivered["wamid"]


def test_the_receptive_line_cannot_start_a_chat_and_the_refusal_explains_why(api: Scene) -> None:
    api.add_line()

    response = api.client.post(
        "/v1/messages", json={"to": CUSTOMER, "text": "Promoção!", "line": "sac"}
    )

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "message_rejected"
    assert "ZG302" in error["details"]["decision"]["codes"]
    assert error["message_pt"] and error["message_en"]
    assert api.dispatch() == 0
    assert api.delivered() == []


def test_an_idempotency_key_never_queues_or_sends_twice(api: Scene) -> None:
    api.add_line()
    api.customer_writes()
    request = {"to": CUSTOMER, "text": "Seu código: 1234", "line": "sac"}

    first = api.client.post("/v1/messages", json=request, headers={"Idempotency-Key": "otp-1"})
    again = api.client.post("/v1/messages", json=request, headers={"Idempotency-Key": "otp-1"})

    assert first.status_code == again.status_code == 202
    assert again.json()["status"] == "replayed"
    assert again.json()["id"] == first.json()["id"]
    api.dispatch()
    assert len(api.delivered()) == 1


def test_advice_decides_without_queueing_reserving_or_recording(api: Scene) -> None:
    api.add_line()
    api.customer_writes()

    response = api.client.post(
        "/v1/messages/advice", json={"to": CUSTOMER, "text": "Oi", "line": "sac"}
    )

    assert response.status_code == 200
    assert response.json()["verdict"] == "allow"
    assert api.client.get("/v1/messages").json() == []
    assert api.client.get("/v1/decisions").json() == []


def test_every_decision_is_in_the_history_with_its_reasons_in_both_languages(api: Scene) -> None:
    api.add_line()
    api.client.post("/v1/messages", json={"to": CUSTOMER, "text": "Oi", "line": "sac"})

    [decision] = api.client.get("/v1/decisions").json()

    assert decision["verdict"] == "reject"
    assert "ZG302" in decision["codes"]
    assert "ZG302" in decision["message_pt"] and "ZG302" in decision["message_en"]


def test_a_queued_message_can_be_cancelled_before_it_goes(api: Scene) -> None:
    api.add_line()
    api.customer_writes()
    queued = api.client.post("/v1/messages", json={"to": CUSTOMER, "text": "Oi", "line": "sac"})

    cancelled = api.client.delete(f"/v1/messages/{queued.json()['id']}")

    assert cancelled.status_code == 200
    assert cancelled.json()["state"] == "cancelled"
    assert api.dispatch() == 0


def test_a_cancelled_message_gives_its_quota_back(api: Scene) -> None:
    api.add_line(daily_cap=1)
    api.customer_writes()
    first = api.client.post("/v1/messages", json={"to": CUSTOMER, "text": "1", "line": "sac"})
    full = api.client.post("/v1/messages", json={"to": CUSTOMER, "text": "2", "line": "sac"})
    assert full.status_code == 429  # the day's one message is taken

    api.client.delete(f"/v1/messages/{first.json()['id']}")
    again = api.client.post("/v1/messages", json={"to": CUSTOMER, "text": "2", "line": "sac"})

    assert again.status_code == 202, again.text


def test_an_unknown_line_or_message_is_a_404_with_a_code(api: Scene) -> None:
    response = api.client.post("/v1/messages", json={"to": CUSTOMER, "text": "Oi", "line": "x"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "line_not_found"
    missing = api.client.get("/v1/messages/wamid.nope")
    assert missing.json()["error"]["code"] == "message_not_found"


def test_bad_input_is_named_never_a_traceback(api: Scene) -> None:
    missing_to = api.client.post("/v1/messages", json={"text": "Oi"})
    assert missing_to.status_code == 422
    assert missing_to.json()["error"]["code"] == "invalid_request"
    assert "to" in missing_to.json()["error"]["message_en"]

    broken = api.client.post(
        "/v1/messages", content=b'{"to": ', headers={"content-type": "application/json"}
    )
    assert broken.status_code == 400
    assert broken.json()["error"]["code"] == "malformed_json"

    api.add_line()
    bad_phone = api.client.post("/v1/messages", json={"to": "12345", "text": "Oi", "line": "sac"})
    assert bad_phone.status_code == 422
    assert bad_phone.json()["error"]["code"] == "invalid_phone"

    nowhere = api.client.post("/v1/messages", json={"to": "+5511912345678", "text": "Oi"})
    assert nowhere.status_code == 422
    assert "line" in nowhere.json()["error"]["message_en"]


def test_a_body_over_the_limit_is_refused_before_it_is_read(api: Scene) -> None:
    limit = api.services.config.server.max_body_bytes
    response = api.client.post(
        "/v1/messages",
        content=b"x" * (limit + 1),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
