"""The Cloud API surface is a whole base URL: besides sending, every Graph call (media, templates,
profile) reaches the line's Cloud provider with the provider's token, and a client may keep that
provider's Meta token as its Bearer."""

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
from zapguard.store.api_keys import create_key

META_TOKEN = "EAAG-meta-token-of-the-business"


@dataclass
class Graph:
    """Meta's Graph API as far as these specs need it: records what reaches it."""

    url: str
    calls: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture
def graph() -> Iterator[Graph]:
    app = FastAPI()
    seen: list[dict[str, Any]] = []

    @app.api_route("/{path:path}", methods=["GET", "POST", "DELETE"])
    async def anything(path: str, request: Request) -> JSONResponse:
        seen.append(
            {
                "method": request.method,
                "path": path,
                "query": dict(request.query_params),
                "authorization": request.headers.get("authorization"),
                "body": (await request.body()).decode(),
            }
        )
        if path.endswith("/messages"):
            return JSONResponse({"messages": [{"id": "wamid.META1"}]})
        return JSONResponse(
            {"url": "https://lookaside.fbsbx.com/whatsapp_business/media", "id": path}
        )

    with serving(app) as url:
        yield Graph(url, seen)


@pytest.fixture
def meta(sqlite_url: str, graph: Graph) -> Iterator[Scene]:
    config = ServiceConfig(
        providers={
            "meta": ProviderSettings(kind="cloud", base_url=graph.url, token=SecretStr(META_TOKEN))
        },
        dispatch=DispatchConfig(typing_chars_per_second=0),
    )
    clock = Clock()
    services = open_services(
        clock=clock,
        database_url=sqlite_url,
        counters_url=sqlite_url,
        policy=instant_policy(),
        config=config,
        default_tenant="default",
        simulator_url=None,
    )
    services.store.ensure_tenant(tenant_id="acme", name="acme")
    try:
        with (
            serving(create_app(services, run_dispatcher=False)) as url,
            httpx.Client(base_url=url) as client,
        ):
            made = Scene(services, client, graph.url, clock)
            key, _ = create_key(services.store, tenant_id="acme", name="k", at=services.clock())
            client.headers["Authorization"] = f"Bearer {key}"
            made.add_line(provider="meta", provider_account="100200300")
            try:
                yield made
            finally:
                made.sim.close()
    finally:
        services.close()


def test_a_media_lookup_reaches_meta_with_the_providers_token(meta: Scene, graph: Graph) -> None:
    response = meta.client.get("/v21.0/1479537139650973", params={"phone_number_id": "100200300"})

    assert response.status_code == 200
    assert response.json()["url"].startswith("https://lookaside.fbsbx.com/")
    [call] = graph.calls
    assert call["method"] == "GET" and call["path"] == "v21.0/1479537139650973"
    assert call["query"] == {"phone_number_id": "100200300"}
    assert call["authorization"] == f"Bearer {META_TOKEN}"  # never the zapguard key


def test_a_client_may_keep_the_meta_token_as_its_bearer(meta: Scene, graph: Graph) -> None:
    meta.customer_writes()  # through the native API, with the zapguard key
    text = {"messaging_product": "whatsapp", "to": CUSTOMER, "type": "text", "text": {"body": "Oi"}}

    sent = meta.client.post(
        "/v21.0/100200300/messages", json=text, headers={"Authorization": f"Bearer {META_TOKEN}"}
    )
    wrong = meta.client.post(
        "/v21.0/100200300/messages", json=text, headers={"Authorization": "Bearer EAAG-other"}
    )
    native = meta.client.get("/v1/lines", headers={"Authorization": f"Bearer {META_TOKEN}"})

    assert sent.status_code == 200, sent.text  # the line's tenant, found by its provider token
    assert sent.json()["messages"][0]["id"].startswith("wamid.ZG")
    assert wrong.status_code == 401
    assert native.status_code == 401  # the Meta token only stands in on the Cloud surface
    assert graph.calls == []  # sending is decided and queued, never passed through


def test_no_other_send_path_goes_around_the_rules(meta: Scene, graph: Graph) -> None:
    response = meta.client.post(
        "/v21.0/100200300/marketing_messages",
        json={"messaging_product": "whatsapp", "to": CUSTOMER, "type": "template"},
    )
    assert response.status_code == 400
    assert graph.calls == []


def test_an_unknown_native_path_is_a_plain_404(meta: Scene) -> None:
    response = meta.client.get("/v1/nada/aqui")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
