"""Drop-in for WAHA: ``POST /api/sendText`` with the ``X-Api-Key`` header.

The ``X-Api-Key`` is the zapguard API key; ``session`` names the line (its provider account, or its
zapguard id). An accepted message answers 201 with WAHA's message shape (``id``, ``timestamp``,
``from``, ``fromMe``, ``to``, ``body``, ``ack``); a refused one answers in WAHA's (NestJS) error shape
``{statusCode, message, error}`` with the zapguard verdict in ``zapguard``.

Shapes: WAHA documentation, "Send messages" (``POST /api/sendText`` with ``session``, ``chatId``
``<number>@c.us``, ``text``) and its OpenAPI ``WAMessage`` schema.
"""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from zapguard.api.deps import ServicesDep, TenantDep
from zapguard.api.errors import set_dialect
from zapguard.api.routes import _dropin
from zapguard.api.routes._dropin import RawBody, request_body
from zapguard.domain.models import Verdict
from zapguard.domain.phones import InvalidPhoneNumber
from zapguard.gateway.service import Services

router = APIRouter(tags=["drop-in: WAHA"], dependencies=[Depends(set_dialect("waha"))])


class WahaText(BaseModel):
    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={
            "examples": [{"session": "default", "chatId": "5511912345678@c.us", "text": "Olá!"}]
        },
    )
    session: str = Field("default", min_length=1, max_length=200)
    chatId: str = Field(min_length=3, max_length=80)
    text: str = Field(min_length=1, max_length=4096)


def waha_error(
    status: int,
    message: str,
    *,
    zapguard: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    names = {
        400: "Bad Request",
        401: "Unauthorized",
        404: "Not Found",
        422: "Unprocessable Entity",
        429: "Too Many Requests",
    }
    body: dict[str, Any] = {
        "statusCode": status,
        "message": message,
        "error": names.get(status, "Error"),
    }
    if zapguard is not None:
        body["zapguard"] = zapguard
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


class WahaFile(BaseModel):
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


@router.post(
    "/api/sendText",
    summary="WAHA: enviar texto / send text",
    response_model=None,
    openapi_extra=request_body(WahaText),
)
def send_text(
    request: Request, raw: RawBody, services: ServicesDep, tenant: TenantDep
) -> JSONResponse:
    try:
        body = WahaText.model_validate_json(raw)
    except ValidationError as error:
        return _invalid(error)
    return _send(
        request,
        services,
        tenant,
        session=body.session,
        chat_id=body.chatId,
        text=body.text,
        media_url=None,
    )


@router.post(
    "/api/sendImage",
    summary="WAHA: enviar imagem por link / send an image by link",
    response_model=None,
    openapi_extra=request_body(WahaFile),
)
@router.post(
    "/api/sendFile",
    summary="WAHA: enviar arquivo por link / send a file by link",
    response_model=None,
    openapi_extra=request_body(WahaFile),
)
def send_file(
    request: Request, raw: RawBody, services: ServicesDep, tenant: TenantDep
) -> JSONResponse:
    """Images and other files: the same body, sent by link (the dispatcher picks the WAHA route)."""
    try:
        body = WahaFile.model_validate_json(raw)
    except ValidationError as error:
        return _invalid(error)
    return _send(
        request,
        services,
        tenant,
        session=body.session,
        chat_id=body.chatId,
        text=body.caption or "",
        media_url=body.file.url,
    )


def _send(
    request: Request,
    services: Services,
    tenant: str,
    *,
    session: str,
    chat_id: str,
    text: str,
    media_url: str | None,
) -> JSONResponse:
    line = _dropin.find_line(services, tenant, session)
    if line is None:
        return waha_error(
            404,
            f'Session "{session}" does not exist / sessão não cadastrada no zapguard',
        )
    try:
        submission = _dropin.submit(
            services,
            tenant=tenant,
            line=line,
            to=chat_id,
            text=text,
            media_url=media_url,
            hint=_dropin.hints(request),
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


def pass_through(
    path: str, request: Request, raw: RawBody, services: ServicesDep, tenant: TenantDep
) -> Response:
    """Sessions, chats, contacts... go to the line's WAHA provider with its own key. Any other way
    to send would go around the rules: refused."""
    action = path.rsplit("/", 1)[-1]
    if request.method == "POST" and (action.startswith("send") or action == "reply"):
        return waha_error(
            400,
            "envios passam por /api/sendText, /api/sendImage ou /api/sendFile / sending goes "
            "through /api/sendText, /api/sendImage or /api/sendFile",
        )
    settings = _dropin.provider_for_path(services, tenant, "waha", path.split("/"))
    if settings is None:
        return waha_error(
            404, "nenhuma sessão WAHA deste cliente / no WAHA session for this tenant"
        )
    key = settings.token.get_secret_value() if settings.token else ""
    answer = _dropin.relay(services, settings, request, raw, f"api/{path}", ("X-Api-Key", key))
    return answer or waha_error(503, "provedor inacessível / provider unreachable")


for _method in ("GET", "POST", "PUT", "DELETE"):
    router.add_api_route(
        "/api/{path:path}",
        pass_through,
        methods=[_method],
        summary=f"WAHA: {_method} demais chamadas, repassadas / other calls, passed through",
        operation_id=f"waha_pass_through_{_method.lower()}",
        response_model=None,
    )
