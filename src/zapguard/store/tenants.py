"""The tenants repository: the businesses zapguard serves, each with its own lines and contacts."""

from __future__ import annotations

from sqlalchemy import select

from zapguard.domain.models import Tenant
from zapguard.store.schema import tenants
from zapguard.store.statements import insert_ignore
from zapguard.store.unit_of_work import UnitOfWork


class Tenants:
    def __init__(self, work: UnitOfWork) -> None:
        self._work = work

    def ensure(self, *, tenant_id: str, name: str | None = None) -> Tenant:
        """The tenant ``tenant_id``, created (named ``name`` or its id) if it did not exist."""
        with self._work.writing("registering a tenant") as connection:
            insert_ignore(connection, tenants, {"id": tenant_id, "name": name or tenant_id})
            row = connection.execute(select(tenants).where(tenants.c.id == tenant_id)).one()
        return Tenant(id=row.id, name=row.name)

    def ids(self) -> list[str]:
        """Every tenant's id, sorted (background checks that look at each tenant in turn)."""
        with self._work.read_connection("listing tenants") as connection:
            return list(connection.scalars(select(tenants.c.id).order_by(tenants.c.id)))
