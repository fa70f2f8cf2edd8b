"""The WAHA adapter: exact requests, ids from every engine's answer, and how refusals are read."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from provider_kit import SECRET, Recorder

from zapguard.providers.base import Endpoint, Provider, ProviderError
from zapguard.providers.waha.adapter import WahaProvider

ENDPOINT = Endpoint(kind="waha", base_url="http://waha:3000", account="default", token=SECRET)
CHAT = "5511912345678@c.us"


def answer(body: dict[str, Any], status: int = 201) -> Callable[[httpx.Request], httpx.Response]:
    return lambda request: httpx.Response(status, json=body)


WEBJS = {
    "id": {
        "fromMe": True,
        "remote": CHAT,
        "id": "3EB0ABC",
        "_serialized": f"true_{CHAT}_3EB0ABC",
    },
    "body": "oi",
}
NOWEB = {
    "key": {"remoteJid": "5511912345678@s.whatsapp.net", "fromMe": True, "id": "BAE5F00D"},
    "message": {"extendedTextMessage": {"text": "oi"}},
    "status": "PENDING",
}


def test_waha_adapter_is_a_provider_with_typing() -> None:
    provider = WahaProvider(ENDPOINT, httpx.Client())
    assert isinstance(provider, Provider)
    assert provider.supports_typing is True


def test_waha_adapter_sends_the_documented_text_body(recorder: Callable[..., Recorder]) -> None:
    rec = recorder(answer(WEBJS))
    sent = WahaProvider(ENDPOINT, rec.client()).send_text("+5511912345678", "Olá!")
    request = rec.only()
    assert sent.provider_message_id == f"true_{CHAT}_3EB0ABC"
    assert request.method == "POST"
    assert str(request.url) == "http://waha:3000/api/sendText"
    assert request.headers["x-api-key"] == SECRET
    assert Recorder.body(request) == {"session": "default", "chatId": CHAT, "text": "Olá!"}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (WEBJS, f"true_{CHAT}_3EB0ABC"),
        (NOWEB, f"true_{CHAT}_BAE5F00D"),
        ({"id": "plain-id"}, "plain-id"),
    ],
    ids=["webjs", "noweb", "plain-id"],
)
def test_waha_adapter_reads_the_id_of_each_engine(
    recorder: Callable[..., Recorder], body: dict[str, Any], expected: str
) -> None:
    sent = WahaProvider(ENDPOINT, recorder(answer(body)).client()).send_text("+5511912345678", "oi")
    assert sent.provider_message_id == expected


def test_waha_adapter_refuses_an_answer_without_an_id(recorder: Callable[..., Recorder]) -> None:
    with pytest.raises(ProviderError) as caught:
        WahaProvider(ENDPOINT, recorder(answer({"ok": True})).client()).send_text(
            "+5511912345678", "oi"
        )
    assert caught.value.code == "bad_response"


def test_waha_adapter_sends_images_and_files_by_url(recorder: Callable[..., Recorder]) -> None:
    rec = recorder(answer(WEBJS))
    provider = WahaProvider(ENDPOINT, rec.client())
    provider.send_media("+5511912345678", "https://cdn.example.com/f.jpeg", caption="Veja")
    provider.send_media("+5511912345678", "https://cdn.example.com/nota.pdf")
    image, document = rec.requests
    assert str(image.url) == "http://waha:3000/api/sendImage"
    assert Recorder.body(image) == {
        "session": "default",
        "chatId": CHAT,
        "file": {
            "url": "https://cdn.example.com/f.jpeg",
            "mimetype": "image/jpeg",
            "filename": "f.jpeg",
        },
        "caption": "Veja",
    }
    assert str(document.url) == "http://waha:3000/api/sendFile"
    assert Recorder.body(document) == {
        "session": "default",
        "chatId": CHAT,
        "file": {
            "url": "https://cdn.example.com/nota.pdf",
            "mimetype": "application/pdf",
            "filename": "nota.pdf",
        },
    }


def test_waha_adapter_starts_typing_and_marks_read(recorder: Callable[..., Recorder]) -> None:
    rec = recorder(answer({"result": True}))
    provider = WahaProvider(ENDPOINT, rec.client())
    provider.typing("+5511912345678", 4.0)
    provider.mark_read("+5511912345678", f"false_{CHAT}_AAAA")
    typing, seen = rec.requests
    assert str(typing.url) == "http://waha:3000/api/startTyping"
    assert Recorder.body(typing) == {"session": "default", "chatId": CHAT}
    assert str(seen.url) == "http://waha:3000/api/sendSeen"
    assert Recorder.body(seen) == {
        "session": "default",
        "chatId": CHAT,
        "messageId": f"false_{CHAT}_AAAA",
    }


def not_working(status: str) -> Callable[[httpx.Request], httpx.Response]:
    return answer(
        {
            "error": "Session status is not as expected. Try again later or restart the session",
            "session": "default",
            "status": status,
            "expected": ["WORKING"],
        },
        422,
    )


def nest(status: int, message: str, error: str) -> Callable[[httpx.Request], httpx.Response]:
    return answer({"statusCode": status, "message": message, "error": error}, status)


def _raises(exception: Exception) -> Callable[[httpx.Request], httpx.Response]:
    def reply(request: httpx.Request) -> httpx.Response:
        raise exception

    return reply


@pytest.mark.parametrize(
    ("reply", "status", "code", "retryable", "ban"),
    [
        (not_working("SCAN_QR_CODE"), 422, "logged_out", False, True),
        (not_working("FAILED"), 422, "logged_out", False, True),
        (not_working("STARTING"), 422, "session_starting", True, False),
        (not_working("STOPPED"), 422, "session_stopped", False, False),
        (
            nest(422, "The feature is available only in Plus version.", "Unprocessable Entity"),
            422,
            "plus_only",
            False,
            False,
        ),
        (nest(401, "Unauthorized", "Unauthorized"), 401, "unauthorized", False, False),
        (
            nest(404, "We didn't find a session", "Not Found"),
            404,
            "session_not_found",
            False,
            False,
        ),
        (nest(400, "chatId must be a string", "Bad Request"), 400, "http_400", False, False),
        (
            lambda r: httpx.Response(429, headers={"Retry-After": "2"}),
            429,
            "http_429",
            True,
            False,
        ),
        (nest(500, "Internal server error", "Internal Server Error"), 500, "http_500", True, False),
        (_raises(httpx.ReadTimeout("slow")), None, "timeout", True, False),
        (_raises(httpx.ConnectError("refused")), None, "network", True, False),
    ],
    ids=[
        "scan-qr",
        "failed",
        "starting",
        "stopped",
        "plus-only",
        "401",
        "404",
        "400",
        "429",
        "500",
        "timeout",
        "connect-error",
    ],
)
def test_waha_adapter_classifies_failures(
    recorder: Callable[..., Recorder],
    reply: Callable[[httpx.Request], httpx.Response],
    status: int | None,
    code: str,
    retryable: bool,
    ban: bool,
) -> None:
    with pytest.raises(ProviderError) as caught:
        WahaProvider(ENDPOINT, recorder(reply).client()).send_text("+5511912345678", "oi")
    error = caught.value
    assert (error.status, error.code, error.retryable, error.ban) == (status, code, retryable, ban)
    if status == 429:
        assert error.retry_after == 2.0


def test_waha_adapter_never_shows_its_api_key(recorder: Callable[..., Recorder]) -> None:
    provider = WahaProvider(ENDPOINT, recorder(nest(401, f"key {SECRET}", "Unauthorized")).client())
    with pytest.raises(ProviderError) as caught:
        provider.send_text("+5511912345678", "oi")
    for shown in (str(caught.value), repr(caught.value), repr(provider), repr(ENDPOINT)):
        assert SECRET not in shown


def test_waha_adapter_sends_no_api_key_header_without_a_token(
    recorder: Callable[..., Recorder],
) -> None:
    rec = recorder(answer(WEBJS))
    open_endpoint = Endpoint(kind="waha", base_url="http://waha:3000", account="default")
    WahaProvider(open_endpoint, rec.client()).send_text("+5511912345678", "oi")
    assert "x-api-key" not in rec.only().headers
