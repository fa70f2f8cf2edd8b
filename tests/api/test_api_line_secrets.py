"""A line's webhook secrets over the API: set at registration or later, write-only (items 3 and 5);
helpdesk URLs that point inside the network are refused (item 7); future events refused (item 13).
Over real HTTP, the webhook a line's own secret signs is applied."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from api_scene import CUSTOMER, Scene

from zapguard.providers.cloud.signature import sign_cloud
from zapguard.store.api_keys import create_key

LINE_SECRET = "segredo-do-app-meta-da-loja"
"""The line's own webhook secret: the app secret of the tenant's own Meta app."""


def _key(api: Scene, tenant: str) -> dict[str, str]:
    api.services.store.tenants.ensure(tenant_id=tenant, name=tenant)
    key, _ = create_key(api.services.store, tenant_id=tenant, name="test", at=api.clock())
    return {"Authorization": f"Bearer {key}"}


def test_secrets_given_at_registration_are_never_shown_only_whether_they_are_set(
    api: Scene,
) -> None:
    created = api.add_line(webhook_secret=LINE_SECRET, helpdesk_secret="segredo-do-helpdesk-1")

    assert created["secrets"] == {"webhook": True, "chatwoot": False, "helpdesk": True}
    for answer in (
        created,
        api.client.get("/v1/lines/sac").json(),
        api.client.get("/v1/lines").json(),
    ):
        assert LINE_SECRET not in json.dumps(answer)  # fmt: skip


def test_a_secret_can_be_set_changed_and_removed_later(api: Scene) -> None:
    api.add_line()
    url = "/v1/lines/sac/secrets/chatwoot"

    assert api.client.put(url, json={"secret": "segredo-do-chatwoot-1"}).json()["secrets"][
        "chatwoot"
    ]
    api.client.put(url, json={"secret": "segredo-do-chatwoot-2"})
    assert (
        api.services.store.line_secrets.get(line_id="sac", kind="chatwoot")
        == "segredo-do-chatwoot-2"
    )
    removed = api.client.delete(url)
    assert removed.status_code == 200 and removed.json()["secrets"]["chatwoot"] is False


@pytest.mark.parametrize(
    ("kind", "body", "code"),
    [
        ("chatwoot", {"secret": "curto"}, 422),
        ("chatwoot", {"secret": "Apikey not found"}, 422),
        ("outro", {"secret": "segredo-bem-comprido"}, 422),
        ("chatwoot", {"secret": " segredo-com-espaco "}, 422),
    ],
)
def test_a_bad_secret_is_refused_saying_why(
    api: Scene, kind: str, body: dict[str, Any], code: int
) -> None:
    api.add_line()
    response = api.client.put(f"/v1/lines/sac/secrets/{kind}", json=body)
    assert response.status_code == code
    assert response.json()["error"]["code"] == "invalid_request"
    assert "curto" not in response.text and "espaco" not in response.text  # never echoed


def test_another_tenants_key_cannot_set_or_remove_a_lines_secret(api: Scene) -> None:
    owner = _key(api, "loja-a")
    other = _key(api, "loja-b")
    api.client.post(
        "/v1/lines",
        headers=owner,
        json={"id": "sac", "phone": "+5511912340001", "role": "receptive",
              "in_use_since": "2023-01-02", "provider": "simulator", "webhook_secret": LINE_SECRET},
    )  # fmt: skip

    put = api.client.put(
        "/v1/lines/sac/secrets/webhook", headers=other, json={"secret": "segredo-do-invasor-1"}
    )
    delete = api.client.delete("/v1/lines/sac/secrets/webhook", headers=other)
    helpdesk = api.client.put(
        "/v1/lines/sac/helpdesk", headers=other, json={"url": "https://invasor.example.com/h"}
    )

    assert put.status_code == delete.status_code == helpdesk.status_code == 404
    assert api.services.store.line_secrets.get(line_id="sac", kind="webhook") == LINE_SECRET
    record = api.services.store.lines.record(line_id="sac")
    assert record is not None and record.helpdesk_url is None


# --- helpdesk URLs (SSRF) -------------------------------------------------------------------------

INTERNAL = [
    "http://169.254.169.254/latest/meta-data/",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://[fd00:ec2::254]/",
    "http://127.0.0.1:8000/",
    "http://localhost/hook",
    "http://10.0.0.5/hook",
    "http://192.168.1.10/hook",
    "http://172.16.0.1/hook",
    "http://[::1]/hook",
    "http://[fc00::1]/hook",
    "http://[fe80::1]/hook",
    "http://224.0.0.1/",
    "http://0.0.0.0/",
    "http://2130706433/",
    "http://0x7f000001/",
    "http://100.64.0.1/",
]


@pytest.mark.parametrize("url", INTERNAL)
def test_a_helpdesk_url_inside_the_network_is_refused_at_registration(api: Scene, url: str) -> None:
    response = api.client.post(
        "/v1/lines",
        json={"id": "sac", "phone": "+5511912340001", "role": "receptive",
              "in_use_since": "2023-01-02", "provider": "simulator", "helpdesk_url": url},
    )  # fmt: skip
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["message_pt"].startswith("helpdesk_url recusada")
    assert error["message_en"].startswith("helpdesk_url refused")
    assert api.client.get("/v1/lines").json() == []


@pytest.mark.parametrize("url", INTERNAL[:4])
def test_a_helpdesk_url_inside_the_network_is_refused_when_changed_later(
    api: Scene, url: str
) -> None:
    api.add_line()
    response = api.client.put("/v1/lines/sac/helpdesk", json={"url": url})
    assert response.status_code == 422
    assert api.client.get("/v1/lines/sac").json()["helpdesk_url"] is None


def test_only_http_and_https_helpdesk_urls(api: Scene) -> None:
    api.add_line()
    for url in ("ftp://helpdesk.example.com/", "file:///etc/passwd", "gopher://x/"):
        assert api.client.put("/v1/lines/sac/helpdesk", json={"url": url}).status_code == 422


def test_a_public_helpdesk_url_is_accepted_and_can_be_cleared(api: Scene) -> None:
    api.add_line()
    url = "https://chatwoot.loja.example.com/webhooks/whatsapp/+5511912340001"
    assert api.client.put("/v1/lines/sac/helpdesk", json={"url": url}).json()["helpdesk_url"] == url
    assert (
        api.client.put("/v1/lines/sac/helpdesk", json={"url": None}).json()["helpdesk_url"] is None
    )


# --- future-dated events (item 13) ----------------------------------------------------------------


def test_a_future_dated_event_is_refused_with_a_clear_422(api: Scene) -> None:
    api.add_line()
    response = api.client.post(
        "/v1/events",
        json={"kind": "inbound", "line": "sac", "contact": CUSTOMER, "text": "Oi",
              "at": "2030-01-01T00:00:00Z"},
    )  # fmt: skip
    assert response.status_code == 422
    error = response.json()["error"]
    assert "futuro" in error["message_pt"] and "future" in error["message_en"]
    assert api.services.store.conversations.of_contact(tenant_id="default", contact=CUSTOMER) == {}


def test_an_event_a_minute_ahead_is_accepted(api: Scene) -> None:
    api.add_line()
    ahead = (api.clock() + timedelta(minutes=1)).isoformat()
    response = api.client.post(
        "/v1/events",
        json={"kind": "inbound", "line": "sac", "contact": CUSTOMER, "text": "Oi", "at": ahead},
    )
    assert response.status_code == 202


# --- over real HTTP -------------------------------------------------------------------------------


def test_a_webhook_signed_with_the_lines_own_secret_is_applied_over_http(api: Scene) -> None:
    api.add_line(webhook_secret=LINE_SECRET)
    status = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "5511912340001", "phone_number_id": "100200300"},
            "statuses": [{"id": "wamid.X", "status": "failed", "timestamp": "1773147700",
                          "recipient_id": CUSTOMER.lstrip("+"), "errors": [{"code": 131048}]}],
        }}]}],
    }  # fmt: skip
    body = json.dumps(status).encode()
    forged = api.client.post(
        "/webhooks/simulator",
        content=body,
        headers={"X-Hub-Signature-256": sign_cloud(body, "outra-chave-qualquer-x")},
    )
    signed = api.client.post(
        "/webhooks/simulator",
        content=body,
        headers={"X-Hub-Signature-256": sign_cloud(body, LINE_SECRET)},
    )
    assert forged.status_code == 401
    assert signed.status_code == 200, signed.text
    assert api.client.get("/v1/lines/sac").json()["health"] == 95
