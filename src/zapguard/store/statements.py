"""SQL pieces several repositories share: the line and contact statements, upserts per dialect,
and the small helpers that read a row into a domain value.

Statements are built once at import: SQLAlchemy then reuses their cache key and compiled form
instead of rebuilding and re-hashing the expression on every call (the bulk of a small query's cost).
A parameter named in a write statement is prefixed ``b_``: in an UPDATE, a parameter named like a
column would be read as one more column to SET.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Row,
    Table,
    Update,
    and_,
    bindparam,
    case,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from zapguard.domain import phones
from zapguard.domain.models import AccountType, Line, LineState, ProviderKind, Role
from zapguard.store.compiled import Compiled
from zapguard.store.errors import NotFound
from zapguard.store.records import LineRecord
from zapguard.store.schema import contact_stats, contacts, conversations, lines
from zapguard.store.types import UTCDateTime

Insert = postgresql.Insert | sqlite.Insert


def latest(column: Any, value: Any) -> ColumnElement[datetime]:
    """The later of a column and a value; out-of-order news never moves a mark back."""
    return case((or_(column.is_(None), column < value), value), else_=column)


def earliest(column: Any, value: Any) -> ColumnElement[datetime]:
    return case((or_(column.is_(None), column > value), value), else_=column)


def later(mark: datetime | None, at: datetime) -> datetime:
    """What :func:`latest` leaves in a column holding ``mark``, as the column gives it back (aware
    UTC): out-of-order news never moves a mark back."""
    return at.astimezone(UTC) if mark is None or mark < at else mark


# -- lines --------------------------------------------------------------------------------------

LINE_BY_ID = select(lines).where(lines.c.id == bindparam("line_id"))
LINE_OF_TENANT = LINE_BY_ID.where(lines.c.tenant_id == bindparam("tenant_id"))
LINES_OF_TENANT = (
    select(lines).where(lines.c.tenant_id == bindparam("tenant_id")).order_by(lines.c.id)
)
LINE_OWNER = select(lines.c.tenant_id).where(lines.c.id == bindparam("line_id"))
AT = bindparam("b_at", type_=UTCDateTime())  # typed: goes through UTCDateTime even inside CASE
OF_LINE = and_(lines.c.id == bindparam("b_line_id"), lines.c.tenant_id == bindparam("b_tenant_id"))


@lru_cache(maxsize=32)
def line_update(columns: tuple[str, ...]) -> Update:
    """``UPDATE lines SET <columns> WHERE`` the tenant's line, each value bound as ``b_<column>``."""
    return (
        update(lines)
        .where(OF_LINE)
        .values({name: bindparam(f"b_{name}", type_=lines.c[name].type) for name in columns})
    )


def update_line(
    connection: Connection,
    tenant_id: str,
    line_id: str,
    statement: Update,
    values: Mapping[str, Any],
) -> None:
    """Run ``statement`` (built on :data:`OF_LINE`) on the tenant's line; NotFound if it has none."""
    result = connection.execute(
        statement, {**values, "b_line_id": line_id, "b_tenant_id": tenant_id}
    )
    if result.rowcount == 0:
        raise NotFound(f"linha não encontrada / line not found: {line_id} (tenant {tenant_id})")


def check_line(connection: Connection, tenant_id: str, line_id: str) -> None:
    """:class:`NotFound` unless ``line_id`` is a line of ``tenant_id``."""
    owner = connection.scalar(LINE_OWNER, {"line_id": line_id})
    if owner != tenant_id:
        raise NotFound(f"linha não encontrada / line not found: {line_id} (tenant {tenant_id})")


def line_record(row: Row[Any]) -> LineRecord:
    line = Line(
        id=row.id,
        tenant_id=row.tenant_id,
        phone=row.phone,
        role=Role(row.role),
        account=AccountType(row.account),
        in_use_since=row.in_use_since,
        pool=row.pool,
        device=row.device,
        network=row.network,
        provider=row.provider,
        state=LineState(row.state),
        daily_cap=row.daily_cap,
        timezone=row.timezone,
        provider_kind=ProviderKind(row.provider_kind) if row.provider_kind else None,
        portfolio=row.portfolio,
    )
    return LineRecord(
        line=line,
        registered_at=row.registered_at,
        ramp_anchor=row.ramp_anchor,
        health_score=row.health_score,
        health_at=row.health_at,
        last_human_at=row.last_human_at,
        last_sent_at=row.last_sent_at,
        provider_account=row.provider_account,
        helpdesk_url=row.helpdesk_url,
        business_account=row.business_account,
    )


# -- upserts, per dialect -----------------------------------------------------------------------


def is_postgres(connection: Connection) -> bool:
    return connection.dialect.name == "postgresql"


def insert_for(connection: Connection, table: Table) -> Insert:
    """An INSERT that understands ON CONFLICT on the connection's database."""
    if is_postgres(connection):
        return postgresql.insert(table)
    return sqlite.insert(table)


def insert_ignore(connection: Connection, table: Table, values: Mapping[str, Any]) -> None:
    connection.execute(insert_for(connection, table).values(**values).on_conflict_do_nothing())


def inserted_id(key: Any) -> int:
    return int(key[0])


@dataclass(frozen=True, slots=True)
class Upserts:
    """The statements whose ON CONFLICT syntax depends on the database, built once per dialect."""

    contact: Insert
    inbound_conversation: Insert
    inbound_stats: Insert
    outbound_conversation: Insert
    outbound_stats: Insert

    @classmethod
    def build(cls, insert: Callable[[Table], Insert]) -> Upserts:
        conversation_key = [conversations.c.line_id, conversations.c.contact]
        stats_key = [contact_stats.c.tenant_id, contact_stats.c.contact]
        inbound = insert(conversations)
        inbound_stats = insert(contact_stats)
        outbound = insert(conversations)
        outbound_stats = insert(contact_stats)
        return cls(
            contact=insert(contacts).on_conflict_do_nothing(),
            inbound_conversation=inbound.on_conflict_do_update(
                index_elements=conversation_key,
                set_={
                    "first_inbound_at": earliest(
                        conversations.c.first_inbound_at, inbound.excluded.first_inbound_at
                    ),
                    "last_inbound_at": latest(
                        conversations.c.last_inbound_at, inbound.excluded.last_inbound_at
                    ),
                    "inbound_count": conversations.c.inbound_count + 1,
                },
            ),
            inbound_stats=inbound_stats.on_conflict_do_update(
                index_elements=stats_key,
                set_={
                    "last_inbound_at": latest(
                        contact_stats.c.last_inbound_at, inbound_stats.excluded.last_inbound_at
                    ),
                    "unanswered": 0,
                },
            ),
            outbound_conversation=outbound.on_conflict_do_update(
                index_elements=conversation_key,
                set_={
                    "last_outbound_at": latest(
                        conversations.c.last_outbound_at, outbound.excluded.last_outbound_at
                    ),
                    "outbound_count": conversations.c.outbound_count + 1,
                },
            ),
            outbound_stats=outbound_stats.on_conflict_do_update(
                index_elements=stats_key,
                set_={
                    "last_outbound_at": latest(
                        contact_stats.c.last_outbound_at, outbound_stats.excluded.last_outbound_at
                    ),
                    # The inserted value is the step (1 if business-initiated, else 0): add it.
                    "unanswered": contact_stats.c.unanswered + outbound_stats.excluded.unanswered,
                },
            ),
        )


UPSERTS = {True: Upserts.build(postgresql.insert), False: Upserts.build(sqlite.insert)}
_FAST_CONTACT = {
    postgres: Compiled(upserts.contact, ["tenant_id", "phone", "aliases", "first_seen_at"])
    for postgres, upserts in UPSERTS.items()
}


def upserts(connection: Connection) -> Upserts:
    return UPSERTS[is_postgres(connection)]


def ensure_contact(connection: Connection, tenant_id: str, phone: str, at: datetime) -> None:
    """The tenant's contact ``phone`` exists (first seen at ``at`` if it is new)."""
    _FAST_CONTACT[is_postgres(connection)].execute(
        connection,
        {
            "tenant_id": tenant_id,
            "phone": phone,
            "aliases": list(phones.aliases(phone)),
            "first_seen_at": at,
        },
    )
