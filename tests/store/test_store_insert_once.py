"""What a redelivered webhook must not do twice, on every SQL backend: a second receipt of the same
message is not new, and a failure already charged is not charged again (PostgreSQL's driver gives no
row count for these inserts; the answer must not depend on it)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from zapguard.domain.models import AccountType, Line, Role
from zapguard.store import Store
from zapguard.store.inbox import first_sighting

T0 = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def test_a_webhook_receipt_is_new_only_the_first_time(store: Store) -> None:
    seen = [first_sighting(store, line_id="l1", message_id="wamid.1", at=T0) for _ in range(3)]

    assert seen == [True, False, False]


def test_a_health_penalty_is_charged_once_per_key(store: Store) -> None:
    store.tenants.ensure(tenant_id="acme")
    store.lines.add(
        line=Line("l1", "acme", "+5511912340001", Role.RECEPTIVE, AccountType.BUSINESS,
                  date(2024, 1, 1), "receptive"),
        registered_at=T0,
    )  # fmt: skip

    charged = [
        store.lines.add_health_penalty(
            tenant_id="acme", line_id="l1", at=T0, points=5, code="131048", key="status:failed:X"
        )
        for _ in range(3)
    ]

    assert charged == [True, False, False]
