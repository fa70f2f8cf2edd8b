"""The Cloud API adapter: the exact requests it makes, the ids it reads, how it reads refusals."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from provider_kit import SECRET, Recorder

from zapguard.providers.base import Endpoint, Provider, ProviderError
from zapguard.providers.cloud.adapter import CloudProvider

ENDPOINT = Endpoint(
    kind="cloud",
    base_url="https://graph.facebook.com",
    account="106540352242922",
    token=SECRET,
    api_version="v21.0",
)
URL = "https://graph.facebook.com/v21.0/106540352242922/messages"
WAMID = "wamid.HBgNNTUxMTkxMjM0NTY3OBUCABEYEjA="


def ok(request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "messaging_product": "whatsapp",
            "contacts": [{"input": "5511912345678", "wa_id": "5511912345678"}],
            "messages": [{"id": WAMID}],
        },
    )


def graph_error(status: int, code: int, headers: dict[str, str] | None = None) -> Any:
    def reply(request: httpx.Request) -> httpx.Response:
        body = {
            "error": {
                "message": f"(#{code}) something",
                "type": "OAuthException",
                "code": code,
                "error_data": {"messaging_product": "whatsapp", "details": "details here"},
                "fbtrace_id": "AbCdEf",
            }
        }
        return httpx.Response(status, json=body, headers=headers)

    return reply


def test_cloud_adapter_is_a_provider_without_typing() -> None:
    provider = CloudProvider(ENDPOINT, httpx.Client())
    assert isinstance(provider, Provider)
    assert provider.supports_typing is False


def test_cloud_adapter_sends_the_documented_text_body(recorder: Callable[..., Recorder]) -> None:
    rec = recorder(ok)
    sent = CloudProvider(ENDPOINT, rec.client()).send_text(
        "+5511912345678", "Olá, tudo bem?", reference="msg_123"
    )
    request = rec.only()
    assert sent.provider_message_id == WAMID
    assert request.method == "POST"
    assert str(request.url) == URL
    assert request.headers["authorization"] == f"Bearer {SECRET}"
    assert request.headers["content-type"] == "application/json"
    assert Recorder.body(request) == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "5511912345678",
        "type": "text",
        "text": {"preview_url": False, "body": "Olá, tudo bem?"},
        "biz_opaque_callback_data": "msg_123",
    }


def test_cloud_adapter_leaves_out_the_callback_data_without_a_reference(
    recorder: Callable[..., Recorder],
) -> None:
    rec = recorder(ok)
    CloudProvider(ENDPOINT, rec.client()).send_text("+5511912345678", "oi")
    assert "biz_opaque_callback_data" not in Recorder.body(rec.only())


@pytest.mark.parametrize(
    ("url", "caption", "expected_type", "expected_media"),
    [
        (
            "https://cdn.example.com/p/foto.JPG",
            "Seu pedido",
            "image",
            {"link": "https://cdn.example.com/p/foto.JPG", "caption": "Seu pedido"},
        ),
        (
            "https://cdn.example.com/v.mp4",
            None,
            "video",
            {"link": "https://cdn.example.com/v.mp4"},
        ),
        ("https://cdn.example.com/a.ogg", None, "audio", {"link": "https://cdn.example.com/a.ogg"}),
        (
            "https://cdn.example.com/a.mp3",
            "ouça",
            "document",
            {"link": "https://cdn.example.com/a.mp3", "caption": "ouça", "filename": "a.mp3"},
        ),
        (
            "https://cdn.example.com/docs/boleto%20maio.pdf?sig=1",
            "Boleto",
            "document",
            {
                "link": "https://cdn.example.com/docs/boleto%20maio.pdf?sig=1",
                "caption": "Boleto",
                "filename": "boleto maio.pdf",
            },
        ),
        (
            "https://cdn.example.com/download",
            None,
            "document",
            {"link": "https://cdn.example.com/download", "filename": "download"},
        ),
    ],
)
def test_cloud_adapter_sends_media_by_link_typed_by_extension(
    recorder: Callable[..., Recorder],
    url: str,
    caption: str | None,
    expected_type: str,
    expected_media: dict[str, str],
) -> None:
    rec = recorder(ok)
    sent = CloudProvider(ENDPOINT, rec.client()).send_media(
        "+5511912345678", url, caption=caption, reference="r1"
    )
    assert sent.provider_message_id == WAMID
    assert Recorder.body(rec.only()) == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "5511912345678",
        "type": expected_type,
        expected_type: expected_media,
        "biz_opaque_callback_data": "r1",
    }


def test_cloud_adapter_marks_read_with_the_documented_body(
    recorder: Callable[..., Recorder],
) -> None:
    rec = recorder(lambda request: httpx.Response(200, json={"success": True}))
    CloudProvider(ENDPOINT, rec.client()).mark_read("+5511912345678", WAMID)
    request = rec.only()
    assert str(request.url) == URL
    assert Recorder.body(request) == {
        "messaging_product": "whatsapp",
        "status": "read",
        "message_id": WAMID,
    }


def test_cloud_adapter_typing_makes_no_call(recorder: Callable[..., Recorder]) -> None:
    rec = recorder(ok)
    CloudProvider(ENDPOINT, rec.client()).typing("+5511912345678", 3.0)
    assert rec.requests == []


def test_cloud_adapter_refuses_a_success_without_a_message_id(
    recorder: Callable[..., Recorder],
) -> None:
    rec = recorder(lambda request: httpx.Response(200, json={"messaging_product": "whatsapp"}))
    with pytest.raises(ProviderError) as caught:
        CloudProvider(ENDPOINT, rec.client()).send_text("+5511912345678", "oi")
    assert caught.value.code == "bad_response"
    assert not caught.value.retryable


def test_cloud_adapter_refuses_a_number_that_is_not_e164(
    recorder: Callable[..., Recorder],
) -> None:
    rec = recorder(ok)
    with pytest.raises(ProviderError) as caught:
        CloudProvider(ENDPOINT, rec.client()).send_text("11 91234-5678", "oi")
    assert caught.value.code == "invalid_number"
    assert rec.requests == []


def _raises(exception: Exception) -> Callable[[httpx.Request], httpx.Response]:
    def reply(request: httpx.Request) -> httpx.Response:
        raise exception

    return reply


@pytest.mark.parametrize(
    ("reply", "status", "code", "retryable", "ban", "retry_after"),
    [
        (graph_error(429, 130429, {"Retry-After": "7"}), 429, "130429", True, False, 7.0),
        (graph_error(400, 131056), 400, "131056", True, False, None),
        (graph_error(400, 131048), 400, "131048", True, False, None),
        (graph_error(400, 80007), 400, "80007", True, False, None),
        (graph_error(503, 131016), 503, "131016", True, False, None),
        (lambda r: httpx.Response(500, text="<html>oops</html>"), 500, None, True, False, None),
        (graph_error(403, 368), 403, "368", False, True, None),
        (graph_error(400, 131031), 400, "131031", False, True, None),
        (graph_error(403, 130497), 403, "130497", False, True, None),
        (graph_error(400, 131047), 400, "131047", False, False, None),
        (graph_error(400, 100), 400, "100", False, False, None),
        (graph_error(401, 190), 401, "190", False, False, None),
        (_raises(httpx.ReadTimeout("slow")), None, "timeout", True, False, None),
        (_raises(httpx.ConnectError("refused")), None, "network", True, False, None),
    ],
    ids=[
        "429-retry-after",
        "pair-rate-limit",
        "spam-rate-limit",
        "waba-rate-limit",
        "503-unavailable",
        "500-html",
        "368-policy-block",
        "131031-locked",
        "130497-country",
        "131047-window-closed",
        "100-bad-parameter",
        "190-token",
        "timeout",
        "connect-error",
    ],
)
def test_cloud_adapter_classifies_failures(
    recorder: Callable[..., Recorder],
    reply: Callable[[httpx.Request], httpx.Response],
    status: int | None,
    code: str | None,
    retryable: bool,
    ban: bool,
    retry_after: float | None,
) -> None:
    rec = recorder(reply)
    with pytest.raises(ProviderError) as caught:
        CloudProvider(ENDPOINT, rec.client()).send_text("+5511912345678", "oi")
    error = caught.value
    assert (error.status, error.code, error.retryable, error.ban, error.retry_after) == (
        status,
        code,
        retryable,
        ban,
        retry_after,
    )
    assert SECRET not in str(error)


def test_cloud_adapter_reads_an_http_date_retry_after(recorder: Callable[..., Recorder]) -> None:
    rec = recorder(graph_error(429, 4, {"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}))
    with pytest.raises(ProviderError) as caught:
        CloudProvider(ENDPOINT, rec.client()).send_text("+5511912345678", "oi")
    assert caught.value.retryable
    assert caught.value.retry_after == 0.0  # a date in the past: no wait, but still a retry


def test_cloud_adapter_never_shows_its_token(recorder: Callable[..., Recorder]) -> None:
    def echo_token(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            400,
            json={
                "error": {"message": f"bad token {SECRET}", "code": 190, "type": "OAuthException"}
            },
        )

    provider = CloudProvider(ENDPOINT, recorder(echo_token).client())
    with pytest.raises(ProviderError) as caught:
        provider.send_text("+5511912345678", "oi")
    for shown in (str(caught.value), repr(caught.value), repr(provider), repr(ENDPOINT)):
        assert SECRET not in shown
    assert "***" in str(caught.value)


@pytest.mark.parametrize(
    "account", ["106540352242922/messages#", "106540352242922/messages?", "x/../106540352242922"]
)
def test_an_account_with_url_syntax_never_reaches_another_numbers_messages(
    recorder: Callable[..., Recorder], account: str
) -> None:
    """Lines refuse such accounts; should one be stored anyway (an old database), the adapter
    still keeps it one path segment: a '#', '?' or '..' must not cut the URL back to another
    tenant's number on a shared Graph connection."""
    rec = recorder(ok)
    endpoint = Endpoint(
        kind="cloud",
        base_url="https://graph.facebook.com",
        account=account,
        token=SECRET,
        api_version="v21.0",
    )

    CloudProvider(endpoint, rec.client()).send_text("+5511912345678", "Oi", reference=None)

    request = rec.only()
    assert request.url.raw_path != b"/v21.0/106540352242922/messages"
    assert request.url.raw_path.startswith(b"/v21.0/") and request.url.raw_path.count(b"/") == 3
