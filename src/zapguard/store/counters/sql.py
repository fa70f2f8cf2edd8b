"""Counters in the SQL database (table ``quota_reservations``, created by the migrations).

Atomicity: the whole check-and-insert is one transaction that first takes a lock no other reserve of
the same key can share. SQLite: ``BEGIN IMMEDIATE`` (the database's single write lock). PostgreSQL: a
transaction-scoped advisory lock on the key's hash, so different keys do not wait on each other.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from functools import lru_cache
from typing import Any, Self

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Select,
    String,
    bindparam,
    delete,
    func,
    select,
)
from sqlalchemy.exc import SQLAlchemyError

from zapguard.store.counters.base import Counters, Limit, aware, check_reserve
from zapguard.store.database import WRITER, shared_engine, translate_errors
from zapguard.store.schema import quota_reservations as table

# Read statements built once, so SQLAlchemy reuses their cache key and compiled form.
_COUNT = select(func.count()).where(
    table.c.key == bindparam("key"), table.c.at > bindparam("since")
)
_OLDEST = (
    select(table.c.at)
    .where(table.c.key == bindparam("key"), table.c.at > bindparam("since"))
    .order_by(table.c.at)
    .limit(bindparam("n"))
)
# Write statements, built once as well. :meth:`SqlCounters.reserve` runs the first three in one
# transaction: lock (PostgreSQL), look for the entry, count, insert.
_LOCK = select(
    func.pg_advisory_xact_lock(func.hashtextextended(bindparam("key", type_=String()), 0))
)
"""PostgreSQL: the transaction-scoped lock on the key's hash that serializes reserves of one key."""
_HELD = select(table.c.id).where(table.c.key == bindparam("key"), table.c.id == bindparam("id"))
_INSERT = table.insert()
_RELEASE = delete(table).where(table.c.key == bindparam("key"), table.c.id == bindparam("id"))
_PURGE = delete(table).where(table.c.at < bindparam("before"))
_COUNTS_PER_QUERY = 64
"""(key, since) pairs per query of :meth:`SqlCounters.counts`, well under any bind-parameter limit."""


@lru_cache(maxsize=_COUNTS_PER_QUERY)
def _counts_query(n: int) -> Select[Any]:
    """``SELECT (count for pair 0), (count for pair 1), ...``: each subquery is the same indexed range
    scan as :data:`_COUNT`."""
    return select(
        *(
            select(func.count())
            .where(table.c.key == bindparam(f"key{i}"), table.c.at > bindparam(f"since{i}"))
            .scalar_subquery()
            for i in range(n)
        )
    )


@lru_cache(maxsize=8)
def _used_query(n: int) -> Select[Any]:
    """The entries of ``key`` after each of ``n`` instants (``since0``...), in one indexed range scan
    from the earliest of them (``floor``)."""
    counts: list[ColumnElement[Any]] = [
        func.count().filter(table.c.at > bindparam(f"since{i}")) for i in range(n)
    ]
    return (
        select(*counts)
        .where(table.c.key == bindparam("key"))
        .where(table.c.at > bindparam("floor"))
    )


class SqlCounters(Counters):
    """Reservations as rows; shares the store's engine when given the same URL."""

    schemes = ("sqlite", "postgresql", "postgres")
    driver_errors = (SQLAlchemyError,)

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._writer = engine.execution_options(**WRITER)
        self._postgres = engine.dialect.name == "postgresql"

    @classmethod
    def from_url(cls, url: str) -> Self:
        return cls(shared_engine(url))

    @property
    def engine(self) -> Engine:
        return self._engine

    def close(self) -> None:
        self._engine.dispose()

    def reserve(self, key: str, at: datetime, limits: Sequence[Limit], entry_id: str) -> bool:
        check_reserve(at, limits)
        entry = {"key": key, "id": entry_id}
        with translate_errors("reserving quota"), self._writer.begin() as connection:
            if self._postgres:
                connection.execute(_LOCK, {"key": key})
            if connection.scalar(_HELD, entry) is not None:
                return True
            if limits:
                params: dict[str, Any] = {f"since{i}": lim.since for i, lim in enumerate(limits)}
                params.update(key=key, floor=min(lim.since for lim in limits))
                counts = connection.execute(_used_query(len(limits)), params).one()
                if any(used >= limit.cap for used, limit in zip(counts, limits, strict=True)):
                    return False
            connection.execute(_INSERT, {**entry, "at": at})
            return True

    def count(self, key: str, since: datetime) -> int:
        params = {"key": key, "since": aware(since)}
        with translate_errors("counting quota"), self._engine.connect() as connection:
            return int(connection.scalar(_COUNT, params) or 0)

    def counts(
        self, queries: Sequence[tuple[str, datetime]], *, connection: Connection | None = None
    ) -> list[int]:
        """:meth:`count` of every ``(key, since)`` pair, in one round trip (per 64 pairs).

        ``connection``: an open connection of this engine to read on (a caller's read transaction,
        such as :meth:`Store.reading`'s); by default one is taken from the pool.
        """
        found: list[int] = []
        if not queries:
            return found
        with translate_errors("counting quota"), self._reading(connection) as reader:
            for start in range(0, len(queries), _COUNTS_PER_QUERY):
                chunk = queries[start : start + _COUNTS_PER_QUERY]
                params: dict[str, Any] = {}
                for i, (key, since) in enumerate(chunk):
                    params[f"key{i}"] = key
                    params[f"since{i}"] = aware(since)
                row = reader.execute(_counts_query(len(chunk)), params).one()
                found += (int(n or 0) for n in row)
        return found

    def oldest(
        self, key: str, since: datetime, n: int, *, connection: Connection | None = None
    ) -> list[datetime]:
        """See :meth:`Counters.oldest`; ``connection`` as in :meth:`counts`."""
        params = {"key": key, "since": aware(since), "n": max(n, 0)}
        with translate_errors("reading quota"), self._reading(connection) as reader:
            return list(reader.scalars(_OLDEST, params))

    @contextmanager
    def _reading(self, connection: Connection | None) -> Iterator[Connection]:
        if connection is not None:
            yield connection
        else:
            with self._engine.connect() as own:
                yield own

    def release(self, key: str, entry_id: str) -> None:
        with translate_errors("releasing quota"), self._writer.begin() as connection:
            connection.execute(_RELEASE, {"key": key, "id": entry_id})

    def purge(self, before: datetime) -> int:
        params = {"before": aware(before)}
        with translate_errors("purging quota"), self._writer.begin() as connection:
            return connection.execute(_PURGE, params).rowcount
