"""Drop-in for Evolution API v2: ``POST /message/sendText/{instance}`` with the ``apikey`` header.

The ``apikey`` is the zapguard API key. An accepted message answers 201 with Evolution's own send
result (``key.remoteJid``, ``key.fromMe``, ``key.id``, ``message``, ``messageTimestamp``,
``status: PENDING``); a refused one answers 400 in Evolution's error shape (``status``, ``error``,
``response.message``) with the zapguard verdict in ``response.zapguard``. Every other route is
deny-by-default (:mod:`zapguard.providers.evolution.routes`): the allowed ones reach the instance's
Evolution server with its own key, once bound to one of the caller's instances.

Shapes: Evolution API v2 documentation, "Send Plain Text" (body ``number``, ``text``, optional
``delay``, ``linkPreview``, ``quoted``...; v1 clients send ``textMessage.text``, also accepted), the
request schemas in ``src/validate/message.schema.ts`` (``quoted.key.id``, ``delay`` in
milliseconds) and the project's exception filter (``{status, error, response: {message}}``).
"""

from __future__ import annotations

import time
from typing import Any, Final

from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from zapguard.api.routes import _dropin
from zapguard.api.routes._surface import Call, Refusal, Surface
from zapguard.domain.models import Verdict
from zapguard.domain.phones import InvalidPhoneNumber
from zapguard.gateway.outbox import MessageOptions
from zapguard.providers.evolution import errors

DELAY_MAX_MS: Final = 3_600_000
"""Longest ``delay`` accepted in a body (an hour); the dispatcher honours at most
``[dispatch] requested_delay_max_seconds`` of it."""


class _TextMessage(BaseModel):
    model_config = ConfigDict(extra="ignore")
    text: str


class _QuotedKey(BaseModel):
    model_config = ConfigDict(extra="ignore")
    id: str = Field(min_length=1, max_length=200)


class _Quoted(BaseModel):
    """Evolution's ``quoted``: the message to reply to, found by ``key.id``."""

    model_config = ConfigDict(extra="ignore")
    key: _QuotedKey


class _Options(BaseModel):
    model_config = ConfigDict(extra="ignore")
    delay: int | None = Field(None, ge=0, le=DELAY_MAX_MS, description="ms")
    quoted: _Quoted | None = None

    def options(self, link_preview: bool | None = None) -> MessageOptions:
        return MessageOptions(
            reply_to=self.quoted.key.id if self.quoted else None,
            link_preview=link_preview,
            delay_ms=self.delay or None,
        )


class EvolutionText(_Options):
    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={"examples": [{"number": "5511912345678", "text": "Olá!"}]},
    )
    number: str = Field(min_length=3, max_length=64)
    text: str | None = Field(None, max_length=4096)
    textMessage: _TextMessage | None = None
    linkPreview: bool | None = None

    @model_validator(mode="after")
    def _has_text(self) -> EvolutionText:
        if not (self.text or (self.textMessage and self.textMessage.text)):
            raise ValueError("text is required")
        return self

    @property
    def body(self) -> str:
        return self.text or (self.textMessage.text if self.textMessage else "")


class EvolutionErrorResponse(BaseModel):
    message: list[str]
    zapguard: dict[str, Any] | None = Field(
        None, description="A decisão ou recusa do zapguard. / zapguard's decision or refusal."
    )
    zapguard_code: str | None = None


class EvolutionError(BaseModel):
    """Evolution's error shape (its exception filter): status, error, response.message."""

    status: int
    error: str
    response: EvolutionErrorResponse


class _SentKey(BaseModel):
    remoteJid: str
    fromMe: bool
    id: str


class EvolutionSent(BaseModel):
    """Evolution's send result ("Send Plain Text"), status PENDING: zapguard queued it."""

    key: _SentKey
    pushName: str
    status: str
    message: dict[str, Any]
    messageType: str
    messageTimestamp: int
    instanceId: str
    source: str


def evolution_error(
    status: int,
    messages: list[str],
    *,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    error: str | None = None,
) -> JSONResponse:
    """An Evolution error answer (:func:`zapguard.providers.evolution.errors.evolution_error`)."""
    body = errors.evolution_error(status, messages, extra=extra, error=error)
    return JSONResponse(body, status_code=status, headers=headers)


class EvolutionMedia(_Options):
    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={
            "examples": [
                {
                    "number": "5511912345678",
                    "mediatype": "image",
                    "media": "https://loja.example.com.br/pedido-1234.jpg",
                    "caption": "Seu pedido",
                }
            ]
        },
    )
    number: str = Field(min_length=3, max_length=64)
    mediatype: str = Field(pattern=r"^(image|video|document|audio)$")
    media: str = Field(
        pattern=r"^https?://",
        description=(
            "Um link (mídia em base64 não passa pelo zapguard). / A link (base64 media does not "
            "go through zapguard)."
        ),
    )
    caption: str | None = Field(None, max_length=1024)
    fileName: str | None = None


def _invalid(error: ValidationError) -> JSONResponse:
    return evolution_error(400, _dropin.problems(error))


def send_text(call: Call) -> Response:
    try:
        body = EvolutionText.model_validate_json(call.raw)
    except ValidationError as error:
        return _invalid(error)
    return _send(
        call,
        number=body.number,
        text=body.body,
        media_url=None,
        message={"conversation": body.body},
        message_type="conversation",
        options=body.options(body.linkPreview),
    )


def send_media(call: Call) -> Response:
    try:
        body = EvolutionMedia.model_validate_json(call.raw)
    except ValidationError as error:
        return _invalid(error)
    kind = f"{body.mediatype}Message"
    shown = {"url": body.media, **({"caption": body.caption} if body.caption else {})}
    return _send(
        call,
        number=body.number,
        text=body.caption or "",
        media_url=body.media,
        message={kind: shown},
        message_type=kind,
        options=body.options(),
    )


def _send(
    call: Call,
    *,
    number: str,
    text: str,
    media_url: str | None,
    message: dict[str, Any],
    message_type: str,
    options: MessageOptions,
) -> JSONResponse:
    services, line = call.services, call.record
    try:
        submission = _dropin.submit(
            services,
            tenant=call.tenant,
            line=line,
            to=number,
            text=text,
            media_url=media_url,
            hint=_dropin.hints(call.request),
            options=options,
        )
    except InvalidPhoneNumber as error:
        return evolution_error(400, [str(error)])
    if submission.entry is None:
        decision = submission.decision
        assert decision is not None
        deferred = decision.verdict is Verdict.DEFER
        return evolution_error(
            429 if deferred else 400,
            [_dropin.refusal_text(decision)],
            extra={"zapguard": _dropin.refusal(decision)},
            headers=_dropin.retry_after(decision, services),
        )
    entry = submission.entry
    return JSONResponse(
        {
            "key": {
                "remoteJid": f"{entry.contact.lstrip('+')}@s.whatsapp.net",
                "fromMe": True,
                "id": entry.public_id,
            },
            "pushName": "",
            "status": "PENDING",
            "message": message,
            "messageType": message_type,
            "messageTimestamp": int(time.time()),
            "instanceId": line.line.id,
            "source": "unknown",
        },
        status_code=201,
    )


def refuse(refusal: Refusal) -> Response:
    """A request zapguard does not pass, in Evolution's error shape."""
    if refusal.reason == "not_found" and refusal.subject is not None:
        # Evolution's own words for an unknown instance (instance.guard.ts), so a client cannot
        # tell another tenant's instance from one that does not exist.
        messages = [f'The "{refusal.subject}" instance does not exist', refusal.text]
    else:
        messages = [refusal.text]
    error = "invalid_request" if refusal.reason == "bad_path" else None
    return evolution_error(
        refusal.status,
        messages,
        extra={"zapguard": refusal.details()},
        error=error,
        headers=refusal.headers,
    )


SURFACE: Final = Surface(
    name="evolution",
    sends={"text": send_text, "media": send_media},
    refuse=refuse,
    hidden=frozenset({"token"}),
)
