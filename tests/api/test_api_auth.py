"""API keys: per tenant, hashed, required once any exists; tenants never see each other's data."""

from __future__ import annotations

import logging

import pytest
from api_scene import CUSTOMER, Scene, scene

from zapguard.store.api_keys import create_key


def _key(api: Scene, tenant: str) -> dict[str, str]:
    api.services.store.tenants.ensure(tenant_id=tenant, name=tenant)
    key, _ = create_key(api.services.store, tenant_id=tenant, name="test", at=api.clock())
    return {"Authorization": f"Bearer {key}"}


def test_health_needs_no_key(api: Scene) -> None:
    _key(api, "acme")
    response = api.client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_without_any_key_a_loopback_server_serves_the_default_tenant(api: Scene) -> None:
    assert api.client.get("/v1/lines").status_code == 200


def test_once_a_key_exists_every_route_requires_one(api: Scene) -> None:
    _key(api, "acme")

    response = api.client.get("/v1/lines")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    assert (
        api.client.get("/v1/lines", headers={"Authorization": "Bearer zg_x_y"}).status_code == 401
    )


def test_a_server_that_is_not_open_refuses_keyless_calls_even_with_no_key(
    sqlite_url: str, simulator_url: str
) -> None:
    with scene(sqlite_url, simulator_url, open_when_keyless=False) as closed:
        assert closed.client.get("/v1/lines").status_code == 401


def test_keys_are_stored_hashed(api: Scene) -> None:
    headers = _key(api, "acme")
    secret = headers["Authorization"].removeprefix("Bearer ")
    with api.services.store.engine.connect() as connection:
        rows = connection.exec_driver_sql("SELECT prefix, secret_hash FROM api_keys").all()
    assert rows and all(secret not in (prefix, digest) for prefix, digest in rows)


def test_the_same_key_works_in_every_dialect_header(api: Scene) -> None:
    secret = _key(api, "acme")["Authorization"].removeprefix("Bearer ")
    for headers in ({"X-Api-Key": secret}, {"apikey": secret}):
        assert api.client.get("/v1/lines", headers=headers).status_code == 200


def test_tenants_never_see_each_other(api: Scene) -> None:
    acme, globex = _key(api, "acme"), _key(api, "globex")
    api.client.headers.update(acme)
    api.add_line()
    api.customer_writes()
    sent = api.client.post("/v1/messages", json={"to": CUSTOMER, "text": "Oi", "line": "sac"})
    api.client.post(f"/v1/contacts/{CUSTOMER}/consent", json={"source": "site"})
    message_id = sent.json()["id"]

    other = {"headers": globex}
    assert api.client.get("/v1/lines", **other).json() == []
    assert api.client.get("/v1/lines/sac", **other).status_code == 404
    assert api.client.get("/v1/pools", **other).json() == []
    assert api.client.get("/v1/messages", **other).json() == []
    assert api.client.get(f"/v1/messages/{message_id}", **other).status_code == 404
    assert api.client.delete(f"/v1/messages/{message_id}", **other).status_code == 404
    assert api.client.get("/v1/decisions", **other).json() == []
    assert api.client.get("/v1/events", **other).json() == []
    assert api.client.get(f"/v1/contacts/{CUSTOMER}/consent", **other).json()["active"] is False
    refused = api.client.post(
        "/v1/messages", json={"to": CUSTOMER, "text": "Oi", "line": "sac"}, **other
    )
    assert refused.status_code == 404
    cloud = api.client.post(
        "/v21.0/100200300/messages",
        json={
            "messaging_product": "whatsapp",
            "to": CUSTOMER,
            "type": "text",
            "text": {"body": "Oi"},
        },
        **other,
    )
    assert cloud.status_code == 400
    assert api.client.get("/v1/lines", headers=acme).json()[0]["id"] == "sac"


def test_keys_never_reach_the_logs(api: Scene, caplog: pytest.LogCaptureFixture) -> None:
    headers = _key(api, "acme")
    secret = headers["Authorization"].removeprefix("Bearer ")
    caplog.set_level(logging.DEBUG)
    api.client.headers.update(headers)
    api.add_line()
    api.customer_writes()
    api.client.post("/v1/messages", json={"to": CUSTOMER, "text": "Oi", "line": "sac"})
    api.client.get("/v1/lines", headers={"Authorization": "Bearer zg_wrong_key"})
    api.dispatch()
    assert secret not in caplog.text
    assert "zg_wrong_key" not in caplog.text
