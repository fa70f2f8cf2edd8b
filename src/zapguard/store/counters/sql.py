"""Counters in the SQL database (table ``quota_reservations``, created by the migrations).

Atomicity: the whole check-and-insert is one transaction that first takes a lock no other reserve of
the same key can share. SQLite: ``BEGIN IMMEDIATE`` (the database's single write lock). PostgreSQL: a
transaction-scoped advisory lock on the key's hash, so different keys do not wait on each other.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Self

from sqlalchemy import Engine, delete, func, select
from sqlalchemy.exc import SQLAlchemyError

from zapguard.store.counters.base import Counters, Limit, aware, check_reserve
from zapguard.store.database import WRITER, shared_engine, translate_errors
from zapguard.store.schema import quota_reservations as table


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
        with translate_errors("reserving quota"), self._writer.begin() as connection:
            if self._postgres:
                connection.execute(
                    select(func.pg_advisory_xact_lock(func.hashtextextended(key, 0)))
                )
            held = select(table.c.id).where(table.c.key == key, table.c.id == entry_id)
            if connection.scalar(held) is not None:
                return True
            if limits:
                counts = connection.execute(
                    select(*(func.count().filter(table.c.at > limit.since) for limit in limits))
                    .where(table.c.key == key)
                    .where(table.c.at > min(limit.since for limit in limits))
                ).one()
                if any(used >= limit.cap for used, limit in zip(counts, limits, strict=True)):
                    return False
            connection.execute(table.insert().values(key=key, id=entry_id, at=at))
            return True

    def count(self, key: str, since: datetime) -> int:
        query = select(func.count()).where(table.c.key == key, table.c.at > aware(since))
        with translate_errors("counting quota"), self._engine.connect() as connection:
            return int(connection.scalar(query) or 0)

    def oldest(self, key: str, since: datetime, n: int) -> list[datetime]:
        query = (
            select(table.c.at)
            .where(table.c.key == key, table.c.at > aware(since))
            .order_by(table.c.at)
            .limit(max(n, 0))
        )
        with translate_errors("reading quota"), self._engine.connect() as connection:
            return list(connection.scalars(query))

    def release(self, key: str, entry_id: str) -> None:
        query = delete(table).where(table.c.key == key, table.c.id == entry_id)
        with translate_errors("releasing quota"), self._writer.begin() as connection:
            connection.execute(query)

    def purge(self, before: datetime) -> int:
        query = delete(table).where(table.c.at < aware(before))
        with translate_errors("purging quota"), self._writer.begin() as connection:
            return connection.execute(query).rowcount
