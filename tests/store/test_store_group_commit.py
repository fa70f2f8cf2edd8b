"""Group commit: concurrent writers share one transaction, and each is answered on its own."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest

from zapguard.store import Limit, Store, open_engine, quota
from zapguard.store.counters import SqlCounters
from zapguard.store.database import SQL_ACTIVITY, after_commit
from zapguard.store.group_commit import GroupCommit

T0 = datetime(2025, 1, 6, 12, 0, tzinfo=UTC)
SINCE = T0 - timedelta(hours=24)


class Refused(Exception):
    """What a failing caller's work raises below."""


@pytest.fixture
def store(sql_url: str) -> Iterator[Store]:
    opened = Store(open_engine(sql_url))
    yield opened
    opened.close()


def run_together(group: GroupCommit, works: list[Callable[[], object]]) -> list[object]:
    """Each work from its own thread, all announced before any runs (one batch); what each
    caller got back: its result or its error."""
    got: list[object] = [None] * len(works)
    announced = threading.Barrier(len(works))

    def caller(slot: int) -> None:
        with group.expecting():
            announced.wait()
        try:
            got[slot] = group.run(works[slot])
        except Exception as error:
            got[slot] = error

    threads = [threading.Thread(target=caller, args=(i,)) for i in range(len(works))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return got


def test_concurrent_writers_share_one_commit_on_sqlite_and_a_failing_one_fails_alone(
    store: Store, sql_url: str
) -> None:
    """On PostgreSQL each writer commits alone (batches of other processes taking row and
    advisory locks in other orders would deadlock); the answers are the same."""
    group = GroupCommit(store, gather_seconds=5.0)

    def tenant(name: str, fail: bool = False) -> Callable[[], object]:
        def work() -> object:
            store.tenants.ensure(tenant_id=name)
            if fail:
                raise Refused(name)
            return name

        return work

    commits = SQL_ACTIVITY.commits
    got = run_together(group, [tenant("t1"), tenant("t2", fail=True), tenant("t3")])
    assert SQL_ACTIVITY.commits - commits == (1 if store.single_writer else 2)
    assert got[0] == "t1" and got[2] == "t3"
    assert isinstance(got[1], Refused)
    elsewhere = Store(open_engine(sql_url))  # another process: only committed work shows
    try:
        with elsewhere.reading() as connection:
            names = {row[0] for row in connection.exec_driver_sql("SELECT id FROM tenants")}
    finally:
        elsewhere.close()
    assert names == {"t1", "t3"}


def test_a_reservation_whose_caller_failed_is_neither_kept_nor_counted(store: Store) -> None:
    counters = SqlCounters(store.engine)
    group = GroupCommit(store, gather_seconds=5.0)
    cap = [Limit(since=SINCE, cap=2)]

    def reserve(entry: str, fail: bool = False) -> Callable[[], object]:
        def work() -> object:
            reserved = quota.reserve(store, counters, "k", T0, cap, entry)
            if fail:
                raise Refused(entry)
            return reserved

        return work

    assert counters.count("k", SINCE) == 0  # a window in memory before the batch
    got = run_together(group, [reserve("a", fail=True), reserve("b"), reserve("c")])
    assert isinstance(got[0], Refused)
    assert got[1:] == [True, True]
    assert counters.count("k", SINCE) == 2
    assert not counters.reserve("k", T0, cap, "d")


def test_caps_stay_exact_when_one_batch_reserves_past_them(store: Store) -> None:
    counters = SqlCounters(store.engine)
    group = GroupCommit(store, gather_seconds=5.0)
    cap = [Limit(since=SINCE, cap=3)]
    counters.count("k", SINCE)

    def reserve(entry: str) -> Callable[[], object]:
        return lambda: quota.reserve(store, counters, "k", T0, cap, entry)

    got = run_together(group, [reserve(f"m{i}") for i in range(6)])
    assert sorted(got, key=str) == [False] * 3 + [True] * 3
    assert counters.count("k", SINCE) == 3


def test_a_writer_already_in_its_own_transaction_runs_there(store: Store) -> None:
    group = GroupCommit(store)
    with store.transaction():
        assert group.run(lambda: store.in_transaction()) is True


def test_a_writer_alone_commits_once_without_a_savepoint(store: Store) -> None:
    group = GroupCommit(store)
    statements, commits = SQL_ACTIVITY.statements, SQL_ACTIVITY.commits
    assert group.run(lambda: store.tenants.ensure(tenant_id="t1").id) == "t1"
    # As many statements as the same write in a plain transaction: none for a savepoint.
    assert SQL_ACTIVITY.commits - commits == 1
    single = SQL_ACTIVITY.statements - statements
    statements = SQL_ACTIVITY.statements
    with store.transaction():
        store.tenants.ensure(tenant_id="t2")
    assert SQL_ACTIVITY.statements - statements == single


def test_a_writer_alone_that_fails_keeps_nothing_and_gets_its_error(store: Store) -> None:
    group = GroupCommit(store)
    kept: list[str] = []

    def work() -> object:
        store.tenants.ensure(tenant_id="t1")
        with store.writing("testing") as connection:
            after_commit(connection, lambda: kept.append("committed"))
        raise Refused("t1")

    with pytest.raises(Refused):
        group.run(work)
    assert kept == []
    with store.reading() as connection:
        assert list(connection.exec_driver_sql("SELECT id FROM tenants")) == []
    assert group.run(lambda: store.tenants.ensure(tenant_id="t2").id) == "t2"
