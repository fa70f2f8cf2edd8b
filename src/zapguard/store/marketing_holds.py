"""Meta's per-user marketing limit (ZG905): the 131049 failures of each contact, kept once each.

Shares the store's transactions. A decision about marketing reads the contact's recent failures in
one indexed query; the hold they make is :func:`zapguard.policy.marketing_hold.held_until`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql, sqlite

from zapguard.store.repository import Store
from zapguard.store.schema import marketing_holds

_RECENT = (
    select(marketing_holds.c.at)
    .where(
        marketing_holds.c.tenant_id == bindparam("tenant_id"),
        marketing_holds.c.contact == bindparam("contact"),
        marketing_holds.c.at > bindparam("since"),
    )
    .order_by(marketing_holds.c.at)
    .limit(bindparam("most"))
)


def record_failure(store: Store, *, tenant_id: str, contact: str, at: datetime, key: str) -> bool:
    """Meta refused marketing to ``contact`` at ``at`` (131049); ``False`` when the failure named
    ``key`` was already recorded."""
    with store.writing("recording a per-user marketing limit") as connection:
        dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
        inserted = connection.execute(
            dialect.insert(marketing_holds)
            .values(tenant_id=tenant_id, contact=contact, key=key, at=at)
            .on_conflict_do_nothing()
            .returning(marketing_holds.c.key)
        )
        return inserted.first() is not None


def failures_since(
    store: Store, *, tenant_id: str, contact: str, since: datetime, most: int = 64
) -> list[datetime]:
    """The contact's 131049 failures after ``since``, oldest first (at most ``most``: far more
    than it takes to reach the longest hold)."""
    params = {"tenant_id": tenant_id, "contact": contact, "since": since, "most": most}
    with store.read_connection("reading per-user marketing limits") as connection:
        return list(connection.scalars(_RECENT, params))
