"""Fixtures of the outbox tests: a migrated database (SQLite, then PostgreSQL) with one tenant and
three lines, a clock that only moves when told, a provider that records what it was asked, and a
dispatcher wired to them."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from outbox_scene import (
    Clock,
    FakeProvider,
    make_dispatcher,
    make_store,
)

from zapguard.gateway.dispatcher import Dispatcher
from zapguard.gateway.outbox import Outbox
from zapguard.store import Store, upgrade

BACKENDS = [
    pytest.param("sqlite_url", id="sqlite"),
    pytest.param("postgres_url", id="postgres", marks=pytest.mark.postgres),
]


@pytest.fixture(params=BACKENDS)
def any_url(request: pytest.FixtureRequest) -> str:
    """A fresh, migrated database on each SQL backend."""
    url: str = request.getfixturevalue(request.param)
    upgrade(url)
    return url


@pytest.fixture
def url(any_url: str) -> str:
    """The database of the test: every behaviour runs on SQLite and on PostgreSQL."""
    return any_url


@pytest.fixture
def store(url: str) -> Iterator[Store]:
    store = make_store(url)
    yield store
    store.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def provider() -> FakeProvider:
    return FakeProvider()


@pytest.fixture
def outbox(store: Store) -> Outbox:
    return Outbox(store)


@pytest.fixture
def dispatcher_for(store: Store, clock: Clock, provider: FakeProvider) -> Callable[..., Dispatcher]:
    """A dispatcher over the test store; keyword arguments override dispatch and volume settings."""

    def build(**settings: float) -> Dispatcher:
        return make_dispatcher(store, clock, provider, **settings)

    return build
