"""WAHA (WhatsApp HTTP API): one session = one WhatsApp number paired as a linked device.

Shapes read from the public devlikeapro/waha source (``src/api/chatting.controller.ts``, request DTOs
in ``src/structures/chatting.dto.ts`` and ``src/structures/files.dto.ts``, engines in ``src/core/
engines/{webjs,noweb}/``); the api key travels in ``X-Api-Key`` (``src/core/
SwaggerConfiguratorCore.ts``). The session is named in the body, the contact as a chat id
``<digits>@c.us``:

* ``POST /api/sendText`` ``{"session", "chatId", "text"}``, with ``reply_to`` (the quoted
  message's serialized id, ``false_<chat>@c.us_<id>``) and ``linkPreview`` (WAHA's default: on)
  from the send options (``MessageTextRequest`` in ``src/structures/chatting.dto.ts``).
* ``POST /api/sendImage`` (images) and ``POST /api/sendFile`` (everything else) ``{"session",
  "chatId", "file": {"url", "mimetype", "filename"}, "caption", "reply_to"?}``. In WAHA Core (the free edition)
  these are "available only in Plus version" (422, code ``plus_only``).
* ``POST /api/startTyping`` / ``/api/stopTyping`` ``{"session", "chatId"}`` → ``{"result": true}``.
  Typing is left on: WhatsApp clears it when the message arrives, so no stop call is spent.
* ``POST /api/sendSeen`` ``{"session", "chatId", "messageId"}``; the NOWEB engine needs the message
  id in WAHA's serialized form (``false_<chat>@c.us_<id>``), which is what WAHA's webhooks carry.

The answer to a send is the engine's own message object, so its shape depends on the engine:

* WEBJS (whatsapp-web.js): ``{"id": {"fromMe", "remote", "id", "_serialized": "true_…@c.us_…"}, …}``
  → ``id._serialized``;
* NOWEB (Baileys): ``{"key": {"remoteJid": "…@s.whatsapp.net", "fromMe": true, "id": …}, …}`` →
  serialized the way WAHA serializes it in webhooks (``true_<digits>@c.us_<id>``, see
  ``buildMessageId`` in ``session.noweb.core.ts``), so status webhooks match the stored id;
* a plain string ``id`` is taken as it is (not a documented shape; accepted defensively).

Errors: Nest's default ``{"statusCode", "message", "error"}``, except a session that is not working,
which answers 422 with ``{"error": "Session status is not as expected…", "session", "status",
"expected": ["WORKING"]}`` (``src/core/abc/manager.abc.ts``, ``waitUntilStatus``). The session's
status says what happened to the number:

* ``SCAN_QR_CODE``: not paired, i.e. logged out → ``ban=True`` (stop the line; a person must pair it);
* ``FAILED``: NOWEB sets it when WhatsApp closed the connection as *logged out* and WAHA will not
  reconnect → ``ban=True``;
* ``STARTING``: coming up → retryable;
* ``STOPPED``: someone stopped it → not retried, not a ban (configuration).

401 is our api key (not the number), 404 an unknown session: configuration, not retried. 429 and 5xx
are retryable.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import httpx

from zapguard.providers._http import (
    bad_response,
    digits,
    json_object,
    post_json,
    retry_after,
    scrub,
)
from zapguard.providers._media import MediaKind, classify
from zapguard.providers.base import (
    NO_OPTIONS,
    Endpoint,
    ProviderError,
    SendOptions,
    Sent,
    no_templates,
)

__all__ = ["LOGGED_OUT_STATUSES", "WahaProvider", "classify_waha_error"]

LOGGED_OUT_STATUSES: Final = frozenset({"SCAN_QR_CODE", "FAILED"})


class WahaProvider:
    """One WAHA session (``endpoint.account`` = the session name, e.g. ``default``)."""

    def __init__(self, endpoint: Endpoint, client: httpx.Client) -> None:
        self._endpoint = endpoint
        self._client = client
        self._base = endpoint.base_url.rstrip("/")

    def __repr__(self) -> str:
        return f"WahaProvider(session={self._endpoint.account!r}, base_url=<hidden>)"

    @property
    def supports_typing(self) -> bool:
        return True

    def send_text(
        self,
        to: str,
        text: str,
        *,
        reference: str | None = None,
        options: SendOptions = NO_OPTIONS,
    ) -> Sent:
        body: dict[str, Any] = {
            "session": self._endpoint.account,
            "chatId": _chat_id(to),
            "text": text,
        }
        if options.link_preview is not None:
            body["linkPreview"] = options.link_preview
        answer = self._call("sendText", _replying(body, options))
        return _sent(answer, "/api/sendText")

    def send_media(
        self,
        to: str,
        url: str,
        *,
        caption: str | None = None,
        reference: str | None = None,
        options: SendOptions = NO_OPTIONS,
    ) -> Sent:
        media = classify(url, caption=caption)
        route = "sendImage" if media.kind is MediaKind.IMAGE else "sendFile"
        body: dict[str, Any] = {
            "session": self._endpoint.account,
            "chatId": _chat_id(to),
            "file": {"url": url, "mimetype": media.mimetype, "filename": media.filename},
        }
        if caption:
            body["caption"] = caption
        return _sent(self._call(route, _replying(body, options)), f"/api/{route}")

    def send_template(
        self, to: str, template: Mapping[str, Any], *, reference: str | None = None
    ) -> Sent:
        raise no_templates("WAHA")

    def typing(self, to: str, seconds: float) -> None:
        self._call("startTyping", {"session": self._endpoint.account, "chatId": _chat_id(to)})

    def mark_read(self, to: str, provider_message_id: str) -> None:
        body = {
            "session": self._endpoint.account,
            "chatId": _chat_id(to),
            "messageId": provider_message_id,
        }
        self._call("sendSeen", body)

    def _call(self, route: str, body: dict[str, Any]) -> dict[str, Any]:
        headers = {"X-Api-Key": self._endpoint.token} if self._endpoint.token else {}
        response = post_json(self._client, f"{self._base}/api/{route}", body, headers=headers)
        if response.is_success:
            return json_object(response)
        raise classify_waha_error(response, token=self._endpoint.token)


def _replying(body: dict[str, Any], options: SendOptions) -> dict[str, Any]:
    if options.reply_to is not None:
        body["reply_to"] = options.reply_to
    return body


def _chat_id(to: str) -> str:
    return f"{digits(to)}@c.us"


def _sent(answer: dict[str, Any], path: str) -> Sent:
    ident = answer.get("id")
    if isinstance(ident, dict):
        serialized = ident.get("_serialized")
        if isinstance(serialized, str) and serialized:
            return Sent(provider_message_id=serialized)
    if isinstance(ident, str) and ident:
        return Sent(provider_message_id=ident)
    key = answer.get("key")
    if isinstance(key, dict):
        remote, message_id = key.get("remoteJid"), key.get("id")
        if isinstance(remote, str) and isinstance(message_id, str) and message_id:
            chat = remote.split("@", 1)[0].split(":", 1)[0] + "@c.us"
            from_me = "true" if key.get("fromMe", True) else "false"
            return Sent(provider_message_id=f"{from_me}_{chat}_{message_id}")
    raise bad_response(path, "id")


def classify_waha_error(response: httpx.Response, *, token: str | None = None) -> ProviderError:
    """The :class:`ProviderError` a WAHA error answer means (see the module docstring)."""
    status = response.status_code
    body = json_object(response)
    session_status = body.get("status") if isinstance(body.get("status"), str) else None
    said_raw = body.get("error") if session_status else body.get("message", body.get("error"))
    said = str(said_raw) if said_raw else ""
    retryable = ban = False
    if status == 422 and session_status in LOGGED_OUT_STATUSES:
        code, ban = "logged_out", True
        lead = f"sessão desconectada do WhatsApp ({session_status}) / session logged out"
    elif status == 422 and session_status == "STARTING":
        code, retryable = "session_starting", True
        lead = "sessão ainda iniciando / session still starting"
    elif status == 422 and session_status == "STOPPED":
        code = "session_stopped"
        lead = "sessão parada / session stopped"
    elif status == 422 and "plus version" in said.lower():
        code = "plus_only"
        lead = "recurso só no WAHA Plus / feature only in WAHA Plus"
    elif status == 401:
        code = "unauthorized"
        lead = "X-Api-Key recusada pelo WAHA / X-Api-Key refused by WAHA"
    elif status == 404:
        code = "session_not_found"
        lead = "sessão não existe / session does not exist"
    elif status == 429 or status >= 500:
        code, retryable = f"http_{status}", True
        lead = "WAHA pediu para tentar mais tarde / WAHA asked to retry later"
    else:
        code = f"http_{status}"
        lead = "WAHA recusou a mensagem / WAHA refused the message"
    message = f"{lead} (HTTP {status})" + (f": {scrub(said, token)}" if said else "")
    return ProviderError(
        message,
        status=status,
        code=code,
        retryable=retryable,
        ban=ban,
        retry_after=retry_after(response),
    )
