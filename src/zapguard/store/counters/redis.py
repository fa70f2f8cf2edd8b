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
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import TYPE_CHECKING, Any, Self, cast
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from zapguard.store.counters.base import Counters, Limit, aware, check_reserve
from zapguard.store.counters.mirror import SLACK, Mirrors
from zapguard.store.errors import ConfigurationError

if TYPE_CHECKING:
    import redis

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
PREFIX = "zapguard:quota:"
MARKER = "zapguard:quota-restored"
"""Set once the counters hold every durable reservation; gone when Redis lost its data."""
GENERATION = "zapguard:quota-generation:"
"""Prefix of each key's generation (see :mod:`.mirror`)."""
MIRROR_SECONDS = 1.0
"""How long a key's mirror is trusted (source: zapguard's choice: a message cancelled on another
worker is seen here within a second; longer only spares reads of keys judged but not reserved)."""
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

    def __init__(self, client: redis.Redis, *, mirror_seconds: float = MIRROR_SECONDS) -> None:
        self.driver_errors = (_redis_module().RedisError,)
        self._client = client
        self._mirrors = Mirrors(mirror_seconds)
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
        parts = urlsplit(url.replace("redis+unix://", "unix://", 1))
        query = dict(parse_qsl(parts.query))
        mirror = query.pop("mirror_seconds", None)
        try:
            mirror_seconds = MIRROR_SECONDS if mirror is None else float(mirror)
        except ValueError:
            raise ConfigurationError(
                f"mirror_seconds deve ser um número / mirror_seconds must be a number: {mirror!r}"
            ) from None
        client = module.Redis.from_url(urlunsplit(parts._replace(query=urlencode(query))))
        return cls(client, mirror_seconds=mirror_seconds)

    def close(self) -> None:
        self._client.close()

    def reserve(self, key: str, at: datetime, limits: Sequence[Limit], entry_id: str) -> bool:
        check_reserve(at, limits)
        args: list[str | int] = [_score(at), entry_id]
        for limit in limits:
            args += [_score(limit.since), limit.cap]
        keys = [PREFIX + key, MARKER, GENERATION + key]
        outcome, generation, changed = (int(part) for part in self._reserve(keys=keys, args=args))
        if outcome == _LOST:
            self.restore()
            outcome, generation, changed = (
                int(part) for part in self._reserve(keys=keys, args=args)
            )
        if changed:
            self._mirrors.reserved(key, generation, aware(at).timestamp())
        else:
            self._mirrors.seen(key, generation)
        return outcome == 1

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
            self._mirrors.forget()
            return restored

    def _write(self, batch: dict[str, dict[str, str]]) -> int:
        if not batch:
            return 0
        pipe = self._client.pipeline(transaction=False)
        for name, entries in batch.items():
            pipe.zadd(name, cast("Any", entries), nx=True)
            pipe.incr(GENERATION + name.removeprefix(PREFIX))  # mirrors read before are behind
        pipe.execute()
        return sum(len(entries) for entries in batch.values())

    def count(self, key: str, since: datetime) -> int:
        return self.counts([(key, since)])[0]

    def counts(self, queries: Sequence[tuple[str, datetime]]) -> list[int]:
        """From the mirrors where they are current. A mirror past its age is renewed by one read
        of its key's generation; keys without a usable mirror are read (generation and entries,
        atomically) and mirrored: at most one round trip for all of them, two when an aged
        mirror turns out to be behind. With mirrors off, every count is read."""
        points = [(key, aware(since).timestamp()) for key, since in queries]
        floors: dict[str, float] = {}
        for key, point in points:
            floors[key] = min(point, floors.get(key, point))
        if self._mirrors.max_age <= 0:  # mirrors off: every count asks Redis
            read = self._read(floors)
            return [len(read[key]) - bisect_right(read[key], point) for key, point in points]
        found = [self._mirrors.count(key, point) for key, point in points]
        missing = {
            key: floors[key] for (key, _), used in zip(points, found, strict=True) if used is None
        }
        if missing:
            aged = {key: self._mirrors.aged(key, floor) for key, floor in missing.items()}
            behind = self._renew({key: gen for key, gen in aged.items() if gen is not None})
            unread = {key: floor - SLACK for key, floor in missing.items() if aged[key] is None}
            unread.update({key: missing[key] - SLACK for key in behind})
            if unread:
                self._read(unread)
            found = [self._mirrors.count(key, point) for key, point in points]
            gone = {
                key: floors[key]
                for (key, _), used in zip(points, found, strict=True)
                if used is None
            }
            if gone:  # another thread dropped a mirror just read: count what Redis says
                read = self._read(gone)
                found = [
                    used if used is not None else len(read[key]) - bisect_right(read[key], point)
                    for (key, point), used in zip(points, found, strict=True)
                ]
        self._mirrors.trim(floors)
        return [int(used or 0) for used in found]

    def _renew(self, generations: dict[str, int]) -> list[str]:
        """Ask the current generation of each aged mirror's key: renew those still current;
        returns the keys whose mirror was behind (and dropped)."""
        if not generations:
            return []
        pipe = self._client.pipeline(transaction=False)
        for key in generations:
            pipe.get(GENERATION + key)
        behind = []
        for key, answer in zip(generations, pipe.execute(), strict=True):
            self._mirrors.confirm(key, int(answer or 0))
            if int(answer or 0) != generations[key]:
                behind.append(key)
        return behind

    def _read(self, floors: dict[str, float]) -> dict[str, list[float]]:
        """Each key's scores above its floor, ascending, read with its generation in one
        transaction (so the two agree) and mirrored."""
        pipe = self._client.pipeline(transaction=True)
        for key, floor in floors.items():
            pipe.get(GENERATION + key)
            pipe.zrangebyscore(PREFIX + key, "(" + repr(floor), "+inf", withscores=True)
        answers = pipe.execute()
        read: dict[str, list[float]] = {}
        for i, (key, floor) in enumerate(floors.items()):
            generation = int(answers[2 * i] or 0)
            scores = [float(score) for _, score in answers[2 * i + 1]]
            self._mirrors.load(key, generation, floor, scores)
            read[key] = scores
        return read

    def oldest(self, key: str, since: datetime, n: int) -> list[datetime]:
        if n <= 0:
            return []
        mirrored = self._mirrors.oldest(key, aware(since).timestamp(), n)
        if mirrored is not None:
            return [_instant(score) for score in mirrored]
        found = cast(
            "list[tuple[bytes, float]]",
            self._client.zrangebyscore(
                PREFIX + key, "(" + _score(since), "+inf", start=0, num=n, withscores=True
            ),
        )
        return [_instant(score) for _, score in found]

    def release(self, key: str, entry_id: str) -> None:
        pipe = self._client.pipeline(transaction=True)
        pipe.zrem(PREFIX + key, entry_id)
        pipe.incr(GENERATION + key)
        pipe.execute()
        self._mirrors.forget(key)

    def purge(self, before: datetime) -> int:
        bound = "(" + _score(before)
        removed = 0
        for name in self._client.scan_iter(match=PREFIX + "*", count=500):
            removed += int(self._client.zremrangebyscore(name, "-inf", bound))
        return removed
