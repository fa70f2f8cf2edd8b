"""Provider webhooks in: ``/webhooks/{provider}`` (the ``[providers.<name>]`` key) and
``/webhooks/chatwoot/{line}``. No API key: each webhook proves itself with a signature made with the
line's own secret or the provider connection's, and acts only on the lines that secret covers
(see :mod:`zapguard.gateway.webhooks.receiver`).

The answer is 2xx only when the payload was applied or kept in the inbox for inspection, so a
provider retries anything zapguard could not keep. Opt-out confirmations are queued; the payload is
forwarded to each concerned line's helpdesk after the answer, so a slow helpdesk never delays the
provider.
"""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import APIRouter, BackgroundTasks, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, Field

from zapguard.api.deps import ServicesDep
from zapguard.api.errors import ApiError, error_body
from zapguard.api.responses import errors, raw_errors
from zapguard.gateway.service import Services
from zapguard.gateway.webhooks.apply import CHATWOOT
from zapguard.gateway.webhooks.forward import Forward, deliver
from zapguard.gateway.webhooks.receiver import Receipt

router = APIRouter(prefix="/webhooks", tags=["webhooks"])


class WebhookReceiptOut(BaseModel):
    """What zapguard did with a webhook it took (2xx: the provider stops retrying)."""

    applied: int | None = Field(None, description="Acontecimentos aplicados. / Happenings applied.")
    forwarded: int | None = Field(
        None, description="Repasses ao helpdesk agendados. / Forwards to helpdesks scheduled."
    )
    stored: int | None = Field(
        None,
        description=(
            "Item da caixa de entrada onde o payload ficou guardado. / Inbox item the payload "
            "was kept in."
        ),
    )
    error: str | None = Field(
        None, description="Por que foi guardado (pt / en). / Why it was kept (pt / en)."
    )


_RECEIVED: Final[dict[int | str, dict[str, Any]]] = {
    200: {"model": WebhookReceiptOut, "description": "Aplicado ou guardado. / Applied or kept."},
    **errors("invalid_signature", "not_found", "payload_too_large", "storage_unavailable"),
}
_ANY_JSON: Final[dict[str, Any]] = {
    "requestBody": {
        "required": True,
        "description": (
            "O payload do provedor, como ele o envia (assinado). / The provider's payload, as it "
            "sends it (signed)."
        ),
        "content": {"application/json": {"schema": {}}},
    }
}
_REFUSED_CODES: Final = {401: "invalid_signature", 404: "not_found", 503: "storage_unavailable"}


@router.get(
    "/{provider}",
    summary="Cloud API: verificação do webhook / webhook verification handshake",
    response_class=PlainTextResponse,
    responses={
        200: {
            "description": "O hub.challenge, ecoado. / The hub.challenge, echoed.",
            "content": {"text/plain": {"schema": {"type": "string"}}},
        }
    },
    openapi_extra=raw_errors("handshake_refused"),
)
def handshake(
    provider: str,
    services: ServicesDep,
    mode: Annotated[str | None, Query(alias="hub.mode")] = None,
    token: Annotated[str | None, Query(alias="hub.verify_token")] = None,
    challenge: Annotated[str | None, Query(alias="hub.challenge")] = None,
) -> Response:
    params = {
        key: value
        for key, value in (
            ("hub.mode", mode),
            ("hub.verify_token", token),
            ("hub.challenge", challenge),
        )
        if value is not None
    }
    answer = services.receiver.handshake(provider, params)
    if answer is None:
        raise ApiError("handshake_refused")
    return PlainTextResponse(answer)


@router.post(
    "/chatwoot/{line}",
    summary="Chatwoot: message_created (atividade humana / human activity)",
    description=(
        "Assinado com o segredo do Chatwoot da linha (X-Chatwoot-Signature). / Signed with the "
        "line's Chatwoot secret (X-Chatwoot-Signature)."
    ),
    response_model=None,
    responses=_RECEIVED,
    openapi_extra=_ANY_JSON,
)
async def chatwoot_webhook(
    line: str, request: Request, services: ServicesDep, background: BackgroundTasks
) -> JSONResponse:
    body = await request.body()
    receipt = await run_in_threadpool(
        lambda: services.receiver.receive(
            provider=CHATWOOT, headers=dict(request.headers), body=body, line=line
        )
    )
    return _answer(services, receipt, background)


@router.post(
    "/{provider}",
    summary="Webhook do provedor / Provider webhook",
    description=(
        "Cloud API (X-Hub-Signature-256), Evolution API (apikey), WAHA (X-Webhook-Hmac), "
        "verificados com o segredo da própria linha ou o da conexão com o provedor; só as linhas "
        "que esse segredo cobre são afetadas. Sem prova: 401. / Checked with the line's own "
        "secret or the provider connection's; only the lines that secret covers are touched. "
        "No proof: 401."
    ),
    response_model=None,
    responses=_RECEIVED,
    openapi_extra=_ANY_JSON,
)
async def provider_webhook(
    provider: str, request: Request, services: ServicesDep, background: BackgroundTasks
) -> JSONResponse:
    body = await request.body()
    receipt = await run_in_threadpool(
        lambda: services.receiver.receive(
            provider=provider, headers=dict(request.headers), body=body
        )
    )
    return _answer(services, receipt, background)


def _answer(services: Services, receipt: Receipt, background: BackgroundTasks) -> JSONResponse:
    for reply in receipt.replies:
        services.queue_reply(
            tenant_id=reply.tenant, line_id=reply.line_id, contact=reply.contact, text=reply.text
        )
    for forward in receipt.forwards:
        background.add_task(_forward, services, forward)
    code = _REFUSED_CODES.get(receipt.status_code)
    if code is not None:
        # A refusal in the shape of every other zapguard error; the receiver says why.
        pt, en = receipt.body.get("error"), receipt.body.get("error_en")
        body = error_body(code, f"Webhook recusado: {pt}.", f"Webhook refused: {en}.")
        return JSONResponse(body, status_code=receipt.status_code)
    return JSONResponse(receipt.body, status_code=receipt.status_code)


def _forward(services: Services, forward: Forward) -> None:
    allow_private = services.config.server.allow_private_helpdesk_urls
    if not deliver(services.http, forward, allow_private=allow_private):
        services.receiver.undelivered(forward)
