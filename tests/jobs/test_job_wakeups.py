"""A wake-up sent by one process reaches the listeners of another (PostgreSQL LISTEN/NOTIFY, Redis
pub/sub); on SQLite it reaches this process's listeners at once (other processes poll)."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from zapguard.store.wakeups import LocalWakeups, Wakeups, wakeups_from_url

NOTIFIER = Path(__file__).with_name("wake_notifier.py")


@pytest.fixture(
    params=[
        pytest.param("postgres_url", id="postgres", marks=pytest.mark.postgres),
        pytest.param("redis_url", id="redis", marks=pytest.mark.redis),
    ]
)
def shared_url(request: pytest.FixtureRequest) -> str:
    """A backend whose wake-ups cross processes and hosts."""
    url: str = request.getfixturevalue(request.param)
    return url


def listening(url: str) -> tuple[Wakeups, threading.Event]:
    heard = threading.Event()
    wakeups = wakeups_from_url(url)
    wakeups.listen(heard.set)
    return wakeups, heard


def test_a_wake_up_from_another_process_reaches_the_listener(shared_url: str) -> None:
    listener, heard = listening(shared_url)
    try:
        assert heard.wait(5)  # on connecting it wakes once: work queued while it was not listening
        heard.clear()
        subprocess.run([sys.executable, str(NOTIFIER), shared_url], check=True, timeout=30)
        assert heard.wait(5), "the other process's wake-up never arrived"
    finally:
        listener.close()


def test_a_burst_of_wake_ups_reaches_every_listener(shared_url: str) -> None:
    first, heard_first = listening(shared_url)
    second, heard_second = listening(shared_url)
    sender = wakeups_from_url(shared_url)
    try:
        assert heard_first.wait(5) and heard_second.wait(5)
        heard_first.clear()
        heard_second.clear()
        for _ in range(100):
            sender.notify()
        assert heard_first.wait(5) and heard_second.wait(5)
    finally:
        for wakeups in (sender, first, second):
            wakeups.close()


@pytest.mark.redis
def test_wake_ups_for_another_database_are_not_heard(redis_url: str) -> None:
    # Redis pub/sub is server-wide: the channel must name the database, or deployments sharing a
    # server would wake each other.
    base, _, number = redis_url.rpartition("/")
    listener, heard = listening(redis_url)
    other = wakeups_from_url(f"{base}/{(int(number or 0) + 1) % 16}")
    try:
        assert heard.wait(5)
        heard.clear()
        other.notify()
        other.close()
        assert not heard.wait(1)
    finally:
        listener.close()


def test_on_sqlite_a_wake_up_reaches_this_processes_listeners_at_once(sqlite_url: str) -> None:
    wakeups = wakeups_from_url(sqlite_url)
    assert isinstance(wakeups, LocalWakeups)
    heard = threading.Event()
    wakeups.listen(heard.set)
    wakeups.notify()
    assert heard.is_set()
    wakeups.close()
