"""Health is a function of the events in time order, whatever order they arrive in (issue 7, item 9):
a late report of an old failure is folded in where it belongs, and never erases newer ones."""

from __future__ import annotations

import random
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from gateway_scene import NOW, TENANT, Gateway, line, open_gateway
from hypothesis import given, settings
from hypothesis import strategies as st

from zapguard.domain.models import StatusKind
from zapguard.policy import health
from zapguard.policy.config import HealthConfig
from zapguard.store import upgrade

HOUR = timedelta(hours=1)
CONFIG = HealthConfig()


@pytest.fixture
def gateway(sqlite_url: str) -> Iterator[Gateway]:
    upgrade(sqlite_url)
    gateway = open_gateway(sqlite_url)
    gateway.register(line("recv", "+5511912340001"))
    yield gateway
    gateway.close()


def fail(gateway: Gateway, at: datetime, code: str = "131048", key: str | None = None) -> int:
    return gateway.events.status(
        tenant=TENANT, line_id="recv", at=at, status=StatusKind.FAILED, code=code, key=key
    )


def health_now(gateway: Gateway, now: datetime = NOW) -> tuple[int, datetime | None]:
    record = gateway.store.lines.record(line_id="recv", tenant_id=TENANT)
    assert record is not None
    return (
        health.current_health(record.health_score, record.health_at, now, CONFIG),
        record.health_at,
    )


@pytest.mark.parametrize(
    "late",
    [NOW - 48 * HOUR, datetime(2025, 6, 1, tzinfo=UTC)],
    ids=["two-days-ago", "a-2025-fixture"],
)
def test_a_late_failure_does_not_reset_a_degraded_line(gateway: Gateway, late: datetime) -> None:
    for _ in range(8):
        fail(gateway, NOW)  # 8 × 5: health 60, its recovery clock started at NOW
    assert health_now(gateway) == (60, NOW)

    fail(gateway, late)

    # Folded in its place: long recovered from by NOW; the recent failures still count in full.
    assert health_now(gateway) == (60, NOW)
    assert health_now(gateway, NOW + 10 * HOUR) == (80, NOW)


def test_a_late_failure_inside_the_recovery_still_costs_what_it_cost_then(
    gateway: Gateway,
) -> None:
    fail(gateway, NOW)  # 95
    fail(gateway, NOW - 2 * HOUR)  # learned late: happened two hours before

    # In time order: −5 at NOW−2h (95), two quiet hours (+4: 99), −5 at NOW (94).
    assert health_now(gateway) == (94, NOW)


def test_health_is_the_same_whatever_order_the_failures_arrive_in(sqlite_url: str) -> None:
    upgrade(sqlite_url)
    gateway = open_gateway(sqlite_url)
    rng = random.Random(7)
    codes = ["131048", "470", "131049", "463", "131026", "130429"] * 3
    failures = [(NOW - timedelta(minutes=rng.randrange(0, 72 * 60)), code) for code in codes]
    results = set()
    for attempt in range(4):
        line_id = f"recv{attempt}"
        gateway.register(line(line_id, f"+551191234000{attempt}"))
        order = list(enumerate(failures))
        rng.shuffle(order)
        for index, (at, code) in order:
            gateway.events.status(
                tenant=TENANT,
                line_id=line_id,
                at=at,
                status=StatusKind.FAILED,
                code=code,
                key=f"report-{index}",
            )
        record = gateway.store.lines.record(line_id=line_id, tenant_id=TENANT)
        assert record is not None
        results.add((record.health_score, record.health_at))
    gateway.close()
    expected = health.fold(
        [health.Penalty(at, health.penalty(StatusKind.FAILED, c, CONFIG)) for at, c in failures],
        CONFIG,
    )
    assert results == {expected}


def test_the_same_failure_reported_again_under_its_key_costs_nothing(gateway: Gateway) -> None:
    assert fail(gateway, NOW, key="status:failed:wamid.X") == 95
    assert fail(gateway, NOW, key="status:failed:wamid.X") == 95
    assert health_now(gateway) == (95, NOW)


BACKENDS = [
    pytest.param("sqlite_url", id="sqlite"),
    pytest.param("postgres_url", id="postgres", marks=pytest.mark.postgres),
]


@pytest.mark.parametrize("backend", BACKENDS)
def test_failures_reported_at_once_by_many_workers_all_count(
    request: pytest.FixtureRequest, backend: str
) -> None:
    """Eight workers, five failures each, some learned late: none is folded into a stale score."""
    url: str = request.getfixturevalue(backend)
    upgrade(url)
    gateway = open_gateway(url)
    gateway.register(line("recv", "+5511912340001"))
    when = [NOW - timedelta(minutes=7 * n) for n in range(40)]

    def worker(share: int) -> None:
        for n in range(share * 5, share * 5 + 5):
            fail(gateway, when[n], code="470", key=f"failure-{n}")

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(worker, range(8)))

    record = gateway.store.lines.record(line_id="recv", tenant_id=TENANT)
    assert record is not None
    expected = health.fold([health.Penalty(at, 1) for at in when], CONFIG)
    assert (record.health_score, record.health_at) == expected
    gateway.close()


# --- the pure fold --------------------------------------------------------------------------------

penalties = st.lists(
    st.builds(
        health.Penalty,
        at=st.integers(0, 24 * 60 * 20).map(lambda minutes: NOW - timedelta(minutes=minutes)),
        points=st.integers(1, 20),
    ),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(penalties, st.randoms(use_true_random=False))
def test_the_fold_does_not_depend_on_the_order_it_is_given(
    given_penalties: list[health.Penalty], rng: random.Random
) -> None:
    shuffled = given_penalties[:]
    rng.shuffle(shuffled)
    assert health.fold(shuffled, CONFIG) == health.fold(given_penalties, CONFIG)


@settings(max_examples=300, deadline=None)
@given(penalties)
def test_only_the_penalties_since_the_last_quiet_spell_matter(
    given_penalties: list[health.Penalty],
) -> None:
    """The bounded fold (from the newest gap of ``quiet_horizon``) equals the fold of everything."""
    newest_first = sorted(given_penalties, key=lambda p: p.at, reverse=True)
    assert health.fold_latest(newest_first, CONFIG, complete=True) == health.fold(
        given_penalties, CONFIG
    )


def test_the_quiet_horizon_is_the_time_full_recovery_takes() -> None:
    assert health.quiet_horizon(CONFIG) == timedelta(hours=50)  # 100 points at +2 an hour
    assert health.quiet_horizon(CONFIG.model_copy(update={"recovery_per_hour": 0})) is None


def test_a_cut_fold_without_a_quiet_spell_guesses_low_not_high() -> None:
    burst = [health.Penalty(NOW - timedelta(minutes=m), 1) for m in range(0, 600, 10)]
    newest_first = sorted(burst, key=lambda p: p.at, reverse=True)
    cut_score, _ = health.fold_latest(newest_first[:10], CONFIG, complete=False)
    full_score, _ = health.fold(burst, CONFIG)
    assert cut_score <= full_score
