"""Worker for the multi-process counter test (a module of its own so spawned children import it
without importing a test module)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from zapguard.store import Limit, counters_from_url

T0 = datetime(2025, 1, 6, 12, tzinfo=UTC)


def hammer(
    url: str, key: str, worker: int, tries: int, cap: int, barrier: Any, results: Any
) -> None:
    counters = counters_from_url(url)
    try:
        barrier.wait(timeout=60)
        won = 0
        for attempt in range(tries):
            at = T0 + timedelta(milliseconds=worker * tries + attempt)
            limits = [Limit(since=T0 - timedelta(hours=24), cap=cap)]
            won += counters.reserve(key, at, limits, f"w{worker}-{attempt}")
        results.put(won)
    finally:
        counters.close()
