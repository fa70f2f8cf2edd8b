"""Cloud API templates (ZG507): each one's last known status and quality at Meta, per tenant, and
whether the user lets it go out while its quality is RED. Shares the store's transactions.

Status and quality are each the one told for the latest instant (when Meta said it, not when
zapguard heard it); at the same instant the more restrictive one stands (any status but APPROVED
over APPROVED, then the name's order; RED over YELLOW over GREEN over UNKNOWN). So webhooks and
replays that arrive late, twice or in any order leave the same state. A decision reads one row by
its primary key, and only for a message that sends a template.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from sqlalchemy import Connection, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite

from zapguard.policy.snapshot import TemplateView
from zapguard.store.repository import Store
from zapguard.store.schema import templates

_QUALITY_ORDER: Final = {"UNKNOWN": 0, "GREEN": 1, "YELLOW": 2, "RED": 3}
_COLUMNS = (
    templates.c.name,
    templates.c.status,
    templates.c.quality,
    templates.c.quality_at,
    templates.c.allow_red,
)
_ONE = select(*_COLUMNS).where(
    templates.c.tenant_id == bindparam("tenant_id"), templates.c.name == bindparam("name")
)


def _status_rank(status: str) -> tuple[bool, str]:
    return status != "APPROVED", status


def _quality_rank(quality: str) -> tuple[int, str]:
    return _QUALITY_ORDER.get(quality, -1), quality


def record_status(store: Store, *, tenant_id: str, name: str, status: str, at: datetime) -> bool:
    """Meta said template ``name`` was ``status`` at ``at``; ``False`` when a status told for a
    later instant (or a more restrictive one for the same instant) already stands."""
    status = status.strip().upper()
    with store.writing("recording a template's status") as connection:
        row = _ensure(connection, tenant_id, name)
        if row.status_at is not None and (
            row.status_at > at
            or (row.status_at == at and _status_rank(row.status) >= _status_rank(status))
        ):
            return False
        _update(connection, tenant_id, name, status=status, status_at=at)
        return True


def record_quality(store: Store, *, tenant_id: str, name: str, quality: str, at: datetime) -> bool:
    """Meta rated template ``name`` ``quality`` at ``at``; ``False`` when a rating for a later
    instant (or a worse one for the same instant) already stands."""
    quality = quality.strip().upper()
    with store.writing("recording a template's quality") as connection:
        row = _ensure(connection, tenant_id, name)
        if row.quality_at is not None and (
            row.quality_at > at
            or (row.quality_at == at and _quality_rank(row.quality) >= _quality_rank(quality))
        ):
            return False
        _update(connection, tenant_id, name, quality=quality, quality_at=at)
        return True


def set_allow_red(store: Store, *, tenant_id: str, name: str, allow_red: bool) -> None:
    """The user lets template ``name`` go out while its quality is RED (or no longer does)."""
    with store.writing("setting a template's RED override") as connection:
        _ensure(connection, tenant_id, name)
        _update(connection, tenant_id, name, allow_red=allow_red)


def view(store: Store, *, tenant_id: str, name: str) -> TemplateView | None:
    """The template's state, ``None`` when zapguard never heard of it."""
    with store.read_connection("reading a template") as connection:
        row = connection.execute(_ONE, {"tenant_id": tenant_id, "name": name}).first()
    return None if row is None else _view(row)


def of_tenant(store: Store, *, tenant_id: str) -> list[TemplateView]:
    """Every template the tenant's state knows, by name."""
    query = select(*_COLUMNS).where(templates.c.tenant_id == tenant_id).order_by(templates.c.name)
    with store.read_connection("reading templates") as connection:
        return [_view(row) for row in connection.execute(query)]


def _view(row: Any) -> TemplateView:
    return TemplateView(
        name=row.name,
        status=row.status,
        quality=row.quality,
        quality_at=row.quality_at,
        allow_red=bool(row.allow_red),
    )


def _ensure(connection: Connection, tenant_id: str, name: str) -> Any:
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    connection.execute(
        dialect.insert(templates)
        .values(tenant_id=tenant_id, name=name, allow_red=False)
        .on_conflict_do_nothing()
    )
    query = select(templates.c.status, templates.c.status_at, templates.c.quality)
    query = query.add_columns(templates.c.quality_at).where(
        templates.c.tenant_id == tenant_id, templates.c.name == name
    )
    # A row lock on PostgreSQL: two webhooks about the same template compare in turn.
    if connection.dialect.name == "postgresql":
        query = query.with_for_update()
    return connection.execute(query).one()


def _update(connection: Connection, tenant_id: str, name: str, **values: object) -> None:
    connection.execute(
        update(templates)
        .where(templates.c.tenant_id == tenant_id, templates.c.name == name)
        .values(**values)
    )
