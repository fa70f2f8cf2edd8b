"""The audience specs run unchanged on SQLite and PostgreSQL: a fresh, migrated database each."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from zapguard.store import Store, upgrade

SQL_BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


@pytest.fixture(params=SQL_BACKENDS)
def database_url(request: pytest.FixtureRequest) -> str:
    url: str = request.getfixturevalue(f"{request.param}_url")
    upgrade(url)
    return url


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    store = Store(database_url)
    store.tenants.ensure(tenant_id="loja")
    yield store
    store.close()
