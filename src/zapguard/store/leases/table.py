"""Leases as rows of ``job_leases`` in the store's own SQL database (the SQLite coordination
backend; it also works on PostgreSQL, where :mod:`.advisory` is the default).

A lease is ``(name, holder, token, expires_at)``. Taking one is one upsert that only overwrites an
expired row, so two holders racing for a free name cannot both win: the database serializes the
statement. The holder's heartbeat moves ``expires_at``; a holder that dies stops moving it and the
name is free ``ttl_seconds`` after its last renewal. Times are this host's wall clock, which is
right for SQLite (one host); across hosts use PostgreSQL or Redis.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from zapguard.store.database import shared_engine
from zapguard.store.errors import StoreError
from zapguard.store.leases.base import Lease, Leases

_ACQUIRE = text(
    "INSERT INTO job_leases (name, holder, token, expires_at) "
    "VALUES (:name, :holder, 1, :expires_at) "
    "ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, "
    "token = job_leases.token + 1, expires_at = excluded.expires_at "
    "WHERE job_leases.expires_at <= :now OR job_leases.holder = :holder "
    "RETURNING token"
)
_RENEW = text(
    "UPDATE job_leases SET expires_at = :expires_at "
    "WHERE name = :name AND holder = :holder AND token = :token AND expires_at > :now"
)
# Released, the row stays (expired): the next grant's token continues from it.
_RELEASE = text(
    "UPDATE job_leases SET expires_at = 0 "
    "WHERE name = :name AND holder = :holder AND token = :token"
)


# Members are rows too, named ``member:<holder>``: they need no token, only an expiry. Expired
# ones are deleted as they are counted (a restarted worker is a new holder: rows would pile up).
_MEMBER = text(
    "INSERT INTO job_leases (name, holder, token, expires_at) "
    "VALUES (:name, :holder, 0, :expires_at) "
    "ON CONFLICT (name) DO UPDATE SET expires_at = excluded.expires_at"
)
_FORGET_MEMBERS = text("DELETE FROM job_leases WHERE name LIKE 'member:%' AND expires_at <= :now")
_COUNT_MEMBERS = text("SELECT count(*) FROM job_leases WHERE name LIKE 'member:%'")
_LEAVE = text("DELETE FROM job_leases WHERE name = :name")


class TableLeases(Leases):
    def __init__(
        self,
        url: str,
        holder: str,
        ttl_seconds: float,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(holder, ttl_seconds)
        self._engine = shared_engine(url)
        self._clock = clock

    def acquire(self, name: str) -> Lease | None:
        now = self._clock()
        try:
            with self._engine.begin() as connection:
                token = connection.execute(
                    _ACQUIRE,
                    {
                        "name": name,
                        "holder": self.holder,
                        "expires_at": now + self.ttl_seconds,
                        "now": now,
                    },
                ).scalar()
        except SQLAlchemyError as error:
            raise StoreError(
                f"não consegui pedir a vez / could not ask for lease {name!r}"
            ) from error
        return None if token is None else Lease(name, self.holder, int(token))

    def renew(self, lease: Lease) -> bool:
        now = self._clock()
        try:
            with self._engine.begin() as connection:
                moved = connection.execute(
                    _RENEW,
                    {
                        "name": lease.name,
                        "holder": lease.holder,
                        "token": lease.token,
                        "expires_at": now + self.ttl_seconds,
                        "now": now,
                    },
                ).rowcount
        except SQLAlchemyError:
            return False  # not renewed: by the time the database is back it may have expired
        return moved == 1

    def members(self) -> int:
        now = self._clock()
        with self._engine.begin() as connection:
            connection.execute(
                _MEMBER,
                {
                    "name": f"member:{self.holder}",
                    "holder": self.holder,
                    "expires_at": now + self.ttl_seconds,
                },
            )
            connection.execute(_FORGET_MEMBERS, {"now": now})
            count = connection.execute(_COUNT_MEMBERS).scalar()
        return max(1, int(count or 0))

    def leave(self) -> None:
        try:
            with self._engine.begin() as connection:
                connection.execute(_LEAVE, {"name": f"member:{self.holder}"})
        except SQLAlchemyError:
            pass  # it expires on its own

    def release(self, lease: Lease) -> None:
        try:
            with self._engine.begin() as connection:
                connection.execute(
                    _RELEASE,
                    {"name": lease.name, "holder": lease.holder, "token": lease.token},
                )
        except SQLAlchemyError:
            pass  # it expires on its own
