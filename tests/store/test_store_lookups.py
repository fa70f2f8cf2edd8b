"""The store's answers for the services above it: a line by its number, and whether the database
answers at all. Both are values; no caller above the store sees a row or a connection."""

from __future__ import annotations

from datetime import UTC, date, datetime

from zapguard.domain.models import AccountType, Line, LineState, Role
from zapguard.store import Store
from zapguard.store.probe import database_answers

PHONE = "+5511912340001"
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _line(line_id: str, *, provider: str = "meta", phone: str = PHONE) -> Line:
    return Line(
        id=line_id,
        tenant_id="acme",
        phone=phone,
        role=Role.RECEPTIVE,
        account=AccountType.BUSINESS,
        in_use_since=date(2022, 1, 10),
        pool="receptive",
        provider=provider,
    )


def test_a_number_finds_the_line_using_it_before_a_retired_one_sharing_it(store: Store) -> None:
    store.tenants.ensure(tenant_id="acme")
    store.lines.add(line=_line("a-antiga"), registered_at=T0)
    store.lines.set_state(tenant_id="acme", line_id="a-antiga", state=LineState.RETIRED)
    store.lines.add(line=_line("b-nova"), registered_at=T0)

    found = store.lines.by_phone(provider="meta", phone=PHONE)

    assert found is not None
    assert found.line.id == "b-nova"


def test_a_number_is_looked_up_within_one_provider_connection(store: Store) -> None:
    store.tenants.ensure(tenant_id="acme")
    store.lines.add(line=_line("waha-1", provider="waha"), registered_at=T0)

    assert store.lines.by_phone(provider="meta", phone=PHONE) is None
    assert store.lines.by_phone(provider="waha", phone="+5511900000000") is None


def test_the_probe_says_whether_the_database_answers(store: Store) -> None:
    assert database_answers(store)

    unreachable = Store("sqlite:////nonexistent-directory/zapguard.db")
    try:
        assert not database_answers(unreachable)
    finally:
        unreachable.close()


def test_blocked_domains_are_found_among_a_few_or_many_asked(store: Store) -> None:
    store.blocklist.add(domains=["spam.example", "x.test"], source="test", at=T0)
    few = ["a.example", "spam.example", "example"]
    many = [f"site{i}.example" for i in range(40)] + ["x.test"]
    assert store.blocklist.among(domains=few) == frozenset({"spam.example"})
    assert store.blocklist.among(domains=[*few, *few]) == frozenset({"spam.example"})
    assert store.blocklist.among(domains=many) == frozenset({"x.test"})
    assert store.blocklist.among(domains=[]) == frozenset()
