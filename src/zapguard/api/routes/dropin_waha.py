"""Drop-in for WAHA: ``POST /api/sendText`` with the ``X-Api-Key`` header.

The ``X-Api-Key`` is the zapguard API key; ``session`` names the line (its provider account, or its
zapguard id). An accepted message answers 201 with WAHA's message shape (``id``, ``timestamp``,
``from``, ``fromMe``, ``to``, ``body``, ``ack``); a refused one answers in WAHA's (NestJS) error shape
``{statusCode, message, error}`` with the zapguard verdict in ``zapguard``. Every other route is
deny-by-default (:mod:`zapguard.providers.waha.routes`).

Shapes: WAHA documentation, "Send messages" (``POST /api/sendText`` with ``session``, ``chatId``
``<number>@c.us``, ``text``, optional ``reply_to`` and ``linkPreview``: ``MessageTextRequest`` in
``src/structures/chatting.dto.ts``) and its OpenAPI ``WAMessage`` schema.
"""

from __future__ import annotations

import time
from typing import Any, Final

from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from zapguard.api.routes import _dropin
from zapguard.api.routes._surface import Call, Refusal, Surface
from zapguard.domain.models import Verdict
from zapguard.domain.phones import InvalidPhoneNumber
from zapguard.gateway.outbox import MessageOptions
from zapguard.providers.waha import errors


class _Reply(BaseModel):
    model_config = ConfigDict(extra="ignore")
    reply_to: str | None = Field(
        None,
        min_length=1,
        max_length=300,
        description="Id da mensagem respondida. / Id of the message replied to.",
    )


class WahaText(_Reply):
    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={
            "examples": [{"session": "default", "chatId": "5511912345678@c.us", "text": "Olá!"}]
        },
    )
    session: str = Field("default", min_length=1, max_length=200)
    chatId: str = Field(min_length=3, max_length=80)
    text: str = Field(min_length=1, max_length=4096)
    linkPreview: bool | None = None


class WahaError(BaseModel):
    """WAHA's (NestJS) error shape: statusCode, message, error."""

    statusCode: int
    message: str
    error: str
    zapguard: dict[str, Any] | None = Field(
        None, description="A decisão ou recusa do zapguard. / zapguard's decision or refusal."
    )


class WahaSent(BaseModel):
    """WAHA's ``WAMessage`` for a message sent, ack PENDING: zapguard queued it."""

    model_config = ConfigDict(populate_by_name=True)
    id: str
    timestamp: int
    from_: str = Field(alias="from")
    fromMe: bool
    to: str
    body: str
    hasMedia: bool
    ack: int
    ackName: str


def waha_error(
    status: int,
    message: str,
    *,
    zapguard: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    error: str | None = None,
) -> JSONResponse:
    """A WAHA error answer (:func:`zapguard.providers.waha.errors.waha_error`)."""
    body = errors.waha_error(status, message, zapguard=zapguard, error=error)
    return JSONResponse(body, status_code=status, headers=headers)


class _File(BaseModel):
    model_config = ConfigDict(extra="ignore")
    url: str = Field(
        pattern=r"^https?://",
        description=(
            "Um link (arquivo em base64 não passa pelo zapguard). / A link (base64 files do not "
            "go through zapguard)."
        ),
    )
    mimetype: str | None = None
    filename: str | None = None


class WahaFile(_Reply):
    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={
            "examples": [
                {
                    "session": "default",
                    "chatId": "5511912345678@c.us",
                    "file": {"url": "https://loja.example.com.br/pedido-1234.jpg"},
                    "caption": "Seu pedido",
                }
            ]
        },
    )
    session: str = Field("default", min_length=1, max_length=200)
    chatId: str = Field(min_length=3, max_length=80)
    file: _File
    caption: str | None = Field(None, max_length=1024)


def _invalid(error: ValidationError) -> JSONResponse:
    return waha_error(400, "; ".join(_dropin.problems(error)))


def send_text(call: Call) -> Response:
    try:
        body = WahaText.model_validate_json(call.raw)
    except ValidationError as error:
        return _invalid(error)
    return _send(
        call,
        chat_id=body.chatId,
        text=body.text,
        media_url=None,
        options=MessageOptions(reply_to=body.reply_to, link_preview=body.linkPreview),
    )


def send_file(call: Call) -> Response:
    """Images and other files: the same body, sent by link (the dispatcher picks the WAHA route)."""
    try:
        body = WahaFile.model_validate_json(call.raw)
    except ValidationError as error:
        return _invalid(error)
    return _send(
        call,
        chat_id=body.chatId,
        text=body.caption or "",
        media_url=body.file.url,
        options=MessageOptions(reply_to=body.reply_to),
    )


def _send(
    call: Call,
    *,
    chat_id: str,
    text: str,
    media_url: str | None,
    options: MessageOptions,
) -> JSONResponse:
    services, line = call.services, call.record
    try:
        submission = _dropin.submit(
            services,
            tenant=call.tenant,
            line=line,
            to=chat_id,
            text=text,
            media_url=media_url,
            hint=_dropin.hints(call.request),
            options=options,
        )
    except InvalidPhoneNumber as error:
        return waha_error(400, str(error))
    if submission.entry is None:
        decision = submission.decision
        assert decision is not None
        deferred = decision.verdict is Verdict.DEFER
        return waha_error(
            429 if deferred else 422,
            _dropin.refusal_text(decision),
            zapguard=_dropin.refusal(decision),
            headers=_dropin.retry_after(decision, services),
        )
    entry = submission.entry
    chat = f"{entry.contact.lstrip('+')}@c.us"
    return JSONResponse(
        {
            "id": f"true_{chat}_{entry.public_id}",
            "timestamp": int(time.time()),
            "from": f"{line.line.phone.lstrip('+')}@c.us",
            "fromMe": True,
            "to": chat,
            "body": text,
            "hasMedia": media_url is not None,
            "ack": 0,
            "ackName": "PENDING",
        },
        status_code=201,
    )


def refuse(refusal: Refusal) -> Response:
    """A request zapguard does not pass, in WAHA's (NestJS) error shape."""
    message = refusal.text
    if refusal.reason == "not_found" and refusal.subject is not None:
        # The same words whether the session is another tenant's or nobody's.
        message = f'Session "{refusal.subject}" does not exist / {refusal.text}'
    error = "invalid_request" if refusal.reason == "bad_path" else None
    return waha_error(
        refusal.status, message, zapguard=refusal.details(), error=error, headers=refusal.headers
    )


SURFACE: Final = Surface(
    name="waha",
    sends={"text": send_text, "media": send_file},
    refuse=refuse,
)
