"""Backend matrices for the store tests: every behaviour runs unchanged on every backend."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from zapguard.store import Counters, Store, counters_from_url, upgrade

SQL_BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]
SHARED_COUNTER_BACKENDS = [
    *SQL_BACKENDS,
    pytest.param("redis", id="redis", marks=pytest.mark.redis),
]
"""Backends several processes can share (memory is per process by design)."""
COUNTER_BACKENDS = [pytest.param("memory", id="memory"), *SHARED_COUNTER_BACKENDS]


def backend_url(request: pytest.FixtureRequest, backend: str) -> str:
    """A fresh URL for ``backend``, migrated when it is a SQL database."""
    if backend == "memory":
        return "memory://"
    url: str = request.getfixturevalue(f"{backend}_url")
    if backend in ("sqlite", "postgres"):
        upgrade(url)
    return url


@pytest.fixture(params=SQL_BACKENDS)
def sql_url(request: pytest.FixtureRequest) -> str:
    return backend_url(request, request.param)


@pytest.fixture
def store(sql_url: str) -> Iterator[Store]:
    store = Store(sql_url)
    yield store
    store.close()


@pytest.fixture(params=COUNTER_BACKENDS)
def counters(request: pytest.FixtureRequest) -> Iterator[Counters]:
    counters = counters_from_url(backend_url(request, request.param))
    yield counters
    counters.close()


@pytest.fixture(params=SHARED_COUNTER_BACKENDS)
def shared_counters_url(request: pytest.FixtureRequest) -> str:
    return backend_url(request, request.param)
