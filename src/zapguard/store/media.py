"""Cloud API media ids zapguard saw on each line, so that a Graph media call can be bound to a tenant.

``GET`` and ``DELETE /{version}/{media_id}`` name nothing but the media id (Cloud API reference,
"Media"); the provider's token would fetch any media of any business on a shared connection. An
id is recorded when zapguard sees it belong to a line: an inbound media message in a Cloud API
webhook, or an upload through the Cloud API surface. Recording is idempotent.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from zapguard.store.repository import Store
from zapguard.store.schema import seen_media


def record_media(
    store: Store, *, tenant_id: str, line_id: str, media_id: str, at: datetime
) -> None:
    """Note that ``media_id`` belongs to ``line_id`` (joins the caller's transaction)."""
    with store.writing("noting a media id") as connection:
        dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
        connection.execute(
            dialect.insert(seen_media)
            .values(line_id=line_id, media_id=media_id, tenant_id=tenant_id, seen_at=at)
            .on_conflict_do_nothing()
        )


def media_lines(store: Store, *, tenant_id: str, media_id: str) -> list[str]:
    """The tenant's lines ``media_id`` was seen on (usually one), by id."""
    query = (
        select(seen_media.c.line_id)
        .where(seen_media.c.tenant_id == tenant_id, seen_media.c.media_id == media_id)
        .order_by(seen_media.c.line_id)
    )
    with store.read_connection("reading media ids") as connection:
        return [str(line_id) for line_id in connection.scalars(query)]
