"""Consent derived from append-only evidence, whatever order it was recorded in (issue 7, item 11).

An opt-out received after a grant revokes it, whatever the timestamps; a grant recorded later but
dated before the latest revocation (an old spreadsheet imported after an opt-out) does not bring
consent back; a newer grant recorded after the revocation does. All of it stays as evidence."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from zapguard.domain.models import Consent
from zapguard.store import Store, upgrade

T = datetime(2026, 3, 10, 12, tzinfo=UTC)
ANA = "+5531988776655"


@pytest.fixture
def store(sqlite_url: str) -> Iterator[Store]:
    upgrade(sqlite_url)
    made = Store(sqlite_url)
    made.tenants.ensure(tenant_id="acme")
    yield made
    made.close()


def grant(store: Store, at: datetime, source: str = "site") -> None:
    store.consent.grant(
        consent=Consent(
            tenant_id="acme", contact=ANA, purpose="marketing", granted_at=at, source=source
        )
    )


def revoke(store: Store, at: datetime, how: str = "keyword") -> None:
    store.consent.revoke(tenant_id="acme", contact=ANA, at=at, how=how)


def current(store: Store) -> Consent | None:
    return store.consent.current(tenant_id="acme", contact=ANA)


def test_an_opt_out_received_after_a_grant_revokes_it_even_when_dated_earlier(
    store: Store,
) -> None:
    grant(store, T)  # recorded first, dated 12:00
    revoke(store, T - timedelta(minutes=30))  # the opt-out webhook, delayed: dated 11:30

    consent = current(store)
    assert consent is not None and not consent.active
    assert consent.revoked_at == T - timedelta(minutes=30)
    assert [c.granted_at or c.revoked_at for c in
            store.consent.history(tenant_id="acme", contact=ANA)] == [T - timedelta(minutes=30), T]  # fmt: skip


def test_an_old_grant_imported_after_an_opt_out_does_not_bring_consent_back(store: Store) -> None:
    revoke(store, T)
    grant(store, T - timedelta(days=60), source="planilha-antiga")

    consent = current(store)
    assert consent is not None and not consent.active
    assert consent.source == "planilha-antiga" and consent.revoked_at == T


def test_a_newer_grant_recorded_after_the_opt_out_brings_consent_back(store: Store) -> None:
    grant(store, T - timedelta(days=60))
    revoke(store, T)
    grant(store, T + timedelta(days=1), source="checkout")

    consent = current(store)
    assert consent is not None and consent.active and consent.source == "checkout"


def test_a_grant_dated_after_an_opt_out_but_recorded_before_it_is_revoked(store: Store) -> None:
    """Whatever the instants: an opt-out that arrives after the grant was recorded wins."""
    grant(store, T + timedelta(hours=1))
    revoke(store, T)
    consent = current(store)
    assert consent is not None and not consent.active


def test_an_opt_out_alone_is_evidence_of_an_opt_out(store: Store) -> None:
    revoke(store, T, how="user_preferences")
    revoke(store, T - timedelta(hours=1), how="keyword")
    consent = current(store)
    assert consent is not None and consent.granted_at is None
    assert (consent.revoked_at, consent.revoked_how) == (T - timedelta(hours=1), "keyword")


def test_nothing_recorded_is_no_consent(store: Store) -> None:
    assert current(store) is None
