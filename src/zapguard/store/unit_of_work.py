"""One unit of work over one SQLAlchemy engine: the transaction the repositories share.

Every repository method runs in its own transaction unless called inside
:meth:`UnitOfWork.transaction`, which gathers the calls made by the same thread, to any
repository, into one: an error inside the block aborts the whole block. Reads may be gathered the
same way by :meth:`UnitOfWork.reading` (one connection, one consistent view on SQLite).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine

from zapguard.store.database import WRITER, shared_engine, translate_errors


class _Current(threading.local):
    connection: Connection | None = None
    reader: Connection | None = None


class UnitOfWork:
    """The current transaction (or read block) of each thread over one engine."""

    def __init__(self, database: Engine | str) -> None:
        """``database`` is an engine or a URL; a URL shares the process's engine for it."""
        self._engine = shared_engine(database) if isinstance(database, str) else database
        self._writer = self._engine.execution_options(**WRITER)
        self._current = _Current()

    @property
    def engine(self) -> Engine:
        return self._engine

    def close(self) -> None:
        """Close pooled connections (the engine stays usable and reconnects on demand)."""
        self._engine.dispose()

    @property
    def single_writer(self) -> bool:
        """Whether the database lets one write transaction run at a time (SQLite), so that
        gathering writers into one transaction can only shorten their queue, never deadlock."""
        return self._engine.dialect.name == "sqlite"

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Run the calls made inside the block, by this thread, as one transaction."""
        if self._current.connection is not None:
            yield  # already inside one: join it
            return
        with translate_errors("committing a transaction"), self._writer.begin() as connection:
            self._current.connection = connection
            try:
                yield
            finally:
                self._current.connection = None

    def in_transaction(self) -> bool:
        """Whether this thread is inside :meth:`transaction`."""
        return self._current.connection is not None

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """Inside :meth:`transaction`: the block's writes roll back alone if it raises, and the
        transaction goes on (a ``SAVEPOINT``)."""
        connection = self._current.connection
        if connection is None:
            raise RuntimeError("savepoint() outside transaction()")
        with translate_errors("writing in a savepoint"), connection.begin_nested():
            yield

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """Run the reads made inside the block, by this thread, on one connection and in one read
        transaction: one checkout and one BEGIN for many queries, and (on SQLite) one consistent view.

        Yields that connection, so that other readers of the same engine (the SQL quota counters)
        can join it. Inside :meth:`transaction` it is that transaction's connection. Only reads
        belong in the block: a write there would need a second connection next to an open read.
        """
        joined = self._current.connection or self._current.reader
        if joined is not None:
            yield joined
            return
        with (
            translate_errors("reading"),
            self._engine.connect() as connection,
            connection.begin(),
        ):
            self._current.reader = connection
            try:
                yield connection
            finally:
                self._current.reader = None

    @contextmanager
    def writing(self, action: str) -> Iterator[Connection]:
        """A connection to write on: the current transaction's, else a new one committed at the end.

        ``action`` names what is being done in the error a database failure becomes.
        """
        current = self._current.connection
        with translate_errors(action):
            if current is not None:
                yield current
            else:
                with self._writer.begin() as connection:
                    yield connection

    @contextmanager
    def read_connection(self, action: str) -> Iterator[Connection]:
        """A connection to read on, joining the current transaction or read block if any."""
        current = self._current.connection or self._current.reader
        with translate_errors(action):
            if current is not None:
                yield current
            else:
                with self._engine.connect() as connection:
                    yield connection
