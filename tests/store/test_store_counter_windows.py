"""SQL counters count from memory, and memory never outlives a change made elsewhere.

Each "process" below is a :class:`SqlCounters` on an engine of its own, as another worker has: its
windows in memory are its own, and only the generations in the database tie them together.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from zapguard.store import Limit, Store, open_engine
from zapguard.store.counters import SqlCounters
from zapguard.store.counters.windows import Windows
from zapguard.store.database import SQL_ACTIVITY

T0 = datetime(2025, 1, 6, 12, 0, tzinfo=UTC)
DAY = timedelta(hours=24)
SINCE = T0 - DAY


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def rolling(cap: int) -> list[Limit]:
    return [Limit(since=SINCE, cap=cap)]


@pytest.fixture
def two_processes(sql_url: str) -> Iterator[tuple[SqlCounters, SqlCounters]]:
    engines = [open_engine(sql_url), open_engine(sql_url)]
    yield SqlCounters(engines[0]), SqlCounters(engines[1])
    for engine in engines:
        engine.dispose()


def test_another_process_reservation_is_counted_at_once(
    two_processes: tuple[SqlCounters, SqlCounters],
) -> None:
    first, second = two_processes
    assert first.reserve("line:t:a", at(0), rolling(10), "m0")
    assert first.count("line:t:a", SINCE) == 1  # now in the first one's memory
    assert second.reserve("line:t:a", at(1), rolling(10), "m1")
    assert first.count("line:t:a", SINCE) == 2
    assert first.counts([("line:t:a", SINCE), ("line:t:a", at(0))]) == [2, 1]


def test_caps_stay_exact_when_two_processes_take_turns(
    two_processes: tuple[SqlCounters, SqlCounters],
) -> None:
    first, second = two_processes
    granted = []
    for i in range(8):
        counters = (first, second)[i % 2]
        counters.count("k", SINCE)  # each keeps a window in memory between its turns
        granted.append(counters.reserve("k", at(i), rolling(5), f"m{i}"))
    assert granted == [True] * 5 + [False] * 3
    assert first.count("k", SINCE) == second.count("k", SINCE) == 5


def test_another_process_release_gives_the_slot_back_here(
    two_processes: tuple[SqlCounters, SqlCounters],
) -> None:
    first, second = two_processes
    for i in range(3):
        assert first.reserve("k", at(i), rolling(3), f"m{i}")
    assert not first.reserve("k", at(5), rolling(3), "late")
    second.release("k", "m1")
    assert first.count("k", SINCE) == 2
    assert first.reserve("k", at(6), rolling(3), "late")


def test_another_process_purge_is_seen_here(
    two_processes: tuple[SqlCounters, SqlCounters],
) -> None:
    first, second = two_processes
    assert first.reserve("k", at(-3 * 3600), [], "old")
    assert first.reserve("k", at(0), [], "new")
    early = at(-4 * 3600)
    assert first.count("k", early) == 2
    assert second.purge(before=at(-3600)) == 1
    assert first.count("k", early) == 1


def test_a_reservation_in_a_transaction_that_rolls_back_is_not_remembered(sql_url: str) -> None:
    store = Store(sql_url)
    counters = SqlCounters(store.engine)
    try:
        assert counters.count("k", SINCE) == 0

        class Abandon(Exception):
            pass

        with pytest.raises(Abandon), store.writing("testing") as connection:
            assert counters.reserve("k", at(0), rolling(1), "m0", connection=connection)
            raise Abandon
        assert counters.count("k", SINCE) == 0
        # Another process then takes the key to the generation the abandoned one would have had.
        elsewhere = SqlCounters(open_engine(sql_url))
        try:
            assert elsewhere.reserve("k", at(-100), rolling(1), "m1")
        finally:
            elsewhere.engine.dispose()
        assert counters.count("k", SINCE) == 1
        assert counters.count("k", at(-50)) == 0
    finally:
        store.close()


def test_a_reservation_joined_to_a_transaction_counts_once_it_commits(sql_url: str) -> None:
    store = Store(sql_url)
    counters = SqlCounters(store.engine)
    try:
        with store.writing("testing") as connection:
            assert counters.reserve("k", at(0), rolling(1), "m0", connection=connection)
        assert counters.count("k", SINCE) == 1
        assert not counters.reserve("k", at(1), rolling(1), "m1")
    finally:
        store.close()


def test_counting_a_known_window_reads_generations_not_entries(sql_url: str) -> None:
    store = Store(sql_url)
    counters = SqlCounters(store.engine)
    try:
        for i in range(50):
            assert counters.reserve("k", at(i), rolling(100), f"m{i}")
        counters.counts([("k", SINCE), ("j", SINCE)])
        before = SQL_ACTIVITY.statements
        with store.reading() as connection:
            assert counters.counts([("k", SINCE), ("j", SINCE)], connection=connection) == [50, 0]
        begin = 1 if sql_url.startswith("sqlite") else 0
        assert SQL_ACTIVITY.statements - before == begin + 1
    finally:
        store.close()


def test_a_reader_that_began_before_this_process_latest_reservations_counts_as_of_its_start() -> (
    None
):
    windows = Windows()
    windows.load("k", 5, SINCE, [at(0), at(1)])
    windows.added("k", 5, 6, at(2))
    windows.added("k", 6, 7, at(3))
    assert windows.count("k", 7, SINCE) == 4
    assert windows.count("k", 6, SINCE) == 3
    assert windows.count("k", 5, SINCE) == 2
    assert windows.count("k", 5, at(0)) == 1
    assert windows.count("k", 4, SINCE) is None  # older than anything remembered: read again
    assert windows.count("k", 8, SINCE) is None  # another process wrote: read again


def test_a_reservation_that_skips_a_generation_drops_the_window() -> None:
    windows = Windows()
    windows.load("k", 5, SINCE, [at(0)])
    windows.added("k", 5, 7, at(2))  # generation 6 was somebody else's
    assert windows.count("k", 7, SINCE) is None


def test_a_window_read_with_the_readers_own_uncommitted_reservation_is_not_remembered(
    sql_url: str,
) -> None:
    store = Store(sql_url)
    counters = SqlCounters(store.engine)

    class Abandon(Exception):
        pass

    try:
        with pytest.raises(Abandon), store.transaction():
            with store.writing("testing") as connection:
                assert counters.reserve("k", at(0), rolling(5), "m0", connection=connection)
            with store.reading() as connection:
                # Further back than any window kept: read from the database, own write included.
                assert counters.counts([("k", at(-30 * 3600))], connection=connection) == [1]
            raise Abandon
        elsewhere = SqlCounters(open_engine(sql_url))
        try:
            assert elsewhere.reserve("k", at(-100), rolling(5), "m1")
        finally:
            elsewhere.engine.dispose()
        assert counters.count("k", at(-50)) == 0
        assert counters.count("k", SINCE) == 1
    finally:
        store.close()
