"""Template states (ZG507) on every SQL backend: the latest instant wins, a tie goes to the more
restrictive value whatever the order, the RED override is kept apart, each tenant has its own."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from zapguard.store import Store, templates

T0 = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def acme(store: Store) -> Store:
    for tenant in ("acme", "other"):
        store.tenants.ensure(tenant_id=tenant)
    return store


def test_a_template_never_seen_has_no_state(acme: Store) -> None:
    assert templates.view(acme, tenant_id="acme", name="boas_vindas") is None


def test_the_status_of_the_latest_instant_wins_whatever_the_order(acme: Store) -> None:
    later = T0 + timedelta(minutes=5)
    assert templates.record_status(acme, tenant_id="acme", name="m", status="APPROVED", at=later)
    assert not templates.record_status(acme, tenant_id="acme", name="m", status="PAUSED", at=T0)

    found = templates.view(acme, tenant_id="acme", name="m")
    assert found is not None and found.status == "APPROVED"


@pytest.mark.parametrize("order", list(itertools.permutations(["APPROVED", "PAUSED", "DISABLED"])))
def test_statuses_of_the_same_instant_leave_the_same_one_in_any_order(
    acme: Store, order: tuple[str, ...]
) -> None:
    for status in order:
        templates.record_status(acme, tenant_id="acme", name="m", status=status, at=T0)

    found = templates.view(acme, tenant_id="acme", name="m")
    assert found is not None and found.status == "PAUSED"


@pytest.mark.parametrize("order", list(itertools.permutations(["GREEN", "RED", "YELLOW"])))
def test_qualities_of_the_same_instant_leave_the_worst_in_any_order(
    acme: Store, order: tuple[str, ...]
) -> None:
    for quality in order:
        templates.record_quality(acme, tenant_id="acme", name="m", quality=quality, at=T0)

    found = templates.view(acme, tenant_id="acme", name="m")
    assert found is not None and (found.quality, found.quality_at) == ("RED", T0)


def test_the_red_override_survives_new_ratings_and_is_per_tenant(acme: Store) -> None:
    templates.set_allow_red(acme, tenant_id="acme", name="m", allow_red=True)
    templates.record_quality(acme, tenant_id="acme", name="m", quality="RED", at=T0)
    templates.record_quality(acme, tenant_id="other", name="m", quality="RED", at=T0)

    mine = templates.view(acme, tenant_id="acme", name="m")
    theirs = templates.view(acme, tenant_id="other", name="m")
    assert mine is not None and mine.allow_red and mine.quality == "RED"
    assert theirs is not None and not theirs.allow_red
    assert [view.name for view in templates.of_tenant(acme, tenant_id="acme")] == ["m"]
