"""The helpdesk receives the provider's own bytes, carrying only the line's own helpdesk secret, and
only ever at an address that is not inside the operator's network."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI, Request
from local_http import serving
from webhook_payloads import load, raw

from zapguard.gateway.webhooks.forward import Forward, build, deliver
from zapguard.providers.cloud.signature import verify_cloud
from zapguard.providers.waha.signature import verify_waha

URL = "https://helpdesk.example.com.br/webhooks/whatsapp?token=segredo"
PUBLIC = "200.147.67.142"
"""A public address the tests' resolver answers for the helpdesk's name."""
HELPDESK_SECRET = "segredo-do-helpdesk-da-loja"
INSTANCE_TOKEN = "B6D711FCDE4D4FD5936544120E713976"  # the documented payloads' apikey


def public(host: str, port: int) -> list[str]:
    return [PUBLIC]


def test_a_cloud_forward_is_signed_with_the_lines_helpdesk_secret() -> None:
    body = raw("cloud_text")
    forward = build("cloud", URL, body, HELPDESK_SECRET)
    assert forward.body == body
    assert verify_cloud(body, forward.headers["X-Hub-Signature-256"], HELPDESK_SECRET)


def test_a_cloud_forward_without_a_helpdesk_secret_carries_no_signature() -> None:
    forward = build("cloud", URL, raw("cloud_text"), None)
    assert set(forward.headers) == {"Content-Type"}


def test_a_waha_forward_carries_the_hmac_and_its_algorithm() -> None:
    body = raw("waha_message")
    forward = build("waha", URL, body, HELPDESK_SECRET)
    assert forward.headers["X-Webhook-Hmac-Algorithm"] == "sha512"
    assert verify_waha(body, forward.headers["X-Webhook-Hmac"], HELPDESK_SECRET, "sha512")


def test_an_evolution_forward_never_carries_the_instance_token() -> None:
    body = raw("evolution_messages_upsert")
    assert INSTANCE_TOKEN.encode() in body

    with_secret = build("evolution", URL, body, HELPDESK_SECRET)
    without = build("evolution", URL, body, None)

    for forward in (with_secret, without):
        assert INSTANCE_TOKEN.encode() not in forward.body
        assert set(forward.headers) == {"Content-Type"}
    assert json.loads(with_secret.body)["apikey"] == HELPDESK_SECRET
    assert json.loads(without.body)["apikey"] is None
    assert {**json.loads(without.body), "apikey": "x"} == {
        **load("evolution_messages_upsert"),
        "apikey": "x",
    }


def test_delivery_retries_a_failing_helpdesk_then_succeeds() -> None:
    answers = iter([503, 200])
    seen: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.content)
        return httpx.Response(next(answers))

    waits: list[float] = []
    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        assert deliver(
            client, Forward(URL, b"{}", {}), resolve=public, sleep=waits.append, jitter=lambda: 0.5
        )
    assert seen == [b"{}", b"{}"]
    assert len(waits) == 1


def test_delivery_gives_up_without_raising_when_the_helpdesk_stays_down() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        raise httpx.ConnectError("recusado", request=request)

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        assert not deliver(
            client, Forward(URL, b"{}", {}), resolve=public, attempts=3, sleep=lambda _: None
        )
    assert calls == 3


def test_delivery_does_not_retry_a_helpdesk_that_refuses() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(400)

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        assert not deliver(client, Forward(URL, b"{}", {}), resolve=public, sleep=lambda _: None)
    assert calls == 1


def test_delivery_goes_to_the_address_it_checked_with_the_name_as_host_and_sni() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200)

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        assert deliver(client, Forward(URL, b"{}", {}), resolve=public)
    [request] = seen
    assert request.url.host == PUBLIC
    assert request.url.path == "/webhooks/whatsapp" and request.url.params["token"] == "segredo"
    assert request.headers["host"] == "helpdesk.example.com.br"
    assert request.extensions["sni_hostname"] == "helpdesk.example.com.br"


# --- SSRF at delivery time ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "resolved",
    [
        ["127.0.0.1"],
        ["10.0.0.5"],
        ["169.254.169.254"],
        ["fd00:ec2::254"],
        [PUBLIC, "192.168.0.10"],  # one bad address among good ones is enough
        ["::ffff:127.0.0.1"],
    ],
)
def test_a_name_that_resolves_inside_is_never_posted_to(resolved: list[str]) -> None:
    """DNS rebinding: the name passed registration, and now resolves to an internal address."""
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(200)

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        assert not deliver(client, Forward(URL, b"{}", {}), resolve=lambda h, p: resolved)
    assert calls == 0


def test_a_name_that_does_not_resolve_is_not_posted_to() -> None:
    def nowhere(host: str, port: int) -> list[str]:
        raise OSError("Name or service not known")

    with httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(200))) as client:
        assert not deliver(client, Forward(URL, b"{}", {}), resolve=nowhere)


@pytest.fixture
def local_helpdesk() -> Iterator[tuple[str, list[dict[str, str]]]]:
    app = FastAPI()
    seen: list[dict[str, str]] = []

    @app.post("/hooks")
    async def hook(request: Request) -> dict[str, bool]:
        seen.append({"host": request.headers["host"], "body": (await request.body()).decode()})
        return {"ok": True}

    with serving(app) as url:
        yield url, seen


def test_an_operator_may_allow_a_helpdesk_on_the_private_network(
    local_helpdesk: tuple[str, list[dict[str, str]]],
) -> None:
    url, seen = local_helpdesk
    port = httpx.URL(url).port
    named = f"http://helpdesk.interno:{port}/hooks"
    loopback = lambda host, p: ["127.0.0.1"]  # noqa: E731

    with httpx.Client() as client:
        assert not deliver(client, Forward(named, b'{"a": 1}', {}), resolve=loopback)
        assert seen == []
        assert deliver(
            client, Forward(named, b'{"a": 1}', {}), resolve=loopback, allow_private=True
        )
    assert seen == [{"host": f"helpdesk.interno:{port}", "body": '{"a": 1}'}]


def test_cloud_metadata_is_refused_even_when_private_targets_are_allowed() -> None:
    with httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(200))) as client:
        for url in ("http://169.254.169.254/latest/meta-data/", "http://metadata.google.internal/"):
            assert not deliver(client, Forward(url, b"{}", {}), resolve=public, allow_private=True)
