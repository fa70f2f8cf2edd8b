"""Leases on named jobs behave the same on SQLite, PostgreSQL and Redis: one holder per name, free
again when released or when the holder dies (killed with -9), never renewable by a former holder."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from zapguard.store.errors import ConfigurationError
from zapguard.store.leases import Leases, leases_from_url

HOLDER = Path(__file__).with_name("lease_holder.py")
TTL = 1.5
"""Short, so a dead holder's lease ends within the test's patience."""


@pytest.fixture
def open_leases(coordination_url: str) -> Iterator[list[Leases]]:
    opened: list[Leases] = []
    yield opened
    for leases in opened:
        leases.close()


def holder(opened: list[Leases], url: str, name: str, ttl: float = TTL) -> Leases:
    leases = leases_from_url(url, holder=name, ttl_seconds=ttl)
    opened.append(leases)
    return leases


def take_within(leases: Leases, name: str, seconds: float) -> float | None:
    """How long it took ``leases`` to get ``name``, asking every 50 ms; ``None`` if it did not."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if leases.acquire(name) is not None:
            return time.monotonic() - started
        time.sleep(0.05)
    return None


def test_a_name_is_held_by_one_holder_at_a_time(
    coordination_url: str, open_leases: list[Leases]
) -> None:
    first = holder(open_leases, coordination_url, "w1")
    second = holder(open_leases, coordination_url, "w2")
    lease = first.acquire("dispatch:lane-0")
    assert lease is not None and lease.holder == "w1"
    assert second.acquire("dispatch:lane-0") is None
    assert first.renew(lease)
    assert second.acquire("dispatch:lane-0") is None


def test_other_names_are_independent(coordination_url: str, open_leases: list[Leases]) -> None:
    first = holder(open_leases, coordination_url, "w1")
    second = holder(open_leases, coordination_url, "w2")
    assert first.acquire("dispatch:lane-0") is not None
    assert second.acquire("dispatch:lane-1") is not None
    assert second.acquire("retention") is not None


def test_a_released_lease_is_taken_by_another_holder_at_once(
    coordination_url: str, open_leases: list[Leases]
) -> None:
    first = holder(open_leases, coordination_url, "w1")
    second = holder(open_leases, coordination_url, "w2")
    lease = first.acquire("retention")
    assert lease is not None
    first.release(lease)
    taken = second.acquire("retention")
    assert taken is not None and taken.holder == "w2"
    assert not first.renew(lease)


def test_a_former_holder_can_neither_renew_nor_release_the_new_holders_lease(
    coordination_url: str, open_leases: list[Leases]
) -> None:
    first = holder(open_leases, coordination_url, "w1", ttl=0.4)
    second = holder(open_leases, coordination_url, "w2", ttl=30)
    old = first.acquire("retention")
    assert old is not None
    if coordination_url.startswith("postgresql"):
        first.close()  # an advisory lock ends with its session, not with time
    taken = take_within(second, "retention", 5)
    assert taken is not None
    assert not first.renew(old)
    first.release(old)
    assert holder(open_leases, coordination_url, "w3").acquire("retention") is None


def test_fencing_tokens_grow_with_every_new_grant(expiring_url: str) -> None:
    # PostgreSQL has none: an advisory lock ends with its session, nothing outlives a holder.
    first = leases_from_url(expiring_url, holder="w1", ttl_seconds=TTL)
    second = leases_from_url(expiring_url, holder="w2", ttl_seconds=TTL)
    tokens = []
    for leases in (first, second, first):
        lease = leases.acquire("dispatch:lane-3")
        assert lease is not None
        tokens.append(lease.token)
        leases.release(lease)
    first.close()
    second.close()
    assert tokens == sorted(tokens) and len(set(tokens)) == 3


@pytest.mark.slow
def test_the_lease_of_a_holder_killed_with_sigkill_moves_within_the_lease_time(
    coordination_url: str, open_leases: list[Leases]
) -> None:
    process = subprocess.Popen(
        [sys.executable, str(HOLDER), coordination_url, "dispatch:lane-0", str(TTL)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline().startswith("held ")
        successor = holder(open_leases, coordination_url, "successor")
        time.sleep(TTL)  # the holder renews meanwhile: nobody else gets it while it lives
        assert successor.acquire("dispatch:lane-0") is None
        process.kill()
        process.wait(timeout=10)
        waited = take_within(successor, "dispatch:lane-0", TTL + 3)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()
    assert waited is not None, "the dead holder's lease never came free"
    assert waited <= TTL + 0.5


def test_an_unknown_coordination_scheme_is_a_clear_error() -> None:
    with pytest.raises(ConfigurationError, match="coordination URL"):
        leases_from_url("mysql://x/y", holder="w1", ttl_seconds=5)


def test_members_count_the_live_holders_and_a_leaving_one_stops_counting(
    coordination_url: str, open_leases: list[Leases]
) -> None:
    first = holder(open_leases, coordination_url, "w1")
    second = holder(open_leases, coordination_url, "w2")
    assert first.members() == 1
    assert second.members() == 2
    assert first.members() == 2  # renewing is not joining twice
    first.leave()
    assert second.members() == 1
