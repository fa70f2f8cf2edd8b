"""Many workers on several hosts over PostgreSQL + Redis: every allowed message is sent exactly
once, the caps hold exactly, no job runs twice, and a worker killed with -9 loses nothing.

Two hosts, each ``zapguard serve --workers 2`` (four server processes, every one also
dispatching the lanes whose leases it holds), a simulator recording each delivery.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from scale_out import LINES, all_jobs_held, deployment, kill_hard

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]

SUBMISSIONS = 2_000
"""The issue asks 10,000: 2,000 keeps this test within tens of seconds on two shared cores;
caps and exactly-once are counted the same way at any size."""
DAILY_CAP = 120
"""Per line: 5 x 120 = 600 allowed, the other 1,400 refused by the cap."""


def test_four_workers_on_two_hosts_send_exactly_the_caps_each_message_once(
    tmp_path: Path, postgres_url: str, redis_url: str
) -> None:
    with deployment(
        tmp_path, database_url=postgres_url, counters_url=redis_url, coordination_url=redis_url
    ) as scene:
        contacts = scene.setup_lines(DAILY_CAP)
        scene.submit_all(SUBMISSIONS, contacts)
        delivered = scene.wait_delivered(LINES * DAILY_CAP, timeout=60)

    assert len(scene.outcomes) == LINES * DAILY_CAP  # exactly the caps, no more, no fewer
    assert scene.refused == SUBMISSIONS - LINES * DAILY_CAP
    references = Counter(message["reference"] for message in delivered)
    assert sorted(references) == sorted(scene.outcomes.values())  # none missing, none extra
    assert max(references.values()) == 1  # none twice


def test_a_worker_killed_with_sigkill_mid_run_loses_and_doubles_nothing(
    tmp_path: Path, postgres_url: str, redis_url: str
) -> None:
    with deployment(
        tmp_path, database_url=postgres_url, counters_url=redis_url, coordination_url=redis_url
    ) as scene:
        contacts = scene.setup_lines(DAILY_CAP)
        workers = {pid for host in range(len(scene.servers)) for pid in scene.workers_of(host)}
        holders = all_jobs_held(redis_url)
        assert (
            set(holders.values()) <= workers and len(holders) == 10
        )  # 8 lanes, retention, pool-capacity
        # The worker dispatching the most lanes dies, with sends in flight.
        victim = Counter(pid for name, pid in holders.items() if name.startswith("dispatch"))
        victim_pid = victim.most_common(1)[0][0]

        def kill_soon() -> None:
            time.sleep(1.0)
            kill_hard(victim_pid)

        killer = threading.Thread(target=kill_soon)
        killer.start()
        scene.submit_all(SUBMISSIONS // 2, contacts)
        killer.join()
        # The dead worker's claimed sends come back after the row lease (5 s) and are resent
        # under the same reference, which the provider deduplicates.
        delivered = scene.wait_delivered(len(scene.outcomes), timeout=60)
        deadline = time.monotonic() + 15
        moved = all_jobs_held(redis_url)
        while victim_pid in moved.values() and time.monotonic() < deadline:
            time.sleep(0.1)
            moved = all_jobs_held(redis_url)

    assert len(moved) == 10 and victim_pid not in moved.values()  # its jobs went to the living
    assert len(scene.outcomes) == LINES * DAILY_CAP
    references = Counter(message["reference"] for message in delivered)
    assert sorted(references) == sorted(scene.outcomes.values())
    assert max(references.values()) == 1
