"""Quota counters: one behaviour matrix, run unchanged on memory, SQLite, PostgreSQL and Redis."""

from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import store_hammer

from zapguard.store import ConfigurationError, Counters, Limit, StoreError, counters_from_url

T0 = datetime(2025, 1, 6, 12, 0, tzinfo=UTC)
DAY = timedelta(hours=24)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def rolling(cap: int, now: datetime = T0) -> list[Limit]:
    return [Limit(since=now - DAY, cap=cap)]


def test_cap_is_respected(counters: Counters) -> None:
    results = [counters.reserve("line:a", at(i), rolling(3), f"m{i}") for i in range(5)]
    assert results == [True, True, True, False, False]
    assert counters.count("line:a", T0 - DAY) == 3


def test_a_rejected_reservation_adds_nothing(counters: Counters) -> None:
    for i in range(2):
        assert counters.reserve("k", at(i), rolling(2), f"m{i}")
    assert not counters.reserve("k", at(5), rolling(2), "late")
    assert counters.oldest("k", T0 - DAY, 10) == [at(0), at(1)]
    counters.release("k", "m0")
    # Had the rejected reserve left a row behind, this would be an idempotent no-op at at(5).
    assert counters.reserve("k", at(7), rolling(2), "late")
    assert counters.oldest("k", T0 - DAY, 10) == [at(1), at(7)]


def test_rolling_window_and_calendar_day_are_both_enforced(counters: Counters) -> None:
    midnight = datetime(2025, 1, 6, 3, 0, tzinfo=UTC)  # 00:00 in São Paulo
    now = at(0)
    for i in range(2):  # yesterday evening, São Paulo time
        assert counters.reserve("k", midnight - timedelta(hours=2, seconds=i), [], f"y{i}")

    def limits(window_cap: int, day_cap: int) -> list[Limit]:
        return [Limit(since=now - DAY, cap=window_cap), Limit(since=midnight, cap=day_cap)]

    # The rolling window is full (2 yesterday + 2 today) though today has room.
    assert counters.reserve("k", now, limits(4, 3), "t0")
    assert counters.reserve("k", now, limits(4, 3), "t1")
    assert not counters.reserve("k", now, limits(4, 3), "t2")
    # Today is full though the rolling window has room.
    assert counters.reserve("k", now, limits(10, 3), "t2")
    assert not counters.reserve("k", now, limits(10, 3), "t3")
    assert counters.count("k", midnight) == 3
    assert counters.count("k", now - DAY) == 5


def test_entries_leave_the_window(counters: Counters) -> None:
    assert counters.reserve("k", at(0), rolling(2), "a")
    assert counters.reserve("k", at(1), rolling(2), "b")
    later = at(24 * 3600 + 0.5)
    assert counters.count("k", later - DAY) == 1
    assert counters.reserve("k", later, rolling(2, later), "c")
    # An entry exactly at `since` is outside (at > since): at(1) no longer counts a day later.
    day_later = at(24 * 3600 + 1)
    assert counters.count("k", at(1)) == 1
    assert counters.reserve("k", day_later, rolling(2, day_later), "d")
    assert not counters.reserve("k", day_later, rolling(2, day_later), "e")


def test_oldest_lists_the_n_oldest_entries_after_since(counters: Counters) -> None:
    moments = [at(30), at(10), at(20.000001), at(0), at(40)]
    for i, moment in enumerate(moments):
        assert counters.reserve("k", moment, rolling(10), f"m{i}")
    assert counters.oldest("k", at(0), 2) == [at(10), at(20.000001)]
    assert counters.oldest("k", T0 - DAY, 100) == sorted(moments)
    assert counters.oldest("k", at(40), 3) == []
    assert counters.oldest("other", T0 - DAY, 3) == []


def test_release_undoes_a_reservation(counters: Counters) -> None:
    assert counters.reserve("k", at(0), rolling(1), "a")
    assert not counters.reserve("k", at(1), rolling(1), "b")
    counters.release("k", "a")
    counters.release("k", "never-reserved")
    assert counters.count("k", T0 - DAY) == 0
    assert counters.reserve("k", at(1), rolling(1), "b")


def test_reserving_the_same_entry_twice_counts_once(counters: Counters) -> None:
    assert counters.reserve("k", at(0), rolling(2), "retry")
    assert counters.reserve("k", at(0), rolling(2), "retry")
    assert counters.count("k", T0 - DAY) == 1


def test_keys_are_independent(counters: Counters) -> None:
    assert counters.reserve("line:a", at(0), rolling(1), "m")
    assert counters.reserve("line:b", at(0), rolling(1), "m")
    assert counters.count("line:a", T0 - DAY) == 1


def test_counts_answers_many_keys_and_windows_in_order(counters: Counters) -> None:
    assert counters.reserve("line:a", at(0), rolling(5), "m1")
    assert counters.reserve("line:a", at(10), rolling(5), "m2")
    assert counters.reserve("line:b", at(20), rolling(5), "m3")
    queries = [("line:a", T0 - DAY), ("line:a", at(5)), ("line:b", T0 - DAY), ("line:c", T0 - DAY)]
    assert counters.counts(queries) == [2, 1, 1, 0]


def test_purge_drops_old_entries_of_every_key(counters: Counters) -> None:
    for key in ("a", "b"):
        for i in range(3):
            assert counters.reserve(key, at(i * 10), [], f"{key}{i}")
    assert counters.purge(before=at(10)) == 2  # at(10) itself stays
    assert counters.oldest("a", T0 - DAY, 10) == [at(10), at(20)]
    assert counters.oldest("b", T0 - DAY, 10) == [at(10), at(20)]
    assert counters.purge(before=T0) == 0


def test_naive_instants_are_refused(counters: Counters) -> None:
    with pytest.raises(ValueError, match="naive"):
        counters.reserve("k", datetime(2025, 1, 1), [], "m")
    with pytest.raises(ValueError, match="naive"):
        counters.count("k", datetime(2025, 1, 1))


def test_threads_racing_on_one_key_reserve_exactly_the_cap(counters: Counters) -> None:
    cap, workers, tries = 25, 8, 10
    start = threading.Barrier(workers)

    def race(worker: int) -> int:
        start.wait(timeout=30)
        won = 0
        for attempt in range(tries):
            moment = at(worker * tries + attempt)
            won += counters.reserve("hot", moment, rolling(cap), f"w{worker}-{attempt}")
        return won

    with ThreadPoolExecutor(workers) as pool:
        assert sum(pool.map(race, range(workers))) == cap
    assert counters.count("hot", T0 - DAY) == cap


@pytest.mark.slow
def test_processes_racing_on_one_key_reserve_exactly_the_cap(shared_counters_url: str) -> None:
    cap, workers, tries = 25, 8, 10
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(workers), context.Queue()
    processes = [
        context.Process(
            target=store_hammer.hammer,
            args=(shared_counters_url, "hot", worker, tries, cap, barrier, results),
        )
        for worker in range(workers)
    ]
    for process in processes:
        process.start()
    won = [results.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=30)
        assert process.exitcode == 0
    assert sum(won) == cap
    counters = counters_from_url(shared_counters_url)
    try:
        assert counters.count("hot", T0 - DAY) == cap
    finally:
        counters.close()


def test_unknown_scheme_names_the_known_ones() -> None:
    with pytest.raises(
        ConfigurationError, match=r"unknown counters URL scheme.*memory://.*redis://"
    ):
        counters_from_url("memcached://localhost:11211")


def test_driver_errors_surface_as_store_errors(tmp_path: object) -> None:
    unreachable = counters_from_url("redis://127.0.0.1:1/0")
    try:
        with pytest.raises(StoreError, match="quota storage failure"):
            unreachable.count("k", T0)
    finally:
        unreachable.close()
    unmigrated = counters_from_url(f"sqlite:///{tmp_path}/empty.db")
    try:
        with pytest.raises(StoreError):
            unmigrated.reserve("k", T0, [], "m")
    finally:
        unmigrated.close()
