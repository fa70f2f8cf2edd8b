"""Named jobs run on exactly one runner at a time, and move to another runner when their holder
stops or dies; the same on SQLite, PostgreSQL and Redis."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest

from zapguard.gateway.jobs import JobRegistry, JobRunner, PeriodicJob
from zapguard.store.leases import leases_from_url

NAMES = ("dispatch:lane-0", "dispatch:lane-1", "dispatch:lane-2", "retention")


class Recorded:
    """A job that records, across runners, who runs it: two at once is the failure to catch."""

    def __init__(self, name: str, runner: str, running: dict[str, set[str]]) -> None:
        self.name = name
        self._runner = runner
        self._running = running

    def start(self) -> None:
        self._running.setdefault(self.name, set()).add(self._runner)

    def stop(self) -> None:
        self._running[self.name].discard(self._runner)


@pytest.fixture
def runners(coordination_url: str) -> Iterator[Callable[[str, float], JobRunner]]:
    yield from _runners(coordination_url)


@pytest.fixture
def expiring_runners(expiring_url: str) -> Iterator[Callable[[str, float], JobRunner]]:
    yield from _runners(expiring_url)


def _runners(coordination_url: str) -> Iterator[Callable[[str, float], JobRunner]]:
    made: list[JobRunner] = []
    running: dict[str, set[str]] = {}

    def make(who: str, ttl: float = 1.5) -> JobRunner:
        registry = JobRegistry()
        registry.extend(Recorded(name, who, running) for name in NAMES)
        leases = leases_from_url(coordination_url, holder=who, ttl_seconds=ttl)
        runner = JobRunner(registry, leases, heartbeat_seconds=ttl / 3)
        runner.running = running  # type: ignore[attr-defined]
        made.append(runner)
        return runner

    yield make
    for runner in made:
        runner.close()


def test_the_jobs_spread_over_several_runners_each_held_by_exactly_one(
    runners: Callable[[str, float], JobRunner],
) -> None:
    group = [runners(f"w{n}", 1.5) for n in range(3)]
    for runner in group:
        runner.start()  # the first alone takes everything; the others join one by one
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        held = [runner.held for runner in group]
        if max(len(names) for names in held) <= 2 and sum(len(names) for names in held) == 4:
            break
        time.sleep(0.05)
    # 4 jobs over 3 runners: nobody holds more than its share, ceil(4 / 3) = 2.
    assert max(len(names) for names in held) <= 2
    assert sorted(name for names in held for name in names) == sorted(NAMES)
    running = group[0].running  # type: ignore[attr-defined]
    assert all(len(running[name]) == 1 for name in NAMES)


def test_the_jobs_of_a_stopped_runner_move_to_the_others_at_their_next_heartbeat(
    runners: Callable[[str, float], JobRunner],
) -> None:
    first = runners("first", 1.5)
    first.start()
    assert first.held == frozenset(NAMES)  # alone, it takes everything at once
    second = runners("second", 1.5)
    second.start()
    assert second.held == frozenset()
    first.stop()
    deadline = time.monotonic() + 3
    while second.held != frozenset(NAMES) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert second.held == frozenset(NAMES)
    running = second.running  # type: ignore[attr-defined]
    assert all(running[name] == {"second"} for name in NAMES)


def test_a_runner_frozen_past_its_lease_stops_the_jobs_another_took_over(
    expiring_runners: Callable[[str, float], JobRunner],
) -> None:
    # Only where leases expire by time: an advisory lock lives exactly as long as its session.
    runners = expiring_runners
    stalled = runners("stalled", 0.6)
    stalled.beat()  # takes everything, then stops beating: a worker frozen past its lease
    time.sleep(0.8)
    successor = runners("successor", 5)
    successor.beat()
    assert successor.held == frozenset(NAMES)
    stalled.beat()  # it wakes up: its renewals fail, it stops every job
    assert stalled.held == frozenset()
    running = successor.running  # type: ignore[attr-defined]
    assert all(running[name] == {"successor"} for name in NAMES)


def test_a_periodic_job_runs_every_interval_while_held_and_not_after() -> None:
    runs = threading.Semaphore(0)
    job = PeriodicJob("retention", runs.release, 0.05)
    job.start()
    assert runs.acquire(timeout=2) and runs.acquire(timeout=2)
    job.stop()
    time.sleep(0.1)
    while runs.acquire(blocking=False):
        pass
    time.sleep(0.2)
    assert not runs.acquire(blocking=False)


def test_a_job_name_is_registered_once() -> None:
    registry = JobRegistry()
    registry.add(PeriodicJob("retention", lambda: None, 60))
    with pytest.raises(ValueError, match="retention"):
        registry.add(PeriodicJob("retention", lambda: None, 60))
