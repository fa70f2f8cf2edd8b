"""The lines repository: the tenant's WhatsApp numbers, their bookkeeping and health penalties.

A number and a provider account are held by the line using them, whatever its tenant, until that
line is retired or banned. Every write here moves the tenant's line generation
(:mod:`zapguard.store.line_generations`), so that kept line records are never stale.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import Connection, Row, bindparam, func, select, update

from zapguard.domain.models import Line, LineState
from zapguard.store.bans import bans_of
from zapguard.store.errors import Conflict, NotFound
from zapguard.store.line_generations import LineGenerations
from zapguard.store.records import BannedSets, LineRecord
from zapguard.store.schema import (
    PHONE_FREEING_STATES,
    banned_identifiers,
    conversations,
    decisions,
    dispatch_lanes,
    events,
    health_penalties,
    line_secrets,
    lines,
    outbox,
    seen_media,
    tenants,
    webhook_inbox,
    webhook_receipts,
)
from zapguard.store.statements import (
    AT,
    LINE_BY_ID,
    LINE_OF_TENANT,
    LINES_OF_TENANT,
    OF_LINE,
    check_line,
    insert_for,
    later,
    latest,
    line_record,
    line_update,
    update_line,
)
from zapguard.store.unit_of_work import UnitOfWork


class _Unset(Enum):
    UNSET = "unset"


UNSET = _Unset.UNSET
"""Default of optional :meth:`Lines.update` fields: leave the column as it is."""

_IN_USE_FIRST = (lines.c.state.in_(PHONE_FREEING_STATES), lines.c.id)
"""A retired or banned line may share its number or account with the line now using it: that one
answers."""
_PHONE_HOLDER = (
    select(lines.c.id, lines.c.tenant_id)
    .where(
        lines.c.phone == bindparam("phone"),
        lines.c.state.not_in(bindparam("free", expanding=True)),
    )
    .limit(1)
)
_LINE_HUMAN = update(lines).where(OF_LINE).values(last_human_at=latest(lines.c.last_human_at, AT))


class Lines:
    def __init__(self, work: UnitOfWork, generations: LineGenerations) -> None:
        self._work = work
        self._generations = generations

    # -- registration ---------------------------------------------------------------------------

    def add(
        self,
        *,
        line: Line,
        registered_at: datetime,
        provider_account: str | None = None,
        helpdesk_url: str | None = None,
        business_account: str | None = None,
    ) -> Line:
        """Register ``line``. Raises :class:`Conflict` when its id, phone or provider account is
        already taken, or its Cloud API business account belongs to another tenant's line on the
        same provider (it would hand that tenant's templates to this one).

        A number and a provider account (``provider_account``, or the line id when there is none:
        that is the name the provider knows the line by) are held by the line using them, whatever
        its tenant, until that line is retired or banned (a banned number is kept out by the ban
        registry, ZG601, not here). A conflict with the tenant's own line names it; one with
        another tenant's line names nothing of it.
        """
        with self._work.writing("registering a line") as connection:
            if (
                connection.scalar(select(tenants.c.id).where(tenants.c.id == line.tenant_id))
                is None
            ):
                raise NotFound(f"cliente não encontrado / tenant not found: {line.tenant_id}")
            if connection.scalar(select(lines.c.id).where(lines.c.id == line.id)) is not None:
                raise Conflict(f"linha já cadastrada / line already registered: {line.id}")
            holder = connection.execute(
                _PHONE_HOLDER, {"phone": line.phone, "free": list(PHONE_FREEING_STATES)}
            ).first()
            if holder is not None:
                raise Conflict(
                    _taken(
                        holder,
                        line.tenant_id,
                        own=("número já cadastrado na linha", "phone already registered on line"),
                        other=(
                            "número já em uso por outra empresa",
                            "phone already in use by another business",
                        ),
                        value=line.phone,
                    )
                )
            # A line without provider_account is known to its provider by its id: the name the
            # provider knows a line by is one value, whichever field carries it.
            if line.provider is not None:
                account = provider_account if provider_account is not None else line.id
                _check_provider_account(connection, line.tenant_id, line.provider, account)
            if business_account is not None:
                other = connection.scalar(
                    select(lines.c.id).where(
                        lines.c.provider == line.provider,
                        lines.c.business_account == business_account,
                        lines.c.tenant_id != line.tenant_id,
                    )
                )
                if other is not None:
                    raise Conflict(
                        "conta comercial (WABA) já registrada por outro cliente / business "
                        f"account (WABA) already registered by another tenant: {business_account}"
                    )
            connection.execute(
                lines.insert().values(
                    id=line.id,
                    tenant_id=line.tenant_id,
                    phone=line.phone,
                    role=line.role.value,
                    account=line.account.value,
                    in_use_since=line.in_use_since,
                    pool=line.pool,
                    device=line.device,
                    network=line.network,
                    provider=line.provider,
                    state=line.state.value,
                    daily_cap=line.daily_cap,
                    timezone=line.timezone,
                    registered_at=registered_at,
                    provider_account=provider_account,
                    helpdesk_url=helpdesk_url,
                    business_account=business_account,
                    provider_kind=line.provider_kind,
                    portfolio=line.portfolio,
                )
            )
            self._generations.changed(connection, line.tenant_id, line.id)
        return line

    def set_provider(
        self,
        *,
        tenant_id: str,
        line_id: str,
        provider: str,
        provider_account: str | None,
    ) -> None:
        """Give the tenant's line a provider connection (a replayed log's line has none), keeping
        everything else of it: its history stays its own. Raises :class:`Conflict` when another
        line in use holds that provider account, :class:`NotFound` for a line not the tenant's."""
        with self._work.writing("giving a line a provider") as connection:
            check_line(connection, tenant_id, line_id)
            account = provider_account if provider_account is not None else line_id
            _check_provider_account(connection, tenant_id, provider, account, except_line=line_id)
            connection.execute(
                update(lines)
                .where(lines.c.id == line_id, lines.c.tenant_id == tenant_id)
                .values(provider=provider, provider_account=provider_account)
            )
            self._generations.changed(connection, tenant_id, line_id)

    def delete(self, *, tenant_id: str, line_id: str) -> None:
        """Remove a line that never left a trace: no message queued or sent, none received, no
        event, decision, ban or webhook about it. Any trace is evidence, so such a line raises
        :class:`Conflict` (retire it instead); an unknown one raises :class:`NotFound`."""
        with self._work.writing("deleting a line") as connection:
            row = connection.execute(
                LINE_OF_TENANT, {"line_id": line_id, "tenant_id": tenant_id}
            ).first()
            if row is None:
                raise NotFound(f"linha não encontrada / line not found: {line_id}")
            traces = [
                select(outbox.c.id).where(outbox.c.line_id == line_id),
                select(conversations.c.contact).where(conversations.c.line_id == line_id),
                select(events.c.id).where(events.c.line_id == line_id),
                select(decisions.c.id).where(
                    decisions.c.tenant_id == tenant_id, decisions.c.line == line_id
                ),
                select(banned_identifiers.c.id).where(banned_identifiers.c.line_id == line_id),
                select(webhook_inbox.c.id).where(webhook_inbox.c.line_id == line_id),
                select(webhook_receipts.c.message_id).where(webhook_receipts.c.line_id == line_id),
                select(health_penalties.c.id).where(health_penalties.c.line_id == line_id),
                select(seen_media.c.media_id).where(seen_media.c.line_id == line_id),
            ]
            used = row.last_sent_at is not None or row.last_human_at is not None
            if used or any(connection.scalar(query.limit(1)) is not None for query in traces):
                raise Conflict(
                    f"a linha {line_id} já tem histórico (mensagens, eventos ou decisões), que é "
                    "evidência: aposente-a em vez de apagá-la / line "
                    f"{line_id} has history (messages, events or decisions), which is evidence: "
                    "retire it instead of deleting it"
                )
            connection.execute(dispatch_lanes.delete().where(dispatch_lanes.c.line_id == line_id))
            # Its secrets are settings, not history: they go with it.
            connection.execute(line_secrets.delete().where(line_secrets.c.line_id == line_id))
            connection.execute(
                lines.delete().where(lines.c.id == line_id, lines.c.tenant_id == tenant_id)
            )
            self._generations.changed(connection, tenant_id, line_id)

    # -- reading --------------------------------------------------------------------------------

    def get(self, *, line_id: str, tenant_id: str | None = None) -> Line | None:
        """The line ``line_id`` (only if it belongs to ``tenant_id``, when given)."""
        found = self.record(line_id=line_id, tenant_id=tenant_id)
        return found.line if found else None

    def record(self, *, line_id: str, tenant_id: str | None = None) -> LineRecord | None:
        """The line ``line_id`` with its bookkeeping (registration, ramp, health, activity)."""
        with self._work.read_connection("reading a line") as connection:
            if tenant_id is None:
                row = connection.execute(LINE_BY_ID, {"line_id": line_id}).first()
            else:
                row = connection.execute(
                    LINE_OF_TENANT, {"line_id": line_id, "tenant_id": tenant_id}
                ).first()
        return line_record(row) if row else None

    def record_for_update(self, *, line_id: str, tenant_id: str) -> LineRecord:
        """The tenant's line, locked until the current transaction ends (``FOR UPDATE`` on
        PostgreSQL; on SQLite the transaction's first write already holds the database)."""
        query = LINE_OF_TENANT
        with self._work.writing("reading a line to update") as connection:
            if connection.dialect.name == "postgresql":
                query = query.with_for_update()
            row = connection.execute(query, {"line_id": line_id, "tenant_id": tenant_id}).first()
        if row is None:
            raise NotFound(f"linha não encontrada / line not found: {line_id} (tenant {tenant_id})")
        return line_record(row)

    def for_account(self, *, provider: str, account: str) -> LineRecord | None:
        """The line a provider webhook is about, by the provider's own name for it."""
        with self._work.read_connection("reading a line") as connection:
            row = connection.execute(
                select(lines)
                .where(lines.c.provider == provider, lines.c.provider_account == account)
                .order_by(*_IN_USE_FIRST)
            ).first()
        return None if row is None else line_record(row)

    def by_phone(self, *, provider: str, phone: str) -> LineRecord | None:
        """The line of the ``[providers.<provider>]`` connection with the E.164 ``phone`` (some
        Cloud API webhooks name the number, not its ``phone_number_id``): one in use before one
        retired or banned, then the lowest id; ``None`` when no line has it."""
        with self._work.read_connection("reading a line") as connection:
            row = connection.execute(
                select(lines)
                .where(lines.c.provider == provider, lines.c.phone == phone)
                .order_by(*_IN_USE_FIRST)
            ).first()
        return None if row is None else line_record(row)

    def tenants_of_providers(self, *, providers: Iterable[str]) -> set[str]:
        """The tenants with lines on any of these providers."""
        names = list(providers)
        if not names:
            return set()
        with self._work.read_connection("reading lines") as connection:
            found = connection.scalars(
                select(lines.c.tenant_id).where(lines.c.provider.in_(names)).distinct()
            )
            return {str(tenant) for tenant in found}

    def providers_in_use(self) -> set[str]:
        """The providers named by lines of any tenant that may still send (not retired or banned)."""
        with self._work.read_connection("reading lines") as connection:
            found = connection.scalars(
                select(lines.c.provider)
                .where(lines.c.provider.is_not(None), lines.c.state.not_in(PHONE_FREEING_STATES))
                .distinct()
            )
            return {str(name) for name in found}

    def of_tenant(self, *, tenant_id: str) -> list[Line]:
        """The tenant's lines, by id."""
        return [found.line for found in self.records(tenant_id=tenant_id)]

    def records(self, *, tenant_id: str) -> list[LineRecord]:
        """The tenant's lines with their bookkeeping, by id.

        Outside a write transaction, from this process's memory while the tenant's line generation
        says they did not change (:mod:`zapguard.store.line_cache`): one small read instead of
        every line. Inside one, read afresh (they may hold the transaction's own writes).
        """
        with self._work.read_connection("listing lines") as connection:
            if self._work.in_transaction():
                return _read_records(connection, tenant_id)
            return list(self._kept_records(connection, tenant_id)[1].values())

    def records_and_bans(self, *, tenant_id: str) -> tuple[Mapping[str, LineRecord], BannedSets]:
        """The tenant's line records by id (as :meth:`records`, read-only) and which of their phones, devices
        and networks are banned (as :meth:`~zapguard.store.bans.Bans.among`). Outside a write
        transaction both come from this process's memory while the tenant's line generation says
        nothing changed: a snapshot then costs one small read, however many lines the tenant has."""
        with self._work.read_connection("listing lines") as connection:
            if self._work.in_transaction():
                records = _read_records(connection, tenant_id)
                return {r.line.id: r for r in records}, bans_of(connection, records)
            generation, kept = self._kept_records(connection, tenant_id)
            cache = self._generations.cache
            bans = cache.bans(tenant_id, generation)
            if bans is None:
                bans = bans_of(connection, list(kept.values()))
                cache.load_bans(tenant_id, generation, bans)
            return kept, bans

    def _kept_records(
        self, connection: Connection, tenant_id: str
    ) -> tuple[int, Mapping[str, LineRecord]]:
        generation = self._generations.current(connection, tenant_id)
        cache = self._generations.cache
        kept = cache.get(tenant_id, generation)
        if kept is None:
            records = _read_records(connection, tenant_id)
            cache.load(tenant_id, generation, records)
            kept = {r.line.id: r for r in records}
        return generation, kept

    # -- state and bookkeeping ------------------------------------------------------------------

    def set_state(self, *, tenant_id: str, line_id: str, state: LineState) -> None:
        with self._work.writing("changing a line's state") as connection:
            update_line(
                connection, tenant_id, line_id, line_update(("state",)), {"b_state": state.value}
            )
            self._generations.changed(connection, tenant_id, line_id)

    def update(
        self,
        *,
        tenant_id: str,
        line_id: str,
        health_score: int | _Unset = UNSET,
        health_at: datetime | _Unset | None = UNSET,
        ramp_anchor: date | _Unset | None = UNSET,
        last_human_at: datetime | _Unset | None = UNSET,
    ) -> None:
        """Set the given bookkeeping fields; the ones left out keep their value."""
        given = {
            "health_score": health_score,
            "health_at": health_at,
            "ramp_anchor": ramp_anchor,
            "last_human_at": last_human_at,
        }
        names = tuple(name for name, value in given.items() if value is not UNSET)
        if not names:
            return
        values = {f"b_{name}": given[name] for name in names}
        with self._work.writing("updating a line") as connection:
            update_line(connection, tenant_id, line_id, line_update(names), values)
            self._generations.changed(connection, tenant_id, line_id)

    def record_human_activity(self, *, tenant_id: str, line_id: str, at: datetime) -> None:
        """A person used the line at ``at`` (ZG801); older news never moves the mark back."""
        with self._work.writing("recording human activity") as connection:
            update_line(connection, tenant_id, line_id, _LINE_HUMAN, {"b_at": at})
            self._generations.changed(
                connection,
                tenant_id,
                line_id,
                lambda kept: replace(kept, last_human_at=later(kept.last_human_at, at)),
            )

    def set_helpdesk_url(self, *, tenant_id: str, line_id: str, url: str | None) -> None:
        """Where the tenant's line's provider webhooks are forwarded (``None``: nowhere)."""
        with self._work.writing("setting a helpdesk URL") as connection:
            update_line(
                connection,
                tenant_id,
                line_id,
                line_update(("helpdesk_url",)),
                {"b_helpdesk_url": url},
            )
            self._generations.changed(connection, tenant_id, line_id)

    # -- health penalties -----------------------------------------------------------------------

    def add_health_penalty(
        self,
        *,
        tenant_id: str,
        line_id: str,
        at: datetime,
        points: int,
        code: str | None,
        key: str,
    ) -> bool:
        """Record what a bad outcome cost the line; ``False`` (and nothing written) when a penalty
        with this ``key`` was already recorded for the line."""
        with self._work.writing("recording a health penalty") as connection:
            check_line(connection, tenant_id, line_id)
            inserted = connection.execute(
                insert_for(connection, health_penalties)
                .values(
                    tenant_id=tenant_id, line_id=line_id, at=at, points=points, code=code, key=key
                )
                .on_conflict_do_nothing()
                .returning(health_penalties.c.id)  # psycopg's rowcount is -1 for this INSERT
            )
            return inserted.first() is not None

    def latest_health_penalties(self, *, line_id: str, limit: int) -> list[tuple[datetime, int]]:
        """The line's latest penalties, newest first, as (instant, points)."""
        query = (
            select(health_penalties.c.at, health_penalties.c.points)
            .where(health_penalties.c.line_id == line_id)
            .order_by(health_penalties.c.at.desc(), health_penalties.c.id.desc())
            .limit(limit)
        )
        with self._work.read_connection("reading health penalties") as connection:
            return [(row.at, int(row.points)) for row in connection.execute(query)]


def _read_records(connection: Connection, tenant_id: str) -> list[LineRecord]:
    return [
        line_record(row) for row in connection.execute(LINES_OF_TENANT, {"tenant_id": tenant_id})
    ]


def _taken(
    holder: Row[Any, Any],
    tenant_id: str,
    *,
    own: tuple[str, str],
    other: tuple[str, str],
    value: str,
) -> str:
    """A conflict's message: the tenant's own line by name, another tenant's by nothing at all."""
    if holder.tenant_id == tenant_id:
        return f"{own[0]} {holder.id} / {own[1]} {holder.id}: {value}"
    return f"{other[0]} / {other[1]}: {value}"


def _check_provider_account(
    connection: Connection,
    tenant_id: str,
    provider: str | None,
    account: str,
    *,
    except_line: str | None = None,
) -> None:
    """:class:`Conflict` when a line in use (other than ``except_line``) holds the account: the
    name its provider knows it by, ``provider_account`` or, without one, its id."""
    query = select(lines.c.id, lines.c.tenant_id).where(
        lines.c.provider == provider,
        func.coalesce(lines.c.provider_account, lines.c.id) == account,
        lines.c.state.not_in(PHONE_FREEING_STATES),
    )
    if except_line is not None:
        query = query.where(lines.c.id != except_line)
    holder = connection.execute(query).first()
    if holder is not None:
        raise Conflict(
            _taken(
                holder,
                tenant_id,
                own=(
                    "conta do provedor já usada pela linha",
                    "provider account already used by line",
                ),
                other=(
                    "conta do provedor já usada por outra empresa",
                    "provider account already used by another business",
                ),
                value=f"{provider}/{account}",
            )
        )
