"""Dependency aliases for the routes: the services, and the authenticated tenant."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from zapguard.api.auth import authenticate
from zapguard.gateway.service import Services

# Dependencies are ``async`` on purpose: FastAPI runs a plain one in the thread pool, one hop per
# dependency per request, which costs more than the little they do (read app state, check a cached
# key). Only the routes themselves, which wait on the database, run in threads.


async def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


async def get_tenant(request: Request, services: ServicesDep) -> str:
    return authenticate(request, services)


TenantDep = Annotated[str, Depends(get_tenant)]
