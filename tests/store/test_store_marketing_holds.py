"""Per-user marketing limit failures (ZG905) on every SQL backend: each recorded once by its key."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from zapguard.store import Store, marketing_holds

T0 = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
ANA = "+5531988776655"


def test_a_failure_redelivered_is_recorded_once(store: Store) -> None:
    store.tenants.ensure(tenant_id="acme")
    firsts = [
        marketing_holds.record_failure(store, tenant_id="acme", contact=ANA, at=T0, key="wamid.1")
        for _ in range(3)
    ]

    assert firsts == [True, False, False]
    assert marketing_holds.failures_since(
        store, tenant_id="acme", contact=ANA, since=T0 - timedelta(days=1)
    ) == [T0]


def test_failures_are_read_oldest_first_within_the_lookback_and_per_tenant(store: Store) -> None:
    for tenant in ("acme", "other"):
        store.tenants.ensure(tenant_id=tenant)
    for hours, key in ((5, "c"), (50, "a"), (1, "b")):
        marketing_holds.record_failure(
            store, tenant_id="acme", contact=ANA, at=T0 - timedelta(hours=hours), key=key
        )
    marketing_holds.record_failure(store, tenant_id="other", contact=ANA, at=T0, key="x")

    found = marketing_holds.failures_since(
        store, tenant_id="acme", contact=ANA, since=T0 - timedelta(hours=24)
    )

    assert found == [T0 - timedelta(hours=5), T0 - timedelta(hours=1)]
