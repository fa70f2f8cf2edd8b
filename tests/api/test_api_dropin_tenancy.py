"""One Evolution server and one WAHA server, each with one global key, serving the instances and
sessions of two tenants: the normal set-up of a reseller. Binding every call to the calling
tenant's own line is zapguard's job: tenant B's key never reaches tenant A's instance or session,
and cannot tell an instance of A's from one that does not exist."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from api_scene import Scene, Upstream, provider_scene, upstream
from pydantic import SecretStr

from zapguard.service_config import ProviderSettings
from zapguard.store.api_keys import ADMIN_SCOPE, create_key


def provider_answer(path: str) -> tuple[Any, int]:
    if path == "instance/fetchInstances":
        return [{"name": "loja-a", "token": "a-secret"}, {"name": "loja-b", "token": "b"}], 200
    if path == "api/sessions":
        return [{"name": "sessao-a", "status": "WORKING"}, {"name": "sessao-b"}], 200
    return {"path": path, "ok": True}, 200


@pytest.fixture
def providers() -> Iterator[Upstream]:
    with upstream(provider_answer) as served:
        yield served


@dataclass
class Reseller:
    scene: Scene
    a: dict[str, str]
    """Tenant A's admin key, as headers."""
    b: dict[str, str]
    """Tenant B's admin key, as headers."""


def _key(scene: Scene, tenant: str) -> dict[str, str]:
    scene.services.store.tenants.ensure(tenant_id=tenant, name=tenant)
    key, _ = create_key(
        scene.services.store, tenant_id=tenant, name="k", at=scene.clock(), scopes=[ADMIN_SCOPE]
    )
    return {"Authorization": f"Bearer {key}"}


def _line(scene: Scene, headers: dict[str, str], **fields: Any) -> None:
    body = {"role": "receptive", "in_use_since": "2023-01-02", **fields}
    response = scene.client.post("/v1/lines", json=body, headers=headers)
    assert response.status_code == 201, response.text


@pytest.fixture
def reseller(sqlite_url: str, providers: Upstream) -> Iterator[Reseller]:
    connections = {
        "evo": ProviderSettings(kind="evolution", base_url=providers.url, token=SecretStr("g")),
        "waha": ProviderSettings(kind="waha", base_url=providers.url, token=SecretStr("w")),
    }
    with provider_scene(sqlite_url, connections) as scene:
        a, b = _key(scene, "loja"), _key(scene, "rival")
        _line(
            scene, a, id="a-evo", phone="+5511912340001", provider="evo", provider_account="loja-a"
        )
        _line(
            scene,
            a,
            id="a-waha",
            phone="+5511912340002",
            provider="waha",
            provider_account="sessao-a",
        )
        _line(
            scene, b, id="b-evo", phone="+5511912340003", provider="evo", provider_account="loja-b"
        )
        _line(
            scene,
            b,
            id="b-waha",
            phone="+5511912340004",
            provider="waha",
            provider_account="sessao-b",
        )
        yield Reseller(scene, a, b)


def _as(reseller: Reseller, who: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
    headers = reseller.a if who == "a" else reseller.b
    return reseller.scene.client.request(method, path, headers=headers, **kwargs)


ANOTHER_TENANTS_CALLS = [
    (
        "POST",
        "/webhook/set/loja-a",
        {"webhook": {"url": "https://evil.example/x", "enabled": True}},
    ),
    ("DELETE", "/instance/logout/loja-a", None),
    ("POST", "/chat/findMessages/loja-a", {"where": {}}),
    ("POST", "/api/sessions/sessao-a/logout", None),
    ("GET", "/api/sessao-a/chats", None),
]


@pytest.mark.parametrize(("method", "path", "body"), ANOTHER_TENANTS_CALLS)
def test_another_tenants_key_never_reaches_the_instance(
    reseller: Reseller, providers: Upstream, method: str, path: str, body: Any
) -> None:
    response = _as(reseller, "b", method, path, json=body)

    assert response.status_code == 404, response.text
    assert providers.calls == []


def test_another_tenants_instance_looks_exactly_like_one_that_does_not_exist(
    reseller: Reseller, providers: Upstream
) -> None:
    theirs = _as(reseller, "b", "DELETE", "/instance/logout/loja-a")
    nobodys = _as(reseller, "b", "DELETE", "/instance/logout/nao-existe")

    def shape(response: httpx.Response) -> Any:
        return response.text.replace("loja-a", "X").replace("nao-existe", "X")

    assert (theirs.status_code, shape(theirs)) == (nobodys.status_code, shape(nobodys))
    assert providers.calls == []


def test_the_owner_reaches_its_own_instance_with_the_servers_global_key(
    reseller: Reseller, providers: Upstream
) -> None:
    logout = _as(reseller, "a", "DELETE", "/instance/logout/loja-a")
    messages = _as(reseller, "a", "POST", "/chat/findMessages/loja-a", json={"where": {}})

    assert logout.status_code == messages.status_code == 200
    assert [(c["method"], c["path"], c["apikey"]) for c in providers.calls] == [
        ("DELETE", "instance/logout/loja-a", "g"),
        ("POST", "chat/findMessages/loja-a", "g"),
    ]


def test_listing_the_instances_shows_only_the_callers_own(
    reseller: Reseller, providers: Upstream
) -> None:
    evolution = _as(reseller, "b", "GET", "/instance/fetchInstances")
    waha = _as(reseller, "b", "GET", "/api/sessions")

    assert evolution.status_code == waha.status_code == 200
    assert [item["name"] for item in evolution.json()] == ["loja-b"]
    assert "token" not in evolution.json()[0]  # the instance's own key would bypass zapguard
    assert [item["name"] for item in waha.json()] == ["sessao-b"]


def test_naming_another_tenants_instance_in_the_query_is_refused(
    reseller: Reseller, providers: Upstream
) -> None:
    by_name = _as(reseller, "b", "GET", "/instance/fetchInstances?instanceName=loja-a")
    # Evolution merges the query into the path parameters (abstract.router.ts, dataValidate):
    # ?instanceName= on any route would otherwise redirect the call to another instance.
    smuggled = _as(reseller, "b", "POST", "/chat/findChats/loja-b?instanceName=loja-a", json={})

    assert by_name.status_code == 404
    assert smuggled.status_code == 200
    [call] = providers.calls
    assert call["path"] == "chat/findChats/loja-b" and call["query"] == {}


def test_a_waha_session_named_in_the_body_is_bound_to_the_caller(
    reseller: Reseller, providers: Upstream
) -> None:
    theirs = _as(
        reseller, "b", "POST", "/api/sendSeen", json={"session": "sessao-a", "chatId": "1@c.us"}
    )
    own = _as(
        reseller, "b", "POST", "/api/sendSeen", json={"session": "sessao-b", "chatId": "1@c.us"}
    )

    assert theirs.status_code == 404
    assert own.status_code == 200
    [call] = providers.calls
    assert call["json"]["session"] == "sessao-b"
