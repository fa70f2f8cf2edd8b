"""Leases in Redis: ``SET key value NX PX ttl``, with a fencing token from a counter that only
grows, renewed and released only by the holder that set them (compare-and-renew and
compare-and-delete, each one Lua script, atomic on the server).

A holder that dies stops renewing and its key expires ``ttl_seconds`` after the last renewal.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from zapguard.store.errors import StoreError
from zapguard.store.leases.base import Lease, Leases

if TYPE_CHECKING:
    import redis

PREFIX = "zapguard:lease:"
TOKENS = "zapguard:lease-token:"
MEMBERS = "zapguard:member:"

# KEYS: lease, token counter. ARGV: holder, ttl in ms. The token counter never expires: a later
# grant always carries a larger token, even after the lease key itself expired.
_ACQUIRE = """
local token = redis.call('INCR', KEYS[2])
if redis.call('SET', KEYS[1], ARGV[1] .. '#' .. token, 'NX', 'PX', ARGV[2]) then
  return token
end
return false
"""
# KEYS: lease. ARGV: holder#token, ttl in ms.
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
# KEYS: lease. ARGV: holder#token.
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class RedisLeases(Leases):
    def __init__(self, url: str, holder: str, ttl_seconds: float) -> None:
        import redis

        super().__init__(holder, ttl_seconds)
        self._client: redis.Redis = redis.Redis.from_url(
            url, socket_timeout=5, socket_connect_timeout=5
        )
        self._acquire: Any = self._client.register_script(_ACQUIRE)
        self._renew: Any = self._client.register_script(_RENEW)
        self._release: Any = self._client.register_script(_RELEASE)
        self._ttl_ms = max(1, int(ttl_seconds * 1000))

    def acquire(self, name: str) -> Lease | None:
        import redis

        try:
            token = self._acquire(
                keys=[PREFIX + name, TOKENS + name], args=[self.holder, self._ttl_ms]
            )
        except redis.RedisError as error:
            raise StoreError(
                f"não consegui pedir a vez / could not ask for lease {name!r}"
            ) from error
        return None if token is None else Lease(name, self.holder, int(token))

    def renew(self, lease: Lease) -> bool:
        import redis

        try:
            return bool(self._renew(keys=[PREFIX + lease.name], args=[_value(lease), self._ttl_ms]))
        except redis.RedisError:
            return False

    def release(self, lease: Lease) -> None:
        import redis

        with contextlib.suppress(redis.RedisError):  # else it expires on its own
            self._release(keys=[PREFIX + lease.name], args=[_value(lease)])

    def members(self) -> int:
        self._client.set(MEMBERS + self.holder, b"1", px=self._ttl_ms)
        return max(1, sum(1 for _ in self._client.scan_iter(MEMBERS + "*", count=1000)))

    def leave(self) -> None:
        import redis

        with contextlib.suppress(redis.RedisError):  # else it expires on its own
            self._client.delete(MEMBERS + self.holder)

    def close(self) -> None:
        self._client.close()


def _value(lease: Lease) -> str:
    return f"{lease.holder}#{lease.token}"
