"""The provider surfaces are deny-by-default, over real HTTP: every spelling of a send reaches the
send handler and the rules; every other way to make WhatsApp deliver something is refused in the
dialect's shape, with nothing reaching the provider; administrative calls need an admin key.

Paths are sent byte for byte (``http.client``): an HTTP client library would clean dot segments
before they ever left."""

from __future__ import annotations

import http.client
import json
import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from api_scene import Scene, Upstream, provider_scene, upstream
from pydantic import SecretStr

from zapguard.service_config import ProviderSettings
from zapguard.store.api_keys import ADMIN_SCOPE, create_key

WAHA_TEXT = {"session": "default", "chatId": "5531988776655@c.us", "text": "Seu pedido saiu."}
EVOLUTION_TEXT = {"number": "5531988776655", "text": "Seu pedido saiu."}


def answer(path: str) -> tuple[Any, int]:
    if path.startswith(("message/", "api/send")):
        return {"key": {"id": "3EB0PROVIDER"}, "id": "true_x@c.us_3EB0"}, 201
    return {"path": path}, 200


@pytest.fixture
def providers() -> Iterator[Upstream]:
    with upstream(answer) as served:
        yield served


@pytest.fixture
def lines(sqlite_url: str, providers: Upstream) -> Iterator[Scene]:
    """The default tenant (the keyless loopback demo) with an Evolution and a WAHA line on one
    server each; the customer wrote to both."""
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


def raw(
    scene: Scene,
    method: str,
    path: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, Any]:
    """Send ``path`` exactly as written."""
    address = urlsplit(str(scene.client.base_url))
    connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=10)
    try:
        payload = json.dumps(body).encode() if body is not None else None
        sent = {"Content-Type": "application/json", **(headers or {})}
        connection.request(method, path, body=payload, headers=sent)
        response = connection.getresponse()
        content = response.read()
    finally:
        connection.close()
    return response.status, json.loads(content) if content else None


def decisions(scene: Scene) -> int:
    return len(scene.client.get("/v1/decisions").json())


SEND_SPELLINGS = [
    ("/api/sendText/", WAHA_TEXT),
    ("/api/SendText", WAHA_TEXT),
    ("/API//sendtext//", WAHA_TEXT),
    ("/api/./x/../sendText", WAHA_TEXT),
    ("/api/send%54ext", WAHA_TEXT),
    ("/message/sendText/loja/", EVOLUTION_TEXT),
    ("/Message/SENDTEXT/loja", EVOLUTION_TEXT),
    ("/chat/../message/sendText/loja", EVOLUTION_TEXT),
]


@pytest.mark.parametrize(("path", "body"), SEND_SPELLINGS)
def test_every_spelling_of_a_send_goes_through_the_rules(
    lines: Scene, providers: Upstream, path: str, body: dict[str, Any]
) -> None:
    before = decisions(lines)

    status, answered = raw(lines, "POST", path, body)

    assert status == 201, answered
    assert decisions(lines) == before + 1  # a decision was taken and recorded
    assert providers.calls == []  # queued, not passed through
    lines.dispatch()
    [sent] = providers.calls
    assert sent["path"] in ("api/sendText", "message/sendText/loja")


AROUND_THE_RULES = [
    ("POST", "/api/send/link-custom-preview", {**WAHA_TEXT, "preview": {"url": "https://x"}}),
    ("POST", "/api/forwardMessage", {"session": "default", "chatId": "1@c.us", "messageId": "x"}),
    ("POST", "/api/default/status/text", {"text": "Promoção!"}),
    ("PUT", "/api/default/chats/5531988776655@c.us/messages/true_x_1", {"text": "editada"}),
    ("POST", "/api/default/chats/5531988776655@c.us/messages/true_x_1/pin", {"duration": 86400}),
    ("POST", "/api/default/groups", {"name": "Promo", "participants": [{"id": "1@c.us"}]}),
    ("POST", "/api/sendPoll", {"session": "default", "chatId": "1@c.us", "poll": {}}),
    ("PUT", "/api/reaction", {"session": "default", "messageId": "x", "reaction": "👍"}),
    ("POST", "/group/sendInvite/loja", {"groupJid": "1@g.us", "numbers": ["5531988776655"]}),
    ("POST", "/chat/updateMessage/loja", {"number": "5531988776655", "text": "editada"}),
    ("POST", "/message/sendStatus/loja", {"type": "text", "content": "Promo", "allContacts": True}),
    ("POST", "/message/SendReaction/loja/", {"key": {"id": "x"}, "reaction": "👍"}),
    ("POST", "/call/offer/loja", {"number": "5531988776655", "callDuration": 3}),
    ("POST", "/typebot/start/loja", {"remoteJid": "5531988776655@s.whatsapp.net"}),
    ("POST", "/chatwoot/set/loja", {"enabled": True, "url": "https://chatwoot.example"}),
    ("POST", "/baileys/sendNode/loja", {"stanza": {}}),
]


@pytest.mark.parametrize(("method", "path", "body"), AROUND_THE_RULES)
def test_every_other_way_to_deliver_something_is_refused_and_logged(
    lines: Scene,
    providers: Upstream,
    caplog: pytest.LogCaptureFixture,
    method: str,
    path: str,
    body: dict[str, Any],
) -> None:
    caplog.set_level(logging.INFO, logger="zapguard.dropin")

    status, answered = raw(lines, method, path, body)

    assert status == 403, answered
    assert providers.calls == []
    assert "refused by zapguard" in json.dumps(answered)
    assert "recusado pelo zapguard" in json.dumps(answered, ensure_ascii=False)
    [record] = [r for r in caplog.records if "drop-in refused" in r.getMessage()]
    assert "tenant=default" in record.getMessage() and "class=refused" in record.getMessage()


@pytest.mark.parametrize(
    ("path", "shape"),
    [
        ("/api/sendText%2F", "statusCode"),
        ("/api%2FsendText", "statusCode"),
        ("/api/sendText%252F", "statusCode"),
        ("/api/send%00Text", "statusCode"),
        ("/message/sendText/loja%2F..%2F..%2Fother", "status"),
        ("/api/../../v1/lines", None),
    ],
)
def test_a_path_that_would_read_differently_elsewhere_is_refused_before_anything(
    lines: Scene, providers: Upstream, path: str, shape: str | None
) -> None:
    before = decisions(lines)

    status, answered = raw(lines, "POST", path, WAHA_TEXT)

    assert status in (404, 422), answered
    if shape is not None:
        assert shape in answered  # the dialect's own error shape
    assert decisions(lines) == before
    assert providers.calls == []


def test_an_unknown_route_is_a_404_in_the_dialects_shape(lines: Scene, providers: Upstream) -> None:
    waha = lines.client.post("/api/default/nada", json={})
    evolution = lines.client.post("/chat/nadaDisso/loja", json={})
    cloud = lines.client.get("/v21.0/100200300/nada")

    assert waha.status_code == evolution.status_code == cloud.status_code == 404
    assert waha.json()["statusCode"] == 404
    assert evolution.json()["status"] == 404
    assert cloud.json()["error"]["code"] == 2500
    assert providers.calls == []


def _key(scene: Scene, *scopes: str) -> dict[str, str]:
    key, _ = create_key(
        scene.services.store, tenant_id="default", name="k", at=scene.clock(), scopes=scopes
    )
    return {"apikey": key}


def test_administrative_calls_need_an_admin_key(lines: Scene, providers: Upstream) -> None:
    plain, admin = _key(lines), _key(lines, ADMIN_SCOPE)
    webhook = {"webhook": {"url": "https://helpdesk.example/hook", "enabled": True}}

    refused = lines.client.post("/webhook/set/loja", json=webhook, headers=plain)
    logout = lines.client.post("/api/sessions/default/logout", headers=plain)
    allowed = lines.client.post("/webhook/set/loja", json=webhook, headers=admin)
    read = lines.client.post("/chat/findChats/loja", json={}, headers=plain)

    assert refused.status_code == logout.status_code == 403
    assert "admin" in refused.json()["response"]["message"][0]
    assert allowed.status_code == read.status_code == 200
    assert [(c["method"], c["path"]) for c in providers.calls] == [
        ("POST", "webhook/set/loja"),
        ("POST", "chat/findChats/loja"),
    ]


def test_the_keyless_loopback_demo_counts_as_admin(lines: Scene, providers: Upstream) -> None:
    response = lines.client.delete("/instance/logout/loja")

    assert response.status_code == 200
    assert providers.calls[0]["path"] == "instance/logout/loja"


def test_an_instance_is_created_only_under_the_name_of_one_of_the_tenants_lines(
    lines: Scene, providers: Upstream
) -> None:
    admin = _key(lines, ADMIN_SCOPE)

    other = lines.client.post(
        "/instance/create", json={"instanceName": "outra", "qrcode": True}, headers=admin
    )
    own = lines.client.post(
        "/instance/create", json={"instanceName": "loja", "qrcode": True}, headers=admin
    )

    assert other.status_code == 404
    assert own.status_code == 200
    [call] = providers.calls
    assert call["path"] == "instance/create" and call["json"]["instanceName"] == "loja"


def test_a_waha_session_left_out_of_the_body_is_bound_as_the_default_one(
    lines: Scene, providers: Upstream
) -> None:
    seen = lines.client.post("/api/sendSeen", json={"chatId": "5531988776655@c.us"})

    assert seen.status_code == 201  # the provider's own answer, passed back
    [call] = providers.calls
    assert call["json"] == {"chatId": "5531988776655@c.us", "session": "default"}


def test_a_send_on_an_instance_the_tenant_does_not_have_names_it_as_evolution_does(
    lines: Scene, providers: Upstream
) -> None:
    response = lines.client.post("/message/sendText/nao-existe", json=EVOLUTION_TEXT)

    assert response.status_code == 404
    assert response.json()["response"]["message"][0] == 'The "nao-existe" instance does not exist'
    assert providers.calls == []
