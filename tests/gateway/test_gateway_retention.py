"""Retention of Cloud API media bindings and health penalties: each goes once it can no longer
matter; what happened to a line stays, as its status events.

Media: Meta's media ids expire after 30 days (Cloud API reference, "Media"), so a binding older
than ``[retention] media_days`` names nothing any more. Penalties: a penalty followed by a quiet
spell of ``health.quiet_horizon`` (100 / recovery_per_hour hours) cannot change the line's health
again (the fold starts after the newest such spell), nor can one beyond the newest ``FOLD_LIMIT``
(the fold never reads it); such penalties go once older than ``[retention] penalties_days``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from gateway_scene import NOW, TENANT, Gateway, line, open_gateway
from sqlalchemy import func, select

from zapguard.domain.models import StatusKind
from zapguard.gateway import events as events_module
from zapguard.gateway.retention import purge_working_data
from zapguard.policy import health
from zapguard.policy.config import PolicyConfig
from zapguard.service_config import RetentionConfig
from zapguard.store import upgrade
from zapguard.store.media import media_lines, record_media
from zapguard.store.schema import events

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
POLICY = PolicyConfig()
QUIET = health.quiet_horizon(POLICY.health)
assert QUIET == 50 * HOUR  # 100 / 2 per hour: the default this spec is written against


@pytest.fixture(
    params=[
        pytest.param("sqlite_url", id="sqlite"),
        pytest.param("postgres_url", id="postgres", marks=pytest.mark.postgres),
    ]
)
def gateway(request: pytest.FixtureRequest) -> Iterator[Gateway]:
    url: str = request.getfixturevalue(request.param)
    upgrade(url)
    gateway = open_gateway(url)
    gateway.register(line("recv", "+5511912340001"), at=NOW - 400 * DAY)
    yield gateway
    gateway.close()


def fail(gateway: Gateway, at: datetime) -> None:
    gateway.events.status(
        tenant=TENANT, line_id="recv", at=at, status=StatusKind.FAILED, code="131048"
    )


def purge(gateway: Gateway, now: datetime = NOW, **retention: float) -> dict[str, int]:
    return purge_working_data(
        store=gateway.store,
        counters=gateway.counters,
        policy=POLICY,
        config=RetentionConfig(**retention),
        now=now,
    )


def penalty_times(gateway: Gateway) -> list[datetime]:
    return sorted(
        at for at, _ in gateway.store.lines.latest_health_penalties(line_id="recv", limit=10**6)
    )


def status_events(gateway: Gateway) -> int:
    with gateway.store.engine.connect() as connection:
        query = select(func.count()).select_from(events).where(events.c.kind == "failed")
        return int(connection.scalar(query) or 0)


def refolded(gateway: Gateway) -> tuple[int, datetime | None]:
    """The line's health folded again from the penalties the store still holds."""
    return gateway.events._refold("recv")


def test_penalties_before_a_quiet_spell_go_once_old_and_their_events_stay(
    gateway: Gateway,
) -> None:
    old = NOW - 90 * DAY
    for hour in range(3):
        fail(gateway, old + hour * HOUR)
    recent = [NOW - 2 * DAY, NOW - DAY]
    for at in recent:
        fail(gateway, at)
    before = refolded(gateway)

    purged = purge(gateway, penalties_days=30)

    assert purged["penalties"] == 3
    assert penalty_times(gateway) == recent
    assert refolded(gateway) == before  # the line's health is what it was
    assert status_events(gateway) == 5  # what happened to the line is still on record


def test_an_unbroken_chain_of_penalties_is_kept_however_old(gateway: Gateway) -> None:
    """A penalty every 40 hours (under the 50-hour quiet spell) since 60 days ago: each one still
    weighs on the next, so none can go."""
    at = NOW - 60 * DAY
    while at <= NOW:
        fail(gateway, at)
        at += 40 * HOUR
    kept = penalty_times(gateway)
    before = refolded(gateway)

    purged = purge(gateway, penalties_days=30)

    assert purged["penalties"] == 0
    assert penalty_times(gateway) == kept
    assert refolded(gateway) == before


def test_the_last_penalty_of_a_quiet_line_goes_once_old(gateway: Gateway) -> None:
    fail(gateway, NOW - 40 * DAY)

    assert purge(gateway, penalties_days=30)["penalties"] == 1
    assert penalty_times(gateway) == []
    assert refolded(gateway) == (health.FULL_HEALTH, None)


def test_penalties_younger_than_the_retention_stay_even_after_a_quiet_spell(
    gateway: Gateway,
) -> None:
    fail(gateway, NOW - 20 * DAY)
    fail(gateway, NOW - 10 * DAY)

    assert purge(gateway, penalties_days=30)["penalties"] == 0
    assert len(penalty_times(gateway)) == 2


def test_penalties_the_fold_never_reads_go_once_old(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A line failing without pause: beyond the newest ``FOLD_LIMIT`` penalties nothing is ever
    read again (here the limit is made 5 to keep the spec small)."""
    monkeypatch.setattr(events_module, "FOLD_LIMIT", 5)
    times = [NOW - 40 * DAY + i * 10 * HOUR for i in range(97)]  # up to NOW, no quiet spell
    for at in times:
        fail(gateway, at)
    before = refolded(gateway)

    purged = purge(gateway, penalties_days=30)

    kept = penalty_times(gateway)
    assert kept == [at for at in times if at >= NOW - 30 * DAY]  # the old ones, beyond the 5
    assert purged["penalties"] == len(times) - len(kept) > 0
    assert refolded(gateway) == before


def test_media_bindings_go_when_meta_has_let_the_media_expire(gateway: Gateway) -> None:
    record_media(gateway.store, tenant_id=TENANT, line_id="recv", media_id="old", at=NOW - 31 * DAY)
    record_media(gateway.store, tenant_id=TENANT, line_id="recv", media_id="new", at=NOW - 29 * DAY)

    purged = purge(gateway, media_days=30)

    assert purged["media"] == 1
    assert media_lines(gateway.store, tenant_id=TENANT, media_id="old") == []
    assert media_lines(gateway.store, tenant_id=TENANT, media_id="new") == ["recv"]


def test_the_retention_of_media_and_penalties_is_configurable_and_cited() -> None:
    fields = RetentionConfig.model_fields
    assert RetentionConfig().media_days == 30
    assert "30" in (fields["media_days"].description or "")
    assert "source" in (fields["media_days"].description or "")
    assert "source" in (fields["penalties_days"].description or "")
    with pytest.raises(ValueError, match="media_days"):
        RetentionConfig(media_days=0)
