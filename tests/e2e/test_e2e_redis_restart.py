"""Redis, holding the quota counters, the job leases and the wake-ups, restarted in the middle of
a run: it comes back empty; the counters are restored from the outbox before anything more is
reserved, the workers take their leases again, and every allowed message still goes out exactly
once, within the exact caps.

The test runs its own ``redis-server`` on a free port (the shared one is never restarted).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from own_servers import OwnRedis
from scale_out import LINES, all_jobs_held, deployment

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

SUBMISSIONS = 1_000
DAILY_CAP = 120


@pytest.fixture
def own_redis() -> Iterator[OwnRedis]:
    server = OwnRedis()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_redis_restarted_mid_run_loses_no_message_sends_none_twice_and_jobs_come_back(
    tmp_path: Path, postgres_url: str, own_redis: OwnRedis
) -> None:
    with deployment(
        tmp_path,
        database_url=postgres_url,
        counters_url=own_redis.url,
        coordination_url=own_redis.url,
    ) as scene:
        contacts = scene.setup_lines(DAILY_CAP)
        assert len(all_jobs_held(own_redis.url)) == 10  # 8 lanes, retention, pool-capacity

        restarted: list[float] = []

        def restart_soon() -> None:
            time.sleep(1.0)
            restarted.append(time.monotonic())
            own_redis.stop()
            time.sleep(1.0)  # down for a second: leases cannot be renewed meanwhile
            own_redis.start()  # empty: every lease is gone and must be taken again

        restarter = threading.Thread(target=restart_soon)
        restarter.start()
        scene.submit_all(SUBMISSIONS, contacts)
        submitted = time.monotonic()
        restarter.join()
        assert restarted and restarted[0] < submitted  # Redis went down mid-run
        delivered = scene.wait_delivered(len(scene.outcomes), timeout=60)
        holders = all_jobs_held(own_redis.url)

    assert len(holders) == 10  # every job held again after the restart
    assert len(scene.outcomes) == LINES * DAILY_CAP
    references = Counter(message["reference"] for message in delivered)
    assert sorted(references) == sorted(scene.outcomes.values())
    assert max(references.values()) == 1
