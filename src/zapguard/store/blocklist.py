"""The link blocklist repository: domains flagged as spam, whose links ZG702 refuses (seed tip 7)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache

from sqlalchemy import String, bindparam, select

from zapguard.store.compiled import Compiled
from zapguard.store.schema import blocked_domains
from zapguard.store.statements import insert_for
from zapguard.store.unit_of_work import UnitOfWork

_ALL = select(blocked_domains.c.domain)
_AMONG = _ALL.where(blocked_domains.c.domain.in_(bindparam("domains", expanding=True)))

_MOST_COMPILED_DOMAINS = 16
"""Link domains a message's blocklist lookup is compiled for (a message has a few links; one
with more takes SQLAlchemy's general path instead of growing the compiled forms without end)."""


@lru_cache(maxsize=_MOST_COMPILED_DOMAINS)
def _among(count: int) -> Compiled:
    """Which of ``count`` domains (bound ``d0``..) are blocklisted, compiled once per count."""
    domains = [bindparam(f"d{i}", type_=String()) for i in range(count)]
    return Compiled(_ALL.where(blocked_domains.c.domain.in_(domains)))


class Blocklist:
    def __init__(self, work: UnitOfWork) -> None:
        self._work = work

    def add(self, *, domains: Iterable[str], source: str, at: datetime) -> int:
        """Add domains (lower-cased, trailing dot dropped) to the blocklist; returns how many were new."""
        wanted = {domain.strip().lower().rstrip(".") for domain in domains} - {""}
        if not wanted:
            return 0
        with self._work.writing("importing blocked domains") as connection:
            known = set(connection.scalars(_ALL))
            new = sorted(wanted - known)
            if new:
                connection.execute(
                    insert_for(connection, blocked_domains).on_conflict_do_nothing(),
                    [{"domain": domain, "source": source, "added_at": at} for domain in new],
                )
        return len(new)

    def everything(self) -> frozenset[str]:
        with self._work.read_connection("reading blocked domains") as connection:
            return frozenset(connection.scalars(_ALL))

    def among(self, *, domains: Iterable[str]) -> frozenset[str]:
        """The entries of ``domains`` that are blocklisted: one indexed lookup, however long the list."""
        wanted = sorted(set(domains))
        if not wanted:
            return frozenset()
        with self._work.read_connection("reading blocked domains") as connection:
            if len(wanted) > _MOST_COMPILED_DOMAINS:
                return frozenset(connection.scalars(_AMONG, {"domains": wanted}))
            named = {f"d{i}": domain for i, domain in enumerate(wanted)}
            return frozenset(row[0] for row in _among(len(wanted)).rows(connection, named))
