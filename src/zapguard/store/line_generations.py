"""Each tenant's line generation: the number every write to its lines moves, in the write's own
transaction, so that any process can tell whether the line records it keeps are current
(:mod:`zapguard.store.line_cache`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, bindparam, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite

from zapguard.store.compiled import Compiled
from zapguard.store.database import after_commit
from zapguard.store.line_cache import LineCache, Patch
from zapguard.store.schema import line_heads, lines
from zapguard.store.statements import Insert, is_postgres

_LINE_GENERATION = Compiled(
    select(line_heads.c.generation).where(line_heads.c.tenant_id == bindparam("tenant_id"))
)
_BUMP_EVERY_TENANT = update(line_heads).values(generation=line_heads.c.generation + 1)


def _bump_lines(insert: Callable[..., Insert]) -> Any:
    """The tenant's line generation + 1 (1 for a tenant without a row), returning the new one."""
    statement = insert(line_heads).values(tenant_id=bindparam("tenant_id"), generation=1)
    return statement.on_conflict_do_update(
        index_elements=[line_heads.c.tenant_id],
        set_={"generation": line_heads.c.generation + 1},
    ).returning(line_heads.c.generation)


def _head_every_tenant(insert: Callable[..., Insert]) -> Any:
    """Generation 1 for each tenant with lines but no generation yet (its lines predate them);
    a concurrent first write of the same tenant's generation wins, which moves it too."""
    tenants = (
        select(lines.c.tenant_id, literal(1))
        .where(lines.c.tenant_id.not_in(select(line_heads.c.tenant_id)))
        .distinct()
    )
    return (
        insert(line_heads)
        .from_select(["tenant_id", "generation"], tenants)
        .on_conflict_do_nothing(index_elements=[line_heads.c.tenant_id])
    )


_BUMP_LINES = {
    postgres: Compiled(_bump_lines(insert))
    for postgres, insert in ((True, postgresql.insert), (False, sqlite.insert))
}
_HEAD_EVERY_TENANT = {
    True: _head_every_tenant(postgresql.insert),
    False: _head_every_tenant(sqlite.insert),
}


class LineGenerations:
    """Moves and reads tenants' line generations, and keeps this process's line cache in step."""

    def __init__(self, cache: LineCache) -> None:
        self.cache = cache

    def current(self, connection: Connection, tenant_id: str) -> int:
        found = _LINE_GENERATION.rows(connection, {"tenant_id": tenant_id})
        return int(found[0][0]) if found else 0

    def changed(
        self, connection: Connection, tenant_id: str, line_id: str, patch: Patch | None = None
    ) -> None:
        """Bump the tenant's line generation in the current transaction; when it commits, this
        process's kept records take ``patch`` (or are discarded)."""
        ((now,),) = _BUMP_LINES[is_postgres(connection)].rows(connection, {"tenant_id": tenant_id})
        after_commit(connection, lambda: self.cache.changed(tenant_id, now, line_id, patch))

    def every_tenant_changed(self, connection: Connection) -> None:
        """The ban registry grew: every tenant with lines may now have a banned one (a device or
        network is shared across tenants), so each one's line generation moves, in every
        process; this process forgets what it kept once the ban commits."""
        connection.execute(_BUMP_EVERY_TENANT)
        connection.execute(_HEAD_EVERY_TENANT[is_postgres(connection)])
        after_commit(connection, self.cache.forget_all)
