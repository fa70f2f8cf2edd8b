"""Group commit: concurrent callers' writes gathered into one transaction by one of them.

A durable write per message costs a commit (on PostgreSQL, a flush of its log to disk) and, on
SQLite, a turn at the one write lock. When several callers want to write at once, the first to
arrive leads: it waits up to :data:`GATHER_SECONDS` for the callers already on their way (those
inside :meth:`GroupCommit.expecting`), then runs every gathered piece of work in one transaction,
each in its own savepoint, and commits once. Each caller gets its own result or its own error, and
only after the transaction committed: a piece that fails rolls back to its savepoint and fails
alone; a commit that fails fails them all (nothing of theirs was written). A caller alone does not
wait at all, and its work runs without a savepoint: failing, it rolls back a transaction that holds
nothing else.

Work runs in the leader's thread, so it must reach the database through the same
:class:`~zapguard.store.repository.Store` (whose calls join the leader's transaction) and hold no
lock another waiting caller holds.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from zapguard.store.database import SAVEPOINT_HOOKS, after_commit
from zapguard.store.repository import Store

T = TypeVar("T")

GATHER_SECONDS = 0.002
"""How long a leader waits for callers already on their way (issue 8: "gathered for a millisecond
or two"); it waits only while some are, never when it is alone."""
MOST_PER_BATCH = 64
"""Pieces of work per transaction: zapguard's measured sqlite3 floor gained little beyond 64 per
commit (BENCHMARKS.md, issue 8's floors: 22.6k/s with 64 per commit)."""


@dataclass(eq=False)
class _Item(Generic[T]):
    work: Callable[[], T]
    result: T | None = None
    error: BaseException | None = None
    done: bool = False
    hooks: list[Callable[[], None]] = field(default_factory=list)


class GroupCommit:
    """One per :class:`Store` whose writers should share commits."""

    def __init__(
        self,
        store: Store,
        *,
        gather_seconds: float = GATHER_SECONDS,
        most_per_batch: int = MOST_PER_BATCH,
    ) -> None:
        self._store = store
        self._gather = gather_seconds
        self._most = most_per_batch
        self._cond = threading.Condition()
        self._pending: list[_Item[object]] = []
        self._arriving = 0
        self._leading = False

    @contextmanager
    def expecting(self) -> Iterator[None]:
        """Announce a write to come (the caller is reading what it will decide on): a leader
        gathering a batch waits for it."""
        with self._cond:
            self._arriving += 1
        try:
            yield
        finally:
            with self._cond:
                self._arriving -= 1
                self._cond.notify_all()

    def run(self, work: Callable[[], T]) -> T:
        """Run ``work`` in a transaction shared with other callers' work; its result once that
        transaction committed, or its own error (then nothing it wrote was kept)."""
        if self._store.in_transaction():
            return work()  # already inside this thread's own transaction: it commits with that
        if not self._store.single_writer:
            # On PostgreSQL each piece of work takes row and advisory locks as it goes (a line's
            # quota, its tenant's line generation): two batches of other processes taking them in
            # another order would deadlock. Each caller commits alone there, concurrently.
            with self._store.transaction():
                return work()
        item: _Item[T] = _Item(work)
        with self._cond:
            self._pending.append(item)  # type: ignore[arg-type]
            self._cond.notify_all()
            while not item.done:
                if self._leading:
                    self._cond.wait()
                    continue
                self._leading = True
                self._cond.release()
                try:
                    self._lead()
                finally:
                    self._cond.acquire()
                    self._leading = False
                    self._cond.notify_all()
        if item.error is not None:
            raise item.error
        return item.result  # type: ignore[return-value]

    def _lead(self) -> None:
        deadline = time.monotonic() + self._gather
        with self._cond:
            while self._arriving and len(self._pending) < self._most:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
            batch = self._pending[: self._most]
            del self._pending[: self._most]
        try:
            self._commit(batch)
        finally:
            with self._cond:
                for item in batch:
                    item.done = True
                self._cond.notify_all()

    def _commit(self, batch: list[_Item[object]]) -> None:
        if len(batch) == 1:
            self._commit_alone(batch[0])
            return
        try:
            with self._store.transaction(), self._store.writing("committing a batch") as connection:
                for item in batch:
                    connection.info[SAVEPOINT_HOOKS] = item.hooks
                    try:
                        with self._store.savepoint():
                            item.result = item.work()
                    except Exception as error:  # this caller's alone: the others go on
                        item.error = error
                        item.hooks.clear()
                    finally:
                        del connection.info[SAVEPOINT_HOOKS]
                    for hook in item.hooks:
                        after_commit(connection, hook)
        except BaseException as error:  # the commit itself (or an interrupt): nothing was kept
            for item in batch:
                if item.error is None:
                    item.error = error
            if not isinstance(error, Exception):
                raise

    def _commit_alone(self, item: _Item[object]) -> None:
        """A batch of one needs no savepoint (two statements saved): its failure rolls back the
        transaction it is alone in, which keeps nothing, as its savepoint's rollback would."""
        try:
            with self._store.transaction():
                item.result = item.work()
        except BaseException as error:
            item.error = error
            if not isinstance(error, Exception):
                raise
