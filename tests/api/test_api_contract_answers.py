"""What the contract run (schemathesis, ``test_api_fuzz.py``) found, each pinned by itself: a
method a path does not take is a 405 that says which ones it does; every error has the documented
shape and status; dates are ISO text, never numbers; a deferral says in seconds when to retry."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from api_scene import CUSTOMER, Scene, provider_scene, upstream
from pydantic import SecretStr

from zapguard.service_config import ProviderSettings


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("TRACE", "/healthz", "GET"),
        ("PUT", "/healthz", "GET"),
        ("OPTIONS", "/v1/lines", "GET, POST"),
        ("PATCH", "/v1/lines/sac", "DELETE, GET"),
        ("POST", "/v1/lines/sac/secrets/webhook", "DELETE, PUT"),
        ("QUERY", "/v1/messages", "GET, POST"),
    ],
)
def test_a_method_the_path_does_not_take_is_a_405_saying_which_it_does(
    api: Scene, method: str, path: str, allowed: str
) -> None:
    response = api.client.request(method, path)

    assert response.status_code == 405
    assert response.headers["Allow"] == allowed  # RFC 9110 §15.5.6: a 405 carries Allow
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_the_advice_resource_takes_post_only(api: Scene) -> None:
    """``/v1/messages/advice`` is not a message called "advice"."""
    read = api.client.get("/v1/messages/advice")
    cancel = api.client.delete("/v1/messages/advice")

    assert (read.status_code, cancel.status_code) == (405, 405)
    assert read.headers["Allow"] == cancel.headers["Allow"] == "POST"


@pytest.fixture
def waha(sqlite_url: str) -> Iterator[Scene]:
    with (
        upstream(lambda path: ({"id": "true_x@c.us_1"}, 201)) as served,
        provider_scene(
            sqlite_url,
            {"waha": ProviderSettings(kind="waha", base_url=served.url, token=SecretStr("w"))},
        ) as made,
    ):
        made.add_line("w", provider="waha", provider_account="default")
        yield made


@pytest.mark.parametrize("method", ["PUT", "PATCH", "TRACE"])
def test_a_drop_in_path_with_another_method_is_a_405_in_the_dialects_shape(
    waha: Scene, method: str
) -> None:
    response = waha.client.request(method, "/api/sendText")

    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, POST"  # WAHA publishes both; GET is refused
    assert response.json()["statusCode"] == 405  # WAHA's (NestJS) error shape


def test_an_unknown_pool_is_a_404_like_an_unknown_line(api: Scene) -> None:
    api.add_line()
    message = {"to": CUSTOMER, "text": "Oi", "pool": "nao-existe"}

    submitted = api.client.post("/v1/messages", json=message)
    advised = api.client.post("/v1/messages/advice", json=message)

    assert submitted.status_code == advised.status_code == 404
    assert submitted.json()["error"]["code"] == "pool_not_found"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/contacts/+5531988776655/consent", {"source": "site", "granted_at": 0}),
        ("/v1/events", {"kind": "inbound", "line": "sac", "contact": CUSTOMER, "at": 1e9}),
    ],
)
def test_a_date_written_as_a_number_is_refused_not_read_as_1970(
    api: Scene, path: str, body: dict[str, Any]
) -> None:
    api.add_line()

    response = api.client.post(path, json=body)

    assert response.status_code == 422
    assert "ISO 8601" in response.json()["error"]["message_en"]


def test_a_native_deferral_says_in_seconds_when_to_retry(api: Scene) -> None:
    api.add_line(daily_cap=1)
    api.customer_writes()
    api.client.post("/v1/messages", json={"to": CUSTOMER, "text": "1", "line": "sac"})

    deferred = api.client.post("/v1/messages", json={"to": CUSTOMER, "text": "2", "line": "sac"})

    assert deferred.status_code == 429
    assert int(deferred.headers["Retry-After"]) > 0  # RFC 9110 §10.2.3: delay-seconds
    assert deferred.json()["error"]["details"]["decision"]["not_before"] is not None


def test_webhook_refusals_have_the_shape_of_every_other_error(api: Scene) -> None:
    unsigned = api.client.post("/webhooks/simulator", json={"entry": []})
    unknown = api.client.post("/webhooks/nao-existe", json={})
    handshake = api.client.get(
        "/webhooks/simulator", params={"hub.mode": "subscribe", "hub.verify_token": "errado"}
    )

    assert unsigned.status_code == 401
    assert unsigned.json()["error"]["code"] == "invalid_signature"
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "not_found"
    assert handshake.status_code == 403
    assert handshake.json()["error"]["code"] == "handshake_refused"
    for response in (unsigned, unknown, handshake):
        error = response.json()["error"]
        assert error["message_pt"] and error["message_en"]


def test_metrics_are_prometheus_text(api: Scene) -> None:
    response = api.client.get("/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    unauthorized = api.client.get("/metrics", headers={"X-Api-Key": "chave-que-nao-existe"})
    assert unauthorized.status_code == 401
    assert unauthorized.headers["content-type"] == "application/json"
