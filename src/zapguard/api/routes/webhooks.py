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

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from zapguard.api.deps import ServicesDep
from zapguard.gateway.service import Services
from zapguard.gateway.webhooks.apply import CHATWOOT
from zapguard.gateway.webhooks.forward import Forward, deliver
from zapguard.gateway.webhooks.receiver import Receipt

router = APIRouter(prefix="/webhooks", tags=["webhooks"])


@router.get(
    "/{provider}",
    summary="Cloud API: verificação do webhook / webhook verification handshake",
    response_model=None,
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
        return PlainTextResponse("forbidden", status_code=403)
    return PlainTextResponse(answer)


@router.post(
    "/chatwoot/{line}",
    summary="Chatwoot: message_created (atividade humana / human activity)",
    description=(
        "Assinado com o segredo do Chatwoot da linha (X-Chatwoot-Signature). / Signed with the "
        "line's Chatwoot secret (X-Chatwoot-Signature)."
    ),
    response_model=None,
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
    return JSONResponse(receipt.body, status_code=receipt.status_code)


def _forward(services: Services, forward: Forward) -> None:
    allow_private = services.config.server.allow_private_helpdesk_urls
    if not deliver(services.http, forward, allow_private=allow_private):
        services.receiver.undelivered(forward)
