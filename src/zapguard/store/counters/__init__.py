"""Quota counters chosen by URL, like ``limits.storage_from_string``.

>>> counters = counters_from_url("memory://")
>>> counters_from_url("redis://127.0.0.1:6379/0")      # doctest: +SKIP
>>> counters_from_url("sqlite:///zapguard.db")          # shares the store's engine for that URL
"""

from __future__ import annotations

from zapguard.store.counters.base import SCHEMES, Counters, Limit
from zapguard.store.counters.memory import MemoryCounters
from zapguard.store.counters.redis import RedisCounters
from zapguard.store.counters.sql import SqlCounters
from zapguard.store.errors import ConfigurationError


def counters_from_url(url: str) -> Counters:
    """The counters backend for ``url``; an unknown scheme is a :class:`ConfigurationError`."""
    scheme = url.partition("://")[0].lower() if "://" in url else ""
    backend = SCHEMES.get(scheme) or SCHEMES.get(scheme.partition("+")[0])
    if backend is None:
        known = ", ".join(f"{name}://" for name in sorted(SCHEMES))
        raise ConfigurationError(
            f"esquema de URL de contadores desconhecido / unknown counters URL scheme in {url!r}; "
            f"known: {known}"
        )
    return backend.from_url(url)


__all__ = [
    "SCHEMES",
    "ConfigurationError",
    "Counters",
    "Limit",
    "MemoryCounters",
    "RedisCounters",
    "SqlCounters",
    "counters_from_url",
]
