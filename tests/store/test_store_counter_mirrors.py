"""Redis counters answer counts from this process's mirror of each key, so that a decision costs
Redis one round trip (the reservation script); the script, checking the caps on the server, keeps
every cap exact whatever the mirrors believe."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from zapguard.store import ConfigurationError, Limit, counters_from_url
from zapguard.store.counters.redis import RedisCounters

pytestmark = pytest.mark.redis

T0 = datetime(2025, 1, 6, 12, 0, tzinfo=UTC)
DAY = timedelta(hours=24)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def rolling(cap: int, now: datetime = T0) -> list[Limit]:
    return [Limit(since=now - DAY, cap=cap)]


class RoundTrips:
    """Every command or pipeline this process sends to Redis, counted where redis-py writes it."""

    def __init__(self) -> None:
        import redis.connection

        self.count = 0
        self._class = redis.connection.AbstractConnection
        self._original = self._class.send_packed_command

    def __enter__(self) -> RoundTrips:
        original, counter = self._original, self

        def counted(connection: Any, command: Any, check_health: bool = True) -> None:
            counter.count += 1
            original(connection, command, check_health)

        self._class.send_packed_command = counted  # type: ignore[method-assign]
        return self

    def __exit__(self, *_: object) -> None:
        self._class.send_packed_command = self._original  # type: ignore[method-assign]


@pytest.fixture
def workers(redis_url: str) -> Iterator[tuple[RedisCounters, RedisCounters]]:
    """Two workers' counters on one Redis, each with its own mirrors."""
    made = [counters_from_url(redis_url), counters_from_url(redis_url)]
    assert all(isinstance(each, RedisCounters) for each in made)
    try:
        yield made[0], made[1]  # type: ignore[return-value]
    finally:
        for each in made:
            each.close()


def test_a_decision_on_mirrored_keys_costs_one_round_trip(
    workers: tuple[RedisCounters, RedisCounters],
) -> None:
    here, _ = workers
    here.reserve("line:a", at(0), rolling(100), "m0")
    here.counts([("line:a", T0 - DAY), ("line:b", T0 - DAY)])  # both mirrored now
    with RoundTrips() as trips:
        for i in range(1, 20):
            used = here.counts([("line:a", at(i) - DAY), ("line:b", at(i) - DAY)])
            assert used == [i, 0]
            assert here.reserve("line:a", at(i), rolling(100, at(i)), f"m{i}")
    assert trips.count == 19  # the reservation script, once per decision; no count reached Redis


def test_another_workers_reservations_never_pass_the_cap(
    workers: tuple[RedisCounters, RedisCounters],
) -> None:
    here, there = workers
    assert here.count("line:a", T0 - DAY) == 0  # mirrored empty here
    assert all(there.reserve("line:a", at(i), rolling(3), f"t{i}") for i in range(3))
    # The mirror here missed them; the script does not.
    assert here.reserve("line:a", at(5), rolling(3), "h0") is False
    assert here.count("line:a", T0 - DAY) == 3  # refused: the stale mirror was dropped


def test_a_release_on_another_worker_is_seen_once_the_mirror_ages(redis_url: str) -> None:
    here = counters_from_url(f"{redis_url}?mirror_seconds=0.2")
    there = counters_from_url(redis_url)
    try:
        assert here.reserve("line:a", at(0), rolling(1), "m0")
        assert here.count("line:a", T0 - DAY) == 1
        there.release("line:a", "m0")  # a message cancelled on another worker
        time.sleep(0.3)
        assert here.count("line:a", T0 - DAY) == 0
        assert here.reserve("line:a", at(1), rolling(1), "m1")
    finally:
        here.close()
        there.close()


def test_without_mirrors_every_count_reads_redis(redis_url: str) -> None:
    here = counters_from_url(f"{redis_url}?mirror_seconds=0")
    there = counters_from_url(redis_url)
    try:
        assert here.count("line:a", T0 - DAY) == 0
        there.reserve("line:a", at(0), rolling(5), "t0")
        assert here.count("line:a", T0 - DAY) == 1
    finally:
        here.close()
        there.close()


def test_a_mirror_takes_this_workers_own_reservations_in_order(
    workers: tuple[RedisCounters, RedisCounters],
) -> None:
    here, _ = workers
    for i in (5, 1, 3):
        here.reserve("line:a", at(i), rolling(10, at(10)), f"m{i}")
    assert here.count("line:a", at(2)) == 2
    assert here.oldest("line:a", T0, 2) == [at(1), at(3)]


def test_mirror_seconds_that_is_not_a_number_is_a_clear_error() -> None:
    with pytest.raises(ConfigurationError, match="mirror_seconds"):
        counters_from_url("redis://127.0.0.1:6379/15?mirror_seconds=soon")


def test_a_window_and_a_day_asked_together_stay_mirrored(
    workers: tuple[RedisCounters, RedisCounters],
) -> None:
    here, _ = workers
    for i in range(50):
        here.reserve("line:a", at(-3600 * i / 3), rolling(1000), f"m{i}")
    midnight = T0.replace(hour=0)
    here.counts([("line:a", T0 - DAY), ("line:a", midnight)])
    with RoundTrips() as trips:
        for step in range(5):
            now = at(60 * step)
            here.counts([("line:a", now - DAY), ("line:a", midnight)])
    assert trips.count == 0  # the day's later ``since`` never trims what the window still needs


def test_an_aged_mirror_is_renewed_by_one_read_of_its_generation(redis_url: str) -> None:
    here = counters_from_url(f"{redis_url}?mirror_seconds=0.2")
    try:
        for i in range(20):
            here.reserve("line:a", at(i), rolling(100, at(20)), f"m{i}")
        assert here.count("line:a", T0 - DAY) == 20
        time.sleep(0.3)
        with RoundTrips() as trips:
            assert here.count("line:a", T0 - DAY) == 20
        assert trips.count == 1  # the generation alone, not the twenty entries
    finally:
        here.close()
