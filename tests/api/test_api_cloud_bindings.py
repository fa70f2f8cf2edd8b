"""The Cloud API surface binds what Graph names by bare ids: a media id only for a tenant whose line
zapguard saw it on, a business account's templates only for the tenant whose line holds it. Two
businesses share one Meta connection (a reseller's system-user token), as they may."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from api_scene import START, Scene, Upstream, provider_scene, upstream
from pydantic import SecretStr

from zapguard.providers.cloud.signature import sign_cloud
from zapguard.service_config import ProviderSettings
from zapguard.store.api_keys import ADMIN_SCOPE, create_key

TOKEN = "EAAG-reseller-system-user"
APP_SECRET = "segredo-do-app"
MEDIA_ID = "1479537139650973"


def graph(path: str) -> tuple[Any, int]:
    if path.endswith("/message_templates"):
        return {"data": [{"name": "pedido_enviado", "status": "APPROVED"}]}, 200
    return {"url": "https://lookaside.fbsbx.com/whatsapp_business/media", "path": path}, 200


@pytest.fixture
def meta() -> Iterator[Upstream]:
    with upstream(graph) as served:
        yield served


@dataclass
class Shared:
    scene: Scene
    loja: dict[str, str]
    rival: dict[str, str]
    loja_admin: dict[str, str]


def _key(scene: Scene, tenant: str, *scopes: str) -> dict[str, str]:
    scene.services.store.tenants.ensure(tenant_id=tenant, name=tenant)
    key, _ = create_key(
        scene.services.store, tenant_id=tenant, name="k", at=scene.clock(), scopes=scopes
    )
    return {"Authorization": f"Bearer {key}"}


def _line(scene: Scene, headers: dict[str, str], **fields: Any) -> httpx.Response:
    body = {"role": "receptive", "in_use_since": "2023-01-02", "provider": "meta", **fields}
    return scene.client.post("/v1/lines", json=body, headers=headers)


@pytest.fixture
def shared(sqlite_url: str, meta: Upstream) -> Iterator[Shared]:
    connection = ProviderSettings(
        kind="cloud",
        base_url=meta.url,
        token=SecretStr(TOKEN),
        app_secret=SecretStr(APP_SECRET),
    )
    with provider_scene(sqlite_url, {"meta": connection}) as scene:
        loja, rival = _key(scene, "loja"), _key(scene, "rival")
        added = [
            _line(
                scene,
                loja,
                id="loja-sac",
                phone="+5511912340001",
                provider_account="100200300",
                business_account="555000111",
            ),
            _line(
                scene,
                rival,
                id="rival-sac",
                phone="+5511912340002",
                provider_account="200300400",
                business_account="666000222",
            ),
        ]
        assert [response.status_code for response in added] == [201, 201], added[0].text
        yield Shared(scene, loja, rival, _key(scene, "loja", ADMIN_SCOPE))


def image_webhook(scene: Scene) -> None:
    """The customer sends the line a photo: Meta's webhook names the media by its id."""
    message = {
        "from": "553188776655",
        "id": "wamid.HBgMNTUzMTg4Nzc2NjU1FQIAEhgWM0VCMEY0",
        "timestamp": str(int(START.timestamp())),
        "type": "image",
        "image": {"id": MEDIA_ID, "mime_type": "image/jpeg", "caption": "o comprovante"},
    }
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "5511912340001", "phone_number_id": "100200300"},
        "contacts": [{"profile": {"name": "Ana"}, "wa_id": "553188776655"}],
        "messages": [message],
    }
    payload = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "555000111", "changes": [{"field": "messages", "value": value}]}],
    }
    body = json.dumps(payload).encode()
    response = scene.client.post(
        "/webhooks/meta",
        content=body,
        headers={
            "X-Hub-Signature-256": sign_cloud(body, APP_SECRET),
            "content-type": "application/json",
        },
    )
    assert response.status_code == 200, response.text


def test_a_media_id_from_a_webhook_is_fetched_only_by_the_lines_tenant(
    shared: Shared, meta: Upstream
) -> None:
    before = shared.scene.client.get(f"/v21.0/{MEDIA_ID}", headers=shared.loja)
    image_webhook(shared.scene)

    own = shared.scene.client.get(f"/v21.0/{MEDIA_ID}", headers=shared.loja)
    theirs = shared.scene.client.get(f"/v21.0/{MEDIA_ID}", headers=shared.rival)
    deleted_by_them = shared.scene.client.delete(f"/v21.0/{MEDIA_ID}", headers=shared.rival)

    assert before.status_code == 400  # not seen yet: nobody's
    assert own.status_code == 200
    assert theirs.status_code == deleted_by_them.status_code == 400
    assert theirs.json()["error"]["error_subcode"] == 33
    [call] = meta.calls
    assert (call["method"], call["path"], call["authorization"]) == (
        "GET",
        f"v21.0/{MEDIA_ID}",
        f"Bearer {TOKEN}",
    )


def test_templates_are_read_only_on_the_business_account_of_the_callers_line(
    shared: Shared, meta: Upstream
) -> None:
    own = shared.scene.client.get(
        "/v21.0/555000111/message_templates", params={"status": "APPROVED"}, headers=shared.loja
    )
    theirs = shared.scene.client.get("/v21.0/555000111/message_templates", headers=shared.rival)

    assert own.status_code == 200 and own.json()["data"][0]["name"] == "pedido_enviado"
    assert theirs.status_code == 400 and theirs.json()["error"]["error_subcode"] == 33
    [call] = meta.calls
    assert call["path"] == "v21.0/555000111/message_templates"
    assert call["query"] == {"status": "APPROVED"}


def test_creating_a_template_needs_an_admin_key(shared: Shared, meta: Upstream) -> None:
    template = {"name": "boas_vindas", "language": "pt_BR", "category": "UTILITY", "components": []}

    plain = shared.scene.client.post(
        "/v21.0/555000111/message_templates", json=template, headers=shared.loja
    )
    admin = shared.scene.client.post(
        "/v21.0/555000111/message_templates", json=template, headers=shared.loja_admin
    )

    assert plain.status_code == 403 and plain.json()["error"]["code"] == 10
    assert admin.status_code == 200
    [call] = meta.calls
    assert call["method"] == "POST" and call["json"] == template


def test_another_tenants_business_account_cannot_be_claimed(shared: Shared) -> None:
    response = _line(
        shared.scene,
        shared.rival,
        id="rival-2",
        phone="+5511912340003",
        provider_account="300400500",
        business_account="555000111",
    )

    assert response.status_code == 409
    assert "loja-sac" not in response.text  # the other tenant's line is not named


def test_the_line_shows_its_business_account(shared: Shared) -> None:
    line = shared.scene.client.get("/v1/lines/loja-sac", headers=shared.loja).json()
    assert line["business_account"] == "555000111"


def test_marking_a_message_read_goes_to_the_lines_provider_with_only_its_documented_fields(
    shared: Shared, meta: Upstream
) -> None:
    read = {
        "messaging_product": "whatsapp",
        "status": "read",
        "message_id": "wamid.HBgMNTUzMTg4Nzc2NjU1FQIAEhgWM0VCMEY0",
        "typing_indicator": {"type": "text"},
        "to": "5511999990000",
    }

    own = shared.scene.client.post("/v21.0/100200300/messages", json=read, headers=shared.loja)
    theirs = shared.scene.client.post("/v21.0/100200300/messages", json=read, headers=shared.rival)

    assert own.status_code == 200
    assert theirs.status_code == 400
    [call] = meta.calls
    assert call["path"] == "v21.0/100200300/messages"
    assert call["json"] == {key: read[key] for key in read if key != "to"}
