"""Group commit: concurrent callers share commits, each gets its own answer once its batch is
written, and a failed commit fails exactly the callers in it."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import pytest

from zapguard.gateway.batching import BatchCommit


def test_an_idle_caller_commits_alone_and_gets_its_answer() -> None:
    batches: list[list[int]] = []

    def commit(items: Sequence[int]) -> list[int]:
        batches.append(list(items))
        return [item * 10 for item in items]

    group: BatchCommit[int, int] = BatchCommit(commit)
    assert group.submit(1) == 10
    assert group.submit(2) == 20
    assert batches == [[1], [2]]


def test_callers_arriving_during_a_commit_share_the_next_one() -> None:
    release = threading.Event()
    batches: list[list[int]] = []

    def commit(items: Sequence[int]) -> list[int]:
        batches.append(list(items))
        if len(batches) == 1:
            release.wait(5)  # the first commit is slow: everybody else queues meanwhile
        return [item + 100 for item in items]

    group: BatchCommit[int, int] = BatchCommit(commit)
    with ThreadPoolExecutor(9) as pool:
        first = pool.submit(group.submit, 0)
        while not batches:
            time.sleep(0.001)
        others = [pool.submit(group.submit, n) for n in range(1, 9)]
        while len(group._queued) < 8:  # all eight queued behind the first commit
            time.sleep(0.001)
        release.set()
        answers = [first.result(), *(future.result() for future in others)]
    assert answers == [n + 100 for n in range(9)]
    assert batches[0] == [0]
    assert sorted(batches[1]) == list(range(1, 9))  # one commit for the eight
    assert len(batches) == 2


def test_a_failed_commit_fails_its_callers_and_the_next_commit_still_runs() -> None:
    calls = 0

    def commit(items: Sequence[int]) -> list[int]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("database away")
        return list(items)

    group: BatchCommit[int, int] = BatchCommit(commit)
    with pytest.raises(RuntimeError, match="database away"):
        group.submit(1)
    assert group.submit(2) == 2
