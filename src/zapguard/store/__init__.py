"""Persistence: SQL repositories (SQLite by default, PostgreSQL), quota counters, migrations.

Imports nothing of zapguard but :mod:`zapguard.domain`. Every failure is a :class:`StoreError`.
"""

from __future__ import annotations

from zapguard.store.counters import Counters, Limit, counters_from_url
from zapguard.store.database import open_engine, shared_engine
from zapguard.store.errors import ConfigurationError, Conflict, NotFound, StoreError
from zapguard.store.lines import UNSET
from zapguard.store.migrate import upgrade
from zapguard.store.records import BannedSets, ContactStats, DecisionRecord, LineRecord
from zapguard.store.repository import Store

__all__ = [
    "UNSET",
    "BannedSets",
    "ConfigurationError",
    "Conflict",
    "ContactStats",
    "Counters",
    "DecisionRecord",
    "Limit",
    "LineRecord",
    "NotFound",
    "Store",
    "StoreError",
    "counters_from_url",
    "open_engine",
    "shared_engine",
    "upgrade",
]
