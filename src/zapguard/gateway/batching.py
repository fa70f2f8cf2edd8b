"""Batched commits of like items: whoever arrives while a commit runs rides the next one.

Unlike :class:`~zapguard.store.group_commit.GroupCommit` (arbitrary work, each piece in its own
savepoint), the items here are values one ``commit`` function writes together, in one statement if
it can: the dispatcher's settlements of sends that finished at the same time.

The first caller with nothing in progress commits its own item at once (no added wait when idle);
callers arriving meanwhile queue up, and when that commit ends one of them commits everything
queued in one transaction. Under load, N sends finishing together cost one commit, not N; each
caller still gets its own answer, and only once its batch is durable.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Generic, TypeVar

_Item = TypeVar("_Item")
_Answer = TypeVar("_Answer")


class BatchCommit(Generic[_Item, _Answer]):
    """``commit(items)`` writes a batch in one transaction and answers each item, in order."""

    def __init__(self, commit: Callable[[Sequence[_Item]], Sequence[_Answer]]) -> None:
        self._commit = commit
        self._lock = threading.Lock()
        self._queued: list[tuple[_Item, Future[_Answer]]] = []
        self._committing = False

    def submit(self, item: _Item) -> _Answer:
        """Commit ``item`` (in a batch) and return its answer; raises what the commit raised."""
        mine: Future[_Answer] = Future()
        with self._lock:
            self._queued.append((item, mine))
            if self._committing:
                leader = False
            else:
                self._committing = leader = True
        if leader:
            self._lead()
        return mine.result()

    def _lead(self) -> None:
        while True:
            with self._lock:
                batch, self._queued = self._queued, []
                if not batch:
                    self._committing = False
                    return
            try:
                answers = self._commit([item for item, _ in batch])
            except BaseException as error:
                for _, future in batch:
                    future.set_exception(error)
            else:
                for (_, future), answer in zip(batch, answers, strict=True):
                    future.set_result(answer)


__all__ = ["BatchCommit"]
