"""Fixtures of the job tests: a coordination URL on each backend (SQLite file migrated to the
current schema, a fresh PostgreSQL schema, the test Redis database)."""

from __future__ import annotations

import pytest

from zapguard.store import upgrade

COORDINATION = [
    pytest.param("sqlite_url", id="sqlite"),
    pytest.param("postgres_url", id="postgres", marks=pytest.mark.postgres),
    pytest.param("redis_url", id="redis", marks=pytest.mark.redis),
]


@pytest.fixture(params=COORDINATION)
def coordination_url(request: pytest.FixtureRequest) -> str:
    url: str = request.getfixturevalue(request.param)
    if not url.startswith("redis"):
        upgrade(url)
    return url


@pytest.fixture(
    params=[
        pytest.param("sqlite_url", id="sqlite"),
        pytest.param("redis_url", id="redis", marks=pytest.mark.redis),
    ]
)
def expiring_url(request: pytest.FixtureRequest) -> str:
    """A backend whose leases expire by time (and so carry fencing tokens)."""
    url: str = request.getfixturevalue(request.param)
    if not url.startswith("redis"):
        upgrade(url)
    return url
