"""Drop-in for Evolution API v2: ``POST /message/sendText/{instance}`` with the ``apikey`` header.

The ``apikey`` is the zapguard API key. An accepted message answers 201 with Evolution's own send
result (``key.remoteJid``, ``key.fromMe``, ``key.id``, ``message``, ``messageTimestamp``,
``status: PENDING``); a refused one answers 400 in Evolution's error shape (``status``, ``error``,
``response.message``) with the zapguard verdict in ``response.zapguard``.

Shapes: Evolution API v2 documentation, "Send Plain Text" (body ``number``, ``text``, optional
``delay``, ``linkPreview``, ``quoted``...; v1 clients send ``textMessage.text``, also accepted) and the
project's exception filter (``{status, error, response: {message}}``).
"""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from zapguard.api.deps import ServicesDep, TenantDep
from zapguard.api.errors import set_dialect
from zapguard.api.routes import _dropin
from zapguard.api.routes._dropin import RawBody, request_body
from zapguard.domain.models import Verdict
from zapguard.domain.phones import InvalidPhoneNumber

router = APIRouter(
    tags=["drop-in: Evolution API"], dependencies=[Depends(set_dialect("evolution"))]
)


class _TextMessage(BaseModel):
    model_config = ConfigDict(extra="ignore")
    text: str


class EvolutionText(BaseModel):
    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={"examples": [{"number": "5511912345678", "text": "Olá!"}]},
    )
    number: str = Field(min_length=3, max_length=64)
    text: str | None = Field(None, max_length=4096)
    textMessage: _TextMessage | None = None

    @model_validator(mode="after")
    def _has_text(self) -> EvolutionText:
        if not (self.text or (self.textMessage and self.textMessage.text)):
            raise ValueError("text is required")
        return self

    @property
    def body(self) -> str:
        return self.text or (self.textMessage.text if self.textMessage else "")


def evolution_error(
    status: int,
    messages: list[str],
    *,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    names = {400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 429: "Too Many Requests"}
    response: dict[str, Any] = {"message": messages}
    if extra:
        response.update(extra)
    return JSONResponse(
        {"status": status, "error": names.get(status, "Error"), "response": response},
        status_code=status,
        headers=headers,
    )


@router.post(
    "/message/sendText/{instance}",
    summary="Evolution API: enviar texto / send text",
    response_model=None,
    openapi_extra=request_body(EvolutionText),
)
def send_text(
    instance: str, request: Request, raw: RawBody, services: ServicesDep, tenant: TenantDep
) -> JSONResponse:
    try:
        body = EvolutionText.model_validate_json(raw)
    except ValidationError as error:
        return evolution_error(
            400,
            [
                f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}"
                for e in error.errors(include_url=False)
            ],
        )
    line = _dropin.find_line(services, tenant, instance)
    if line is None:
        return evolution_error(
            404,
            [
                f'The "{instance}" instance does not exist',
                f"linha não cadastrada no zapguard: {instance}",
            ],
        )
    try:
        submission = _dropin.submit(
            services,
            tenant=tenant,
            line=line,
            to=body.number,
            text=body.body,
            media_url=None,
            hint=_dropin.hints(request),
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
            "message": {"conversation": body.body},
            "messageType": "conversation",
            "messageTimestamp": int(time.time()),
            "instanceId": line.line.id,
            "source": "unknown",
        },
        status_code=201,
    )
