"""Dependency aliases for the routes: the services, the authenticated tenant, and the caller (the
tenant with its key's scopes) where scopes matter.

The key may come in any of three headers (:mod:`zapguard.api.auth`); each is declared as a security
scheme, so the OpenAPI document says which operations need a key and how to send it. The schemes
only document: :func:`~zapguard.api.auth.authenticate_caller` reads the headers itself.
"""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPBearer

from zapguard.api.auth import Caller, authenticate_caller
from zapguard.gateway.service import Services

# Dependencies are ``async`` on purpose: FastAPI runs a plain one in the thread pool, one hop per
# dependency per request, which costs more than the little they do (read app state, check a cached
# key). Only the routes themselves, which wait on the database, run in threads.


async def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]

_BEARER = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    description="Authorization: Bearer <chave> (API nativa, Cloud API) / <key>",
)
_APIKEY = APIKeyHeader(
    name="apikey", auto_error=False, scheme_name="apikey", description="Evolution API"
)
_X_API_KEY = APIKeyHeader(
    name="X-Api-Key", auto_error=False, scheme_name="xApiKey", description="WAHA"
)
KEY_SECURITY: Final[list[dict[str, list[str]]]] = [{"bearer": []}, {"apikey": []}, {"xApiKey": []}]
"""The security requirement of a keyed operation, for routes that authenticate by themselves
(the drop-in surfaces answer a missing key in their own dialect)."""


async def get_caller(
    request: Request,
    services: ServicesDep,
    _bearer: Annotated[Any, Security(_BEARER)],
    _apikey: Annotated[Any, Security(_APIKEY)],
    _x_api_key: Annotated[Any, Security(_X_API_KEY)],
) -> Caller:
    return authenticate_caller(request, services)


CallerDep = Annotated[Caller, Depends(get_caller)]


async def get_tenant(caller: CallerDep) -> str:
    return caller.tenant


TenantDep = Annotated[str, Depends(get_tenant)]
