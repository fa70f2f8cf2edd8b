"""Prometheus metrics, in a registry of zapguard's own (several apps may live in one test process)."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily
from prometheus_client.registry import Collector

from zapguard.store.database import SQL_ACTIVITY

REGISTRY = CollectorRegistry(auto_describe=True)

DECISIONS = Counter(
    "zapguard_decisions",
    "Decisions taken, by verdict and rule code (code='none' when no rule fired)",
    ["verdict", "code"],
    registry=REGISTRY,
)
SENDS = Counter(
    "zapguard_sends",
    "Messages handed to a provider, by provider kind and outcome (sent, retry, failed, ban)",
    ["provider", "outcome"],
    registry=REGISTRY,
)
PROVIDER_ERRORS = Counter(
    "zapguard_provider_errors",
    "Provider calls that failed, by provider kind and HTTP status (or 'timeout', 'network')",
    ["provider", "status"],
    registry=REGISTRY,
)
WEBHOOKS = Counter(
    "zapguard_webhooks",
    "Webhooks received, by source and outcome (applied, stored, refused)",
    ["source", "outcome"],
    registry=REGISTRY,
)
SEND_SECONDS = Histogram(
    "zapguard_provider_send_seconds",
    "Time a provider took to accept a message",
    ["provider"],
    registry=REGISTRY,
)


class _SqlActivity(Collector):
    """Statements and commits this process sent to its databases, read from the store when scraped
    (the benchmark divides them by the messages it sent: round trips per message)."""

    def collect(self) -> Iterator[CounterMetricFamily]:
        yield CounterMetricFamily(
            "zapguard_sql_statements",
            "SQL statements sent to the database by this process (BEGIN included)",
            value=SQL_ACTIVITY.statements,
        )
        yield CounterMetricFamily(
            "zapguard_sql_commits",
            "Transactions committed by this process (read transactions included)",
            value=SQL_ACTIVITY.commits,
        )


REGISTRY.register(_SqlActivity())
