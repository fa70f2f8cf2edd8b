"""A decision counts the sends of the lines it judges, not of every line the tenant has: its cost
does not grow with the number of lines (issue: the fast path)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime

import pytest
from gateway_scene import DAY, NOW, TENANT, Gateway, contact, line, message, open_gateway

from zapguard.domain.models import Category, Consent, Role, Verdict
from zapguard.gateway.decider import Decider
from zapguard.policy.config import PolicyConfig
from zapguard.store import upgrade
from zapguard.store.counters.memory import MemoryCounters

LINES = 40


class CountingCounters(MemoryCounters):
    """Memory counters that remember which keys a decision counted."""

    def __init__(self) -> None:
        super().__init__()
        self.counted: list[str] = []

    def counts(self, queries: Sequence[tuple[str, datetime]]) -> list[int]:
        self.counted += [key for key, _since in queries]
        return super().counts(queries)


@pytest.fixture
def gateway(sqlite_url: str) -> Iterator[Gateway]:
    upgrade(sqlite_url)
    opened = open_gateway(sqlite_url)
    opened.register(
        *(line(f"recv{i:02d}", f"+55119123{i:05d}") for i in range(LINES)),
        line("camp", "+5511912399999", role=Role.CAMPAIGN, device="d-camp", network="n-camp"),
    )
    opened.store.conversations.record_inbound(
        tenant_id=TENANT, line_id="recv07", contact=contact(1), at=NOW - DAY / 24
    )
    yield opened
    opened.close()


def counting(gateway: Gateway) -> tuple[Decider, CountingCounters]:
    counters = CountingCounters()
    return Decider(gateway.store, counters, PolicyConfig()), counters


def test_a_reply_on_a_named_line_counts_that_line_alone(gateway: Gateway) -> None:
    decider, counters = counting(gateway)
    decision = decider.submit(message(contact(1), "recv07"), NOW)
    assert decision.verdict is Verdict.ALLOW
    assert set(counters.counted) == {f"line:{TENANT}:recv07"}


def test_a_reroute_counts_only_the_candidates_it_judges(gateway: Gateway) -> None:
    gateway.store.consent.grant(
        consent=Consent(
            tenant_id=TENANT,
            contact=contact(1),
            purpose="marketing",
            granted_at=NOW - DAY,
            source="formulário do site",
        )
    )
    decider, counters = counting(gateway)
    # Marketing from a receptive line is rerouted to the campaign line (ZG301): the forty other
    # receptive lines are never candidates, so their sends are never counted.
    decision = decider.advise(message(contact(1), "recv07", Category.MARKETING), NOW)
    assert (decision.verdict, decision.line) == (Verdict.REROUTE, "camp"), decision.codes
    assert set(counters.counted) == {f"line:{TENANT}:recv07", f"line:{TENANT}:camp"}
