"""The webhook inbox: payloads zapguard received but could not act on, kept whole for a person.

A provider retries a webhook it thinks failed and gives up after a while; answering 2xx to one we
cannot understand (a new shape, a line nobody registered) would lose it for good unless it is kept.
So it is stored here first, and the 2xx goes out only once it is. Headers are kept without proofs
(signatures, api keys): the inbox is read by people, and secrets do not belong in a database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from zapguard.store.repository import Store
from zapguard.store.schema import webhook_inbox, webhook_receipts


@dataclass(frozen=True, slots=True)
class InboxItem:
    id: int
    received_at: datetime
    source: str
    tenant_id: str | None
    line_id: str | None
    headers: dict[str, str]
    body: str
    error: str


class WebhookInbox:
    """Repository of the ``webhook_inbox`` table, sharing the store's transactions."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def keep(
        self,
        *,
        received_at: datetime,
        source: str,
        headers: Mapping[str, str],
        body: bytes,
        error: str,
        tenant_id: str | None = None,
        line_id: str | None = None,
    ) -> int:
        """Store one payload (``headers`` already stripped of secrets); returns its id."""
        with self._store.writing("keeping a webhook in the inbox") as connection:
            result = connection.execute(
                webhook_inbox.insert().values(
                    received_at=received_at,
                    source=source,
                    tenant_id=tenant_id,
                    line_id=line_id,
                    headers=dict(headers),
                    body=body.decode("utf-8", errors="replace"),
                    error=error,
                )
            )
            key = result.inserted_primary_key
            assert key is not None
            return int(key[0])

    def recent(self, *, limit: int = 50) -> list[InboxItem]:
        """The latest payloads, newest first."""
        query = (
            select(webhook_inbox)
            .order_by(webhook_inbox.c.received_at.desc(), webhook_inbox.c.id.desc())
            .limit(limit)
        )
        with self._store.read_connection("reading the webhook inbox") as connection:
            rows = connection.execute(query).all()
        return [
            InboxItem(
                id=row.id,
                received_at=row.received_at,
                source=row.source,
                tenant_id=row.tenant_id,
                line_id=row.line_id,
                headers=dict(row.headers),
                body=row.body,
                error=row.error,
            )
            for row in rows
        ]


def first_sighting(store: Store, *, line_id: str, message_id: str, at: datetime) -> bool:
    """Note that a webhook reported ``message_id`` (any key naming what it reported) on
    ``line_id`` at ``at``, the moment it was received; ``False`` if one already had.

    Joins the caller's transaction, so the note and what the message changes commit together.
    The receipt time, not the reported event's own, is what retention counts from: a webhook about
    an old event is remembered as long as a new one.
    """
    with store.writing("noting a webhook receipt") as connection:
        dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
        # RETURNING, not rowcount: psycopg reports -1 for an INSERT here, which reads as "new".
        inserted = connection.execute(
            dialect.insert(webhook_receipts)
            .values(line_id=line_id, message_id=message_id, received_at=at)
            .on_conflict_do_nothing()
            .returning(webhook_receipts.c.line_id)
        )
        return inserted.first() is not None


def forget_sighting(store: Store, *, line_id: str, message_id: str) -> None:
    """Undo :func:`first_sighting` (a forward that could not be delivered may be tried again when
    the provider retries)."""
    with store.writing("forgetting a webhook receipt") as connection:
        connection.execute(
            webhook_receipts.delete().where(
                webhook_receipts.c.line_id == line_id,
                webhook_receipts.c.message_id == message_id,
            )
        )
