"""Counters in Redis: one sorted set per key, reserved by one Lua script (atomic on the server).

Scores are epoch seconds as floats; at today's epoch a double still tells microseconds apart, and the
values travel as ``repr`` strings, so instants come back exactly as they went in.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import TYPE_CHECKING, Any, Self, cast

from zapguard.store.counters.base import Counters, Limit, aware, check_reserve
from zapguard.store.errors import ConfigurationError

if TYPE_CHECKING:
    import redis

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
PREFIX = "zapguard:quota:"


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
        return bool(self._reserve(keys=[PREFIX + key], args=args))

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
