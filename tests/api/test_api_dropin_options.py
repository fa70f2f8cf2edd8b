"""Replies, link previews and delays asked through a drop-in reach the provider, end to end:
drop-in request → outbox → dispatcher → what the provider received, in the provider's own dialect,
whichever surface the message came in through."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from api_scene import CUSTOMER, Scene, Upstream, provider_scene, upstream
from pydantic import SecretStr

from zapguard.service_config import ProviderSettings

CUSTOMERS_MESSAGE = "wamid.HBgMNTUzMTg4Nzc2NjU1FQIAEhgWM0VCMEY0"
"""The id of a message the customer sent (as the provider's webhook named it)."""


def cloud_text(body: str, **extra: Any) -> dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "to": CUSTOMER.lstrip("+"),
        "type": "text",
        "text": {"body": body},
        **extra,
    }


def test_a_cloud_reply_and_its_link_preview_reach_the_provider(api: Scene) -> None:
    api.add_line()
    api.customer_writes()
    body = cloud_text(
        "Veja: https://loja.example.com.br/pedido/1234", context={"message_id": CUSTOMERS_MESSAGE}
    )
    body["text"]["preview_url"] = True

    response = api.client.post("/v21.0/100200300/messages", json=body)
    api.dispatch()

    assert response.status_code == 200, response.text
    [delivered] = api.delivered()
    assert delivered["reply_to"] == CUSTOMERS_MESSAGE
    assert delivered["preview_url"] is True


def test_a_reply_to_zapguards_own_id_quotes_the_id_the_provider_gave_that_message(
    api: Scene,
) -> None:
    api.add_line()
    api.customer_writes()
    first = api.client.post("/v21.0/100200300/messages", json=cloud_text("Seu pedido saiu."))
    api.dispatch()
    public_id = first.json()["messages"][0]["id"]

    reply = api.client.post(
        "/v21.0/100200300/messages",
        json=cloud_text("Chega hoje.", context={"message_id": public_id}),
    )
    api.dispatch()

    assert public_id.startswith("wamid.ZG") and reply.status_code == 200
    original, answer = api.delivered()
    assert answer["reply_to"] == original["wamid"]  # the provider's id, not zapguard's


def provider_answer(path: str) -> tuple[Any, int]:
    if path.startswith("message/"):
        return {"key": {"id": "3EB0EVO", "remoteJid": "x@s.whatsapp.net", "fromMe": True}}, 201
    if path.startswith("api/send"):
        return {"id": {"_serialized": "true_5531988776655@c.us_3EB0WAHA"}}, 201
    return {"result": True}, 200


@pytest.fixture
def providers() -> Iterator[Upstream]:
    with upstream(provider_answer) as served:
        yield served


@pytest.fixture
def both(sqlite_url: str, providers: Upstream) -> Iterator[Scene]:
    connections = {
        "evo": ProviderSettings(kind="evolution", base_url=providers.url, token=SecretStr("g")),
        "waha": ProviderSettings(kind="waha", base_url=providers.url, token=SecretStr("w")),
    }
    with provider_scene(sqlite_url, connections) as made:
        made.add_line("evo-line", provider="evo", provider_account="loja")
        made.add_line(
            "waha-line", provider="waha", provider_account="default", phone="+5511912340002"
        )
        made.customer_writes("evo-line")
        made.customer_writes("waha-line")
        yield made


def test_an_evolution_quote_link_preview_and_delay_reach_evolution(
    both: Scene, providers: Upstream
) -> None:
    body = {
        "number": CUSTOMER.lstrip("+"),
        "text": "Sobre isso: https://loja.example.com.br",
        "quoted": {"key": {"id": "3EB0CUSTOMER"}, "message": {"conversation": "e o frete?"}},
        "linkPreview": False,
        "delay": 300,
    }

    response = both.client.post("/message/sendText/loja", json=body)
    both.dispatch()

    assert response.status_code == 201, response.text
    presence, sent = providers.calls
    assert presence["path"] == "chat/sendPresence/loja"
    assert presence["json"]["delay"] == 300  # the typing the caller asked for, shown first
    assert sent["path"] == "message/sendText/loja"
    assert sent["json"]["quoted"] == {"key": {"id": "3EB0CUSTOMER"}}
    assert sent["json"]["linkPreview"] is False
    assert "delay" not in sent["json"]  # already shown: Evolution must not wait again


def test_a_waha_reply_and_link_preview_reach_waha(both: Scene, providers: Upstream) -> None:
    quoted = "false_5531988776655@c.us_3EB0CUSTOMER"
    body = {
        "session": "default",
        "chatId": "5531988776655@c.us",
        "text": "Sobre isso: https://loja.example.com.br",
        "reply_to": quoted,
        "linkPreview": False,
    }

    response = both.client.post("/api/sendText", json=body)
    both.dispatch()

    assert response.status_code == 201, response.text
    [sent] = providers.calls
    assert sent["path"] == "api/sendText"
    assert sent["json"]["reply_to"] == quoted
    assert sent["json"]["linkPreview"] is False


def test_a_reply_accepted_on_the_cloud_surface_goes_out_as_an_evolution_quote(
    both: Scene, providers: Upstream
) -> None:
    response = both.client.post(
        "/v21.0/loja/messages",
        json=cloud_text("Chega hoje.", context={"message_id": "3EB0CUSTOMER"}),
    )
    both.dispatch()

    assert response.status_code == 200, response.text
    [sent] = providers.calls
    assert sent["path"] == "message/sendText/loja"
    assert sent["json"]["quoted"] == {"key": {"id": "3EB0CUSTOMER"}}
    assert "linkPreview" not in sent["json"]  # not asked: Evolution's own default
