"""The three drop-in surfaces (Cloud API, Evolution API, WAHA) behind one entry point.

Every request under a surface, whatever path it came on, is handled the same way
(:func:`zapguard.api.routes._surface.dispatch`): its raw path is normalized and classified in the
dialect its first segment belongs to, so ``POST /api/SendText/`` reaches the very handler
``POST /api/sendText`` does.

The send routes are declared one by one for the OpenAPI document only (their bodies, answers and
errors in each dialect's shape); every other request, of any method on any path, reaches one
catch-all route that goes last (it would shadow any route after it). The catch-all is not in the
OpenAPI document: the calls it passes or refuses are the providers' own APIs, listed route by route
in each provider package's ``routes`` module (a single
``/{path}`` template could not describe them). It also answers what no route takes: a known path
with another method is a 405 with ``Allow``, anything else a 404.
"""

from __future__ import annotations

from typing import Any, Final

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from starlette.types import Receive, Scope, Send

from zapguard.api.deps import KEY_SECURITY, ServicesDep
from zapguard.api.routes import dropin_cloud, dropin_evolution, dropin_waha
from zapguard.api.routes._dropin import RawBody, request_body, send_responses
from zapguard.api.routes._surface import Surface, dispatch, surface_endpoint
from zapguard.api.routes.dropin_cloud import CloudMarkedRead, CloudMessage, CloudSent, GraphError
from zapguard.api.routes.dropin_evolution import (
    EvolutionError,
    EvolutionMedia,
    EvolutionSent,
    EvolutionText,
)
from zapguard.api.routes.dropin_waha import WahaError, WahaFile, WahaSent, WahaText
from zapguard.providers.cloud import routes as cloud_routes

SURFACES: Final[tuple[Surface, ...]] = (
    dropin_cloud.SURFACE,
    dropin_waha.SURFACE,
    dropin_evolution.SURFACE,
)

router = APIRouter()


def _documented(
    body: type[Any] | None, *parameters: dict[str, Any], security: bool = True
) -> dict[str, Any]:
    """The OpenAPI of a route whose handler reads the raw request itself: its body, its path
    parameters (the handler takes none: the path is read raw) and its keys."""
    extra: dict[str, Any] = request_body(body) if body is not None else {}
    if parameters:
        extra["parameters"] = list(parameters)
    if security:
        extra["security"] = KEY_SECURITY
    return extra


def _in_path(name: str, description: str, example: str, pattern: str | None = None) -> Any:
    schema: dict[str, Any] = {"type": "string", "minLength": 1}
    if pattern is not None:
        schema["pattern"] = pattern
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": schema,
        "example": example,
    }


_VERSION = _in_path(
    "version",
    "Versão da Graph API. / Graph API version.",
    "v21.0",
    cloud_routes.VERSION.pattern.join("^$"),
)
_PHONE_NUMBER_ID = _in_path(
    "phone_number_id",
    "phone_number_id de uma linha da empresa (ou o id da linha no zapguard). / A line's "
    "phone_number_id (or its zapguard id).",
    "100200300",
)
_INSTANCE = _in_path(
    "instance",
    "Instância de uma linha da empresa (ou o id da linha no zapguard). / A line's instance (or "
    "its zapguard id).",
    "loja-centro",
)


@router.post(
    "/{version}/{phone_number_id}/messages",
    tags=["drop-in: WhatsApp Cloud API"],
    summary="Cloud API: enviar mensagem / send a message",
    description=(
        "Compatível com a Cloud API da Meta; também marca como lida (repassado ao provedor, que "
        "responde). / Compatible with Meta's Cloud API; also marks messages read (relayed to the "
        "provider, whose answer comes back)."
    ),
    response_model=None,
    responses=send_responses(200, CloudSent | CloudMarkedRead, GraphError),
    openapi_extra=_documented(CloudMessage, _VERSION, _PHONE_NUMBER_ID),
)
@surface_endpoint
def cloud_send(request: Request, raw: RawBody, services: ServicesDep) -> Response:
    return dispatch(SURFACES, request, raw, services)


@router.post(
    "/message/sendText/{instance}",
    tags=["drop-in: Evolution API"],
    summary="Evolution API: enviar texto / send text",
    response_model=None,
    responses=send_responses(201, EvolutionSent, EvolutionError),
    openapi_extra=_documented(EvolutionText, _INSTANCE),
)
@surface_endpoint
def evolution_send_text(request: Request, raw: RawBody, services: ServicesDep) -> Response:
    return dispatch(SURFACES, request, raw, services)


@router.post(
    "/message/sendMedia/{instance}",
    tags=["drop-in: Evolution API"],
    summary="Evolution API: enviar mídia por link / send media by link",
    response_model=None,
    responses=send_responses(201, EvolutionSent, EvolutionError),
    openapi_extra=_documented(EvolutionMedia, _INSTANCE),
)
@surface_endpoint
def evolution_send_media(request: Request, raw: RawBody, services: ServicesDep) -> Response:
    return dispatch(SURFACES, request, raw, services)


@router.post(
    "/api/sendText",
    tags=["drop-in: WAHA"],
    summary="WAHA: enviar texto / send text",
    response_model=None,
    responses=send_responses(201, WahaSent, WahaError),
    openapi_extra=_documented(WahaText),
)
@surface_endpoint
def waha_send_text(request: Request, raw: RawBody, services: ServicesDep) -> Response:
    return dispatch(SURFACES, request, raw, services)


@router.get(
    "/api/sendText",
    tags=["drop-in: WAHA"],
    summary="WAHA: envio por GET, recusado / the GET send, refused",
    description=(
        "O WAHA aceita um envio por GET (query string); o zapguard não o avalia e o recusa: use "
        "POST. / WAHA takes a send by GET (query string); zapguard does not judge it and refuses "
        "it: use POST."
    ),
    response_model=None,
    responses={
        401: {"model": WahaError, "description": "Chave ausente ou inválida. / Missing key."},
        403: {"model": WahaError, "description": "Recusado pelo zapguard. / Refused by zapguard."},
        503: {"model": WahaError, "description": "Banco indisponível. / Storage unavailable."},
    },
    openapi_extra=_documented(None),
)
@surface_endpoint
def waha_get_send(request: Request, services: ServicesDep) -> Response:
    return dispatch(SURFACES, request, b"", services)


@router.post(
    "/api/sendImage",
    tags=["drop-in: WAHA"],
    summary="WAHA: enviar imagem por link / send an image by link",
    response_model=None,
    responses=send_responses(201, WahaSent, WahaError),
    openapi_extra=_documented(WahaFile),
)
@router.post(
    "/api/sendFile",
    tags=["drop-in: WAHA"],
    summary="WAHA: enviar arquivo por link / send a file by link",
    response_model=None,
    responses=send_responses(201, WahaSent, WahaError),
    openapi_extra=_documented(WahaFile),
)
@surface_endpoint
def waha_send_file(request: Request, raw: RawBody, services: ServicesDep) -> Response:
    return dispatch(SURFACES, request, raw, services)


class _OtherCalls:
    """Every request no declared route takes, whatever its method. An ASGI app rather than a
    function, so that a plain route takes every method (a function endpoint takes only GET); the
    app adds it last, out of the OpenAPI document."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        raw = await request.body()
        services = request.app.state.services
        response: Response = await run_in_threadpool(dispatch, SURFACES, request, raw, services)
        await response(scope, receive, send)


other_calls: Final = surface_endpoint(_OtherCalls())
