"""Dependency aliases for the routes: the services, the authenticated tenant, and the caller (the
tenant with its key's scopes) where scopes matter."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from zapguard.api.auth import Caller, authenticate_caller
from zapguard.gateway.service import Services

# Dependencies are ``async`` on purpose: FastAPI runs a plain one in the thread pool, one hop per
# dependency per request, which costs more than the little they do (read app state, check a cached
# key). Only the routes themselves, which wait on the database, run in threads.


async def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


async def get_caller(request: Request, services: ServicesDep) -> Caller:
    return authenticate_caller(request, services)


CallerDep = Annotated[Caller, Depends(get_caller)]


async def get_tenant(caller: CallerDep) -> str:
    return caller.tenant


TenantDep = Annotated[str, Depends(get_tenant)]
