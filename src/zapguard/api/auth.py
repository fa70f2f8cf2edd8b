"""Who is calling: the tenant behind the API key, taken from whichever header the dialect uses.

Native API and the Cloud-API surface: ``Authorization: Bearer <key>``; Evolution: ``apikey``; WAHA:
``X-Api-Key``. Any of them is accepted on every route, so one key works everywhere. On the Cloud API
surface the Bearer may also be the Meta token of a configured provider connection, standing for the
one tenant whose lines use it: the client then changes nothing but its base URL.

With no key configured at all, a server listening only on loopback runs open, as the default
tenant: the embedded demo on a laptop. ``zapguard serve`` refuses to listen anywhere else until a
key exists, so an open server is never reachable from the network. That open demo counts as an
admin of the default tenant (whoever can reach it owns the machine); a Meta token standing in for
a key never does.

The authenticated request knows its :class:`Caller` (tenant and scopes): routes take the tenant
(``TenantDep``) and, where scopes matter, the caller (``CallerDep``).
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass

from fastapi import Request

from zapguard.api.errors import ApiError
from zapguard.gateway.access import ADMIN_SCOPE, KeyIdentity, identify_key
from zapguard.gateway.access import keyless as _keyless
from zapguard.gateway.service import Services
from zapguard.providers.registry import package

_KEY_HEADERS = ("x-api-key", "apikey")

KEY_CACHE_SECONDS = 5.0
"""How long a checked key is trusted without asking the database again: a revoked key stops working
within this time. Keys are cached by their SHA-256, never in clear."""
OPEN_CACHE_SECONDS = 1.0
"""How long "no key exists" is trusted: a key created by ``zapguard keys create`` closes an open
server within this time."""


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is calling: the tenant, and the scopes of the key beyond the ordinary calls."""

    tenant: str
    scopes: frozenset[str] = frozenset()

    @property
    def admin(self) -> bool:
        return ADMIN_SCOPE in self.scopes


class _Cache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._keys: dict[str, tuple[KeyIdentity, float]] = {}
        self._keyless: tuple[bool, float] | None = None

    def identity(self, services: Services, key: str) -> KeyIdentity | None:
        digest = hashlib.sha256(key.encode()).hexdigest()
        now = time.monotonic()
        with self._lock:
            cached = self._keys.get(digest)
        if cached is not None and cached[1] > now:
            return cached[0]
        identity = identify_key(services, key)
        if identity is not None:
            with self._lock:
                if len(self._keys) > 10_000:  # bound the memory a key-guessing client can use
                    self._keys.clear()
                self._keys[digest] = (identity, now + KEY_CACHE_SECONDS)
        return identity

    def keyless(self, services: Services) -> bool:
        now = time.monotonic()
        cached = self._keyless
        if cached is not None and cached[1] > now:
            return cached[0]
        keyless = _keyless(services)
        self._keyless = (keyless, now + OPEN_CACHE_SECONDS)
        return keyless


def _cache(request: Request) -> _Cache:
    state = request.app.state
    cache: _Cache | None = getattr(state, "key_cache", None)
    if cache is None:
        cache = state.key_cache = _Cache()
    return cache


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


def authenticate_caller(request: Request, services: Services) -> Caller:
    """The :class:`Caller`, or :class:`ApiError` ``unauthorized``; worked out once per request."""
    known: Caller | None = getattr(request.state, "caller", None)
    if known is not None:
        return known
    caller = _identify(request, services)
    request.state.caller = caller
    return caller


def _identify(request: Request, services: Services) -> Caller:
    key = presented_key(request)
    cache = _cache(request)
    if key is not None:
        identity = cache.identity(services, key)
        if identity is not None:
            return Caller(identity.tenant_id, identity.scopes)
        dialect = getattr(request.state, "dialect", None)
        if dialect is not None and package(dialect).client_keeps_provider_token:
            # A Cloud API client may keep the Meta token of its own provider connection.
            tenant = services.tenant_for_provider_token(key)
            if tenant is not None:
                return Caller(tenant)
        raise ApiError("unauthorized", headers={"WWW-Authenticate": "Bearer"})
    if request.app.state.open_when_keyless and cache.keyless(services):
        return Caller(services.default_tenant, frozenset({ADMIN_SCOPE}))
    raise ApiError("unauthorized", headers={"WWW-Authenticate": "Bearer"})


def authenticate(request: Request, services: Services) -> str:
    """The caller's tenant, or :class:`ApiError` ``unauthorized``."""
    return authenticate_caller(request, services).tenant
