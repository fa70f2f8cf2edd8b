"""Leases on named background jobs, chosen by URL like the counters.

>>> leases_from_url("sqlite:///zapguard.db", holder="h1", ttl_seconds=15)   # doctest: +SKIP
>>> leases_from_url("postgresql://…", holder="h1", ttl_seconds=15)          # doctest: +SKIP
>>> leases_from_url("redis://127.0.0.1:6379/0", holder="h1", ttl_seconds=15)  # doctest: +SKIP

SQLite: a row per job in ``job_leases``, expiring unless renewed. PostgreSQL: advisory locks on a
dedicated session (the server frees them when the session dies). Redis: ``SET NX PX`` with a fencing
token.
"""

from __future__ import annotations

from zapguard.store.errors import ConfigurationError
from zapguard.store.leases.base import Lease, Leases, namespace_key, new_holder_id


def leases_from_url(url: str, *, holder: str, ttl_seconds: float) -> Leases:
    """The lease backend for ``url``; an unknown scheme is a :class:`ConfigurationError`."""
    scheme = url.partition("://")[0].lower().partition("+")[0]
    if scheme == "sqlite":
        from zapguard.store.leases.table import TableLeases

        return TableLeases(url, holder, ttl_seconds)
    if scheme in ("postgresql", "postgres"):
        from zapguard.store.leases.advisory import AdvisoryLeases

        return AdvisoryLeases(url, holder, ttl_seconds)
    if scheme in ("redis", "rediss", "unix"):
        from zapguard.store.leases.redis import RedisLeases

        return RedisLeases(url, holder, ttl_seconds)
    raise ConfigurationError(
        f"esquema de URL de coordenação desconhecido / unknown coordination URL scheme in {url!r}; "
        "known: sqlite://, postgresql://, redis://"
    )


__all__ = ["Lease", "Leases", "leases_from_url", "namespace_key", "new_holder_id"]
