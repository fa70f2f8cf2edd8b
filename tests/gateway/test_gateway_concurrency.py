"""Many workers deciding for one line at once: the cap holds exactly, on SQLite and on PostgreSQL.

Every message is a reply to a contact who wrote first, so only the volume rule (ZG501) can stop it.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from gateway_scene import (
    DAY,
    NOW,
    TENANT,
    contact,
    line,
    open_gateway,
    race_worker,
    send_replies,
)

from zapguard.store import upgrade

CAP = 40
WORKERS = 8
PER_WORKER = 8  # 64 messages for 40 slots

Outcome = tuple[str, tuple[str, ...], str | None]

BACKENDS = [
    pytest.param("sqlite_url", id="sqlite"),
    pytest.param("postgres_url", id="postgres", marks=pytest.mark.postgres),
]


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest) -> str:
    """A fresh, migrated database with line ``sac`` (cap 40) and 64 contacts who wrote to it."""
    url: str = request.getfixturevalue(request.param)
    upgrade(url)
    gateway = open_gateway(url)
    try:
        gateway.register(line("sac", "+5511912340001", daily_cap=CAP))
        for n in range(WORKERS * PER_WORKER):
            gateway.events.inbound(
                tenant=TENANT, line_id="sac", contact=contact(n), at=NOW - DAY / 2, text="Oi!"
            )
    finally:
        gateway.close()
    return url


def shares() -> list[list[str]]:
    """Each worker's own contacts."""
    return [
        [contact(worker * PER_WORKER + i) for i in range(PER_WORKER)] for worker in range(WORKERS)
    ]


def assert_exactly_the_cap_went_out(url: str, outcomes: list[Outcome]) -> None:
    assert len(outcomes) == WORKERS * PER_WORKER
    verdicts = Counter(verdict for verdict, _, _ in outcomes)
    assert verdicts == {"allow": CAP, "defer": WORKERS * PER_WORKER - CAP}
    for verdict, codes, not_before in outcomes:
        if verdict == "allow":
            assert codes == () and not_before is None
        else:  # all went out at NOW: the first slot frees a whole window later
            assert codes == ("ZG501",)
            assert not_before == (NOW + DAY).isoformat()
    gateway = open_gateway(url)
    try:
        assert gateway.used("sac", NOW - DAY) == CAP
        sent = sum(
            conversation.outbound_count
            for share in shares()
            for to in share
            for conversation in gateway.store.conversations.of_contact(
                tenant_id=TENANT, contact=to
            ).values()
        )
        assert sent == CAP
    finally:
        gateway.close()


def run_threads(url: str) -> list[Outcome]:
    start = threading.Barrier(WORKERS)
    gateways = [open_gateway(url) for _ in range(WORKERS)]  # each thread its own store and decider
    try:
        with ThreadPoolExecutor(WORKERS) as pool:
            results = pool.map(
                send_replies, gateways, ["sac"] * WORKERS, shares(), [start] * WORKERS
            )
            return [each for result in results for each in result]
    finally:
        for gateway in gateways:
            gateway.close()


def run_processes(url: str) -> list[Outcome]:
    context = multiprocessing.get_context("spawn")
    start, results = context.Barrier(WORKERS), context.Queue()
    processes = [
        context.Process(target=race_worker, args=(url, "sac", share, start, results))
        for share in shares()
    ]
    for process in processes:
        process.start()
    try:
        reports = [results.get(timeout=120) for _ in processes]
    finally:
        for process in processes:
            process.join(timeout=30)
    failures = [report for report in reports if isinstance(report, str)]
    assert not failures, failures
    assert [process.exitcode for process in processes] == [0] * WORKERS
    return [each for report in reports for each in report]


def test_eight_threads_deciding_for_one_line_allow_exactly_the_cap(url: str) -> None:
    assert_exactly_the_cap_went_out(url, run_threads(url))


@pytest.mark.slow
def test_eight_processes_deciding_for_one_line_allow_exactly_the_cap(url: str) -> None:
    assert_exactly_the_cap_went_out(url, run_processes(url))
