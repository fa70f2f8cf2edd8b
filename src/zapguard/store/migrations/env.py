"""Alembic environment, driven by :func:`zapguard.store.migrate.upgrade` (no alembic.ini)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, text

from zapguard.store.schema import metadata

# Any fixed number: every zapguard process that migrates takes this lock, so two workers starting
# together do not both try to create the same tables.
_MIGRATION_LOCK = 7_368_257_460


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )


def run_online() -> None:
    connection: Connection = context.config.attributes["connection"]
    _configure(connection)
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
        context.run_migrations()


def run_offline() -> None:
    context.configure(
        url=context.config.get_main_option("sqlalchemy.url"),
        target_metadata=metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
