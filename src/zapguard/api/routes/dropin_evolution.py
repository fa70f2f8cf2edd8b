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
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from zapguard.api.deps import ServicesDep, TenantDep
from zapguard.api.errors import set_dialect
from zapguard.api.routes import _dropin
from zapguard.api.routes._dropin import RawBody, request_body
from zapguard.domain.models import Verdict
from zapguard.domain.phones import InvalidPhoneNumber
from zapguard.gateway.service import Services

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


class EvolutionMedia(BaseModel):
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
        return _invalid(error)
    return _send(
        instance,
        request,
        services,
        tenant,
        number=body.number,
        text=body.body,
        media_url=None,
        message={"conversation": body.body},
        message_type="conversation",
    )


@router.post(
    "/message/sendMedia/{instance}",
    summary="Evolution API: enviar mídia por link / send media by link",
    response_model=None,
    openapi_extra=request_body(EvolutionMedia),
)
def send_media(
    instance: str, request: Request, raw: RawBody, services: ServicesDep, tenant: TenantDep
) -> JSONResponse:
    try:
        body = EvolutionMedia.model_validate_json(raw)
    except ValidationError as error:
        return _invalid(error)
    kind = f"{body.mediatype}Message"
    shown = {"url": body.media, **({"caption": body.caption} if body.caption else {})}
    return _send(
        instance,
        request,
        services,
        tenant,
        number=body.number,
        text=body.caption or "",
        media_url=body.media,
        message={kind: shown},
        message_type=kind,
    )


def _send(
    instance: str,
    request: Request,
    services: Services,
    tenant: str,
    *,
    number: str,
    text: str,
    media_url: str | None,
    message: dict[str, Any],
    message_type: str,
) -> JSONResponse:
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
            to=number,
            text=text,
            media_url=media_url,
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
            "message": message,
            "messageType": message_type,
            "messageTimestamp": int(time.time()),
            "instanceId": line.line.id,
            "source": "unknown",
        },
        status_code=201,
    )


# Every other Evolution API route (numbers check, chats, instance state...) goes to the line's
# Evolution provider with its own apikey. Other ways to send would go around the rules: refused.
_SECTIONS = ("chat", "instance", "group", "label", "settings", "call", "proxy", "webhook")


def _pass_through(
    path: str, request: Request, raw: RawBody, services: ServicesDep, tenant: TenantDep
) -> Response:
    section = request.url.path.strip("/").split("/", 1)[0]
    if section == "message":
        return evolution_error(
            400,
            [
                "envios passam por /message/sendText ou /message/sendMedia / sending goes "
                "through /message/sendText or /message/sendMedia"
            ],
        )
    settings = _dropin.provider_for_path(services, tenant, "evolution", path.split("/"))
    if settings is None or settings.token is None:
        return evolution_error(
            404,
            ["nenhuma instância Evolution deste cliente / no Evolution instance for this tenant"],
        )
    answer = _dropin.relay(
        services,
        settings,
        request,
        raw,
        f"{section}/{path}",
        ("apikey", settings.token.get_secret_value()),
    )
    return answer or evolution_error(503, ["provedor inacessível / provider unreachable"])


for _section in (*_SECTIONS, "message"):
    for _method in ("GET", "POST", "PUT", "DELETE"):
        router.add_api_route(
            f"/{_section}/{{path:path}}",
            _pass_through,
            methods=[_method],
            summary=f"Evolution API: {_method} /{_section}/…, repassado / passed through",
            operation_id=f"evolution_pass_through_{_section}_{_method.lower()}",
            response_model=None,
        )
