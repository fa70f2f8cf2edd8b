"""Redis, holding the job leases and the wake-ups, restarted in the middle of a run: the workers
lose their leases, take them again once Redis is back, and every allowed message still goes out
exactly once, within the caps (the counters here are in PostgreSQL, the durable store).

The test runs its own ``redis-server`` on a free port (the shared one is never restarted).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from e2e_processes import free_port
from scale_out import LINES, deployment, job_holders

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

SUBMISSIONS = 1_000
DAILY_CAP = 120


class OwnRedis:
    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self._process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 10
        try:
            while True:
                try:
                    client.ping()
                    return
                except redis.ConnectionError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)
        finally:
            client.close()

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=10)
            self._process = None


@pytest.fixture
def own_redis() -> Iterator[OwnRedis]:
    if shutil.which("redis-server") is None:
        reason = "redis-server not installed: the restart test runs its own"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason} (CI=true: servers are required)")
        pytest.skip(reason)
    server = OwnRedis(free_port())
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
        counters_url=postgres_url,
        coordination_url=own_redis.url,
    ) as scene:
        contacts = scene.setup_lines(DAILY_CAP)
        assert len(job_holders(own_redis.url)) == 9

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
        deadline = time.monotonic() + 10
        while len(job_holders(own_redis.url)) < 9 and time.monotonic() < deadline:
            time.sleep(0.2)
        holders = job_holders(own_redis.url)

    assert len(holders) == 9  # every job held again after the restart
    assert len(scene.outcomes) == LINES * DAILY_CAP
    references = Counter(message["reference"] for message in delivered)
    assert sorted(references) == sorted(scene.outcomes.values())
    assert max(references.values()) == 1
