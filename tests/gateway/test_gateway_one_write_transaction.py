"""With SQL counters in the store's database, a message's reservation commits with its bookkeeping."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from gateway_scene import DAY, NOW, TENANT, Gateway, contact, line, message, open_gateway

from zapguard.domain.models import Decision
from zapguard.store import upgrade
from zapguard.store.database import SQL_ACTIVITY


@pytest.fixture(params=["sqlite_url", pytest.param("postgres_url", marks=pytest.mark.postgres)])
def gateway(request: pytest.FixtureRequest) -> Iterator[Gateway]:
    url: str = request.getfixturevalue(request.param)
    upgrade(url)
    opened = open_gateway(url)
    opened.register(line("recv", "+5511912340001"))
    opened.store.conversations.record_inbound(
        tenant_id=TENANT, line_id="recv", contact=contact(1), at=NOW - DAY
    )
    yield opened
    opened.close()


class QueueingFailed(Exception):
    """What the caller's ``on_send`` raises below: its bookkeeping could not be written."""


def test_a_send_whose_bookkeeping_fails_keeps_no_reservation(gateway: Gateway) -> None:
    def fail(_decision: Decision, _decision_id: int) -> None:
        raise QueueingFailed

    with pytest.raises(QueueingFailed):
        gateway.decider.submit(message(contact(1), "recv"), NOW, on_send=fail)
    assert gateway.used("recv", NOW - DAY) == 0
    decision = gateway.decider.submit(message(contact(1), "recv"), NOW)
    assert decision.sends
    assert gateway.used("recv", NOW - DAY) == 1


def test_an_allowed_message_is_reserved_and_recorded_in_one_write_transaction(
    gateway: Gateway,
) -> None:
    gateway.decider.submit(message(contact(1), "recv"), NOW)  # warms every cache
    commits = SQL_ACTIVITY.commits
    decision = gateway.decider.submit(message(contact(1), "recv"), NOW)
    assert decision.sends
    # The snapshot's read transaction, then one write transaction for everything else.
    assert SQL_ACTIVITY.commits - commits == 2


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def separate_counters(request: pytest.FixtureRequest, sqlite_url: str) -> Iterator[Gateway]:
    """Counters outside the store's database (memory, Redis): they reserve in a step of their own,
    before the store's write transaction."""
    counters_url = (
        "memory://" if request.param == "memory" else request.getfixturevalue("redis_url")
    )
    upgrade(sqlite_url)
    opened = open_gateway(sqlite_url, counters_url)
    opened.register(line("recv", "+5511912340001"))
    opened.store.conversations.record_inbound(
        tenant_id=TENANT, line_id="recv", contact=contact(1), at=NOW - DAY
    )
    yield opened
    opened.close()


def test_counters_outside_the_store_give_back_the_quota_of_a_send_whose_bookkeeping_failed(
    separate_counters: Gateway,
) -> None:
    def fail(_decision: Decision, _decision_id: int) -> None:
        raise QueueingFailed

    with pytest.raises(QueueingFailed):
        separate_counters.decider.submit(message(contact(1), "recv"), NOW, on_send=fail)
    assert separate_counters.used("recv", NOW - DAY) == 0
    assert separate_counters.decider.submit(message(contact(1), "recv"), NOW).sends
    assert separate_counters.used("recv", NOW - DAY) == 1
