"""Engines, URLs and migrations."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from zapguard.store import ConfigurationError, Store, counters_from_url, open_engine, upgrade
from zapguard.store.counters import SqlCounters
from zapguard.store.database import SQL_ACTIVITY, sql_url
from zapguard.store.schema import metadata


def test_migrations_build_exactly_the_schema_in_schema_py(sql_url: str) -> None:
    # `sql_url` is already upgraded; running again must be a no-op.
    upgrade(sql_url)
    engine = open_engine(sql_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, metadata) == []
            assert context.get_current_revision() == "0011"
            assert set(inspect(connection).get_table_names()) == {
                *metadata.tables,
                "alembic_version",
            }
    finally:
        engine.dispose()


def test_sqlite_is_tuned_for_concurrent_use(sqlite_url: str) -> None:
    engine = open_engine(sqlite_url)
    try:
        with engine.connect() as connection:
            pragma = connection.exec_driver_sql
            assert pragma("PRAGMA journal_mode").scalar() == "wal"
            assert pragma("PRAGMA synchronous").scalar() == 1  # NORMAL
            assert pragma("PRAGMA foreign_keys").scalar() == 1
            assert pragma("PRAGMA busy_timeout").scalar() == 10_000
    finally:
        engine.dispose()


def test_every_statement_and_commit_of_an_engine_is_counted(sql_url: str) -> None:
    engine = open_engine(sql_url)
    try:
        statements, commits = SQL_ACTIVITY.statements, SQL_ACTIVITY.commits
        with engine.begin() as connection:
            connection.exec_driver_sql("SELECT 1")
            connection.exec_driver_sql("SELECT 2")
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 3")
            connection.rollback()
        # Two SELECTs and a third, plus SQLite's explicit BEGIN for each transaction; PostgreSQL's
        # driver opens its transactions itself. One commit: the rolled-back block has none.
        begins = 2 if sql_url.startswith("sqlite") else 0
        assert SQL_ACTIVITY.statements - statements == 3 + begins
        assert SQL_ACTIVITY.commits - commits == 1
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("url", "driver"),
    [
        ("postgresql://u@h:5432/db", "postgresql+psycopg"),
        ("postgres://u@h/db", "postgresql+psycopg"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg"),
        ("postgresql+psycopg2://u@h/db", "postgresql+psycopg"),
        ("sqlite:///zapguard.db", "sqlite"),
    ],
)
def test_postgresql_urls_use_psycopg_3(url: str, driver: str) -> None:
    assert sql_url(url).drivername == driver


def test_an_unknown_database_scheme_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match=r"unknown database URL scheme.*sqlite://"):
        open_engine("mysql://u@h/db")


def test_counters_on_the_store_url_share_the_store_engine(sql_url: str) -> None:
    store, counters = Store(sql_url), counters_from_url(sql_url)
    assert isinstance(counters, SqlCounters)
    assert counters.engine is store.engine
    counters.close()


def test_an_in_memory_sqlite_store_can_be_migrated() -> None:
    store = Store("sqlite://")
    upgrade("sqlite://")
    assert store.tenants.ensure(tenant_id="acme").name == "acme"
    store.close()


def test_a_relative_sqlite_file_is_pinned_where_it_was_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert sql_url("sqlite:///zapguard.db").database == str(tmp_path / "zapguard.db")
