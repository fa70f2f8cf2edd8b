"""The helpdesk receives the provider's own bytes, signed as that provider signs them."""

from __future__ import annotations

import httpx
from pydantic import SecretStr
from webhook_payloads import raw

from zapguard.gateway.webhooks.forward import Forward, build, deliver
from zapguard.gateway.webhooks.signatures import verify_cloud, verify_waha
from zapguard.service_config import ProviderSettings

URL = "https://helpdesk.example.com.br/webhooks/whatsapp?token=segredo"


def settings(kind: str, **secrets: str) -> ProviderSettings:
    values = {key: SecretStr(value) for key, value in secrets.items()}
    return ProviderSettings(kind=kind, base_url="https://provider.example.com", **values)  # type: ignore[arg-type]


def test_a_cloud_forward_is_signed_with_the_forward_secret() -> None:
    body = raw("cloud_text")
    forward = build(settings("cloud", app_secret="app", forward_secret="helpdesk"), URL, body)
    assert forward.body == body
    assert verify_cloud(body, forward.headers["X-Hub-Signature-256"], "helpdesk")


def test_a_cloud_forward_defaults_to_the_app_secret() -> None:
    body = raw("cloud_text")
    forward = build(settings("cloud", app_secret="app"), URL, body)
    assert verify_cloud(body, forward.headers["X-Hub-Signature-256"], "app")


def test_a_waha_forward_carries_the_hmac_and_its_algorithm() -> None:
    body = raw("waha_message")
    forward = build(settings("waha", app_secret="chave"), URL, body)
    assert forward.headers["X-Webhook-Hmac-Algorithm"] == "sha512"
    assert verify_waha(body, forward.headers["X-Webhook-Hmac"], "chave", "sha512")


def test_an_evolution_forward_is_unchanged_and_unsigned() -> None:
    body = raw("evolution_messages_upsert")
    forward = build(settings("evolution", webhook_apikey="k"), URL, body)
    assert forward.body == body
    assert set(forward.headers) == {"Content-Type"}


def test_delivery_retries_a_failing_helpdesk_then_succeeds() -> None:
    answers = iter([503, 200])
    seen: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.content)
        return httpx.Response(next(answers))

    waits: list[float] = []
    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        assert deliver(client, Forward(URL, b"{}", {}), sleep=waits.append, jitter=lambda: 0.5)
    assert seen == [b"{}", b"{}"]
    assert len(waits) == 1


def test_delivery_gives_up_without_raising_when_the_helpdesk_stays_down() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        raise httpx.ConnectError("recusado", request=request)

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        assert not deliver(client, Forward(URL, b"{}", {}), attempts=3, sleep=lambda _: None)
    assert calls == 3


def test_delivery_does_not_retry_a_helpdesk_that_refuses() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(400)

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        assert not deliver(client, Forward(URL, b"{}", {}), sleep=lambda _: None)
    assert calls == 1
