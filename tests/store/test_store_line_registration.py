"""Registering a line next to other tenants' lines: conflicts name nothing of another tenant, and a
number is held only while a line uses it (a retired or banned line frees it; the ban registry, not
the line table, keeps a banned number out)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import text

from zapguard.domain.models import AccountType, Line, LineState, Role
from zapguard.policy.bans import quarantined_neighbours
from zapguard.store import Conflict, Store, open_engine, upgrade

T0 = datetime(2025, 1, 6, 12, 0, tzinfo=UTC)
PHONE = "+5531999990001"


def line(line_id: str, phone: str = PHONE, *, tenant: str = "acme", **extra: object) -> Line:
    return Line(
        id=line_id,
        tenant_id=tenant,
        phone=phone,
        role=Role.RECEPTIVE,
        account=AccountType.BUSINESS,
        in_use_since=date(2024, 3, 1),
        pool="receptive",
        provider="meta",
        **extra,  # type: ignore[arg-type]
    )


@pytest.fixture
def two_tenants(store: Store) -> Store:
    store.tenants.ensure(tenant_id="acme", name="Acme Ltda")
    store.tenants.ensure(tenant_id="rival", name="Rival SA")
    store.lines.add(
        line=line("acme-segredo-vendas", tenant="acme"),
        registered_at=T0,
        provider_account="100200300",
    )
    return store


def _refusal(store: Store, candidate: Line, provider_account: str | None = None) -> str:
    with pytest.raises(Conflict) as refused:
        store.lines.add(line=candidate, registered_at=T0, provider_account=provider_account)
    return str(refused.value)


def test_another_tenants_phone_conflict_names_none_of_its_lines(two_tenants: Store) -> None:
    message = _refusal(two_tenants, line("r1", tenant="rival"))
    assert "acme" not in message and "segredo" not in message
    assert PHONE in message  # the caller's own input, so it knows which field
    assert " / " in message  # pt-BR / en


def test_another_tenants_provider_account_conflict_names_none_of_its_lines(
    two_tenants: Store,
) -> None:
    message = _refusal(two_tenants, line("r1", "+5531999990002", tenant="rival"), "100200300")
    assert "acme" not in message and "segredo" not in message
    assert "100200300" in message


def test_another_tenants_line_id_conflict_names_nothing_of_it(two_tenants: Store) -> None:
    message = _refusal(two_tenants, line("acme-segredo-vendas", "+5531999990002", tenant="rival"))
    assert "acme-segredo-vendas" in message  # the id the caller chose itself
    assert "Acme" not in message and PHONE not in message


def test_within_a_tenant_the_conflict_names_its_own_line(two_tenants: Store) -> None:
    assert "acme-segredo-vendas" in _refusal(two_tenants, line("a2"))
    assert "acme-segredo-vendas" in _refusal(two_tenants, line("a3", "+5531999990002"), "100200300")


def test_a_retired_line_frees_its_number_for_any_tenant(two_tenants: Store) -> None:
    two_tenants.lines.set_state(
        tenant_id="acme", line_id="acme-segredo-vendas", state=LineState.RETIRED
    )
    two_tenants.lines.add(line=line("r1", tenant="rival"), registered_at=T0)
    # ... but then the rival's active line holds it, for everybody, the former owner included.
    assert "r1" not in _refusal(two_tenants, line("a2"))


def test_a_banned_line_no_longer_holds_its_number_in_the_line_table(two_tenants: Store) -> None:
    two_tenants.bans.record(
        tenant_id="acme", line_id="acme-segredo-vendas", at=T0, quarantine=quarantined_neighbours
    )
    two_tenants.lines.add(line=line("a2"), registered_at=T0)  # the replay's way: sends refused
    assert two_tenants.bans.is_banned(phone=PHONE)
    holders = [item.id for item in two_tenants.lines.of_tenant(tenant_id="acme")]
    assert holders == ["a2", "acme-segredo-vendas"]


def test_a_line_without_a_provider_round_trips(store: Store) -> None:
    store.tenants.ensure(tenant_id="acme")
    judged_only = Line(
        id="log1",
        tenant_id="acme",
        phone=PHONE,
        role=Role.RECEPTIVE,
        account=AccountType.BUSINESS,
        in_use_since=date(2024, 3, 1),
        pool="receptive",
    )
    store.lines.add(line=judged_only, registered_at=T0)
    assert store.lines.get(line_id="log1") == judged_only
    assert judged_only.provider is None


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_a_database_from_before_keeps_its_lines_through_the_migration(
    backend: str, request: pytest.FixtureRequest
) -> None:
    """A database at revision 0003 holding a line: after the migration the line is unchanged and
    the new rules hold (its number stays taken; retired, it frees number and account)."""
    url: str = request.getfixturevalue(f"{backend}_url")
    upgrade(url, "0003")
    engine = open_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO tenants (id, name) VALUES ('acme', 'Acme')"))
            connection.execute(
                text(
                    "INSERT INTO lines (id, tenant_id, phone, role, account, in_use_since, pool, "
                    "provider, state, timezone, registered_at, health_score, provider_account) "
                    "VALUES ('velha', 'acme', :phone, 'receptive', 'business', '2024-03-01', "
                    "'receptive', 'meta', 'active', 'America/Sao_Paulo', :at, 100, '100200300')"
                ),
                {"phone": PHONE, "at": T0},
            )
    finally:
        engine.dispose()

    upgrade(url)

    store = Store(url)
    try:
        assert store.lines.get(line_id="velha", tenant_id="acme") == line("velha")
        with pytest.raises(Conflict):
            store.lines.add(line=line("nova"), registered_at=T0, provider_account="100200300")
        store.lines.set_state(tenant_id="acme", line_id="velha", state=LineState.RETIRED)
        store.lines.add(line=line("nova"), registered_at=T0, provider_account="100200300")
    finally:
        store.close()
