"""API keys: one tenant each, shown once when created, kept only as a SHA-256 hash.

A key reads ``zg_<prefix>_<secret>``. The prefix (public, unique) finds the row; the hash of the whole
key proves it. SHA-256 without salt or stretching is enough here because the secret is 256 random
bits nobody chose: there is no dictionary to try, unlike a password.

A key may carry scopes beyond sending and reading. The one scope today is ``admin``: the
administrative calls of the provider surfaces (webhook settings, logout, instance create or
delete...), still only on the tenant's own lines.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import func, select

from zapguard.store.errors import NotFound
from zapguard.store.repository import Store
from zapguard.store.schema import api_keys, tenants

_SCHEME = "zg"

ADMIN_SCOPE: Final = "admin"
"""Administrative calls on the provider surfaces (see :mod:`zapguard.providers.surface`)."""
SCOPES: Final = frozenset({ADMIN_SCOPE})


@dataclass(frozen=True, slots=True)
class ApiKey:
    prefix: str
    tenant_id: str
    name: str
    created_at: datetime
    revoked_at: datetime | None = None
    scopes: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class KeyIdentity:
    """Who an active key speaks for, and what more than the ordinary calls it may make."""

    tenant_id: str
    scopes: frozenset[str]


def _scopes(stored: str | None) -> frozenset[str]:
    return frozenset((stored or "").split())


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_key(
    store: Store,
    *,
    tenant_id: str,
    name: str,
    at: datetime,
    scopes: Iterable[str] = (),
) -> tuple[str, ApiKey]:
    """A new key for ``tenant_id``: returns the key itself (shown once, never stored) and its record."""
    granted = frozenset(scopes)
    unknown = granted - SCOPES
    if unknown:
        raise ValueError(
            f"escopo desconhecido / unknown scope: {', '.join(sorted(unknown))} "
            f"(conhecidos / known: {', '.join(sorted(SCOPES))})"
        )
    prefix = secrets.token_hex(6)
    key = f"{_SCHEME}_{prefix}_{secrets.token_urlsafe(32)}"
    with store.writing("creating an API key") as connection:
        if connection.scalar(select(tenants.c.id).where(tenants.c.id == tenant_id)) is None:
            raise NotFound(f"cliente não encontrado / tenant not found: {tenant_id}")
        connection.execute(
            api_keys.insert().values(
                tenant_id=tenant_id,
                name=name,
                prefix=prefix,
                secret_hash=_digest(key),
                created_at=at,
                scopes=" ".join(sorted(granted)),
            )
        )
    return key, ApiKey(prefix, tenant_id, name, at, scopes=granted)


def identify_key(store: Store, key: str) -> KeyIdentity | None:
    """The tenant and scopes of an active key, or ``None`` for anything else (constant-time
    compare)."""
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != _SCHEME:
        return None
    with store.read_connection("checking an API key") as connection:
        row = connection.execute(
            select(api_keys.c.tenant_id, api_keys.c.secret_hash, api_keys.c.scopes).where(
                api_keys.c.prefix == parts[1], api_keys.c.revoked_at.is_(None)
            )
        ).first()
    if row is None or not hmac.compare_digest(row.secret_hash, _digest(key)):
        return None
    return KeyIdentity(str(row.tenant_id), _scopes(row.scopes))


def tenant_for_key(store: Store, key: str) -> str | None:
    """The tenant an active key belongs to, or ``None`` for anything else."""
    identity = identify_key(store, key)
    return identity.tenant_id if identity else None


def any_active_key(store: Store) -> bool:
    with store.read_connection("counting API keys") as connection:
        count = connection.scalar(
            select(func.count()).select_from(api_keys).where(api_keys.c.revoked_at.is_(None))
        )
    return bool(count)


def list_keys(store: Store, *, tenant_id: str) -> list[ApiKey]:
    with store.read_connection("listing API keys") as connection:
        rows = connection.execute(
            select(api_keys).where(api_keys.c.tenant_id == tenant_id).order_by(api_keys.c.id)
        ).all()
    return [
        ApiKey(r.prefix, r.tenant_id, r.name, r.created_at, r.revoked_at, _scopes(r.scopes))
        for r in rows
    ]


def revoke_key(store: Store, *, prefix: str, at: datetime) -> None:
    with store.writing("revoking an API key") as connection:
        result = connection.execute(
            api_keys.update()
            .where(api_keys.c.prefix == prefix, api_keys.c.revoked_at.is_(None))
            .values(revoked_at=at)
        )
        if result.rowcount == 0:
            raise NotFound(
                f"chave não encontrada ou já revogada / key not found or revoked: {prefix}"
            )
