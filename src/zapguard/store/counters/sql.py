"""Counters in the SQL database (table ``quota_reservations``, created by the migrations).

Atomicity: the whole check-and-insert is one transaction that first takes a lock no other reserve of
the same key can share. SQLite: ``BEGIN IMMEDIATE`` (the database's single write lock). PostgreSQL: a
transaction-scoped advisory lock on the key's hash, so different keys do not wait on each other.

Counting: every write to a key's reservations bumps its generation (``quota_heads``) in the same
transaction, and each process keeps the key's recent instants in memory
(:mod:`zapguard.store.counters.windows`) while the generation read from the database matches. A
count is then one small read of generations and a bisection, whatever the window holds; the check
that admits a reservation runs under the key's lock on a copy the generation proves current.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Self

from sqlalchemy import (
    Connection,
    Engine,
    String,
    bindparam,
    delete,
    exists,
    func,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine.base import RootTransaction
from sqlalchemy.exc import SQLAlchemyError

from zapguard.store.counters.base import Counters, Limit, aware, check_reserve
from zapguard.store.counters.windows import Windows, micros, reach
from zapguard.store.database import WRITER, after_commit, shared_engine, translate_errors
from zapguard.store.schema import quota_heads as heads
from zapguard.store.schema import quota_reservations as table

# Statements built once, so SQLAlchemy reuses their cache key and compiled form.
_OLDEST = (
    select(table.c.at)
    .where(table.c.key == bindparam("key"), table.c.at > bindparam("since"))
    .order_by(table.c.at)
    .limit(bindparam("n"))
)
_INSTANTS = (
    select(table.c.at)
    .where(table.c.key == bindparam("key"), table.c.at > bindparam("since"))
    .order_by(table.c.at)
)
"""A key's instants after ``since``: what a process's window of the key is loaded from."""
_GENERATIONS = select(heads.c.key, heads.c.generation).where(
    heads.c.key.in_(bindparam("keys", expanding=True))
)
_LOCK = select(
    func.pg_advisory_xact_lock(func.hashtextextended(bindparam("key", type_=String()), 0))
)
"""PostgreSQL: the transaction-scoped lock on the key's hash that serializes writes to one key."""
_STATE = select(
    select(heads.c.generation).where(heads.c.key == bindparam("key")).scalar_subquery(),
    exists().where(table.c.key == bindparam("key"), table.c.id == bindparam("id")),
)
"""Under the lock: the key's generation, and whether the entry is already held."""
_INSERT = table.insert()
_RELEASE = delete(table).where(table.c.key == bindparam("key"), table.c.id == bindparam("id"))
_PURGE = delete(table).where(table.c.at < bindparam("before"))
_BUMP_ALL = update(heads).values(generation=heads.c.generation + 1)


def _bump(insert: Any) -> Any:
    """``generation + 1`` for the key (1 for a key without a row), returning the new one."""
    statement = insert(heads).values(key=bindparam("key"), generation=1)
    return statement.on_conflict_do_update(
        index_elements=[heads.c.key], set_={"generation": heads.c.generation + 1}
    ).returning(heads.c.generation)


_BUMP = {True: _bump(postgresql.insert), False: _bump(sqlite.insert)}


_UNCOMMITTED: weakref.WeakKeyDictionary[RootTransaction, dict[str, dict[int, int]]] = (
    weakref.WeakKeyDictionary()
)


def _uncommitted(connection: Connection) -> dict[str, dict[int, int]]:
    """Key → {generation: instant} of the reservations the connection's current transaction made
    and has not committed (gone with the transaction). A reservation rolled back to a savepoint
    stays listed until its generation is given again: it can only make a count higher, never let
    a message over a cap."""
    transaction = connection.get_transaction()
    assert transaction is not None and isinstance(transaction, RootTransaction)
    return _UNCOMMITTED.setdefault(transaction, {})


def _writes_pending(connection: Connection, key: str) -> bool:
    """Whether the connection's transaction reserved on ``key`` and has not committed: what it
    reads of the key then includes its own writes, which must not be kept as any generation's."""
    transaction = connection.get_transaction()
    found = _UNCOMMITTED.get(transaction) if isinstance(transaction, RootTransaction) else None
    return bool(found and found.get(key))


_WINDOWS: weakref.WeakKeyDictionary[Engine, Windows] = weakref.WeakKeyDictionary()
_WINDOWS_LOCK = threading.Lock()


def windows_of(engine: Engine) -> Windows:
    """The windows this process keeps for ``engine``'s database (one set per engine, shared by
    every :class:`SqlCounters` on it)."""
    with _WINDOWS_LOCK:
        found = _WINDOWS.get(engine)
        if found is None:
            found = _WINDOWS[engine] = Windows()
        return found


class SqlCounters(Counters):
    """Reservations as rows; shares the store's engine when given the same URL."""

    schemes = ("sqlite", "postgresql", "postgres")
    driver_errors = (SQLAlchemyError,)

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._writer = engine.execution_options(**WRITER)
        self._postgres = engine.dialect.name == "postgresql"
        self._windows = windows_of(engine)

    @classmethod
    def from_url(cls, url: str) -> Self:
        return cls(shared_engine(url))

    @property
    def engine(self) -> Engine:
        return self._engine

    def close(self) -> None:
        self._engine.dispose()

    def reserve(
        self,
        key: str,
        at: datetime,
        limits: Sequence[Limit],
        entry_id: str,
        *,
        connection: Connection | None = None,
    ) -> bool:
        """See :meth:`Counters.reserve`. ``connection``: a writing connection of this engine whose
        transaction the reservation joins (it then commits, or not, with the caller's work)."""
        check_reserve(at, limits)
        with translate_errors("reserving quota"), self._writing(connection) as writer:
            if self._postgres:
                writer.execute(_LOCK, {"key": key})
            generation, held = writer.execute(_STATE, {"key": key, "id": entry_id}).one()
            generation = int(generation or 0)
            if held:
                return True
            pending = _uncommitted(writer).setdefault(key, {})
            if limits:
                floor = min(limit.since for limit in limits)
                for limit in limits:
                    used = self._count(writer, key, generation, limit.since, floor, pending)
                    if used >= limit.cap:
                        return False
            writer.execute(_INSERT, {"key": key, "id": entry_id, "at": at})
            bumped = int(writer.scalar(_BUMP[self._postgres], {"key": key}))
            pending[bumped] = micros(at)
            after_commit(writer, lambda: self._windows.added(key, generation, bumped, at))
            return True

    def count(self, key: str, since: datetime) -> int:
        return self.counts([(key, since)])[0]

    def counts(
        self, queries: Sequence[tuple[str, datetime]], *, connection: Connection | None = None
    ) -> list[int]:
        """:meth:`count` of every ``(key, since)`` pair: one read of the keys' generations, then
        each key's window from memory (read from the database only when it changed).

        ``connection``: an open connection of this engine to read on (a caller's read transaction,
        such as :meth:`Store.reading`'s); by default one is taken from the pool.
        """
        if not queries:
            return []
        floors: dict[str, datetime] = {}
        for key, since in queries:
            aware(since)
            floors[key] = min(since, floors.get(key, since))
        with translate_errors("counting quota"), self._reading(connection) as reader:
            rows = reader.execute(_GENERATIONS, {"keys": list(floors)})
            generations = {str(key): int(generation) for key, generation in rows}
            asked = [(key, generations.get(key, 0), since) for key, since in queries]
            found = self._windows.counts(asked)
            for i, used in enumerate(found):
                if used is None:
                    key, generation, since = asked[i]
                    found[i] = self._count(reader, key, generation, since, floors[key])
        self._windows.trim(floors)
        return [int(used or 0) for used in found]

    def _count(
        self,
        connection: Connection,
        key: str,
        generation: int,
        since: datetime,
        floor: datetime,
        pending: dict[int, int] | None = None,
    ) -> int:
        """Entries of ``key`` after ``since``, from memory when the window is as of
        ``generation``; otherwise the key's instants after ``floor`` are read (and kept).
        ``pending``: see :meth:`Windows.count`."""
        used = self._windows.count(key, generation, since, pending)
        if used is None:
            floor = reach(floor)
            instants = connection.scalars(_INSTANTS, {"key": key, "since": floor})
            keep = not _writes_pending(connection, key)
            window = self._windows.load(key, generation, floor, instants, keep=keep)
            used = window.count(micros(since))
        return used

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

    @contextmanager
    def _writing(self, connection: Connection | None) -> Iterator[Connection]:
        if connection is not None:
            yield connection
        else:
            with self._writer.begin() as own:
                yield own

    def release(self, key: str, entry_id: str) -> None:
        with translate_errors("releasing quota"), self._writer.begin() as connection:
            if self._postgres:
                connection.execute(_LOCK, {"key": key})
            if connection.execute(_RELEASE, {"key": key, "id": entry_id}).rowcount:
                connection.scalar(_BUMP[self._postgres], {"key": key})
        self._windows.forget(key)

    def purge(self, before: datetime) -> int:
        params = {"before": aware(before)}
        with translate_errors("purging quota"), self._writer.begin() as connection:
            removed = int(connection.execute(_PURGE, params).rowcount)
            if removed:
                connection.execute(_BUMP_ALL)
        self._windows.forget()
        return removed
