"""Counters in this process's memory: tests and the single-process embedded default."""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right, insort
from collections.abc import Sequence
from datetime import datetime
from operator import itemgetter
from typing import Self

from zapguard.store.counters.base import Counters, Limit, aware, check_reserve

_AT = itemgetter(0)


class MemoryCounters(Counters):
    """A sorted list of ``(at, entry_id)`` per key behind one lock. Lost when the process exits."""

    schemes = ("memory",)

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, list[tuple[datetime, str]]] = {}
        self._at: dict[str, dict[str, datetime]] = {}

    @classmethod
    def from_url(cls, url: str) -> Self:
        return cls()

    def reserve(self, key: str, at: datetime, limits: Sequence[Limit], entry_id: str) -> bool:
        check_reserve(at, limits)
        with self._lock:
            entries = self._entries.setdefault(key, [])
            ids = self._at.setdefault(key, {})
            if entry_id in ids:
                return True
            for limit in limits:
                if len(entries) - bisect_right(entries, limit.since, key=_AT) >= limit.cap:
                    return False
            insort(entries, (at, entry_id))
            ids[entry_id] = at
            return True

    def count(self, key: str, since: datetime) -> int:
        aware(since)
        with self._lock:
            entries = self._entries.get(key, [])
            return len(entries) - bisect_right(entries, since, key=_AT)

    def oldest(self, key: str, since: datetime, n: int) -> list[datetime]:
        aware(since)
        with self._lock:
            entries = self._entries.get(key, [])
            start = bisect_right(entries, since, key=_AT)
            return [at for at, _ in entries[start : start + max(n, 0)]]

    def release(self, key: str, entry_id: str) -> None:
        with self._lock:
            at = self._at.get(key, {}).pop(entry_id, None)
            if at is None:
                return
            entries = self._entries[key]
            del entries[bisect_left(entries, (at, entry_id))]

    def purge(self, before: datetime) -> int:
        aware(before)
        removed = 0
        with self._lock:
            for key in list(self._entries):
                entries = self._entries[key]
                cut = bisect_left(entries, before, key=_AT)
                for _, entry_id in entries[:cut]:
                    del self._at[key][entry_id]
                del entries[:cut]
                removed += cut
                if not entries:
                    del self._entries[key], self._at[key]
        return removed
