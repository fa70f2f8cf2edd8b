"""Engines by URL, SQLite tuned for one busy process, and the boundary where driver errors stop.

``sqlite:///path`` and ``postgresql://...`` are understood; PostgreSQL always goes through psycopg 3.
SQLite runs in WAL mode (readers never wait for the writer) and SQLAlchemy, not the sqlite3 module,
emits ``BEGIN``: plain ``BEGIN`` for reads, ``BEGIN IMMEDIATE`` on connections marked as writers, so
concurrent writers queue on the busy timeout instead of failing when a read lock would be upgraded.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    IntegrityError,
    SQLAlchemyError,
    StatementError,
)
from sqlalchemy.pool import StaticPool

from zapguard.store.errors import ConfigurationError, Conflict, StoreError

SQL_SCHEMES = ("sqlite", "postgresql", "postgres")
"""URL schemes :func:`open_engine` accepts (a ``+driver`` suffix is allowed)."""

BUSY_TIMEOUT_MS = 10_000
"""How long a SQLite writer waits for another writer before giving up."""

WRITER = {"zapguard_writer": True}
"""Execution options marking a connection whose transactions write (``BEGIN IMMEDIATE`` on SQLite)."""


def sql_url(url: str) -> URL:
    """Parse ``url`` and pick the driver zapguard uses for it; unknown schemes are refused."""
    try:
        parsed = make_url(url)
    except ArgumentError as error:
        raise ConfigurationError(
            f"URL de banco de dados inválida / invalid database URL {url!r}: {error}"
        ) from None
    # Read the name as written: asking SQLAlchemy would load (and may not know) the dialect.
    backend, _, driver = parsed.drivername.partition("+")
    if backend == "postgres":
        backend = "postgresql"
    if backend not in ("sqlite", "postgresql"):
        raise ConfigurationError(
            f"esquema de URL desconhecido / unknown database URL scheme {parsed.drivername!r}; "
            f"known: {', '.join(f'{scheme}://' for scheme in SQL_SCHEMES)}"
        )
    if backend == "postgresql" and driver != "psycopg":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite" and parsed.database not in (None, "", ":memory:"):
        # A relative file means "here, now": pin it, so a cached engine never follows a later chdir.
        parsed = parsed.set(database=os.path.abspath(parsed.database))
    return parsed


def open_engine(url: str) -> Engine:
    """A new engine for ``url`` (``sqlite:///path`` or ``postgresql://...``)."""
    parsed = sql_url(url)
    try:
        if parsed.get_backend_name() == "sqlite":
            engine = _sqlite_engine(parsed)
        else:
            engine = create_engine(parsed, pool_pre_ping=True)
    except SQLAlchemyError as error:
        raise StoreError(f"banco de dados inacessível / cannot open database {url!r}") from error
    _count_activity(engine)
    return engine


class SqlActivity:
    """How many SQL statements and commits this process's engines ran (all engines together).

    What a message costs in round trips to the database shows here; ``/metrics`` exposes it (the
    gateway reads :data:`SQL_ACTIVITY`; the store knows nothing of Prometheus). Statements are those
    SQLAlchemy sends to the driver, ``BEGIN`` included; a connection's health ping is not one.
    Commits include those ending read transactions.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._statements = 0
        self._commits = 0

    def statement(self) -> None:
        with self._lock:
            self._statements += 1

    def commit(self) -> None:
        with self._lock:
            self._commits += 1

    @property
    def statements(self) -> int:
        return self._statements

    @property
    def commits(self) -> int:
        return self._commits


SQL_ACTIVITY = SqlActivity()


def _count_activity(engine: Engine) -> None:
    def _statement(*_: Any) -> None:
        SQL_ACTIVITY.statement()

    def _commit(_connection: Connection) -> None:
        SQL_ACTIVITY.commit()

    event.listen(engine, "before_cursor_execute", _statement)
    event.listen(engine, "commit", _commit)


_engines: dict[tuple[int, str], Engine] = {}
_engines_lock = threading.Lock()


def shared_engine(url: str) -> Engine:
    """The engine of this process for ``url``: the store and the counters share one pool."""
    # Keyed by process id too: a pool inherited through fork would share sockets with the parent.
    key = (os.getpid(), sql_url(url).render_as_string(hide_password=False))
    with _engines_lock:
        engine = _engines.get(key)
        if engine is None:
            engine = _engines[key] = open_engine(url)
        return engine


def _sqlite_engine(url: URL) -> Engine:
    memory = url.database in (None, "", ":memory:")
    options: dict[str, Any] = {
        "connect_args": {"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False}
    }
    if memory:
        # One in-memory database only exists inside one connection.
        options["poolclass"] = StaticPool
    engine = create_engine(url, **options)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy emit BEGIN itself (the sqlite3 module would skip it before SELECTs).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            if not memory:
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        finally:
            cursor.close()

    # SQLite has one writer at a time. Threads of this process queue on a lock of their own
    # instead of on SQLite's busy handler, which polls with sleeps of up to 100 ms: under load
    # that sleeping, not the work, would set the latency. Other processes still queue on the
    # busy timeout. Re-entrant: a thread never waits for itself.
    write_lock = threading.RLock()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        writer = connection.get_execution_options().get("zapguard_writer", False)
        if not writer:
            connection.exec_driver_sql("BEGIN")
            return
        write_lock.acquire()
        connection.info["zapguard_write_lock"] = True
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            _release(connection)
            raise

    def _release(connection: Connection) -> None:
        if connection.info.pop("zapguard_write_lock", False):
            write_lock.release()

    event.listen(engine, "commit", _release)
    event.listen(engine, "rollback", _release)

    return engine


SAVEPOINT_HOOKS = "zapguard_savepoint_hooks"
"""``connection.info`` key of the callbacks held back while one item of a group commit runs in its
savepoint (see :mod:`zapguard.store.group_commit`)."""


def after_commit(connection: Connection, callback: Callable[[], None]) -> None:
    """Run ``callback`` when the connection's current transaction commits, never if it rolls back
    (a reservation joined to a caller's transaction is only known once that commits).

    Inside an item of a group commit, the callback waits for the item's savepoint: it is kept when
    the savepoint is released and dropped when it is rolled back.
    """
    held = connection.info.get(SAVEPOINT_HOOKS)
    if held is not None:
        held.append(callback)
        return
    live = [True]

    def committed(_: Connection) -> None:
        if live[0]:
            live[0] = False
            callback()

    def rolled_back(_: Connection) -> None:
        live[0] = False

    event.listen(connection, "commit", committed, once=True)
    event.listen(connection, "rollback", rolled_back, once=True)


@contextmanager
def translate_errors(action: str) -> Iterator[None]:
    """Turn driver and SQLAlchemy errors raised inside the block into :class:`StoreError`.

    ``action`` names what was being done, for the message (English; the caller adds context).
    """
    try:
        yield
    except StoreError:
        raise
    except IntegrityError as error:
        raise Conflict(
            f"violação de integridade dos dados / integrity violation while {action}: {error.orig}"
        ) from error
    except StatementError as error:
        # A value our column types refused (a naive datetime): the caller's mistake, not the database's.
        if not isinstance(error, DBAPIError) and isinstance(error.orig, ValueError):
            raise error.orig from None
        raise _failure(action, error) from error
    except SQLAlchemyError as error:
        raise _failure(action, error) from error


def _failure(action: str, error: Exception) -> StoreError:
    return StoreError(f"falha no banco de dados / database failure while {action}: {error}")
