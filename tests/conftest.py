"""Backend fixtures: a fresh SQLite file, PostgreSQL schema or Redis database per test.

Servers come from ``ZAPGUARD_TEST_POSTGRES_URL`` and ``ZAPGUARD_TEST_REDIS_URL``. A server that does
not answer skips its tests, with the reason shown; under ``CI=true`` it fails them instead, so a
broken CI service cannot turn the suite green by skipping.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest

POSTGRES_URL = os.environ.get(
    "ZAPGUARD_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("ZAPGUARD_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _unavailable(reason: str) -> NoReturn:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: servers are required)")
    pytest.skip(reason)


@pytest.fixture(scope="session", autouse=True)
def _sqlite_schema_once(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Empty SQLite databases get the schema migrated once this session (see sqlite_schema.py)."""
    import sqlite_schema

    real = sqlite_schema.install(tmp_path_factory.mktemp("schema"))
    yield
    sqlite_schema.uninstall(real)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'zapguard.db'}"


@pytest.fixture(scope="session")
def _postgres_problem() -> str | None:
    """Why PostgreSQL cannot be used, asked once per session (a dead host costs one timeout)."""
    import psycopg

    try:
        with psycopg.connect(_libpq(POSTGRES_URL), connect_timeout=3):
            return None
    except psycopg.OperationalError as error:
        return f"PostgreSQL not reachable at {POSTGRES_URL}: {error}"


def _libpq(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture
def postgres_url(_postgres_problem: str | None) -> Iterator[str]:
    """A URL whose connections live in a new, empty schema (dropped afterwards)."""
    import psycopg
    from sqlalchemy.engine import make_url

    if _postgres_problem:
        _unavailable(_postgres_problem)
    base = make_url(_libpq(POSTGRES_URL))
    conninfo = base.render_as_string(hide_password=False)
    schema = f"zg_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    url = base.update_query_dict({"options": f"-csearch_path={schema}"})
    yield url.render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(scope="session")
def _redis_problem() -> str | None:
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.RedisError as error:
        return f"Redis not reachable at {REDIS_URL}: {error}"
    finally:
        client.close()
    return None


@pytest.fixture
def redis_url(_redis_problem: str | None) -> Iterator[str]:
    """The test Redis database, flushed before and after."""
    import redis

    if _redis_problem:
        _unavailable(_redis_problem)
    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    try:
        yield REDIS_URL
    finally:
        client.flushdb()
        client.close()
