"""API keys: one tenant each, shown once when created, kept only as a SHA-256 hash.

A key reads ``zg_<prefix>_<secret>``. The prefix (public, unique) finds the row; the hash of the whole
key proves it. SHA-256 without salt or stretching is enough here because the secret is 256 random
bits nobody chose: there is no dictionary to try, unlike a password.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from zapguard.store.errors import NotFound
from zapguard.store.repository import Store
from zapguard.store.schema import api_keys, tenants

_SCHEME = "zg"


@dataclass(frozen=True, slots=True)
class ApiKey:
    prefix: str
    tenant_id: str
    name: str
    created_at: datetime
    revoked_at: datetime | None = None


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_key(store: Store, *, tenant_id: str, name: str, at: datetime) -> tuple[str, ApiKey]:
    """A new key for ``tenant_id``: returns the key itself (shown once, never stored) and its record."""
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
            )
        )
    return key, ApiKey(prefix, tenant_id, name, at)


def tenant_for_key(store: Store, key: str) -> str | None:
    """The tenant an active key belongs to, or ``None`` for anything else (constant-time compare)."""
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != _SCHEME:
        return None
    with store.read_connection("checking an API key") as connection:
        row = connection.execute(
            select(api_keys.c.tenant_id, api_keys.c.secret_hash).where(
                api_keys.c.prefix == parts[1], api_keys.c.revoked_at.is_(None)
            )
        ).first()
    if row is None or not hmac.compare_digest(row.secret_hash, _digest(key)):
        return None
    return str(row.tenant_id)


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
    return [ApiKey(r.prefix, r.tenant_id, r.name, r.created_at, r.revoked_at) for r in rows]


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
