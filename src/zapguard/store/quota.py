"""Quota counters next to the store: joining its transactions when they share its database.

SQL counters on the store's engine read inside the store's current read block (one connection, one
consistent view for a whole snapshot) and reserve inside its current write transaction, so a
message's reservation commits with its bookkeeping: one commit, and a rollback takes both back.
Other backends (memory, Redis) are asked directly. Callers above ``store/`` see neither
connections nor SQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from zapguard.store.counters.base import Counters, Limit
from zapguard.store.counters.sql import SqlCounters
from zapguard.store.repository import Store


def shares_transactions(store: Store, counters: Counters) -> bool:
    """Whether ``counters`` live in ``store``'s database and join its transactions."""
    return isinstance(counters, SqlCounters) and counters.engine is store.engine


def counts(store: Store, counters: Counters, queries: Sequence[tuple[str, datetime]]) -> list[int]:
    """:meth:`Counters.counts`, inside the store's current read block when shared."""
    if isinstance(counters, SqlCounters) and shares_transactions(store, counters):
        with store.read_connection("counting quota") as connection:
            return counters.counts(queries, connection=connection)
    return counters.counts(queries)


def oldest(store: Store, counters: Counters, key: str, since: datetime, n: int) -> list[datetime]:
    """:meth:`Counters.oldest`, inside the store's current read block when shared."""
    if isinstance(counters, SqlCounters) and shares_transactions(store, counters):
        with store.read_connection("reading quota") as connection:
            return counters.oldest(key, since, n, connection=connection)
    return counters.oldest(key, since, n)


def reserve(
    store: Store,
    counters: Counters,
    key: str,
    at: datetime,
    limits: Sequence[Limit],
    entry_id: str,
) -> bool:
    """:meth:`Counters.reserve`, inside the store's current write transaction when shared (it
    then commits, or rolls back, with the caller's work)."""
    if isinstance(counters, SqlCounters) and shares_transactions(store, counters):
        with store.writing("reserving quota") as connection:
            return counters.reserve(key, at, limits, entry_id, connection=connection)
    return counters.reserve(key, at, limits, entry_id)
