"""Each tenant's line records, kept in this process's memory between snapshots.

A snapshot needs every line of the tenant; reading them all on every decision made its cost grow
with the number of lines. Every write to a tenant's lines (registration, state, provider, ban,
bookkeeping, a send's ``last_sent_at``) bumps the tenant's generation in ``line_heads`` in the same
transaction, whichever process made it. A reader reads that one number: when the records kept here
are at least as new, they are used; otherwise they are read again. This process's own writes that
a decision makes on every send (``last_sent_at``, ``last_human_at``) patch the kept records when
they commit instead of discarding them, provided no other writer came between (the generation
moved by exactly one); other writes discard them.

Which of those lines' phones, devices and networks are banned is kept beside them: a ban (which
may touch another tenant's lines through a shared device or network) bumps the generation of every
tenant with lines, so the kept answer is as current as the records.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType

from sqlalchemy import Engine

from zapguard.store.records import BannedSets, LineRecord

Patch = Callable[[LineRecord], LineRecord]
"""How a committed write changed one line's record."""


class LineCache:
    """Tenant → (generation, its line records by id, the bans among them), behind one lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._kept: dict[str, tuple[int, dict[str, LineRecord]]] = {}
        self._bans: dict[str, tuple[int, BannedSets]] = {}

    def get(self, tenant_id: str, generation: int) -> Mapping[str, LineRecord] | None:
        """The tenant's records by line id when they are as of ``generation`` or newer (a reader
        whose transaction began before this process's latest commit gets the newer, committed
        ones). A read-only view of what is kept: a change replaces it, never alters it."""
        with self._lock:
            kept = self._kept.get(tenant_id)
        if kept is None or kept[0] < generation:
            return None
        return MappingProxyType(kept[1])

    def bans(self, tenant_id: str, generation: int) -> BannedSets | None:
        """The bans among the tenant's lines' identifiers, when known as of ``generation``."""
        with self._lock:
            kept = self._bans.get(tenant_id)
        if kept is None or kept[0] != generation:
            return None
        return kept[1]

    def load_bans(self, tenant_id: str, generation: int, bans: BannedSets) -> None:
        """Keep the bans among the tenant's lines read at ``generation``."""
        with self._lock:
            kept = self._bans.get(tenant_id)
            if kept is None or kept[0] <= generation:
                self._bans[tenant_id] = (generation, bans)

    def forget_all(self) -> None:
        """Discard every tenant's kept records and bans (a ban may concern any of them)."""
        with self._lock:
            self._kept.clear()
            self._bans.clear()

    def load(self, tenant_id: str, generation: int, records: Sequence[LineRecord]) -> None:
        """Keep records just read at ``generation`` (unless newer ones are kept)."""
        with self._lock:
            kept = self._kept.get(tenant_id)
            if kept is None or kept[0] <= generation:
                self._kept[tenant_id] = (generation, {r.line.id: r for r in records})

    def changed(self, tenant_id: str, now: int, line_id: str, patch: Patch | None) -> None:
        """A write to the tenant's line ``line_id`` committed, taking the generation to ``now``:
        patch the kept records if they were as of ``now - 1``, else discard them."""
        with self._lock:
            kept = self._kept.get(tenant_id)
            bans = self._bans.pop(tenant_id, None)
            if kept is None or patch is None or kept[0] != now - 1:
                self._kept.pop(tenant_id, None)
                return
            records = dict(kept[1])  # a copy: readers may hold the previous one
            if line_id in records:
                records[line_id] = patch(records[line_id])
            self._kept[tenant_id] = (now, records)
            # A patch changes bookkeeping, never a phone, device or network: the bans stand.
            if bans is not None and bans[0] == now - 1:
                self._bans[tenant_id] = (now, bans[1])


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
