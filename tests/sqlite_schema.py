"""A fresh SQLite database given the schema the migrations built once, instead of migrating it.

Most tests start from an empty SQLite file and run every migration on it (about 85 ms for eleven
revisions, over a thousand times a suite). This module migrates one file per test session with
Alembic, then replays that file's schema and rows, statement by statement in their original order,
into any other empty SQLite database brought to ``head``: the same tables, indexes and
``alembic_version``, built by the real migrations, at a fraction of the cost. A database that is
not empty, another revision, or PostgreSQL goes through Alembic as in production; so do processes
the tests start (servers, spawned workers), which never load this module.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

import zapguard.store.migrate as migrate


class _Schema:
    """The statements that rebuild the migrated template, read once."""

    def __init__(self, path: Path) -> None:
        migrate.upgrade(f"sqlite:///{path}")
        with sqlite3.connect(path) as template:
            self.ddl = [
                sql
                for (sql,) in template.execute(
                    "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE "
                    "'sqlite_%' ORDER BY rowid"
                )
            ]
            tables = [
                name
                for (name,) in template.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                    "'sqlite_%' ORDER BY rowid"
                )
            ]
            self.rows = [
                (table, row)
                for table in tables
                for row in template.execute(f'SELECT * FROM "{table}"')
            ]

    def apply(self, connection: Connection) -> None:
        for sql in self.ddl:
            connection.exec_driver_sql(sql)
        for table, row in self.rows:
            marks = ", ".join("?" for _ in row)
            connection.exec_driver_sql(f'INSERT INTO "{table}" VALUES ({marks})', tuple(row))


class _Command:
    """``alembic.command`` as :mod:`zapguard.store.migrate` calls it, with the shortcut above."""

    def __init__(self, real: Any, schema: _Schema) -> None:
        self._real = real
        self._schema = schema

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def upgrade(self, config: Any, revision: str, *args: Any, **kwargs: Any) -> None:
        connection = config.attributes.get("connection")
        if revision == "head" and isinstance(connection, Connection) and _empty_sqlite(connection):
            self._schema.apply(connection)
            return
        self._real.upgrade(config, revision, *args, **kwargs)


def _empty_sqlite(connection: Connection) -> bool:
    if connection.dialect.name != "sqlite":
        return False
    found = connection.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar()
    return found == 0


def install(directory: Path) -> Any:
    """Route :func:`zapguard.store.migrate.upgrade` through the shortcut; returns what to restore."""
    real = migrate.command
    migrate.command = _Command(real, _Schema(directory / "template.db"))  # type: ignore[assignment]
    return real


def uninstall(real: Any) -> None:
    migrate.command = real
