"""The three drop-in surfaces (Cloud API, Evolution API, WAHA) behind one entry point.

Every request under a surface, whatever path FastAPI matched it on, is handled the same way
(:func:`zapguard.api.routes._surface.dispatch`): its raw path is normalized and classified in the
dialect its first segment belongs to, so ``POST /api/SendText/`` reaches the very handler
``POST /api/sendText`` does. The send routes are declared one by one for the OpenAPI document
only; one catch-all per method takes everything else, and goes last (it would shadow any route
after it).
"""

from __future__ import annotations

from typing import Final

from fastapi import APIRouter, Request
from fastapi.responses import Response

from zapguard.api.deps import ServicesDep
from zapguard.api.routes import dropin_cloud, dropin_evolution, dropin_waha
from zapguard.api.routes._dropin import RawBody, request_body
from zapguard.api.routes._surface import Surface, dispatch
from zapguard.api.routes.dropin_cloud import CloudMessage
from zapguard.api.routes.dropin_evolution import EvolutionMedia, EvolutionText
from zapguard.api.routes.dropin_waha import WahaFile, WahaText

SURFACES: Final[tuple[Surface, ...]] = (
    dropin_cloud.SURFACE,
    dropin_waha.SURFACE,
    dropin_evolution.SURFACE,
)

router = APIRouter()


@router.post(
    "/{version}/{phone_number_id}/messages",
    tags=["drop-in: WhatsApp Cloud API"],
    summary="Cloud API: enviar mensagem / send a message",
    description=(
        "Compatível com a Cloud API da Meta; também marca como lida. / Compatible with Meta's "
        "Cloud API; also marks messages read."
    ),
    response_model=None,
    openapi_extra=request_body(CloudMessage),
)
def cloud_send(
    version: str, phone_number_id: str, request: Request, raw: RawBody, services: ServicesDep
) -> Response:
    return dispatch(SURFACES, request, raw, services)


@router.post(
    "/message/sendText/{instance}",
    tags=["drop-in: Evolution API"],
    summary="Evolution API: enviar texto / send text",
    response_model=None,
    openapi_extra=request_body(EvolutionText),
)
def evolution_send_text(
    instance: str, request: Request, raw: RawBody, services: ServicesDep
) -> Response:
    return dispatch(SURFACES, request, raw, services)


@router.post(
    "/message/sendMedia/{instance}",
    tags=["drop-in: Evolution API"],
    summary="Evolution API: enviar mídia por link / send media by link",
    response_model=None,
    openapi_extra=request_body(EvolutionMedia),
)
def evolution_send_media(
    instance: str, request: Request, raw: RawBody, services: ServicesDep
) -> Response:
    return dispatch(SURFACES, request, raw, services)


@router.post(
    "/api/sendText",
    tags=["drop-in: WAHA"],
    summary="WAHA: enviar texto / send text",
    response_model=None,
    openapi_extra=request_body(WahaText),
)
def waha_send_text(request: Request, raw: RawBody, services: ServicesDep) -> Response:
    return dispatch(SURFACES, request, raw, services)


@router.post(
    "/api/sendImage",
    tags=["drop-in: WAHA"],
    summary="WAHA: enviar imagem por link / send an image by link",
    response_model=None,
    openapi_extra=request_body(WahaFile),
)
@router.post(
    "/api/sendFile",
    tags=["drop-in: WAHA"],
    summary="WAHA: enviar arquivo por link / send a file by link",
    response_model=None,
    openapi_extra=request_body(WahaFile),
)
def waha_send_file(request: Request, raw: RawBody, services: ServicesDep) -> Response:
    return dispatch(SURFACES, request, raw, services)


_OTHER_CALLS = (
    "Superfícies Cloud API (/{versão}/...), Evolution API e WAHA (/api/...): negadas por padrão. "
    "Só passam as chamadas de leitura ou inofensivas da lista, ligadas a uma linha da empresa; as "
    "administrativas exigem uma chave admin; o resto é recusado no formato do provedor. / Cloud "
    "API, Evolution API and WAHA surfaces: deny-by-default. Only listed read-only or harmless calls "
    "pass, bound to a line of the tenant; administrative ones need an admin key; the rest is "
    "refused in the provider's shape."
)


def other_call(request: Request, raw: RawBody, services: ServicesDep) -> Response:
    return dispatch(SURFACES, request, raw, services)


for _method in ("GET", "POST", "PUT", "DELETE"):
    router.add_api_route(
        "/{path:path}",
        other_call,
        methods=[_method],
        tags=["drop-in: outras chamadas / other calls"],
        summary=f"Drop-ins: {_method} demais chamadas / other calls",
        description=_OTHER_CALLS,
        operation_id=f"dropin_other_{_method.lower()}",
        response_model=None,
    )
