"""The short links zapguard wrote into messages (ZG703), so that it can redirect them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from zapguard.store.repository import Store
from zapguard.store.schema import short_links


def save_short_links(
    store: Store, *, tenant_id: str, pairs: Iterable[tuple[str, str]], at: datetime
) -> None:
    """Keep ``(short URL, original URL)`` pairs; the code is the short URL's last path segment."""
    rows = [
        {
            "code": short.rstrip("/").rsplit("/", 1)[-1],
            "url": url,
            "tenant_id": tenant_id,
            "created_at": at,
        }
        for short, url in pairs
    ]
    if not rows:
        return
    with store.writing("keeping short links") as connection:
        dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
        connection.execute(dialect.insert(short_links).on_conflict_do_nothing(), rows)


def resolve_short_link(store: Store, *, code: str) -> str | None:
    with store.read_connection("resolving a short link") as connection:
        url = connection.scalar(select(short_links.c.url).where(short_links.c.code == code))
    return None if url is None else str(url)
