"""Schema migrations from code: ``upgrade(url)`` is ``alembic upgrade head`` with no alembic.ini."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.util import CommandError
from sqlalchemy import Engine

from zapguard.store.database import WRITER, shared_engine, translate_errors
from zapguard.store.errors import StoreError

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(url: str) -> Config:
    """An alembic :class:`Config` pointing at zapguard's migrations (for ``command.*`` calls)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(database: Engine | str, revision: str = "head") -> None:
    """Bring the database (a URL or an engine) to ``revision``, by default the newest schema."""
    engine = shared_engine(database) if isinstance(database, str) else database
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with translate_errors("migrating the schema"), engine.connect() as connection:
        # A writer, so SQLite takes its write lock at BEGIN and concurrent upgrades queue.
        config.attributes["connection"] = connection.execution_options(**WRITER)
        try:
            command.upgrade(config, revision)
        except CommandError as error:
            raise StoreError(
                f"falha na migração / migration failed ({revision}): {error}"
            ) from error
        connection.commit()
