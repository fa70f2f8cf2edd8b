"""The state the API reads and writes outside the message flow, behind the services.

The API reaches the store only through the gateway (an import-linter contract in pyproject.toml
holds it to that): API keys, short links, the Cloud API media ids seen on each line, and the
database probe of ``/healthz`` are asked for here, over :class:`~zapguard.gateway.service.Services`.
"""

from __future__ import annotations

from zapguard.gateway.service import Services
from zapguard.store import api_keys, media, probe, short_links
from zapguard.store.api_keys import ADMIN_SCOPE, KeyIdentity

__all__ = [
    "ADMIN_SCOPE",
    "KeyIdentity",
    "database_answers",
    "identify_key",
    "keyless",
    "media_lines",
    "note_media",
    "short_link",
]


def identify_key(services: Services, key: str) -> KeyIdentity | None:
    """The tenant and scopes of an active API key, ``None`` for anything else."""
    return api_keys.identify_key(services.store, key)


def keyless(services: Services) -> bool:
    """Whether no API key is active (the embedded, single-tenant set-up)."""
    return not api_keys.any_active_key(services.store)


def short_link(services: Services, code: str) -> str | None:
    """The URL a short link's ``code`` stands for, ``None`` when it stands for none."""
    return short_links.resolve_short_link(services.store, code=code)


def media_lines(services: Services, *, tenant_id: str, media_id: str) -> list[str]:
    """The tenant's lines a Cloud API ``media_id`` was seen on, by id."""
    return media.media_lines(services.store, tenant_id=tenant_id, media_id=media_id)


def note_media(services: Services, *, tenant_id: str, line_id: str, media_id: str) -> None:
    """Note, now, that ``media_id`` belongs to ``line_id`` (joins the caller's transaction)."""
    media.record_media(
        services.store,
        tenant_id=tenant_id,
        line_id=line_id,
        media_id=media_id,
        at=services.clock(),
    )


def database_answers(services: Services) -> bool:
    """Whether the database answers a trivial query; never raises."""
    return probe.database_answers(services.store)
