"""Whether the database answers: what ``/healthz`` reports to a load balancer."""

from __future__ import annotations

from sqlalchemy import text

from zapguard.store.repository import Store

__all__ = ["database_answers"]


def database_answers(store: Store) -> bool:
    """True when a trivial query runs; never raises (a probe reports, it does not fail)."""
    try:
        with store.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:
        return False
    return True
