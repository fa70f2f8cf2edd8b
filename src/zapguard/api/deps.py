"""Dependency aliases for the routes: the services, and the authenticated tenant."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from zapguard.api.auth import authenticate
from zapguard.gateway.service import Services


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def get_tenant(request: Request, services: ServicesDep) -> str:
    return authenticate(request, services)


TenantDep = Annotated[str, Depends(get_tenant)]
