"""The Evolution API v2 adapter: exact requests, ids from ``key.id``, and how refusals are read."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from provider_kit import SECRET, Recorder

from zapguard.providers.base import Endpoint, Provider, ProviderError
from zapguard.providers.evolution.adapter import EvolutionProvider

ENDPOINT = Endpoint(
    kind="evolution", base_url="https://evo.example.com/", account="loja centro", token=SECRET
)
BASE = "https://evo.example.com"
KEY_ID = "3EB0C767D26A1D6A8B1F"


def stored(request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        201,
        json={
            "key": {"remoteJid": "5511912345678@s.whatsapp.net", "fromMe": True, "id": KEY_ID},
            "message": {"conversation": "oi"},
            "messageType": "conversation",
            "status": "PENDING",
        },
    )


def evolution_error(status: int, message: Any) -> Callable[[httpx.Request], httpx.Response]:
    error = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found"}
    return lambda request: httpx.Response(
        status,
        json={
            "status": status,
            "error": error.get(status, "Internal Server Error"),
            "response": {"message": message},
        },
    )


def test_evolution_adapter_is_a_provider_with_typing() -> None:
    provider = EvolutionProvider(ENDPOINT, httpx.Client())
    assert isinstance(provider, Provider)
    assert provider.supports_typing is True


def test_evolution_adapter_sends_the_v2_text_body(recorder: Callable[..., Recorder]) -> None:
    rec = recorder(stored)
    sent = EvolutionProvider(ENDPOINT, rec.client()).send_text(
        "+5511912345678", "Olá!", reference="msg_1"
    )
    request = rec.only()
    assert sent.provider_message_id == KEY_ID
    assert request.method == "POST"
    assert str(request.url) == f"{BASE}/message/sendText/loja%20centro"
    assert request.headers["apikey"] == SECRET
    assert "authorization" not in request.headers
    assert Recorder.body(request) == {"number": "5511912345678", "text": "Olá!"}


def test_evolution_adapter_sends_media_by_url(recorder: Callable[..., Recorder]) -> None:
    rec = recorder(stored)
    provider = EvolutionProvider(ENDPOINT, rec.client())
    provider.send_media("+5511912345678", "https://cdn.example.com/f.png", caption="Veja")
    provider.send_media("+5511912345678", "https://cdn.example.com/nota.pdf")
    image, document = rec.requests
    assert str(image.url) == f"{BASE}/message/sendMedia/loja%20centro"
    assert Recorder.body(image) == {
        "number": "5511912345678",
        "mediatype": "image",
        "media": "https://cdn.example.com/f.png",
        "caption": "Veja",
    }
    assert Recorder.body(document) == {
        "number": "5511912345678",
        "mediatype": "document",
        "media": "https://cdn.example.com/nota.pdf",
        "fileName": "nota.pdf",
    }


def test_evolution_adapter_shows_typing_before_the_send_it_precedes(
    recorder: Callable[..., Recorder],
) -> None:
    def reply(request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/chat/sendPresence"):
            return httpx.Response(201, json={"presence": "composing"})
        return stored(request)

    rec = recorder(reply)
    provider = EvolutionProvider(ENDPOINT, rec.client())
    provider.typing("+5511912345678", 2.5)
    provider.send_text("+5511912345678", "pronto")
    presence, text = rec.requests
    assert str(presence.url) == f"{BASE}/chat/sendPresence/loja%20centro"
    assert presence.headers["apikey"] == SECRET
    assert Recorder.body(presence) == {
        "number": "5511912345678",
        "presence": "composing",
        "delay": 2500,
    }
    assert str(text.url) == f"{BASE}/message/sendText/loja%20centro"


def test_evolution_adapter_typing_failure_never_reaches_the_caller(
    recorder: Callable[..., Recorder],
) -> None:
    def reply(request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/chat/sendPresence"):
            return httpx.Response(500, json={"status": 500, "response": {"message": "boom"}})
        return stored(request)

    rec = recorder(reply)
    provider = EvolutionProvider(ENDPOINT, rec.client())
    provider.typing("+5511912345678", 0.1)
    assert provider.send_text("+5511912345678", "oi").provider_message_id == KEY_ID


def test_evolution_adapter_marks_read_by_message_key(recorder: Callable[..., Recorder]) -> None:
    rec = recorder(lambda r: httpx.Response(201, json={"message": "Read messages"}))
    EvolutionProvider(ENDPOINT, rec.client()).mark_read("+5511912345678", KEY_ID)
    request = rec.only()
    assert str(request.url) == f"{BASE}/chat/markMessageAsRead/loja%20centro"
    assert Recorder.body(request) == {
        "readMessages": [
            {"remoteJid": "5511912345678@s.whatsapp.net", "fromMe": False, "id": KEY_ID}
        ]
    }


def _raises(exception: Exception) -> Callable[[httpx.Request], httpx.Response]:
    def reply(request: httpx.Request) -> httpx.Response:
        raise exception

    return reply


@pytest.mark.parametrize(
    ("reply", "status", "code", "retryable", "ban"),
    [
        (
            lambda r: httpx.Response(429, headers={"Retry-After": "3"}, json={}),
            429,
            "http_429",
            True,
            False,
        ),
        (evolution_error(500, "Internal"), 500, "http_500", True, False),
        (
            evolution_error(500, ["Error: Connection Closed"]),
            500,
            "connection_closed",
            True,
            False,
        ),
        (evolution_error(400, "Connection Closed"), 400, "connection_closed", True, False),
        (
            evolution_error(
                400, [{"jid": "5511912345678@s.whatsapp.net", "exists": False, "number": "x"}]
            ),
            400,
            "not_on_whatsapp",
            False,
            False,
        ),
        (evolution_error(401, "Unauthorized"), 401, "unauthorized", False, False),
        (evolution_error(403, ["forbidden"]), 403, "forbidden", False, False),
        (
            evolution_error(404, ['The "loja" instance does not exist']),
            404,
            "instance_not_found",
            False,
            False,
        ),
        (evolution_error(400, ["Text is required"]), 400, "http_400", False, False),
        (_raises(httpx.ConnectTimeout("slow")), None, "timeout", True, False),
        (_raises(httpx.ConnectError("refused")), None, "network", True, False),
    ],
    ids=[
        "429",
        "500",
        "500-connection-closed",
        "400-connection-closed",
        "not-on-whatsapp",
        "401-apikey",
        "403",
        "404-instance",
        "400-plain",
        "timeout",
        "connect-error",
    ],
)
def test_evolution_adapter_classifies_failures(
    recorder: Callable[..., Recorder],
    reply: Callable[[httpx.Request], httpx.Response],
    status: int | None,
    code: str,
    retryable: bool,
    ban: bool,
) -> None:
    with pytest.raises(ProviderError) as caught:
        EvolutionProvider(ENDPOINT, recorder(reply).client()).send_text("+5511912345678", "oi")
    error = caught.value
    assert (error.status, error.code, error.retryable, error.ban) == (status, code, retryable, ban)
    if status == 429:
        assert error.retry_after == 3.0


def test_evolution_adapter_never_shows_its_apikey(recorder: Callable[..., Recorder]) -> None:
    provider = EvolutionProvider(
        ENDPOINT, recorder(evolution_error(401, [f"bad key {SECRET}"])).client()
    )
    with pytest.raises(ProviderError) as caught:
        provider.send_text("+5511912345678", "oi")
    for shown in (str(caught.value), repr(caught.value), repr(provider), repr(ENDPOINT)):
        assert SECRET not in shown
