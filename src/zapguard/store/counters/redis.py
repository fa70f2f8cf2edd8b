"""Counters in Redis: one sorted set per key, reserved by one Lua script (atomic on the server).

Scores are epoch seconds as floats; at today's epoch a double still tells microseconds apart, and the
values travel as ``repr`` strings, so instants come back exactly as they went in.

Redis may lose its data (a restart without persistence, a failover to an empty replica): the
counts would then be too low and caps could be passed. A marker key is set once the counters hold
every durable reservation; the reserve script refuses to reserve while it is missing, and the
counters first restore the reservations from their durable source (the gateway's outbox, see
:meth:`RedisCounters.restore_from`), then set the marker. Without a source (counters used on their
own), the marker is simply set: there is nothing to restore them from.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import TYPE_CHECKING, Any, Self, cast

from zapguard.store.counters.base import Counters, Limit, aware, check_reserve
from zapguard.store.errors import ConfigurationError

if TYPE_CHECKING:
    import redis

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
PREFIX = "zapguard:quota:"
MARKER = "zapguard:quota-restored"
"""Set once the counters hold every durable reservation; gone when Redis lost its data."""
_LOST = -1
_RESTORE_BATCH = 5_000

log = logging.getLogger("zapguard.counters")

Reservations = Callable[[], Iterable[tuple[str, str, datetime]]]
"""The durable reservations in the longest window: ``(key, entry id, at)``."""


def _score(moment: datetime) -> str:
    return repr(aware(moment).timestamp())


def _instant(score: float) -> datetime:
    # timedelta rounds to the nearest microsecond, undoing the float's last-bit error.
    return _EPOCH + timedelta(seconds=score)


def _redis_module() -> Any:
    try:
        import redis
    except (
        ImportError
    ):  # pragma: no cover - redis is a dependency, but keep the hint for slim installs
        raise ConfigurationError(
            "pacote redis ausente / the redis package is missing: pip install 'redis>=5'"
        ) from None
    return redis


class RedisCounters(Counters):
    """Reservations in Redis (``redis://host:port/db``, ``rediss://``, ``redis+unix:///path``)."""

    schemes = ("redis", "rediss", "redis+unix")

    def __init__(self, client: redis.Redis) -> None:
        self.driver_errors = (_redis_module().RedisError,)
        self._client = client
        script = resources.files("zapguard.store").joinpath("lua/reserve.lua").read_text("utf-8")
        self._reserve = client.register_script(script)
        self._source: Reservations | None = None
        self._settle_seconds = 0.0
        self._restoring = threading.Lock()

    def restore_from(self, source: Reservations, *, settle_seconds: float = 1.0) -> None:
        """Where to restore the reservations from when Redis has lost them. ``settle_seconds``:
        how long to wait first, so that writes of reservations made just before the loss (their
        durable record is written right after the reservation) are committed and seen."""
        self._source = source
        self._settle_seconds = settle_seconds

    @classmethod
    def from_url(cls, url: str) -> Self:
        module = _redis_module()
        client = module.Redis.from_url(url.replace("redis+unix://", "unix://", 1))
        return cls(client)

    def close(self) -> None:
        self._client.close()

    def reserve(self, key: str, at: datetime, limits: Sequence[Limit], entry_id: str) -> bool:
        check_reserve(at, limits)
        args: list[str | int] = [_score(at), entry_id]
        for limit in limits:
            args += [_score(limit.since), limit.cap]
        keys = [PREFIX + key, MARKER]
        result = int(self._reserve(keys=keys, args=args))
        if result == _LOST:
            self.restore()
            result = int(self._reserve(keys=keys, args=args))
        return result == 1

    def restore(self) -> int:
        """Put back every durable reservation (``ZADD NX``: those still held stay as they are)
        and set the marker; returns how many were written. Several workers may restore at once:
        each writes the same entries, so the outcome is the same."""
        with self._restoring:
            if self._client.exists(MARKER):
                return 0  # another thread or worker restored them meanwhile
            restored = 0
            if self._source is not None:
                log.warning(
                    "Redis perdeu os contadores de cota; restaurando das mensagens aceitas / "
                    "Redis lost the quota counters; restoring them from the accepted messages"
                )
                time.sleep(self._settle_seconds)
                batch: dict[str, dict[str, str]] = {}
                pending = 0
                for key, entry_id, at in self._source():
                    batch.setdefault(PREFIX + key, {})[entry_id] = _score(at)
                    pending += 1
                    if pending >= _RESTORE_BATCH:
                        restored += self._write(batch)
                        batch, pending = {}, 0
                restored += self._write(batch)
            self._client.set(MARKER, uuid.uuid4().hex, nx=True)
            return restored

    def _write(self, batch: dict[str, dict[str, str]]) -> int:
        if not batch:
            return 0
        pipe = self._client.pipeline(transaction=False)
        for name, entries in batch.items():
            pipe.zadd(name, cast("Any", entries), nx=True)
        pipe.execute()
        return sum(len(entries) for entries in batch.values())

    def count(self, key: str, since: datetime) -> int:
        return int(self._client.zcount(PREFIX + key, "(" + _score(since), "+inf"))

    def counts(self, queries: Sequence[tuple[str, datetime]]) -> list[int]:
        pipe = self._client.pipeline(transaction=False)  # one round trip for every count
        for key, since in queries:
            pipe.zcount(PREFIX + key, "(" + _score(since), "+inf")
        return [int(found) for found in pipe.execute()]

    def oldest(self, key: str, since: datetime, n: int) -> list[datetime]:
        if n <= 0:
            return []
        found = cast(
            "list[tuple[bytes, float]]",
            self._client.zrangebyscore(
                PREFIX + key, "(" + _score(since), "+inf", start=0, num=n, withscores=True
            ),
        )
        return [_instant(score) for _, score in found]

    def release(self, key: str, entry_id: str) -> None:
        self._client.zrem(PREFIX + key, entry_id)

    def purge(self, before: datetime) -> int:
        bound = "(" + _score(before)
        removed = 0
        for name in self._client.scan_iter(match=PREFIX + "*", count=500):
            removed += int(self._client.zremrangebyscore(name, "-inf", bound))
        return removed
