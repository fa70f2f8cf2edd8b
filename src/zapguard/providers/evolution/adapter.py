"""Evolution API v2 (Baileys): one instance = one WhatsApp number paired as a linked device.

Shapes read from the public EvolutionAPI/evolution-api source (v2, ``src/api/routes/
sendMessage.router.ts``, ``src/api/routes/chat.router.ts``, request schemas in ``src/validate/
message.schema.ts`` and ``src/validate/chat.schema.ts``, behaviour in ``src/api/integrations/channel/
whatsapp/whatsapp.baileys.service.ts``). Every call carries the ``apikey`` header (``src/api/guards/
auth.guard.ts``):

* ``POST /message/sendText/{instance}`` ``{"number": "<digits>", "text": ...}``; optional
  ``linkPreview`` (a link preview unless ``false``) and ``quoted`` (``{"key": {"id": ...}}``:
  Evolution looks the quoted message up by ``key.id`` in its own store, ``getMessage`` in the
  Baileys service) are written from the send options; ``delay`` is not (zapguard's dispatcher
  shows the typing itself, see below). Answers 201 with the stored Baileys message, whose id is
  ``key.id``.
* ``POST /message/sendMedia/{instance}`` ``{"number", "mediatype": image|video|audio|document,
  "media": <url or base64>, "caption"?, "fileName"?, "mimetype"?, "quoted"?}``; Evolution derives
  a missing mimetype from the file name.
* ``POST /chat/sendPresence/{instance}`` ``{"number", "presence": "composing", "delay": <ms>}`` (all
  three required). Evolution holds the request open for ``delay`` ms, showing "typing…", then sends
  "paused" and answers. The dispatcher shows typing by calling :meth:`EvolutionProvider.typing` and
  then sleeping, so the call runs on a short-lived thread and ``typing`` returns at once (its
  timeout stretched by the delay); the next send to that contact first waits for it, so the message
  never overtakes its own "typing…". A failed typing call is logged, never raised: it is a courtesy.
* ``POST /chat/markMessageAsRead/{instance}`` ``{"readMessages": [{"remoteJid": "<digits>@s.whatsapp.net",
  "fromMe": false, "id": ...}]}``.

Errors come as ``{"status", "error", "response": {"message": ...}}`` (``src/main.ts``). What the
statuses mean there, and so how they are classified:

* 401 comes only from the api-key guard: our ``apikey`` is wrong. 403 is only raised when creating
  an instance. Neither says anything about the WhatsApp number, so neither is a ban; they are
  configuration errors, not retried.
* 404: the instance does not exist on that server (configuration).
* A dropped WhatsApp socket answers 400 or 500 with ``"Connection Closed"`` (issues #1286, #1772,
  #2229 of the project): the instance is reconnecting, or was logged out. Retryable (code
  ``connection_closed``); a real logout or ban is reported by Evolution's ``connection.update``
  webhook (state ``close`` with Baileys reason 401 logged out / 403 forbidden), which is where
  zapguard learns it, not from the send.
* 400 with ``exists: false``: the number is not on WhatsApp (code ``not_on_whatsapp``), not retried.
* 429 and 5xx: retryable.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Mapping
from typing import Any, Final
from urllib.parse import quote

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

__all__ = ["CONNECTION_CLOSED", "EvolutionProvider", "classify_evolution_error"]

CONNECTION_CLOSED: Final = "connection closed"

logger = logging.getLogger(__name__)


class EvolutionProvider:
    """One Evolution API instance (``endpoint.account`` = the instance name)."""

    def __init__(self, endpoint: Endpoint, client: httpx.Client) -> None:
        self._endpoint = endpoint
        self._client = client
        self._base = endpoint.base_url.rstrip("/")
        self._instance = quote(endpoint.account, safe="")
        self._typing_lock = threading.Lock()
        self._typing: dict[str, threading.Thread] = {}

    def __repr__(self) -> str:
        return f"EvolutionProvider(instance={self._endpoint.account!r}, base_url=<hidden>)"

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
        number = digits(to)
        self._settle_typing(number)
        body: dict[str, Any] = {"number": number, "text": text}
        if options.link_preview is not None:
            body["linkPreview"] = options.link_preview
        answer = self._call("message/sendText", _quoting(body, options))
        return self._sent(answer, "message/sendText")

    def send_media(
        self,
        to: str,
        url: str,
        *,
        caption: str | None = None,
        reference: str | None = None,
        options: SendOptions = NO_OPTIONS,
    ) -> Sent:
        number = digits(to)
        self._settle_typing(number)
        media = classify(url, caption=caption)
        body: dict[str, Any] = {"number": number, "mediatype": media.kind.value, "media": url}
        if caption and media.kind is not MediaKind.AUDIO:
            body["caption"] = caption
        if media.kind is MediaKind.DOCUMENT:
            body["fileName"] = media.filename
        answer = self._call("message/sendMedia", _quoting(body, options))
        return self._sent(answer, "message/sendMedia")

    def send_template(
        self, to: str, template: Mapping[str, Any], *, reference: str | None = None
    ) -> Sent:
        raise no_templates("Evolution API")

    def typing(self, to: str, seconds: float) -> None:
        number = digits(to)
        self._settle_typing(number)
        body = {"number": number, "presence": "composing", "delay": max(0, round(seconds * 1000))}
        thread = threading.Thread(
            target=self._show_typing, args=(body, seconds), name="evolution-typing", daemon=True
        )
        with self._typing_lock:
            self._typing[number] = thread
        thread.start()

    def _show_typing(self, body: dict[str, Any], seconds: float) -> None:
        try:
            self._call("chat/sendPresence", body, hold=seconds)
        except ProviderError as error:
            logger.warning(
                "typing on instance %s failed (%s)", self._endpoint.account, error.code or "?"
            )
        except Exception as error:  # a courtesy running on its own thread: never let it escape
            logger.warning(
                "typing on instance %s failed (%s)", self._endpoint.account, type(error).__name__
            )

    def _settle_typing(self, number: str) -> None:
        """Wait for a "typing…" still being shown to ``number`` (bounded by the call's timeout)."""
        with self._typing_lock:
            thread = self._typing.pop(number, None)
        if thread is not None:
            thread.join()

    def mark_read(self, to: str, provider_message_id: str) -> None:
        key = {
            "remoteJid": f"{digits(to)}@s.whatsapp.net",
            "fromMe": False,
            "id": provider_message_id,
        }
        self._call("chat/markMessageAsRead", {"readMessages": [key]})

    def _sent(self, answer: dict[str, Any], route: str) -> Sent:
        key = answer.get("key")
        message_id = key.get("id") if isinstance(key, dict) else None
        if isinstance(message_id, str) and message_id:
            return Sent(provider_message_id=message_id)
        raise bad_response(f"/{route}/{self._instance}", "key.id")

    def _call(self, route: str, body: dict[str, Any], *, hold: float = 0.0) -> dict[str, Any]:
        headers = {"apikey": self._endpoint.token} if self._endpoint.token else {}
        timeout = None
        if hold > 0:
            base = self._client.timeout.read
            timeout = (base if base is not None else 30.0) + hold
        url = f"{self._base}/{route}/{self._instance}"
        response = post_json(self._client, url, body, headers=headers, timeout=timeout)
        if response.is_success:
            return json_object(response)
        raise classify_evolution_error(response, token=self._endpoint.token)


def _quoting(body: dict[str, Any], options: SendOptions) -> dict[str, Any]:
    if options.reply_to is not None:
        body["quoted"] = {"key": {"id": options.reply_to}}
    return body


def classify_evolution_error(
    response: httpx.Response, *, token: str | None = None
) -> ProviderError:
    """The :class:`ProviderError` an Evolution API error answer means (see the module docstring)."""
    status = response.status_code
    body = json_object(response)
    inner = body.get("response")
    said_raw: Any = inner.get("message") if isinstance(inner, dict) else body.get("message")
    said = said_raw if isinstance(said_raw, str) else json.dumps(said_raw, ensure_ascii=False)
    said = "" if said_raw is None else said
    lowered = said.lower()
    retryable = False
    if CONNECTION_CLOSED in lowered:
        code, retryable = "connection_closed", True
        lead = "instância desconectada do WhatsApp / instance disconnected from WhatsApp"
    elif status == 401:
        code = "unauthorized"
        lead = "apikey recusada pela Evolution API / apikey refused by the Evolution API"
    elif status == 403:
        code = "forbidden"
        lead = "Evolution API recusou a operação / Evolution API forbade the operation"
    elif status == 404:
        code = "instance_not_found"
        lead = "instância não existe / instance does not exist"
    elif status == 429 or status >= 500:
        code, retryable = f"http_{status}", True
        lead = "Evolution API pediu para tentar mais tarde / Evolution API asked to retry later"
    elif '"exists": false' in lowered or '"exists":false' in lowered:
        code = "not_on_whatsapp"
        lead = "número sem WhatsApp / number is not on WhatsApp"
    else:
        code = f"http_{status}"
        lead = "Evolution API recusou a mensagem / Evolution API refused the message"
    message = f"{lead} (HTTP {status})" + (f": {scrub(said, token)}" if said else "")
    return ProviderError(
        message,
        status=status,
        code=code,
        retryable=retryable,
        retry_after=retry_after(response),
    )
