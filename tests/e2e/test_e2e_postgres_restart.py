"""PostgreSQL, holding the state, the job leases (advisory locks) and the wake-ups (LISTEN),
restarted in the middle of a run: the workers reconnect, take their jobs again, and no message
is sent twice or lost; nothing goes over a cap (quotas are in Redis here).

The test runs its own PostgreSQL cluster on a free port (the shared server is never restarted).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from own_servers import OwnPostgres
from scale_out import LINES, deployment

pytestmark = [pytest.mark.slow, pytest.mark.redis]

SUBMISSIONS = 600
DAILY_CAP = 80


@pytest.fixture
def own_postgres() -> Iterator[OwnPostgres]:
    server = OwnPostgres()
    try:
        server.start()
        yield server
    finally:
        server.remove()


def test_postgres_restarted_mid_run_sends_nothing_twice_loses_nothing_and_keeps_the_caps(
    tmp_path: Path, own_postgres: OwnPostgres, redis_url: str
) -> None:
    with deployment(
        tmp_path,
        database_url=own_postgres.url,
        counters_url=redis_url,
        coordination_url=own_postgres.url,
    ) as scene:
        contacts = scene.setup_lines(DAILY_CAP)
        restarted: list[float] = []

        def restart_soon() -> None:
            time.sleep(1.0)
            restarted.append(time.monotonic())
            own_postgres.stop()
            time.sleep(1.0)
            own_postgres.start()

        restarter = threading.Thread(target=restart_soon)
        restarter.start()
        scene.submit_all(SUBMISSIONS, contacts)
        submitted = time.monotonic()
        restarter.join()
        assert restarted and restarted[0] < submitted  # PostgreSQL went down mid-run
        delivered = scene.wait_delivered(len(scene.outcomes), timeout=60)

    references = Counter(message["reference"] for message in delivered)
    assert sorted(references) == sorted(scene.outcomes.values())  # every accepted one, once
    assert max(references.values()) == 1
    per_line = Counter(message["phone_number_id"] for message in delivered)
    assert len(per_line) == LINES and max(per_line.values()) <= DAILY_CAP  # nothing over a cap
