"""Evolution API and WAHA surfaces beyond text: media by link goes through the rules and the outbox,
every other route reaches the line's provider with its own key, and no other send path exists."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from api_scene import CUSTOMER, Clock, Scene, instant_policy, serving
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import SecretStr

from zapguard.api.app import create_app
from zapguard.gateway.service import open_services
from zapguard.service_config import DispatchConfig, ProviderSettings, ServiceConfig

IMAGE = "https://loja.example.com.br/pedido-1234.jpg"


@dataclass
class Upstream:
    """An Evolution API and a WAHA server in one: records what reaches them."""

    url: str
    calls: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    app = FastAPI()
    seen: list[dict[str, Any]] = []

    @app.api_route("/{path:path}", methods=["GET", "POST", "PUT", "DELETE"])
    async def anything(path: str, request: Request) -> JSONResponse:
        body = await request.body()
        seen.append(
            {
                "method": request.method,
                "path": path,
                "apikey": request.headers.get("apikey"),
                "x-api-key": request.headers.get("x-api-key"),
                "json": httpx.Response(200, content=body).json() if body else None,
            }
        )
        if path.startswith("message/"):
            return JSONResponse(
                {"key": {"id": "3EB0EVO", "remoteJid": "x@s.whatsapp.net", "fromMe": True}},
                status_code=201,
            )
        if path.startswith("api/send"):
            return JSONResponse({"id": "true_5531988776655@c.us_3EB0WAHA"}, status_code=201)
        return JSONResponse({"path": path, "exists": True})

    with serving(app) as url:
        yield Upstream(url, seen)


@pytest.fixture
def both(sqlite_url: str, upstream: Upstream) -> Iterator[Scene]:
    config = ServiceConfig(
        providers={
            "evo": ProviderSettings(
                kind="evolution", base_url=upstream.url, token=SecretStr("evo-key")
            ),
            "waha": ProviderSettings(
                kind="waha", base_url=upstream.url, token=SecretStr("waha-key")
            ),
        },
        dispatch=DispatchConfig(typing_chars_per_second=0),
    )
    clock = Clock()
    services = open_services(
        database_url=sqlite_url,
        counters_url=sqlite_url,
        policy=instant_policy(),
        config=config,
        default_tenant="default",
        simulator_url=None,
        clock=clock,
    )
    try:
        with (
            serving(create_app(services, run_dispatcher=False)) as url,
            httpx.Client(base_url=url) as client,
        ):
            made = Scene(services, client, upstream.url, clock)
            made.add_line("evo-line", provider="evo", provider_account="loja")
            made.add_line(
                "waha-line", provider="waha", provider_account="default", phone="+5511912340002"
            )
            made.customer_writes("evo-line")
            made.customer_writes("waha-line")
            try:
                yield made
            finally:
                made.sim.close()
    finally:
        services.close()


def test_evolution_media_by_link_is_judged_queued_and_sent(both: Scene, upstream: Upstream) -> None:
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
    [sent] = [c for c in upstream.calls if c["path"] == "message/sendMedia/loja"]
    assert sent["json"]["media"] == IMAGE and sent["apikey"] == "evo-key"


def test_waha_images_and_files_go_through_the_rules(both: Scene, upstream: Upstream) -> None:
    image = both.client.post(
        "/api/sendImage",
        json={"session": "default", "chatId": "5531988776655@c.us", "file": {"url": IMAGE}},
    )
    assert image.status_code == 201, image.text
    assert image.json()["hasMedia"] is True
    both.dispatch()
    [sent] = [c for c in upstream.calls if c["path"] == "api/sendImage"]
    assert sent["json"]["file"]["url"] == IMAGE and sent["x-api-key"] == "waha-key"


def test_other_routes_reach_the_provider_with_its_own_key(both: Scene, upstream: Upstream) -> None:
    numbers = both.client.post(
        "/chat/whatsappNumbers/loja", json={"numbers": [CUSTOMER.lstrip("+")]}
    )
    sessions = both.client.get("/api/sessions/default")

    assert numbers.status_code == sessions.status_code == 200
    evolution, waha = upstream.calls
    assert (evolution["path"], evolution["apikey"]) == ("chat/whatsappNumbers/loja", "evo-key")
    assert (waha["path"], waha["x-api-key"]) == ("api/sessions/default", "waha-key")


def test_no_other_send_path_goes_around_the_rules(both: Scene, upstream: Upstream) -> None:
    evolution = both.client.post(
        "/message/sendWhatsAppAudio/loja", json={"number": "5531988776655", "audio": IMAGE}
    )
    waha = both.client.post(
        "/api/sendVoice", json={"session": "default", "chatId": "5531988776655@c.us"}
    )
    assert evolution.status_code == waha.status_code == 400
    assert upstream.calls == []
