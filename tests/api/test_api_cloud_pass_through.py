"""The Cloud API surface is a whole base URL: besides sending, the allowed Graph calls (media,
templates, profile) reach the line's Cloud provider with the provider's token, and a client may
keep that provider's Meta token as its Bearer."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from api_scene import CUSTOMER, Scene, Upstream, provider_scene, upstream
from pydantic import SecretStr

from zapguard.service_config import ProviderSettings
from zapguard.store.api_keys import create_key

META_TOKEN = "EAAG-meta-token-of-the-business"


MEDIA_ID = "1479537139650973"


def graph_answer(path: str) -> tuple[dict[str, Any], int]:
    if path.endswith("/messages"):
        return {"messages": [{"id": "wamid.META1"}]}, 200
    if path.endswith("/media"):
        return {"id": MEDIA_ID}, 200
    return {"url": "https://lookaside.fbsbx.com/whatsapp_business/media", "id": path}, 200


@pytest.fixture
def graph() -> Iterator[Upstream]:
    with upstream(graph_answer) as served:
        yield served


@pytest.fixture
def meta(sqlite_url: str, graph: Upstream) -> Iterator[Scene]:
    providers = {
        "meta": ProviderSettings(kind="cloud", base_url=graph.url, token=SecretStr(META_TOKEN))
    }
    with provider_scene(sqlite_url, providers) as made:
        made.services.store.tenants.ensure(tenant_id="acme", name="acme")
        key, _ = create_key(made.services.store, tenant_id="acme", name="k", at=made.clock())
        made.client.headers["Authorization"] = f"Bearer {key}"
        made.add_line(provider="meta", provider_account="100200300")
        yield made


def test_a_media_lookup_reaches_meta_with_the_providers_token(meta: Scene, graph: Upstream) -> None:
    uploaded = meta.client.post(
        "/v21.0/100200300/media",
        files={"file": ("pedido.jpg", b"\xff\xd8", "image/jpeg")},
        data={"messaging_product": "whatsapp"},
    )
    response = meta.client.get(f"/v21.0/{MEDIA_ID}", params={"phone_number_id": "100200300"})

    assert uploaded.status_code == 200 and uploaded.json() == {"id": MEDIA_ID}
    assert response.status_code == 200
    assert response.json()["url"].startswith("https://lookaside.fbsbx.com/")
    upload, call = graph.calls
    assert upload["path"] == "v21.0/100200300/media"
    assert call["method"] == "GET" and call["path"] == f"v21.0/{MEDIA_ID}"
    assert call["query"] == {"phone_number_id": "100200300"}
    assert call["authorization"] == f"Bearer {META_TOKEN}"  # never the zapguard key


def test_a_media_id_zapguard_never_saw_on_the_tenants_lines_is_refused(
    meta: Scene, graph: Upstream
) -> None:
    response = meta.client.get("/v21.0/999888777666")

    assert response.status_code == 400
    assert response.json()["error"]["error_subcode"] == 33
    assert graph.calls == []


def test_a_client_may_keep_the_meta_token_as_its_bearer(meta: Scene, graph: Upstream) -> None:
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


def test_no_other_send_path_goes_around_the_rules(meta: Scene, graph: Upstream) -> None:
    response = meta.client.post(
        "/v21.0/100200300/marketing_messages",
        json={"messaging_product": "whatsapp", "to": CUSTOMER, "type": "template"},
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == 10  # Graph: no permission for this action
    assert graph.calls == []


def test_an_unknown_native_path_is_a_plain_404(meta: Scene) -> None:
    response = meta.client.get("/v1/nada/aqui")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
