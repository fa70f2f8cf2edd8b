"""A portfolio's limit and reaches (ZG506) on every SQL backend: the same webhooks and sends, in any
order and however often, leave the same state."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from zapguard.policy.snapshot import PortfolioView
from zapguard.store import Store
from zapguard.store import portfolios as store_portfolios

T0 = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
TENANT = "acme"


@pytest.fixture
def acme(store: Store) -> Store:
    store.tenants.ensure(tenant_id=TENANT)
    return store


def view(store: Store, contact: str = "+5531900000000", *, at: datetime = T0) -> PortfolioView:
    found = store_portfolios.views(
        store,
        tenant_id=TENANT,
        keys=["p1"],
        contact=contact,
        since=at - timedelta(hours=24),
        unknown_limit=250,
    )
    return found["p1"]


LIMITS = [(T0, 2000), (T0 + timedelta(hours=1), 10000), (T0 + timedelta(hours=2), None)]


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
def test_the_limit_learnt_for_the_latest_instant_wins_in_any_order(
    acme: Store, order: tuple[int, ...]
) -> None:
    for index in (*order, order[0]):  # reordered, and one told twice
        at, limit = LIMITS[index]
        store_portfolios.set_limit(acme, tenant_id=TENANT, portfolio="p1", limit=limit, at=at)

    found = view(acme, at=T0 + timedelta(hours=3))

    assert found.limit is None


def test_two_limits_for_the_same_instant_keep_the_lower_whatever_the_order(acme: Store) -> None:
    for limit in (10000, 2000, 10000):
        store_portfolios.set_limit(acme, tenant_id=TENANT, portfolio="p1", limit=limit, at=T0)

    assert view(acme).limit == 2000


def test_an_unknown_portfolio_has_the_lowest_tier(acme: Store) -> None:
    assert view(acme).limit == 250


def test_reaches_count_each_contact_once_by_its_latest_reach(acme: Store) -> None:
    reaches = [
        ("+5531900000001", T0 - timedelta(hours=30)),  # outside the window
        ("+5531900000002", T0 - timedelta(hours=20)),
        ("+5531900000003", T0 - timedelta(hours=10)),
        ("+5531900000002", T0 - timedelta(hours=25)),  # an older reach learnt later
        ("+5531900000003", T0 - timedelta(hours=10)),  # twice
    ]
    store_portfolios.set_limit(acme, tenant_id=TENANT, portfolio="p1", limit=250, at=T0)
    for contact, at in reaches:
        store_portfolios.record_reach(
            acme, tenant_id=TENANT, portfolio="p1", contact=contact, at=at
        )
    store_portfolios.set_limit(acme, tenant_id=TENANT, portfolio="p1", limit=2, at=T0)

    full = view(acme)
    reached_one = view(acme, "+5531900000002")

    assert full.reached == 2
    assert full.oldest_reach == T0 - timedelta(hours=20)
    assert reached_one.contact_reached
    assert (
        store_portfolios.reached_since(
            acme, tenant_id=TENANT, portfolio="p1", since=T0 - timedelta(hours=24)
        )
        == 2
    )


def test_the_alert_is_raised_once_per_crossing(acme: Store) -> None:
    def crossed(reached: int) -> bool:
        return store_portfolios.crossed_alert(
            acme, tenant_id=TENANT, portfolio="p1", reached=reached, threshold=200
        )

    assert [crossed(n) for n in (199, 200, 201, 200)] == [False, True, False, False]
    assert [crossed(n) for n in (150, 200)] == [False, True]  # fell below, crossed again


def test_portfolios_are_the_tenants_own(acme: Store) -> None:
    acme.tenants.ensure(tenant_id="other")
    store_portfolios.set_limit(acme, tenant_id="other", portfolio="p1", limit=None, at=T0)

    assert view(acme).limit == 250
