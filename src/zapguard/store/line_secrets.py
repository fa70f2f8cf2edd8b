"""The line secrets repository: what signs a line's webhooks and opens its helpdesk (see
:data:`~zapguard.store.schema.line_secrets`). Settings, not history: they go with a deleted line."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from zapguard.store.schema import line_secrets, lines
from zapguard.store.statements import check_line
from zapguard.store.unit_of_work import UnitOfWork


class LineSecrets:
    def __init__(self, work: UnitOfWork) -> None:
        self._work = work

    def set(
        self, *, tenant_id: str, line_id: str, kind: str, secret: str | None, at: datetime
    ) -> None:
        """Set (or, with ``None``, remove) the tenant's line's ``kind`` secret: ``provider``,
        ``chatwoot`` or ``helpdesk``."""
        with self._work.writing("setting a line secret") as connection:
            check_line(connection, tenant_id, line_id)
            connection.execute(
                line_secrets.delete().where(
                    line_secrets.c.line_id == line_id, line_secrets.c.kind == kind
                )
            )
            if secret is not None:
                connection.execute(
                    line_secrets.insert().values(
                        line_id=line_id, kind=kind, secret=secret, set_at=at
                    )
                )

    def get(self, *, line_id: str, kind: str) -> str | None:
        """The line's ``kind`` secret, if one is set."""
        query = select(line_secrets.c.secret).where(
            line_secrets.c.line_id == line_id, line_secrets.c.kind == kind
        )
        with self._work.read_connection("reading a line secret") as connection:
            found = connection.scalar(query)
        return None if found is None else str(found)

    def kinds(self, *, line_id: str) -> frozenset[str]:
        """Which secrets the line has (never the secrets themselves)."""
        query = select(line_secrets.c.kind).where(line_secrets.c.line_id == line_id)
        with self._work.read_connection("reading line secrets") as connection:
            return frozenset(str(kind) for kind in connection.scalars(query))

    def of_provider(self, *, provider: str, kind: str) -> dict[str, str]:
        """The ``kind`` secret of every line on the provider connection ``provider``, by line id."""
        query = (
            select(line_secrets.c.line_id, line_secrets.c.secret)
            .join(lines, lines.c.id == line_secrets.c.line_id)
            .where(lines.c.provider == provider, line_secrets.c.kind == kind)
        )
        with self._work.read_connection("reading line secrets") as connection:
            return {str(row.line_id): str(row.secret) for row in connection.execute(query)}
