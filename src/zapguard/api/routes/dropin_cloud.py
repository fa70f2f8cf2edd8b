"""Drop-in for the WhatsApp Cloud API: ``POST /{version}/{phone_number_id}/messages``.

A client of the Cloud API (pywa, a helpdesk) points its Graph base URL at zapguard; its Bearer token
is a zapguard API key, or the Meta token of the provider connection its lines use. Every other
Graph call (media, templates, profile) is passed through to that provider with its token, so the
client needs no second base URL. An accepted message gets the Cloud API's own success
body at once, with an id that later status webhooks carry; a refused one gets a Graph error body,
``code`` 131049 ("not delivered to maintain healthy ecosystem engagement", the Cloud API's own
policy refusal) or 130429 (rate limit) for a deferral, with the zapguard verdict inside.

Shapes: Meta for Developers, WhatsApp Cloud API reference, "Messages" (request body:
messaging_product, recipient_type, to, type, text.body / image.link ...; response: messaging_product,
contacts[].input / wa_id, messages[].id) and "Error codes" (Graph error object: message, type, code,
error_data.details, error_subcode, fbtrace_id).
"""

from __future__ import annotations

import re
import uuid
from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from zapguard.api.auth import authenticate
from zapguard.api.deps import ServicesDep, TenantDep
from zapguard.api.errors import ApiError, set_dialect
from zapguard.api.routes import _dropin
from zapguard.api.routes._dropin import RawBody, request_body
from zapguard.domain.models import Category, Verdict
from zapguard.domain.phones import InvalidPhoneNumber

router = APIRouter(
    tags=["drop-in: WhatsApp Cloud API"], dependencies=[Depends(set_dialect("cloud"))]
)

_VERSION = re.compile(r"^v\d+\.\d+$")
_MEDIA_TYPES = ("image", "document", "video", "audio")


class _Text(BaseModel):
    model_config = ConfigDict(extra="ignore")
    body: str = Field(min_length=1, max_length=4096)
    preview_url: bool = False


class _Media(BaseModel):
    model_config = ConfigDict(extra="ignore")
    link: str = Field(pattern=r"^https?://")
    caption: str | None = Field(None, max_length=1024)


class _Language(BaseModel):
    model_config = ConfigDict(extra="allow")
    code: str = Field(min_length=2, max_length=16)


class _Template(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: str = Field(min_length=1, max_length=512)
    language: _Language
    components: list[dict[str, Any]] = []

    def as_text(self) -> str:
        """What the rules read for a template: its name and every text parameter (links in the
        parameters are judged like links in a text)."""
        parameters = [
            str(parameter.get("text"))
            for component in self.components
            for parameter in component.get("parameters", [])
            if isinstance(parameter, dict) and parameter.get("type") == "text"
        ]
        return " ".join([f"[{self.name}]", *parameters])


class CloudMessage(BaseModel):
    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={
            "examples": [
                {
                    "messaging_product": "whatsapp",
                    "recipient_type": "individual",
                    "to": "5511912345678",
                    "type": "text",
                    "text": {"preview_url": False, "body": "Olá! Seu pedido saiu para entrega."},
                }
            ]
        },
    )
    messaging_product: Literal["whatsapp"]
    recipient_type: Literal["individual"] = "individual"
    to: str = Field(min_length=3, max_length=64)
    type: str = "text"
    text: _Text | None = None
    image: _Media | None = None
    document: _Media | None = None
    video: _Media | None = None
    audio: _Media | None = None
    template: _Template | None = None


def graph_error(
    status: int,
    message: str,
    code: int,
    *,
    details: str | None = None,
    subcode: int | None = None,
    zapguard: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    error: dict[str, Any] = {
        "message": message,
        "type": "OAuthException",
        "code": code,
        "error_data": {"messaging_product": "whatsapp", "details": details or message},
        "fbtrace_id": uuid.uuid4().hex[:24],
    }
    if subcode is not None:
        error["error_subcode"] = subcode
    if zapguard is not None:
        error["zapguard"] = zapguard
    return JSONResponse({"error": error}, status_code=status, headers=headers)


def _invalid(details: str) -> JSONResponse:
    # 100 = "Invalid parameter", the Graph API's code for a malformed request.
    return graph_error(400, "(#100) Invalid parameter", 100, details=details)


@router.post(
    "/{version}/{phone_number_id}/messages",
    summary="Cloud API: enviar mensagem / send a message",
    description="Compatível com a Cloud API da Meta. / Compatible with Meta's Cloud API.",
    response_model=None,
    openapi_extra=request_body(CloudMessage),
)
def send_message(
    version: str,
    phone_number_id: str,
    request: Request,
    raw: RawBody,
    services: ServicesDep,
    tenant: TenantDep,
) -> JSONResponse:
    if not _VERSION.match(version):
        return graph_error(400, "Unknown path components", 2500, details=f"version {version!r}")
    try:
        body = CloudMessage.model_validate_json(raw)
    except ValidationError as error:
        return _invalid("; ".join(_dropin.problems(error)))
    line = _dropin.find_line(services, tenant, phone_number_id)
    if line is None:
        return graph_error(
            400,
            f"Unsupported post request. Object with ID '{phone_number_id}' does not exist",
            100,
            subcode=33,
            details=(
                f"linha não cadastrada no zapguard: {phone_number_id} / line not registered in "
                f"zapguard: {phone_number_id}"
            ),
        )
    text, media_url = _content(body)
    template = body.template if body.type == "template" else None
    if text is None and media_url is None and template is None:
        return _invalid(
            f"tipo {body.type!r} sem conteúdo ou não suportado (text, template, image, document, "
            f"video, audio) / type {body.type!r} has no content or is not supported"
        )
    try:
        submission = _dropin.submit(
            services,
            tenant=tenant,
            line=line,
            to=body.to,
            text=template.as_text() if template is not None else text or "",
            media_url=media_url,
            # A template starts or resumes a conversation: a notification unless told otherwise.
            hint=_dropin.hints(
                request, Category.NOTIFICATION if template is not None else Category.REPLY
            ),
            template=template.model_dump() if template is not None else None,
        )
    except InvalidPhoneNumber as error:
        return _invalid(str(error))
    if submission.entry is None:
        decision = submission.decision
        assert decision is not None
        deferred = decision.verdict is Verdict.DEFER
        return graph_error(
            429 if deferred else 400,
            f"({'#130429' if deferred else '#131049'}) {_dropin.refusal_text(decision)}",
            130429 if deferred else 131049,
            details=_dropin.refusal_text(decision),
            zapguard=_dropin.refusal(decision),
            headers=_dropin.retry_after(decision, services),
        )
    entry = submission.entry
    return JSONResponse(
        {
            "messaging_product": "whatsapp",
            "contacts": [{"input": body.to, "wa_id": entry.contact.lstrip("+")}],
            "messages": [{"id": entry.public_id}],
        }
    )


def _content(body: CloudMessage) -> tuple[str | None, str | None]:
    if body.type == "text" and body.text is not None:
        return body.text.body, None
    if body.type in _MEDIA_TYPES:
        media = getattr(body, body.type)
        if isinstance(media, _Media):
            return media.caption or "", media.link
    return None, None


_PASS_THROUGH = "/{version}/{path:path}"
_PASS_THROUGH_WHAT = (
    "Tudo o que não é envio de mensagem (mídia, modelos, perfil...) vai ao provedor Cloud da "
    "linha, com o token dele. / Everything but sending (media, templates, profile...) goes to "
    "the line's Cloud provider, with its token."
)


@router.get(
    _PASS_THROUGH,
    summary="Cloud API: outras consultas, repassadas / other Graph reads, passed through",
    description=_PASS_THROUGH_WHAT,
    operation_id="graph_pass_through_get",
    response_model=None,
)
@router.post(
    _PASS_THROUGH,
    summary="Cloud API: outras chamadas, repassadas / other Graph calls, passed through",
    description=_PASS_THROUGH_WHAT,
    operation_id="graph_pass_through_post",
    response_model=None,
)
@router.delete(
    _PASS_THROUGH,
    summary="Cloud API: remoções, repassadas / Graph deletions, passed through",
    description=_PASS_THROUGH_WHAT,
    operation_id="graph_pass_through_delete",
    response_model=None,
)
def pass_through(
    version: str,
    path: str,
    request: Request,
    raw: RawBody,
    services: ServicesDep,
) -> Response:
    if not _VERSION.match(version):
        request.state.dialect = None  # not a Graph path at all: a plain zapguard 404
        raise ApiError("not_found")
    tenant = authenticate(request, services)
    if request.method == "POST" and path.rstrip("/").rsplit("/", 1)[-1].endswith("messages"):
        # Any other way to send (marketing_messages, ...) would go around the rules: refused.
        return graph_error(
            400,
            "(#100) Unsupported send path",
            100,
            details=(
                "envios passam por /{version}/{phone_number_id}/messages / sending goes through "
                "/{version}/{phone_number_id}/messages"
            ),
        )
    settings = _dropin.provider_for_path(services, tenant, "cloud", path.split("/")[:1])
    if settings is None or settings.token is None:
        return graph_error(
            400,
            f"Unsupported request. Object with ID '{path}' does not exist",
            100,
            subcode=33,
            details=(
                "nenhum provedor Cloud API configurado para as linhas deste cliente / no Cloud API "
                "provider configured for this tenant's lines"
            ),
        )
    token = settings.token.get_secret_value()
    answer = _dropin.relay(
        services, settings, request, raw, f"{version}/{path}", ("Authorization", f"Bearer {token}")
    )
    if answer is None:
        return graph_error(
            503,
            "Service temporarily unavailable",
            2,
            details="provedor inacessível / provider unreachable",
        )
    return answer
