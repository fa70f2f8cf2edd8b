"""The drop-in surfaces answer in their provider's own dialect: success bodies with an id at once,
refusals in the provider's error shape carrying the zapguard code and explanation."""

from __future__ import annotations

from api_scene import CUSTOMER, Scene

from zapguard.store.api_keys import create_key

CLOUD_TEXT = {
    "messaging_product": "whatsapp",
    "recipient_type": "individual",
    "to": "553188776655",  # a Brazilian WhatsApp ID without the 9th digit
    "type": "text",
    "text": {"preview_url": False, "body": "Seu pedido saiu para entrega."},
}


def test_cloud_surface_accepts_with_the_cloud_success_body_and_a_wamid(api: Scene) -> None:
    api.add_line()
    api.customer_writes()

    response = api.client.post("/v21.0/100200300/messages", json=CLOUD_TEXT)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["messaging_product"] == "whatsapp"
    assert body["contacts"] == [{"input": "553188776655", "wa_id": CUSTOMER.lstrip("+")}]
    message_id = body["messages"][0]["id"]
    assert message_id.startswith("wamid.")
    api.dispatch()
    assert api.client.get(f"/v1/messages/{message_id}").json()["state"] == "sent"


def test_cloud_surface_refuses_in_the_graph_error_shape_with_the_zapguard_code(
    api: Scene,
) -> None:
    api.add_line()  # the customer never wrote: a business-initiated chat on the receptive line

    response = api.client.post("/v21.0/100200300/messages", json=CLOUD_TEXT)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == 131049
    assert error["type"] == "OAuthException"
    assert "ZG302" in error["message"]
    assert error["zapguard"]["verdict"] == "reject"
    assert "ZG302" in error["zapguard"]["codes"]
    assert error["error_data"]["details"]


def test_cloud_surface_answers_a_bad_key_and_a_bad_body_as_the_graph_api_would(
    api: Scene,
) -> None:
    api.add_line()
    api.services.store.tenants.ensure(tenant_id="acme", name="acme")
    create_key(api.services.store, tenant_id="acme", name="k", at=api.clock())

    unauthorized = api.client.post(
        "/v21.0/100200300/messages", json=CLOUD_TEXT, headers={"Authorization": "Bearer nope"}
    )
    assert unauthorized.status_code == 401
    assert unauthorized.json()["error"]["code"] == 190

    key, _ = create_key(api.services.store, tenant_id="default", name="k2", at=api.clock())
    bad = api.client.post(
        "/v21.0/100200300/messages",
        json={"messaging_product": "whatsapp", "type": "text"},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == 100
    assert "to" in bad.json()["error"]["error_data"]["details"]


def template(*parameters: str) -> dict[str, object]:
    return {
        "messaging_product": "whatsapp",
        "to": "5531988776655",
        "type": "template",
        "template": {
            "name": "pedido_enviado",
            "language": {"code": "pt_BR"},
            "components": [
                {"type": "body", "parameters": [{"type": "text", "text": p} for p in parameters]}
            ],
        },
    }


def test_cloud_surface_sends_a_template_from_a_campaign_line(api: Scene) -> None:
    api.add_line("avisos", role="campaign", phone="+5511912340002", provider_account="200300400")

    response = api.client.post("/v21.0/200300400/messages", json=template("Ana", "1234"))

    assert response.status_code == 200, response.text
    api.dispatch()
    [delivered] = api.delivered()
    assert delivered["type"] == "template"
    assert delivered["text"] == "[template pedido_enviado]"
    followed = api.client.get(f"/v1/messages/{response.json()['messages'][0]['id']}").json()
    assert followed["state"] == "sent"


def test_a_template_is_judged_by_the_rules_like_any_message(api: Scene) -> None:
    api.add_line()  # receptive: a template to someone who never wrote is an active chat (ZG302)
    api.add_line("avisos", role="campaign", phone="+5511912340002", provider_account="200300400")

    refused = api.client.post("/v21.0/100200300/messages", json=template("Ana"))
    unsafe = api.client.post(
        "/v21.0/200300400/messages", json=template("http://pedido.example.com/1234")
    )

    assert refused.status_code == 200  # rerouted to the campaign line, as a receptive line must
    assert (
        api.client.get(f"/v1/messages/{refused.json()['messages'][0]['id']}").json()["line"]
        == "avisos"
    )
    assert unsafe.status_code == 400
    assert "ZG701" in unsafe.json()["error"]["zapguard"]["codes"]


def test_cloud_surface_names_an_unknown_phone_number_id(api: Scene) -> None:
    response = api.client.post("/v21.0/999/messages", json=CLOUD_TEXT)
    assert response.status_code == 400
    assert response.json()["error"]["error_subcode"] == 33


def test_evolution_surface_answers_with_the_evolution_send_result(api: Scene) -> None:
    api.add_line()
    api.customer_writes()

    response = api.client.post(
        "/message/sendText/100200300", json={"number": "5531988776655", "text": "Oi!"}
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["key"]["fromMe"] is True
    assert body["key"]["remoteJid"] == "5531988776655@s.whatsapp.net"
    assert body["status"] == "PENDING"
    assert api.client.get(f"/v1/messages/{body['key']['id']}").status_code == 200


def test_evolution_surface_refuses_in_its_error_shape(api: Scene) -> None:
    api.add_line()

    response = api.client.post(
        "/message/sendText/100200300", json={"number": "5531988776655", "text": "Oi!"}
    )

    assert response.status_code == 400
    body = response.json()
    assert body["status"] == 400 and body["error"] == "Bad Request"
    assert "ZG302" in body["response"]["message"][0]
    assert body["response"]["zapguard"]["verdict"] == "reject"
    unknown = api.client.post(
        "/message/sendText/nope", json={"number": "5531988776655", "text": "x"}
    )
    assert unknown.status_code == 404


def test_waha_surface_answers_with_the_waha_message_and_refuses_in_its_shape(api: Scene) -> None:
    api.add_line(provider_account="default")
    api.customer_writes()

    sent = api.client.post(
        "/api/sendText",
        json={"session": "default", "chatId": "5531988776655@c.us", "text": "Oi!"},
    )
    assert sent.status_code == 201, sent.text
    assert sent.json()["fromMe"] is True
    assert sent.json()["to"] == "5531988776655@c.us"

    refused = api.client.post(
        "/api/sendText",
        json={"session": "default", "chatId": "5511999990000@c.us", "text": "Promo!"},
    )
    assert refused.status_code == 422
    assert refused.json()["statusCode"] == 422
    assert "ZG302" in refused.json()["message"]


def test_deferred_messages_say_when_to_retry(api: Scene) -> None:
    api.add_line(daily_cap=1)
    api.customer_writes()
    api.client.post("/message/sendText/100200300", json={"number": "5531988776655", "text": "1"})

    second = api.client.post(
        "/message/sendText/100200300", json={"number": "5531988776655", "text": "2"}
    )

    assert second.status_code == 429
    assert int(second.headers["Retry-After"]) > 0
    assert "ZG501" in second.json()["response"]["zapguard"]["codes"]
