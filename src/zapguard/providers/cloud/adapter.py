"""Meta's WhatsApp Cloud API: the official provider, and the dialect the simulator speaks.

Every call is ``POST {base_url}/{api_version}/{phone_number_id}/messages`` with ``Authorization:
Bearer <token>``. Shapes, from Meta's developer documentation:

* Send (Cloud API reference, "Messages"; developers.facebook.com/docs/whatsapp/cloud-api/reference/
  messages): ``{"messaging_product": "whatsapp", "recipient_type": "individual", "to": "<digits>",
  "type": "text", "text": {"preview_url": false, "body": ...}}``. ``to`` is the number without
  ``+``. Media go by link: ``{"type": "image", "image": {"link": ..., "caption": ...}}``, likewise
  ``video``, ``document`` (which also takes ``filename``) and ``audio`` (no caption). Success:
  ``{"messaging_product": "whatsapp", "contacts": [...], "messages": [{"id": "wamid..."}]}``.
* A reply quotes the message it answers with ``"context": {"message_id": <wamid>}`` (Cloud API
  reference, "Messages", contextual replies); ``text.preview_url`` shows a preview of the first
  link (default false).
* ``biz_opaque_callback_data`` is a top-level field of every message request ("an arbitrary 512B
  string, useful for tracking"); the Cloud API does not act on it, it only echoes it in the status
  webhooks (sent, delivered, read) of that message. zapguard puts its own message id there. It does
  *not* make a resend idempotent on Meta's side (only the simulator deduplicates on it).
* Mark read: ``{"messaging_product": "whatsapp", "status": "read", "message_id": ...}`` → ``{"success":
  true}``.
* Typing: the Cloud API has no free-standing typing indicator. Its only one ("Typing indicators"
  guide) rides on marking a *received* message read (``"typing_indicator": {"type": "text"}`` on the
  mark-read call) and lasts until the reply or 25 seconds. zapguard's ``typing(to, seconds)`` has no
  inbound message to hang it on, so :attr:`CloudProvider.supports_typing` is False and it does
  nothing.

Errors are Graph API errors (Graph API "Handling errors"; Cloud API "Error codes" page,
developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes): ``{"error": {"message", "type",
"code", "error_subcode", "error_data": {"details"}, "fbtrace_id"}}``. Meta asks that handling be built
on ``code``, not on the HTTP status nor the message text. Classification:

* throttling, try later: 4 (app call rate), 80007 (WABA rate limit), 130429 (throughput),
  131048 (spam rate limit, the number's quality), 131056 (too many messages to the same contact);
* transient on Meta's side: 2 (service temporarily down), 131000 (something went wrong),
  131016 (service unavailable), 131057 (account in maintenance mode); also any 429 or 5xx;
* integrity, the account itself is restricted (the "Integrity errors" group, answered 403): 368
  (temporarily blocked for policy violations), 131031 (account locked), 130497 (restricted from
  messaging users in a country) → ``ban=True``: stop the line, alert a person;
* everything else (bad number, closed 24-hour window 131047, bad parameter 100, expired token 190) is
  about this message or this configuration: not retried.
"""

from __future__ import annotations

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
from zapguard.providers.base import NO_OPTIONS, Endpoint, ProviderError, SendOptions, Sent

__all__ = [
    "INTEGRITY_CODES",
    "THROTTLING_CODES",
    "TRANSIENT_CODES",
    "CloudProvider",
    "classify_graph_error",
]

THROTTLING_CODES: Final = frozenset({4, 80007, 130429, 131048, 131056})
TRANSIENT_CODES: Final = frozenset({2, 131000, 131016, 131057})
INTEGRITY_CODES: Final = frozenset({368, 131031, 130497})


class CloudProvider:
    """One phone number (``endpoint.account`` = its ``phone_number_id``) on the Cloud API."""

    def __init__(self, endpoint: Endpoint, client: httpx.Client) -> None:
        self._endpoint = endpoint
        self._client = client
        base = endpoint.base_url.rstrip("/")
        # The account is one path segment whatever it holds: a '/', '?' or '#' in it must not
        # point the request at another number (lines refuse such accounts; this is the last guard).
        account = quote(endpoint.account, safe="")
        self._url = f"{base}/{endpoint.api_version}/{account}/messages"

    def __repr__(self) -> str:
        return f"CloudProvider(account={self._endpoint.account!r}, base_url=<hidden>)"

    @property
    def supports_typing(self) -> bool:
        return False

    def send_text(
        self,
        to: str,
        text: str,
        *,
        reference: str | None = None,
        options: SendOptions = NO_OPTIONS,
    ) -> Sent:
        body: dict[str, Any] = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": digits(to),
            "type": "text",
            "text": {"preview_url": options.link_preview is True, "body": text},
        }
        return self._send(body, reference, options)

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
        payload: dict[str, Any] = {"link": url}
        if caption and media.kind is not MediaKind.AUDIO:
            payload["caption"] = caption
        if media.kind is MediaKind.DOCUMENT:
            payload["filename"] = media.filename
        body: dict[str, Any] = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": digits(to),
            "type": media.kind.value,
            media.kind.value: payload,
        }
        return self._send(body, reference, options)

    def send_template(
        self, to: str, template: Mapping[str, Any], *, reference: str | None = None
    ) -> Sent:
        body: dict[str, Any] = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": digits(to),
            "type": "template",
            "template": dict(template),
        }
        return self._send(body, reference)

    def typing(self, to: str, seconds: float) -> None:
        """Nothing: the Cloud API shows "typing…" only while marking a received message read."""

    def mark_read(self, to: str, provider_message_id: str) -> None:
        body = {
            "messaging_product": "whatsapp",
            "status": "read",
            "message_id": provider_message_id,
        }
        self._call(body)

    def _send(
        self, body: dict[str, Any], reference: str | None, options: SendOptions = NO_OPTIONS
    ) -> Sent:
        if reference is not None:
            body["biz_opaque_callback_data"] = reference
        if options.reply_to is not None:
            body["context"] = {"message_id": options.reply_to}
        answer = self._call(body)
        messages = answer.get("messages")
        if isinstance(messages, list) and messages and isinstance(messages[0], dict):
            message_id = messages[0].get("id")
            if isinstance(message_id, str) and message_id:
                return Sent(provider_message_id=message_id)
        raise bad_response(self._path, "messages[0].id")

    @property
    def _path(self) -> str:
        return f"/{self._endpoint.api_version}/{self._endpoint.account}/messages"

    def _call(self, body: dict[str, Any]) -> dict[str, Any]:
        headers = {}
        if self._endpoint.token:
            headers["Authorization"] = f"Bearer {self._endpoint.token}"
        response = post_json(self._client, self._url, body, headers=headers)
        if response.is_success:
            return json_object(response)
        raise classify_graph_error(response, token=self._endpoint.token)


def classify_graph_error(response: httpx.Response, *, token: str | None = None) -> ProviderError:
    """The :class:`ProviderError` a Graph API error answer means (see the module docstring)."""
    error = json_object(response).get("error")
    fields: dict[str, Any] = error if isinstance(error, dict) else {}
    raw_code = fields.get("code")
    code = raw_code if isinstance(raw_code, int) and not isinstance(raw_code, bool) else None
    status = response.status_code
    ban = code in INTEGRITY_CODES
    retryable = not ban and (
        status == 429 or status >= 500 or code in THROTTLING_CODES or code in TRANSIENT_CODES
    )
    detail = fields.get("error_data", {})
    details = detail.get("details") if isinstance(detail, dict) else None
    said = " — ".join(str(part) for part in (fields.get("message"), details) if part)
    label = f"HTTP {status}" + (f", código / code {code}" if code is not None else "")
    if ban:
        lead = "conta do WhatsApp bloqueada ou restrita / WhatsApp account blocked or restricted"
    elif retryable:
        lead = "Cloud API pediu para tentar mais tarde / Cloud API asked to retry later"
    else:
        lead = "Cloud API recusou a mensagem / Cloud API refused the message"
    message = f"{lead} ({label})" + (f": {scrub(said, token)}" if said else "")
    return ProviderError(
        message,
        status=status,
        code=str(code) if code is not None else None,
        retryable=retryable,
        ban=ban,
        retry_after=retry_after(response),
    )
