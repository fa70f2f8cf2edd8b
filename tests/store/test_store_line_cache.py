"""A tenant's line records come from memory between snapshots, and never outlive a change.

Each "process" below is a :class:`Store` on an engine of its own, as another worker has: its kept
records are its own, and only the tenant's line generation in the database ties them together.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest

from zapguard.domain.models import AccountType, LineState, Role
from zapguard.domain.models import Line as LineModel
from zapguard.policy.bans import quarantined_neighbours
from zapguard.store import BannedSets, Store, open_engine
from zapguard.store.database import SQL_ACTIVITY

T0 = datetime(2025, 1, 6, 12, 0, tzinfo=UTC)
ANA = "+5531988776655"


def line(
    line_id: str,
    phone: str,
    *,
    tenant: str = "acme",
    device: str | None = None,
    network: str | None = None,
) -> LineModel:
    return LineModel(
        network=network,
        id=line_id,
        tenant_id=tenant,
        phone=phone,
        role=Role.CAMPAIGN,
        account=AccountType.BUSINESS,
        in_use_since=date(2024, 3, 1),
        pool="campaign",
        device=device,
    )


@pytest.fixture
def two_processes(sql_url: str) -> Iterator[tuple[Store, Store]]:
    here, there = Store(open_engine(sql_url)), Store(open_engine(sql_url))
    here.tenants.ensure(tenant_id="acme")
    here.lines.add(line=line("c1", "+5531999990001"), registered_at=T0)
    yield here, there
    here.close()
    there.close()


def ids(store: Store, tenant: str = "acme") -> list[str]:
    return [record.line.id for record in store.lines.records(tenant_id=tenant)]


def test_a_line_another_process_registers_is_listed_at_once(
    two_processes: tuple[Store, Store],
) -> None:
    here, there = two_processes
    assert ids(here) == ["c1"]  # now kept in memory here
    there.lines.add(line=line("c2", "+5531999990002"), registered_at=T0)
    assert ids(here) == ["c1", "c2"]


def test_a_state_another_process_sets_is_seen_at_once(two_processes: tuple[Store, Store]) -> None:
    here, there = two_processes
    assert here.lines.records(tenant_id="acme")[0].line.state is LineState.ACTIVE
    there.lines.set_state(tenant_id="acme", line_id="c1", state=LineState.PAUSED)
    assert here.lines.records(tenant_id="acme")[0].line.state is LineState.PAUSED


def test_a_send_another_process_records_moves_last_sent_here(
    two_processes: tuple[Store, Store],
) -> None:
    here, there = two_processes
    assert here.lines.records(tenant_id="acme")[0].last_sent_at is None
    there.conversations.record_outbound(
        tenant_id="acme", line_id="c1", contact=ANA, at=T0, business_initiated=True
    )
    assert here.lines.records(tenant_id="acme")[0].last_sent_at == T0


def test_this_process_sends_update_the_kept_records_without_reading_every_line(
    two_processes: tuple[Store, Store],
) -> None:
    here, _ = two_processes
    here.lines.records(tenant_id="acme")
    later = T0 + timedelta(hours=1)
    with here.transaction():
        here.conversations.record_outbound(
            tenant_id="acme", line_id="c1", contact=ANA, at=later, business_initiated=True
        )
        here.lines.record_human_activity(tenant_id="acme", line_id="c1", at=later)
    here.conversations.record_outbound(
        tenant_id="acme", line_id="c1", contact=ANA, at=T0, business_initiated=True
    )
    statements = SQL_ACTIVITY.statements
    with here.reading():
        (record,) = here.lines.records(tenant_id="acme")
    begin = 1 if here.engine.dialect.name == "sqlite" else 0
    assert SQL_ACTIVITY.statements - statements == begin + 1  # the generation, no line
    assert (record.last_sent_at, record.last_human_at) == (later, later)  # never moved back
    assert record.last_sent_at.tzinfo == UTC


def test_a_write_that_rolls_back_leaves_the_kept_records_as_they_were(
    two_processes: tuple[Store, Store],
) -> None:
    here, there = two_processes
    here.lines.records(tenant_id="acme")

    class Abandon(Exception):
        pass

    with pytest.raises(Abandon), here.transaction():
        here.conversations.record_outbound(
            tenant_id="acme", line_id="c1", contact=ANA, at=T0, business_initiated=True
        )
        raise Abandon
    # Another process takes the tenant to the generation the abandoned write would have had.
    there.lines.set_state(tenant_id="acme", line_id="c1", state=LineState.PAUSED)
    (record,) = here.lines.records(tenant_id="acme")
    assert record.last_sent_at is None
    assert record.line.state is LineState.PAUSED


def test_a_ban_that_quarantines_another_tenants_line_is_seen_by_that_tenant(
    two_processes: tuple[Store, Store],
) -> None:
    here, there = two_processes
    here.tenants.ensure(tenant_id="globex")
    here.lines.add(
        line=line("g1", "+5531999990009", tenant="globex", device="dev"), registered_at=T0
    )
    here.lines.add(line=line("c9", "+5531999990008", device="dev"), registered_at=T0)
    assert here.lines.records(tenant_id="globex")[0].line.state is LineState.ACTIVE
    banned = there.bans.record(
        tenant_id="acme", line_id="c9", at=T0, quarantine=quarantined_neighbours
    )
    assert banned == ["g1"]
    assert here.lines.records(tenant_id="globex")[0].line.state is LineState.QUARANTINED


def test_the_bans_among_the_lines_come_from_memory_with_them(
    two_processes: tuple[Store, Store],
) -> None:
    here, _ = two_processes
    here.lines.records_and_bans(tenant_id="acme")
    statements = SQL_ACTIVITY.statements
    with here.reading():
        records, bans = here.lines.records_and_bans(tenant_id="acme")
    begin = 1 if here.engine.dialect.name == "sqlite" else 0
    assert SQL_ACTIVITY.statements - statements == begin + 1  # the generation, no ban lookup
    assert [record.line.id for record in records.values()] == ["c1"]
    assert bans == BannedSets(frozenset(), frozenset(), frozenset())


def test_a_ban_of_another_tenants_line_on_a_shared_network_is_seen_at_once(
    two_processes: tuple[Store, Store],
) -> None:
    here, there = two_processes
    here.tenants.ensure(tenant_id="globex")
    here.lines.add(
        line=line("g1", "+5531999990009", tenant="globex", network="net"), registered_at=T0
    )
    here.lines.add(line=line("c9", "+5531999990008", network="net"), registered_at=T0)
    assert here.lines.records_and_bans(tenant_id="acme")[1].networks == frozenset()  # kept here now
    # The policy quarantines no neighbour: acme's lines themselves do not change, the registry does.
    there.bans.record(tenant_id="globex", line_id="g1", at=T0, quarantine=lambda _line, _others: [])
    records, bans = here.lines.records_and_bans(tenant_id="acme")
    assert bans.networks == frozenset({"net"})
    assert records["c9"].line.state is LineState.ACTIVE


def test_a_ban_this_process_records_is_seen_by_every_tenant_here(
    two_processes: tuple[Store, Store],
) -> None:
    here, _ = two_processes
    here.tenants.ensure(tenant_id="globex")
    here.lines.add(
        line=line("g1", "+5531999990009", tenant="globex", device="dev"), registered_at=T0
    )
    here.lines.add(line=line("c9", "+5531999990008", device="dev"), registered_at=T0)
    assert here.lines.records_and_bans(tenant_id="acme")[1].devices == frozenset()
    here.bans.record(tenant_id="globex", line_id="g1", at=T0, quarantine=lambda _line, _others: [])
    assert here.lines.records_and_bans(tenant_id="acme")[1].devices == frozenset({"dev"})
    assert here.lines.records_and_bans(tenant_id="globex")[1].phones == frozenset(
        {"+5531999990009"}
    )


def test_a_ban_moves_the_generation_of_a_tenant_whose_lines_predate_generations(
    two_processes: tuple[Store, Store],
) -> None:
    here, there = two_processes
    here.lines.add(line=line("c9", "+5531999990008", network="net"), registered_at=T0)
    with here.transaction(), here.writing("forgetting generations") as connection:
        connection.exec_driver_sql("DELETE FROM line_heads")
    assert here.lines.records_and_bans(tenant_id="acme")[1].networks == frozenset()
    there.tenants.ensure(tenant_id="globex")
    there.lines.add(
        line=line("g1", "+5531999990009", tenant="globex", network="net"), registered_at=T0
    )
    there.bans.record(tenant_id="globex", line_id="g1", at=T0, quarantine=lambda _line, _others: [])
    assert here.lines.records_and_bans(tenant_id="acme")[1].networks == frozenset({"net"})
