"""``/v1/templates`` and a Cloud API template sent through the drop-in (ZG507): a person sets a
template's state or lets a RED one go out; the drop-in carries the template's name to the policy."""

from __future__ import annotations

from typing import Any

from api_scene import Scene


def test_a_template_never_seen_is_not_listed(api: Scene) -> None:
    assert api.client.get("/v1/templates").json() == []


def test_a_person_sets_a_templates_status_and_lets_a_red_one_go_out(api: Scene) -> None:
    put = api.client.put(
        "/v1/templates/pedido_enviado", json={"quality": "RED", "allow_red": False}
    )
    assert put.status_code == 200, put.text
    assert put.json()["quality"] == "RED" and put.json()["allow_red"] is False

    allowed = api.client.put("/v1/templates/pedido_enviado", json={"allow_red": True})

    assert allowed.json()["allow_red"] is True and allowed.json()["quality"] == "RED"
    [listed] = api.client.get("/v1/templates").json()
    assert listed["name"] == "pedido_enviado" and listed["allow_red"] is True


def test_a_quality_meta_does_not_use_is_refused_naming_the_field(api: Scene) -> None:
    response = api.client.put(
        "/v1/templates/pedido_enviado", json={"quality": "ROXO", "allow_red": False}
    )

    assert response.status_code == 422
    assert "quality" in response.text


def test_allow_red_is_required(api: Scene) -> None:
    response = api.client.put("/v1/templates/pedido_enviado", json={"status": "PAUSED"})

    assert response.status_code == 422 and "allow_red" in response.text


def template(name: str = "pedido_enviado") -> dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "to": "5531988776655",
        "type": "template",
        "template": {
            "name": name,
            "language": {"code": "pt_BR"},
            "components": [{"type": "body", "parameters": [{"type": "text", "text": "1234"}]}],
        },
    }


def avisos(api: Scene) -> None:
    api.add_line("avisos", role="campaign", phone="+5511912340002", provider_account="200300400")


def test_a_paused_template_sent_through_the_cloud_drop_in_is_refused(api: Scene) -> None:
    avisos(api)
    api.client.put("/v1/templates/pedido_enviado", json={"status": "PAUSED", "allow_red": False})

    refused = api.client.post("/v21.0/200300400/messages", json=template())
    other = api.client.post("/v21.0/200300400/messages", json=template("boas_vindas"))

    assert refused.status_code == 400, refused.text
    error = refused.json()["error"]
    assert "ZG507" in error["zapguard"]["codes"] and "PAUSED" in error["error_data"]["details"]
    assert other.status_code == 200, other.text  # never seen: the provider checks it


def test_a_red_template_is_deferred_until_the_user_allows_it(api: Scene) -> None:
    avisos(api)
    api.client.put("/v1/templates/pedido_enviado", json={"quality": "RED", "allow_red": False})

    deferred = api.client.post("/v21.0/200300400/messages", json=template())
    api.client.put("/v1/templates/pedido_enviado", json={"allow_red": True})
    allowed = api.client.post("/v21.0/200300400/messages", json=template())

    assert deferred.status_code == 429, deferred.text
    assert "ZG507" in deferred.json()["error"]["zapguard"]["codes"]
    assert allowed.status_code == 200, allowed.text


def test_the_template_name_reaches_the_decision_journal(api: Scene) -> None:
    avisos(api)
    api.client.put("/v1/templates/pedido_enviado", json={"status": "REJECTED", "allow_red": False})
    api.client.post("/v21.0/200300400/messages", json=template())

    [decision] = api.services.store.journal.decisions(tenant_id="default", limit=5)

    assert decision.message.template == "pedido_enviado" and "ZG507" in decision.codes
