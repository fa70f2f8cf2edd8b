"""The outbox's hot reads use an index on every database, whatever the outbox's size."""

from __future__ import annotations

from sqlalchemy import inspect
from sqlalchemy.dialects import sqlite

from zapguard.store import open_engine, upgrade
from zapguard.store.outbox import RECENTLY_SENT


def test_migrations_index_merge_followers_and_a_lines_recent_sends(sql_url: str) -> None:
    engine = open_engine(sql_url)
    try:
        with engine.connect() as connection:
            indexes = {
                index["name"]: index["column_names"]
                for index in inspect(connection).get_indexes("outbox")
            }
    finally:
        engine.dispose()
    assert indexes["ix_outbox_merged_into"] == ["merged_into"]
    assert indexes["ix_outbox_line_id_sent_at_contact"] == ["line_id", "sent_at", "contact"]


def _plan(sqlite_url: str, statement: str) -> str:
    upgrade(sqlite_url)
    engine = open_engine(sqlite_url)
    try:
        with engine.connect() as connection:
            rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}").all()
    finally:
        engine.dispose()
    return " | ".join(str(row[-1]) for row in rows)


def test_a_status_update_searches_the_row_and_its_followers_instead_of_scanning(
    sqlite_url: str,
) -> None:
    plan = _plan(
        sqlite_url,
        "UPDATE outbox SET delivery_status = 'read' WHERE id = 7 OR merged_into = 7",
    )
    assert "SCAN" not in plan
    assert "ix_outbox_merged_into" in plan


def test_the_pair_interval_reads_only_a_lines_sends_after_the_instant(
    sqlite_url: str,
) -> None:
    compiled = str(RECENTLY_SENT.compile(dialect=sqlite.dialect()))
    statement = compiled.replace("?", "'x'", 1).replace("?", "'2026-01-01 00:00:00.000000'", 1)
    plan = _plan(sqlite_url, statement)
    assert "ix_outbox_line_id_sent_at_contact (line_id=? AND sent_at>?)" in plan
