"""Dropping what zapguard no longer needs, so a database that runs for years stays small and fast.

Only working data goes: settled outbox rows, webhook receipts, inbox items and text fingerprints
older than their retention. Evidence stays: consents, decisions, events and the ban registry are
never purged here (LGPD art. 8 §2 puts the burden of proof on the business).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete

from zapguard.store.repository import Store
from zapguard.store.schema import outbox, text_fingerprints, webhook_inbox, webhook_receipts

SETTLED = ("sent", "failed", "merged", "cancelled")


def purge_outbox(store: Store, *, before: datetime) -> int:
    """Settled messages created before ``before`` (queued and in-flight ones always stay)."""
    with store.writing("purging the outbox") as connection:
        result = connection.execute(
            delete(outbox).where(outbox.c.state.in_(SETTLED), outbox.c.created_at < before)
        )
        return int(result.rowcount)


def purge_receipts(store: Store, *, before: datetime) -> int:
    with store.writing("purging webhook receipts") as connection:
        result = connection.execute(
            delete(webhook_receipts).where(webhook_receipts.c.received_at < before)
        )
        return int(result.rowcount)


def purge_inbox(store: Store, *, before: datetime) -> int:
    with store.writing("purging the webhook inbox") as connection:
        result = connection.execute(
            delete(webhook_inbox).where(webhook_inbox.c.received_at < before)
        )
        return int(result.rowcount)


def purge_fingerprints(store: Store, *, before: datetime) -> int:
    with store.writing("purging text fingerprints") as connection:
        result = connection.execute(
            delete(text_fingerprints).where(text_fingerprints.c.at < before)
        )
        return int(result.rowcount)
