"""Leases as PostgreSQL advisory locks, held on one dedicated session of this holder.

The server keeps an advisory lock exactly as long as the session that took it: a holder killed with
``-9`` loses its TCP connection and with it every lock, at once, with no expiry to wait for. The
keys are 64-bit hashes of the database URL and the job's name (advisory locks are per database,
shared by every schema in it). Renewing asks the server whether this session still holds the lock:
if the connection broke, the locks went with it and the job must stop.
"""

from __future__ import annotations

import contextlib
import threading
from typing import TYPE_CHECKING

from zapguard.store.database import sql_url
from zapguard.store.errors import StoreError
from zapguard.store.leases.base import Lease, Leases, namespace_key

if TYPE_CHECKING:
    import psycopg

_HELD = (
    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() "
    "AND granted AND objsubid = 1 AND classid = %s::bigint::oid AND objid = %s::bigint::oid"
)


def libpq_url(url: str) -> str:
    """``url`` as libpq reads it (no SQLAlchemy driver name)."""
    return sql_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


# Members hold a lock in the two-key form: the first key names the deployment's member space
# (objsubid 2 in pg_locks keeps them apart from the jobs' one-key locks), the second the holder.
_MEMBERS = (
    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 2 "
    "AND classid = %s::bigint::oid"
)


def _int4(key: int) -> int:
    """The low 32 bits of ``key`` as a signed int4."""
    low = key & 0xFFFFFFFF
    return low - (1 << 32) if low >= 1 << 31 else low


class AdvisoryLeases(Leases):
    def __init__(self, url: str, holder: str, ttl_seconds: float) -> None:
        super().__init__(holder, ttl_seconds)
        self._conninfo = libpq_url(url)
        self._namespace = self._conninfo
        self._lock = threading.Lock()
        self._session: psycopg.Connection[tuple[object, ...]] | None = None
        self._member_session: object | None = None
        """The session that holds this holder's member lock (a new session must take it again)."""
        self._space = _int4(namespace_key(self._namespace, "members"))

    def _connection(self) -> psycopg.Connection[tuple[object, ...]]:
        import psycopg

        if self._session is None or self._session.closed:
            # A keepalive lets the server notice a dead host, and so free its locks, within seconds.
            self._session = psycopg.connect(
                self._conninfo,
                autocommit=True,
                connect_timeout=5,
                keepalives=1,
                keepalives_idle=5,
                keepalives_interval=2,
                keepalives_count=3,
            )
        return self._session

    def _key(self, name: str) -> int:
        return namespace_key(self._namespace, name)

    def acquire(self, name: str) -> Lease | None:
        import psycopg

        with self._lock:
            try:
                row = (
                    self._connection()
                    .execute("SELECT pg_try_advisory_lock(%s)", (self._key(name),))
                    .fetchone()
                )
            except psycopg.Error as error:
                self._drop()
                raise StoreError(
                    f"não consegui pedir a vez / could not ask for lease {name!r}"
                ) from error
        return Lease(name, self.holder, 0) if row is not None and row[0] else None

    def renew(self, lease: Lease) -> bool:
        import psycopg

        key = self._key(lease.name)
        with self._lock:
            if self._session is None or self._session.closed:
                return False  # a new session holds none of the old one's locks
            try:
                row = self._session.execute(
                    _HELD, ((key >> 32) & 0xFFFFFFFF, key & 0xFFFFFFFF)
                ).fetchone()
            except psycopg.Error:
                self._drop()
                return False
        return row is not None and int(str(row[0])) >= 1

    def release(self, lease: Lease) -> None:
        import psycopg

        with self._lock:
            if self._session is None or self._session.closed:
                return
            try:
                self._session.execute("SELECT pg_advisory_unlock(%s)", (self._key(lease.name),))
            except psycopg.Error:
                self._drop()

    def members(self) -> int:
        import psycopg

        with self._lock:
            try:
                session = self._connection()
                if self._member_session is not session:
                    session.execute(
                        "SELECT pg_try_advisory_lock(%s, %s)",
                        (self._space, _int4(namespace_key(self._namespace, self.holder))),
                    )
                    self._member_session = session
                row = session.execute(_MEMBERS, (self._space & 0xFFFFFFFF,)).fetchone()
            except psycopg.Error as error:
                self._drop()
                raise StoreError(
                    "não consegui contar os trabalhadores / could not count workers"
                ) from error
        return max(1, int(str(row[0]))) if row is not None else 1

    def leave(self) -> None:
        import psycopg

        with self._lock:
            if self._session is None or self._member_session is not self._session:
                return
            with contextlib.suppress(psycopg.Error):
                self._session.execute(
                    "SELECT pg_advisory_unlock(%s, %s)",
                    (self._space, _int4(namespace_key(self._namespace, self.holder))),
                )
            self._member_session = None

    def close(self) -> None:
        with self._lock:
            self._drop()

    def _drop(self) -> None:
        if self._session is not None:
            with contextlib.suppress(Exception):  # a broken session is thrown away anyway
                self._session.close()
            self._session = None
        self._member_session = None
