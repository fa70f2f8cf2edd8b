"""An administrative call may not turn on what makes WhatsApp answer contacts by itself, around the
rules: Evolution's Chatwoot integration, its message to every caller and its voice-call service;
WAHA's Chatwoot, MCP and call-answering apps; the Cloud API's call-permission prompt and SIP calls.
Such a body is refused in the dialect's shape, saying which field and why in pt-BR and English, and
nothing reaches the provider; the same calls with harmless bodies pass for an admin key.

Over real HTTP with a recording upstream (see ``test_api_dropin_deny_by_default.py``).
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from api_scene import Scene, Upstream, provider_scene, upstream
from pydantic import SecretStr

from zapguard.service_config import ProviderSettings
from zapguard.store.api_keys import ADMIN_SCOPE, create_key

INSTANCE = "loja"
SESSION = "default"
PHONE_NUMBER_ID = "100200300"


@pytest.fixture
def providers() -> Iterator[Upstream]:
    with upstream(lambda path: ({"path": path}, 200)) as served:
        yield served


@pytest.fixture
def lines(sqlite_url: str, providers: Upstream) -> Iterator[Scene]:
    """The default tenant with an Evolution, a WAHA and a Cloud API line, one connection each."""
    connections = {
        "evo": ProviderSettings(kind="evolution", base_url=providers.url, token=SecretStr("g")),
        "waha": ProviderSettings(kind="waha", base_url=providers.url, token=SecretStr("w")),
        "meta": ProviderSettings(kind="cloud", base_url=providers.url, token=SecretStr("EAAG")),
    }
    with provider_scene(sqlite_url, connections) as made:
        made.add_line("evo-line", provider="evo", provider_account=INSTANCE)
        made.add_line(
            "waha-line", provider="waha", provider_account=SESSION, phone="+5511912340002"
        )
        made.add_line(
            "cloud-line", provider="meta", provider_account=PHONE_NUMBER_ID, phone="+5511912340003"
        )
        yield made


def admin(scene: Scene) -> dict[str, str]:
    key, _ = create_key(
        scene.services.store,
        tenant_id="default",
        name="adm",
        at=scene.clock(),
        scopes=(ADMIN_SCOPE,),
    )
    return {"Authorization": f"Bearer {key}"}


def raw_post(scene: Scene, path: str, body: Any, headers: dict[str, str]) -> tuple[int, Any]:
    """POST ``path`` byte for byte (an HTTP client library would clean its dot segments)."""
    address = urlsplit(str(scene.client.base_url))
    connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=10)
    try:
        sent = {"Content-Type": "application/json", **headers}
        connection.request("POST", path, body=json.dumps(body).encode(), headers=sent)
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def text_of(body: Any) -> str:
    return json.dumps(body, ensure_ascii=False)


def assert_refused_naming(answer: Any, field: str) -> None:
    """The refusal names the field and explains itself in both languages."""
    said = text_of(answer)
    assert field in said
    assert "recusado pelo zapguard" in said and "refused by zapguard" in said


# -- Evolution API ---------------------------------------------------------------------------

CHATWOOT = {
    "chatwootAccountId": "1",
    "chatwootToken": "tok",
    "chatwootUrl": "https://chatwoot.example.com.br",
    "chatwootSignMsg": True,
    "chatwootReopenConversation": True,
    "chatwootConversationPending": False,
}


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        pytest.param(CHATWOOT, "chatwootAccountId", id="chatwoot integration"),
        pytest.param({"msgCall": "Não atendemos ligações."}, "msgCall", id="message to callers"),
        pytest.param({"wavoipToken": "wv-123"}, "wavoipToken", id="voice calls service"),
        pytest.param({"typebot_url": "https://bot.example"}, "typebot_url", id="v1 typebot field"),
        pytest.param({"openaiCredsId": "x"}, "openaiCredsId", id="unknown bot field"),
        pytest.param(
            {"__proto__": {"msgCall": "Oi"}}, "__proto__", id="prototype key carrying msgCall"
        ),
        pytest.param({"integration": "TYPEBOT"}, "integration", id="unknown integration"),
    ],
)
def test_an_instance_that_would_answer_contacts_by_itself_is_not_created(
    lines: Scene, providers: Upstream, extra: dict[str, Any], field: str
) -> None:
    body = {"instanceName": INSTANCE, "qrcode": True, **extra}

    response = lines.client.post("/instance/create", json=body, headers=admin(lines))

    assert response.status_code == 403, response.text
    answer = response.json()
    assert answer["status"] == 403 and isinstance(answer["response"]["message"], list)
    assert_refused_naming(answer, field)
    assert providers.calls == []


def test_an_instance_with_harmless_settings_and_its_own_webhook_is_created_for_an_admin(
    lines: Scene, providers: Upstream
) -> None:
    body = {
        "instanceName": INSTANCE,
        "qrcode": True,
        "integration": "WHATSAPP-BAILEYS",
        "rejectCall": True,
        "msgCall": "",
        "groupsIgnore": True,
        "alwaysOnline": False,
        "readMessages": True,
        "webhook": {
            "url": "https://crm.example.com.br/evolution",
            "enabled": True,
            "events": ["MESSAGES_UPSERT"],
        },
        "chatwootSignMsg": False,
    }

    response = lines.client.post(
        "/instance/create",
        content=json.dumps(body),
        headers={**admin(lines), "Content-Type": "application/x-www-form-urlencoded"},
    )

    assert response.status_code == 200, response.text
    [call] = providers.calls
    assert call["path"] == "instance/create"
    assert call["json"] == body
    # What zapguard checked is what Evolution reads: JSON, not a form its other parser would take.
    assert call["content-type"] == "application/json"


@pytest.mark.parametrize(
    "path",
    [
        f"/settings/set/{INSTANCE}",
        f"/Settings/SET/{INSTANCE}/",
        f"/chat/../settings/set/{INSTANCE}",
    ],
)
def test_settings_with_a_message_to_every_caller_are_refused(
    lines: Scene, providers: Upstream, path: str
) -> None:
    settings = {
        "rejectCall": True,
        "msgCall": "Não atendemos ligações, escreva aqui.",
        "groupsIgnore": False,
        "alwaysOnline": False,
        "readMessages": False,
        "readStatus": False,
        "syncFullHistory": False,
    }

    status, answer = raw_post(lines, path, settings, admin(lines))

    assert status == 403, answer
    assert_refused_naming(answer, "msgCall")
    assert providers.calls == []


def test_settings_that_only_reject_calls_pass_for_an_admin(
    lines: Scene, providers: Upstream
) -> None:
    settings = {
        "rejectCall": True,
        "msgCall": "",
        "groupsIgnore": True,
        "alwaysOnline": True,
        "readMessages": True,
        "readStatus": False,
        "syncFullHistory": False,
        "wavoipToken": "",
    }

    response = lines.client.post(f"/settings/set/{INSTANCE}", json=settings, headers=admin(lines))

    assert response.status_code == 200, response.text
    [call] = providers.calls
    assert (call["path"], call["json"]) == (f"settings/set/{INSTANCE}", settings)


def test_a_settings_body_that_is_not_a_json_object_is_refused(
    lines: Scene, providers: Upstream
) -> None:
    response = lines.client.post(
        f"/settings/set/{INSTANCE}",
        content=b"rejectCall=true&msgCall=Oi",
        headers={**admin(lines), "Content-Type": "application/x-www-form-urlencoded"},
    )

    assert response.status_code == 400
    assert providers.calls == []


# -- WAHA ------------------------------------------------------------------------------------


def chatwoot_app(session: str = SESSION) -> dict[str, Any]:
    return {
        "id": "app_cw",
        "session": session,
        "app": "chatwoot",
        "config": {
            "url": "https://chatwoot.example.com.br",
            "accountId": 1,
            "accountToken": "tok",
            "inboxId": 2,
            "inboxIdentifier": "abc",
            "locale": "pt-BR",
        },
    }


CALLS_WITH_MESSAGE = {
    "id": "app_calls",
    "session": SESSION,
    "app": "calls",
    "config": {"dm": {"reject": True, "message": "Não atendemos ligações."}},
}


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        pytest.param(
            "POST",
            "/api/sessions",
            {"name": SESSION, "apps": [chatwoot_app()]},
            "chatwoot",
            id="create with the chatwoot app",
        ),
        pytest.param(
            "PUT",
            f"/api/sessions/{SESSION}",
            {"apps": [chatwoot_app()]},
            "chatwoot",
            id="update with the chatwoot app",
        ),
        pytest.param(
            "POST",
            "/api/sessions",
            {"name": SESSION, "apps": [CALLS_WITH_MESSAGE]},
            "message",
            id="calls app answering callers",
        ),
        pytest.param(
            "PUT",
            f"/api/sessions/{SESSION}",
            {"apps": [{"id": "m", "session": SESSION, "app": "mcp", "config": {}}]},
            "mcp",
            id="mcp app sending for an agent",
        ),
        pytest.param(
            "PUT",
            f"/api/sessions/{SESSION}",
            {"apps": [{**CALLS_WITH_MESSAGE, "config": {"dm": {"__proto__": {"message": "x"}}}}]},
            "__proto__",
            id="prototype key in an app config",
        ),
        pytest.param(
            "PUT",
            f"/api/sessions/{SESSION}",
            {"apps": [{"id": "b", "session": "outra", "app": "brazilian-phone-numbers"}]},
            "outra",
            id="an app for another session",
        ),
        pytest.param(
            "PUT",
            f"/api/sessions/{SESSION}",
            {"config": {"autoReply": {"text": "Já respondemos"}}},
            "autoReply",
            id="unknown config field",
        ),
        pytest.param(
            "POST",
            "/api/apps",
            chatwoot_app(),
            "chatwoot",
            id="the apps route",
        ),
    ],
)
def test_a_waha_session_or_app_that_would_answer_contacts_is_refused(
    lines: Scene,
    providers: Upstream,
    method: str,
    path: str,
    body: dict[str, Any],
    field: str,
) -> None:
    response = lines.client.request(method, path, json=body, headers=admin(lines))

    assert response.status_code == 403, response.text
    answer = response.json()
    assert answer["statusCode"] == 403
    assert_refused_naming(answer, field)
    assert providers.calls == []


def test_a_waha_session_with_webhooks_and_a_silent_call_rejecter_passes_for_an_admin(
    lines: Scene, providers: Upstream
) -> None:
    body = {
        "name": SESSION,
        "start": True,
        "config": {
            "webhooks": [
                {"url": "https://crm.example.com.br/waha", "events": ["message", "session.status"]}
            ],
            "metadata": {"loja": "centro"},
            "ignore": {"status": True, "groups": True},
            "noweb": {"store": {"enabled": True, "fullSync": False}, "markOnline": False},
        },
        "apps": [
            {
                "id": "app_calls",
                "session": SESSION,
                "app": "calls",
                "config": {"dm": {"reject": True, "message": ""}, "group": {"reject": True}},
            },
            {"id": "app_br", "app": "brazilian-phone-numbers", "config": {}},
        ],
    }

    response = lines.client.post("/api/sessions", json=body, headers=admin(lines))

    assert response.status_code == 200, response.text
    [call] = providers.calls
    assert (call["path"], call["json"]) == ("api/sessions", body)


# -- WhatsApp Cloud API ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("calling", "field"),
    [
        pytest.param(
            {"status": "ENABLED", "callback_permission_status": "ENABLED"},
            "callback_permission_status",
            id="call permission prompt to every caller",
        ),
        pytest.param(
            {"sip": {"status": "ENABLED", "servers": [{"hostname": "sip.example", "port": 5061}]}},
            "sip",
            id="calls signalled through SIP",
        ),
        pytest.param({"voicemail": {"status": "ENABLED"}}, "voicemail", id="unknown field"),
    ],
)
def test_cloud_settings_that_would_reach_callers_by_themselves_are_refused(
    lines: Scene, providers: Upstream, calling: dict[str, Any], field: str
) -> None:
    response = lines.client.post(
        f"/v21.0/{PHONE_NUMBER_ID}/settings", json={"calling": calling}, headers=admin(lines)
    )

    assert response.status_code == 403, response.text
    answer = response.json()
    assert answer["error"]["code"] == 10  # Graph's "no permission for this action"
    assert_refused_naming(answer, field)
    assert providers.calls == []


def test_cloud_calling_hours_and_icon_pass_for_an_admin(lines: Scene, providers: Upstream) -> None:
    body = {
        "calling": {
            "status": "ENABLED",
            "call_icon_visibility": "DEFAULT",
            "callback_permission_status": "DISABLED",
            "call_hours": {
                "status": "ENABLED",
                "timezone_id": "America/Sao_Paulo",
                "weekly_operating_hours": [
                    {"day_of_week": "MONDAY", "open_time": "0800", "close_time": "1800"}
                ],
            },
        }
    }

    response = lines.client.post(
        f"/v21.0/{PHONE_NUMBER_ID}/settings", json=body, headers=admin(lines)
    )

    assert response.status_code == 200, response.text
    [call] = providers.calls
    assert (call["path"], call["json"]) == (f"v21.0/{PHONE_NUMBER_ID}/settings", body)


def test_cloud_ice_breakers_and_the_welcome_request_pass_for_an_admin(
    lines: Scene, providers: Upstream
) -> None:
    """Nothing here is delivered by Meta: an ice breaker is a text the contact taps and sends
    themselves, and the welcome request is a webhook to which the business answers through
    ``/messages``, that is through the rules (seed tip 1, ZG102)."""
    body = {
        "enable_welcome_message": True,
        "prompts": ["Quero rastrear meu pedido", "Falar com atendente"],
        "commands": [{"command_name": "pedido", "command_description": "Status do pedido"}],
    }

    response = lines.client.post(
        f"/v21.0/{PHONE_NUMBER_ID}/conversational_automation", json=body, headers=admin(lines)
    )

    assert response.status_code == 200, response.text
    assert [c["path"] for c in providers.calls] == [
        f"v21.0/{PHONE_NUMBER_ID}/conversational_automation"
    ]


def test_another_tenants_admin_key_cannot_change_the_instances_settings(
    lines: Scene, providers: Upstream
) -> None:
    lines.services.store.tenants.ensure(tenant_id="rival", name="rival")
    key, _ = create_key(
        lines.services.store, tenant_id="rival", name="adm", at=lines.clock(), scopes=(ADMIN_SCOPE,)
    )

    response = lines.client.post(
        f"/settings/set/{INSTANCE}",
        json={"rejectCall": True, "msgCall": ""},
        headers={"Authorization": f"Bearer {key}"},
    )

    assert response.status_code == 404
    assert response.json()["response"]["message"][0] == f'The "{INSTANCE}" instance does not exist'
    assert providers.calls == []


def test_the_new_instances_own_key_never_reaches_the_client(sqlite_url: str) -> None:
    """Evolution answers a created instance with its own apikey (``hash``): with it, a client could
    send through the Evolution server directly, around the rules."""
    created = {
        "instance": {"instanceName": INSTANCE, "instanceId": "b1f2", "status": "created"},
        "hash": "B9E1-instance-own-apikey",
        "settings": {"rejectCall": False, "groupsIgnore": True},
    }
    with upstream(lambda path: (created, 201)) as served:
        connections = {
            "evo": ProviderSettings(kind="evolution", base_url=served.url, token=SecretStr("g"))
        }
        with provider_scene(sqlite_url, connections) as scene:
            scene.add_line("evo-line", provider="evo", provider_account=INSTANCE)

            response = scene.client.post(
                "/instance/create",
                json={"instanceName": INSTANCE, "integration": "WHATSAPP-BAILEYS"},
                headers=admin(scene),
            )

    assert response.status_code == 201, response.text
    assert "B9E1-instance-own-apikey" not in response.text
    assert response.json() == {
        "instance": created["instance"],
        "settings": created["settings"],
    }
