"""Evolution API and WAHA surfaces beyond text: media by link goes through the rules and the outbox,
the allowed routes reach the line's provider with its own key, and no other send path exists."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from api_scene import CUSTOMER, Scene, Upstream, provider_scene, upstream
from pydantic import SecretStr

from zapguard.service_config import ProviderSettings

IMAGE = "https://loja.example.com.br/pedido-1234.jpg"


def provider_answer(path: str) -> tuple[dict[str, Any], int]:
    if path.startswith("message/"):
        return {"key": {"id": "3EB0EVO", "remoteJid": "x@s.whatsapp.net", "fromMe": True}}, 201
    if path.startswith("api/send"):
        return {"id": "true_5531988776655@c.us_3EB0WAHA"}, 201
    return {"path": path, "exists": True}, 200


@pytest.fixture
def providers() -> Iterator[Upstream]:
    with upstream(provider_answer) as served:
        yield served


@pytest.fixture
def both(sqlite_url: str, providers: Upstream) -> Iterator[Scene]:
    connections = {
        "evo": ProviderSettings(
            kind="evolution", base_url=providers.url, token=SecretStr("evo-key")
        ),
        "waha": ProviderSettings(kind="waha", base_url=providers.url, token=SecretStr("waha-key")),
    }
    with provider_scene(sqlite_url, connections) as made:
        made.add_line("evo-line", provider="evo", provider_account="loja")
        made.add_line(
            "waha-line", provider="waha", provider_account="default", phone="+5511912340002"
        )
        made.customer_writes("evo-line")
        made.customer_writes("waha-line")
        yield made


def test_evolution_media_by_link_is_judged_queued_and_sent(
    both: Scene, providers: Upstream
) -> None:
    accepted = both.client.post(
        "/message/sendMedia/loja",
        json={
            "number": CUSTOMER.lstrip("+"),
            "mediatype": "image",
            "media": IMAGE,
            "caption": "Oi",
        },
    )
    base64 = both.client.post(
        "/message/sendMedia/loja",
        json={"number": CUSTOMER.lstrip("+"), "mediatype": "image", "media": "iVBORw0KGgo="},
    )

    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["message"] == {"imageMessage": {"url": IMAGE, "caption": "Oi"}}
    assert base64.status_code == 400  # base64 media does not go through zapguard
    assert both.dispatch() == 1
    [sent] = [c for c in providers.calls if c["path"] == "message/sendMedia/loja"]
    assert sent["json"]["media"] == IMAGE and sent["apikey"] == "evo-key"


def test_waha_images_and_files_go_through_the_rules(both: Scene, providers: Upstream) -> None:
    image = both.client.post(
        "/api/sendImage",
        json={"session": "default", "chatId": "5531988776655@c.us", "file": {"url": IMAGE}},
    )
    assert image.status_code == 201, image.text
    assert image.json()["hasMedia"] is True
    both.dispatch()
    [sent] = [c for c in providers.calls if c["path"] == "api/sendImage"]
    assert sent["json"]["file"]["url"] == IMAGE and sent["x-api-key"] == "waha-key"


def test_other_routes_reach_the_provider_with_its_own_key(both: Scene, providers: Upstream) -> None:
    numbers = both.client.post(
        "/chat/whatsappNumbers/loja", json={"numbers": [CUSTOMER.lstrip("+")]}
    )
    sessions = both.client.get("/api/sessions/default")

    assert numbers.status_code == sessions.status_code == 200
    evolution, waha = providers.calls
    assert (evolution["path"], evolution["apikey"]) == ("chat/whatsappNumbers/loja", "evo-key")
    assert (waha["path"], waha["x-api-key"]) == ("api/sessions/default", "waha-key")


def test_no_other_send_path_goes_around_the_rules(both: Scene, providers: Upstream) -> None:
    evolution = both.client.post(
        "/message/sendWhatsAppAudio/loja", json={"number": "5531988776655", "audio": IMAGE}
    )
    waha = both.client.post(
        "/api/sendVoice", json={"session": "default", "chatId": "5531988776655@c.us"}
    )
    assert evolution.status_code == waha.status_code == 403
    assert providers.calls == []


def test_a_path_the_provider_could_never_take_is_refused_clearly(
    both: Scene, providers: Upstream
) -> None:
    response = both.client.get("/chat/find%09Chats/loja")  # a control character in the path
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_request"  # Evolution's error shape
    assert providers.calls == []
