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
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from zapguard.api.deps import ServicesDep, TenantDep
from zapguard.api.errors import set_dialect
from zapguard.api.routes import _dropin
from zapguard.api.routes._dropin import RawBody, request_body
from zapguard.domain.models import Verdict
from zapguard.domain.phones import InvalidPhoneNumber

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
        return waha_error(
            400,
            "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}"
                for e in error.errors(include_url=False)
            ),
        )
    line = _dropin.find_line(services, tenant, body.session)
    if line is None:
        return waha_error(
            404,
            f'Session "{body.session}" does not exist / sessão não cadastrada no zapguard',
        )
    try:
        submission = _dropin.submit(
            services,
            tenant=tenant,
            line=line,
            to=body.chatId,
            text=body.text,
            media_url=None,
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
            "body": body.text,
            "hasMedia": False,
            "ack": 0,
            "ackName": "PENDING",
        },
        status_code=201,
    )
