"""Each tenant's line records, kept in this process's memory between snapshots.

A snapshot needs every line of the tenant; reading them all on every decision made its cost grow
with the number of lines. Every write to a tenant's lines (registration, state, provider, ban,
bookkeeping, a send's ``last_sent_at``) bumps the tenant's generation in ``line_heads`` in the same
transaction, whichever process made it. A reader reads that one number: when the records kept here
are at least as new, they are used; otherwise they are read again. This process's own writes that
a decision makes on every send (``last_sent_at``, ``last_human_at``) patch the kept records when
they commit instead of discarding them, provided no other writer came between (the generation
moved by exactly one); other writes discard them.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Sequence

from sqlalchemy import Engine

from zapguard.store.records import LineRecord

Patch = Callable[[LineRecord], LineRecord]
"""How a committed write changed one line's record."""


class LineCache:
    """Tenant → (generation, its line records by id), behind one lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._kept: dict[str, tuple[int, tuple[LineRecord, ...]]] = {}

    def get(self, tenant_id: str, generation: int) -> list[LineRecord] | None:
        """The tenant's records when they are as of ``generation`` or newer (a reader whose
        transaction began before this process's latest commit gets the newer, committed ones)."""
        with self._lock:
            kept = self._kept.get(tenant_id)
        if kept is None or kept[0] < generation:
            return None
        return list(kept[1])

    def load(self, tenant_id: str, generation: int, records: Sequence[LineRecord]) -> None:
        """Keep records just read at ``generation`` (unless newer ones are kept)."""
        with self._lock:
            kept = self._kept.get(tenant_id)
            if kept is None or kept[0] <= generation:
                self._kept[tenant_id] = (generation, tuple(records))

    def changed(self, tenant_id: str, now: int, line_id: str, patch: Patch | None) -> None:
        """A write to the tenant's line ``line_id`` committed, taking the generation to ``now``:
        patch the kept records if they were as of ``now - 1``, else discard them."""
        with self._lock:
            kept = self._kept.get(tenant_id)
            if kept is None or patch is None or kept[0] != now - 1:
                self._kept.pop(tenant_id, None)
                return
            records = tuple(
                patch(record) if record.line.id == line_id else record for record in kept[1]
            )
            self._kept[tenant_id] = (now, records)


_CACHES: weakref.WeakKeyDictionary[Engine, LineCache] = weakref.WeakKeyDictionary()
_CACHES_LOCK = threading.Lock()


def line_cache_of(engine: Engine) -> LineCache:
    """The line records this process keeps for ``engine``'s database (one cache per engine,
    shared by every :class:`~zapguard.store.repository.Store` on it)."""
    with _CACHES_LOCK:
        found = _CACHES.get(engine)
        if found is None:
            found = _CACHES[engine] = LineCache()
        return found
