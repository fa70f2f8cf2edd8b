"""Who is calling: the tenant behind the API key, taken from whichever header the dialect uses.

Native API and the Cloud-API surface: ``Authorization: Bearer <key>``; Evolution: ``apikey``; WAHA:
``X-Api-Key``. Any of them is accepted on every route, so one key works everywhere.

With no key configured at all, a server listening only on loopback runs open, as the default
tenant: the embedded demo on a laptop. ``zapguard serve`` refuses to listen anywhere else until a
key exists, so an open server is never reachable from the network.
"""

from __future__ import annotations

from fastapi import Request

from zapguard.api.errors import ApiError
from zapguard.gateway.service import Services
from zapguard.store.api_keys import any_active_key, tenant_for_key

_KEY_HEADERS = ("x-api-key", "apikey")


def presented_key(request: Request) -> str | None:
    authorization = request.headers.get("authorization", "")
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    for name in _KEY_HEADERS:
        value = request.headers.get(name, "").strip()
        if value:
            return value
    return None


def authenticate(request: Request, services: Services) -> str:
    """The caller's tenant, or :class:`ApiError` ``unauthorized``."""
    key = presented_key(request)
    if key is not None:
        tenant = tenant_for_key(services.store, key)
        if tenant is not None:
            return tenant
        raise ApiError("unauthorized", headers={"WWW-Authenticate": "Bearer"})
    if request.app.state.open_when_keyless and not any_active_key(services.store):
        return services.default_tenant
    raise ApiError("unauthorized", headers={"WWW-Authenticate": "Bearer"})
