"""Audiences: imported contact lists, one row per row of the file, written in batches.

An import writes its audience in state ``importing`` (:func:`begin_import`), adds its rows and the
consent evidence the file carries a batch at a time (:func:`write_batch`, one short transaction
each, so a million rows neither hold the database's one writer for minutes nor build up in
memory), and swaps it for the ``ready`` audience of the same name at the end
(:func:`finish_import`). Until then the audience does not exist for readers; an import that fails
is removed whole (:func:`abandon_import`). Consent evidence is append-only, as everywhere
(:mod:`zapguard.store.schema`): what a batch recorded stays, even when a later row stops the import.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from zapguard.domain import phones
from zapguard.store.compiled import Compiled
from zapguard.store.consent import MARKETING
from zapguard.store.errors import Conflict, NotFound
from zapguard.store.repository import Store
from zapguard.store.schema import (
    EXCLUSION_REASONS,
    audience_members,
    audiences,
    consents,
    contacts,
    tenants,
)

# Bulk inserts compiled once and run as one driver executemany per batch: SQLAlchemy's own
# per-row work (parameter processing, execution context) cost more than SQLite's.
_NEW_CONTACT = {
    postgres: Compiled(
        (postgresql.insert(contacts) if postgres else sqlite.insert(contacts))
        .values(
            tenant_id=bindparam("tenant_id"),
            phone=bindparam("phone"),
            aliases=bindparam("aliases", type_=contacts.c.aliases.type),
            first_seen_at=bindparam("first_seen_at", type_=contacts.c.first_seen_at.type),
        )
        .on_conflict_do_nothing()
    )
    for postgres in (False, True)
}
_GRANT = Compiled(
    consents.insert().values(
        tenant_id=bindparam("tenant_id"),
        contact=bindparam("contact"),
        purpose=bindparam("purpose"),
        kind="grant",
        at=bindparam("at", type_=consents.c.at.type),
        source=bindparam("source"),
        wording=bindparam("wording"),
        recorded_by=bindparam("recorded_by"),
    )
)
_MEMBER = Compiled(
    audience_members.insert().values(
        audience_id=bindparam("audience_id"),
        file_line=bindparam("file_line"),
        contact=bindparam("contact"),
        name=bindparam("name"),
        fields=bindparam("fields", type_=audience_members.c.fields.type),
        reason=bindparam("reason"),
        value=bindparam("value"),
    )
)

PROBLEM_PAGE = 5000
"""Rows read per query when listing an audience's problems (a page, not the whole list)."""


@dataclass(frozen=True, slots=True)
class AudienceRecord:
    """An audience as stored: its name, where it came from and its counts by reason."""

    id: int
    tenant_id: str
    name: str
    source: str
    imported_at: datetime
    fields: tuple[str, ...]
    rows: int
    usable: int
    excluded: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Member:
    """One row of the file as kept: ``reason`` is ``None`` for a usable contact."""

    file_line: int
    contact: str | None
    name: str | None
    fields: Mapping[str, str] | None
    reason: str | None = None
    value: str | None = None


@dataclass(frozen=True, slots=True)
class Grant:
    """Consent evidence the file carries for a contact (a grant of ``purpose``)."""

    contact: str
    at: datetime
    source: str
    wording: str | None
    recorded_by: str
    purpose: str = MARKETING


@dataclass(frozen=True, slots=True)
class Evidence:
    """One stored piece of consent evidence: ``kind`` is ``grant`` or ``revoke``; ``id`` is its
    place in the order evidence was recorded."""

    id: int
    kind: str
    at: datetime
    how: str | None


def begin_import(
    store: Store, *, tenant_id: str, name: str, source: str, at: datetime, replace: bool
) -> int:
    """Open the import of audience ``name``: its id, in state ``importing``.

    Raises :class:`Conflict` when a ready audience of that name exists and ``replace`` is false.
    An ``importing`` audience of the same name left by an interrupted import is removed first.
    """
    with store.writing("starting an audience import") as connection:
        if connection.scalar(select(tenants.c.id).where(tenants.c.id == tenant_id)) is None:
            raise NotFound(f"cliente não encontrado / tenant not found: {tenant_id}")
        if not replace and _audience_id(connection, tenant_id, name, "ready") is not None:
            raise Conflict(
                f"o público {name!r} já existe (use --replace para substituí-lo) / audience "
                f"{name!r} already exists (use --replace to replace it)"
            )
        stale = _audience_id(connection, tenant_id, name, "importing")
        if stale is not None:
            _delete_audience(connection, stale)
        key = connection.execute(
            audiences.insert().values(
                tenant_id=tenant_id,
                name=name,
                state="importing",
                source=source[:500],
                imported_at=at,
                fields=[],
            )
        ).inserted_primary_key
        assert key is not None
        return int(key[0])


def write_batch(
    store: Store,
    *,
    tenant_id: str,
    audience_id: int,
    members: Sequence[Member],
    grants: Sequence[Grant],
) -> None:
    """Record ``grants`` as consent evidence (their contacts created if new) and add ``members``
    to the audience, in one transaction."""
    with store.writing("writing audience rows") as connection:
        postgres = connection.dialect.name == "postgresql"
        if grants:
            _NEW_CONTACT[postgres].execute_many(
                connection,
                [
                    {
                        "tenant_id": tenant_id,
                        "phone": grant.contact,
                        "aliases": list(phones.aliases(grant.contact)),
                        "first_seen_at": grant.at,
                    }
                    for grant in grants
                ],
            )
            _GRANT.execute_many(
                connection,
                [
                    {
                        "tenant_id": tenant_id,
                        "contact": grant.contact,
                        "purpose": grant.purpose,
                        "at": grant.at,
                        "source": grant.source[:64],
                        "wording": grant.wording,
                        "recorded_by": grant.recorded_by[:200],
                    }
                    for grant in grants
                ],
            )
        _MEMBER.execute_many(
            connection,
            [
                {
                    "audience_id": audience_id,
                    "file_line": member.file_line,
                    "contact": member.contact,
                    "name": member.name,
                    "fields": member.fields,
                    "reason": member.reason,
                    "value": member.value,
                }
                for member in members
            ],
        )


def consent_evidence(
    store: Store, *, tenant_id: str, contacts_among: Collection[str], purpose: str = MARKETING
) -> dict[str, list[Evidence]]:
    """The stored consent evidence of each of ``contacts_among`` that has any, oldest first."""
    if not contacts_among:
        return {}
    query = (
        select(consents.c.contact, consents.c.id, consents.c.kind, consents.c.at, consents.c.how)
        .where(
            consents.c.tenant_id == tenant_id,
            consents.c.purpose == purpose,
            consents.c.contact.in_(list(contacts_among)),
        )
        .order_by(consents.c.at, consents.c.id)
    )
    found: dict[str, list[Evidence]] = defaultdict(list)
    with store.read_connection("reading consent evidence") as connection:
        for row in connection.execute(query):
            found[row.contact].append(Evidence(id=row.id, kind=row.kind, at=row.at, how=row.how))
    return dict(found)


def finish_import(
    store: Store,
    *,
    audience_id: int,
    fields: Sequence[str],
    rows: int,
    usable: int,
    excluded: Mapping[str, int],
) -> None:
    """Make the import the audience of its name, replacing the one it replaces, with its counts."""
    with store.writing("finishing an audience import") as connection:
        row = connection.execute(
            select(audiences.c.tenant_id, audiences.c.name).where(
                audiences.c.id == audience_id, audiences.c.state == "importing"
            )
        ).first()
        if row is None:
            raise Conflict(
                "a importação foi interrompida por outra do mesmo nome / the import was "
                "superseded by another one of the same name"
            )
        previous = _audience_id(connection, row.tenant_id, row.name, "ready")
        if previous is not None:
            _delete_audience(connection, previous)
        connection.execute(
            update(audiences)
            .where(audiences.c.id == audience_id)
            .values(
                state="ready",
                fields=list(fields),
                row_count=rows,
                usable=usable,
                **{reason: excluded.get(reason, 0) for reason in EXCLUSION_REASONS},
            )
        )


def abandon_import(store: Store, *, audience_id: int) -> None:
    """Remove an import that did not finish, rows included (its consent evidence stays)."""
    with store.writing("abandoning an audience import") as connection:
        if connection.scalar(
            select(audiences.c.id).where(
                audiences.c.id == audience_id, audiences.c.state == "importing"
            )
        ):
            _delete_audience(connection, audience_id)


def list_audiences(store: Store, *, tenant_id: str) -> list[AudienceRecord]:
    """The tenant's ready audiences, by name."""
    query = (
        select(audiences)
        .where(audiences.c.tenant_id == tenant_id, audiences.c.state == "ready")
        .order_by(audiences.c.name)
    )
    with store.read_connection("listing audiences") as connection:
        return [_record(row) for row in connection.execute(query)]


def get_audience(store: Store, *, tenant_id: str, name: str) -> AudienceRecord | None:
    """The tenant's ready audience ``name``, or ``None``."""
    query = select(audiences).where(
        audiences.c.tenant_id == tenant_id,
        audiences.c.name == name,
        audiences.c.state == "ready",
    )
    with store.read_connection("reading an audience") as connection:
        row = connection.execute(query).first()
    return None if row is None else _record(row)


def audience_problems(
    store: Store, *, audience_id: int, page: int = PROBLEM_PAGE
) -> Iterator[Member]:
    """The audience's excluded rows in file order, read a page at a time (never all at once)."""
    return _members(store, audience_id, page, problems_only=True)


def audience_members_of(
    store: Store, *, audience_id: int, page: int = PROBLEM_PAGE
) -> Iterator[Member]:
    """Every row of the audience in file order, a page at a time."""
    return _members(store, audience_id, page, problems_only=False)


def _members(store: Store, audience_id: int, page: int, *, problems_only: bool) -> Iterator[Member]:
    after = 0
    while True:
        query = select(audience_members).where(
            audience_members.c.audience_id == audience_id,
            audience_members.c.file_line > after,
        )
        if problems_only:
            query = query.where(audience_members.c.reason.is_not(None))
        query = query.order_by(audience_members.c.file_line).limit(page)
        with store.read_connection("reading audience rows") as connection:
            found = [_member(row) for row in connection.execute(query)]
        yield from found
        if len(found) < page:
            return
        after = found[-1].file_line


def _audience_id(connection: Connection, tenant_id: str, name: str, state: str) -> int | None:
    found = connection.scalar(
        select(audiences.c.id).where(
            audiences.c.tenant_id == tenant_id,
            audiences.c.name == name,
            audiences.c.state == state,
        )
    )
    return None if found is None else int(found)


def _delete_audience(connection: Connection, audience_id: int) -> None:
    connection.execute(
        delete(audience_members).where(audience_members.c.audience_id == audience_id)
    )
    connection.execute(delete(audiences).where(audiences.c.id == audience_id))


def _record(row: Any) -> AudienceRecord:
    return AudienceRecord(
        id=int(row.id),
        tenant_id=row.tenant_id,
        name=row.name,
        source=row.source,
        imported_at=row.imported_at,
        fields=tuple(row.fields or ()),
        rows=row.row_count,
        usable=row.usable,
        excluded={reason: getattr(row, reason) for reason in EXCLUSION_REASONS},
    )


def _member(row: Any) -> Member:
    return Member(
        file_line=row.file_line,
        contact=row.contact,
        name=row.name,
        fields=row.fields,
        reason=row.reason,
        value=row.value,
    )
