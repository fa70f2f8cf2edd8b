"""The SQL store: tenants, lines, contacts, consent evidence, conversations, bans, blocklist, logs.

Every method takes keyword arguments and returns domain values; every failure is a
:class:`~zapguard.store.errors.StoreError`. Contacts are canonical E.164 phones: callers normalize
with :func:`zapguard.domain.phones.normalize`, which already folds Brazilian 8-digit aliases.

Each method runs in its own transaction unless called inside :meth:`Store.transaction`, which gathers
several calls made by the same thread into one. An error inside that block aborts the whole block.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from datetime import UTC, date, datetime
from enum import Enum
from functools import lru_cache
from types import SimpleNamespace
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Row,
    String,
    Table,
    Update,
    and_,
    bindparam,
    case,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from zapguard.domain import phones
from zapguard.domain.models import (
    AccountType,
    Author,
    Category,
    Consent,
    Contact,
    Conversation,
    Decision,
    Event,
    Line,
    LineState,
    OutgoingMessage,
    ProviderKind,
    Role,
    Tenant,
    Verdict,
)
from zapguard.store.compiled import Compiled
from zapguard.store.database import WRITER, after_commit, shared_engine, translate_errors
from zapguard.store.errors import Conflict, NotFound
from zapguard.store.line_cache import Patch, line_cache_of
from zapguard.store.records import BannedSets, ContactStats, DecisionRecord, LineRecord
from zapguard.store.schema import (
    PHONE_FREEING_STATES,
    banned_identifiers,
    blocked_domains,
    consents,
    contact_stats,
    contacts,
    conversations,
    decisions,
    dispatch_lanes,
    events,
    health_penalties,
    line_heads,
    line_secrets,
    lines,
    outbox,
    seen_media,
    tenants,
    text_fingerprints,
    webhook_inbox,
    webhook_receipts,
)
from zapguard.store.types import UTCDateTime

MARKETING = "marketing"


class _Unset(Enum):
    UNSET = "unset"


UNSET = _Unset.UNSET
"""Default of optional :meth:`Store.update_line` fields: leave the column as it is."""


class _Current(threading.local):
    connection: Connection | None = None
    reader: Connection | None = None


# Read statements built once: SQLAlchemy then reuses their cache key and compiled form, instead of
# rebuilding and re-hashing the expression on every call (the bulk of a small query's cost).
_LINE_BY_ID = select(lines).where(lines.c.id == bindparam("line_id"))
_LINE_OF_TENANT = _LINE_BY_ID.where(lines.c.tenant_id == bindparam("tenant_id"))
_IN_USE_FIRST = (lines.c.state.in_(PHONE_FREEING_STATES), lines.c.id)
"""A retired or banned line may share its number or account with the line now using it: that one
answers."""
_LINE_BY_ACCOUNT = (
    select(lines)
    .where(
        lines.c.tenant_id == bindparam("tenant_id"),
        lines.c.provider_account == bindparam("account"),
    )
    .order_by(*_IN_USE_FIRST)
    .limit(1)
)
_PHONE_HOLDER = (
    select(lines.c.id, lines.c.tenant_id)
    .where(
        lines.c.phone == bindparam("phone"),
        lines.c.state.not_in(bindparam("free", expanding=True)),
    )
    .limit(1)
)
_LINES_OF_TENANT = (
    select(lines).where(lines.c.tenant_id == bindparam("tenant_id")).order_by(lines.c.id)
)
_BANNED = select(banned_identifiers.c.kind, banned_identifiers.c.value)
_BANNED_AMONG = _BANNED.where(
    or_(
        and_(
            banned_identifiers.c.kind == "phone",
            banned_identifiers.c.value.in_(bindparam("phone", expanding=True)),
        ),
        and_(
            banned_identifiers.c.kind == "device",
            banned_identifiers.c.value.in_(bindparam("device", expanding=True)),
        ),
        and_(
            banned_identifiers.c.kind == "network",
            banned_identifiers.c.value.in_(bindparam("network", expanding=True)),
        ),
    )
)
_CONTACT = select(contacts).where(
    contacts.c.tenant_id == bindparam("tenant_id"), contacts.c.phone == bindparam("phone")
)
_CONSENT_ROWS_ANY = (
    select(consents)
    .where(
        consents.c.tenant_id == bindparam("tenant_id"), consents.c.contact == bindparam("contact")
    )
    .order_by(consents.c.at, consents.c.id)
)
_CONSENT_ROWS = _CONSENT_ROWS_ANY.where(consents.c.purpose == bindparam("purpose"))
_CONVERSATIONS = select(conversations).where(
    conversations.c.tenant_id == bindparam("tenant_id"),
    conversations.c.contact == bindparam("contact"),
)
_CONTACT_STATS = select(
    contact_stats.c.last_inbound_at, contact_stats.c.last_outbound_at, contact_stats.c.unanswered
).where(
    contact_stats.c.tenant_id == bindparam("tenant_id"),
    contact_stats.c.contact == bindparam("contact"),
)
_IDENTICAL_SINCE = (
    select(text_fingerprints.c.at)
    .where(
        text_fingerprints.c.tenant_id == bindparam("tenant_id"),
        text_fingerprints.c.fingerprint == bindparam("fingerprint"),
        text_fingerprints.c.at > bindparam("since"),
    )
    .order_by(text_fingerprints.c.at)
)
_BLOCKED_ALL = select(blocked_domains.c.domain)
_BLOCKED_AMONG = _BLOCKED_ALL.where(
    blocked_domains.c.domain.in_(bindparam("domains", expanding=True))
)
_DECISIONS_OF_TENANT = (
    select(decisions)
    .where(decisions.c.tenant_id == bindparam("tenant_id"))
    .order_by(decisions.c.at.desc(), decisions.c.id.desc())
    .limit(bindparam("limit"))
)


def _latest(column: Any, value: Any) -> ColumnElement[datetime]:
    """The later of a column and a value; out-of-order news never moves a mark back."""
    return case((or_(column.is_(None), column < value), value), else_=column)


def _earliest(column: Any, value: Any) -> ColumnElement[datetime]:
    return case((or_(column.is_(None), column > value), value), else_=column)


# Write statements, built once too (per dialect where the ON CONFLICT syntax differs). An INSERT takes
# its values from the parameters, keyed by column name. A parameter named in a statement is prefixed
# ``b_``: in an UPDATE, a parameter named like a column would be read as one more column to SET.
_LINE_OWNER = select(lines.c.tenant_id).where(lines.c.id == bindparam("line_id"))
_AT = bindparam("b_at", type_=UTCDateTime())  # typed: goes through UTCDateTime even inside CASE
_OF_LINE = and_(lines.c.id == bindparam("b_line_id"), lines.c.tenant_id == bindparam("b_tenant_id"))
_LINE_SENT = update(lines).where(_OF_LINE).values(last_sent_at=_latest(lines.c.last_sent_at, _AT))
_LINE_HUMAN = (
    update(lines).where(_OF_LINE).values(last_human_at=_latest(lines.c.last_human_at, _AT))
)
_INSERT_FINGERPRINT = text_fingerprints.insert()
_BUMP_EVERY_TENANT = update(line_heads).values(generation=line_heads.c.generation + 1)


def _head_every_tenant(insert: Callable[[Table], _Insert]) -> Any:
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


_LINE_GENERATION = select(line_heads.c.generation).where(
    line_heads.c.tenant_id == bindparam("tenant_id")
)


def _bump_lines(insert: Callable[[Table], _Insert]) -> Any:
    """The tenant's line generation + 1 (1 for a tenant without a row), returning the new one."""
    statement = insert(line_heads).values(tenant_id=bindparam("tenant_id"), generation=1)
    return statement.on_conflict_do_update(
        index_elements=[line_heads.c.tenant_id],
        set_={"generation": line_heads.c.generation + 1},
    ).returning(line_heads.c.generation)


_INSERT_DECISION = decisions.insert()

# The accept path's statements, compiled once per dialect (:mod:`zapguard.store.compiled`).
_FAST_CONVERSATIONS = Compiled(_CONVERSATIONS)
_FAST_CONSENT_ROWS = Compiled(_CONSENT_ROWS)
_FAST_CONSENT_ROWS_ANY = Compiled(_CONSENT_ROWS_ANY)
_CONSENT_COLUMNS = tuple(consents.c.keys())
_FAST_CONTACT_STATS = Compiled(_CONTACT_STATS)
_FAST_IDENTICAL_SINCE = Compiled(_IDENTICAL_SINCE)
_FAST_LINE_GENERATION = Compiled(_LINE_GENERATION)
_FAST_LINE_SENT = Compiled(_LINE_SENT)
_FAST_INSERT_FINGERPRINT = Compiled(_INSERT_FINGERPRINT, ["tenant_id", "fingerprint", "at"])
_FAST_INSERT_DECISION = Compiled(
    decisions.insert().returning(decisions.c.id),
    [
        "tenant_id",
        "at",
        "message",
        "verdict",
        "codes",
        "line",
        "not_before",
        "message_pt",
        "message_en",
    ],
)


@lru_cache(maxsize=32)
def _line_update(columns: tuple[str, ...]) -> Update:
    """``UPDATE lines SET <columns> WHERE`` the tenant's line, each value bound as ``b_<column>``."""
    return (
        update(lines)
        .where(_OF_LINE)
        .values({name: bindparam(f"b_{name}", type_=lines.c[name].type) for name in columns})
    )


_Insert = postgresql.Insert | sqlite.Insert


@dataclass(frozen=True, slots=True)
class _Upserts:
    """The statements whose ON CONFLICT syntax depends on the database, built once per dialect."""

    contact: _Insert
    inbound_conversation: _Insert
    inbound_stats: _Insert
    outbound_conversation: _Insert
    outbound_stats: _Insert

    @classmethod
    def build(cls, insert: Callable[[Table], _Insert]) -> _Upserts:
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
                    "first_inbound_at": _earliest(
                        conversations.c.first_inbound_at, inbound.excluded.first_inbound_at
                    ),
                    "last_inbound_at": _latest(
                        conversations.c.last_inbound_at, inbound.excluded.last_inbound_at
                    ),
                    "inbound_count": conversations.c.inbound_count + 1,
                },
            ),
            inbound_stats=inbound_stats.on_conflict_do_update(
                index_elements=stats_key,
                set_={
                    "last_inbound_at": _latest(
                        contact_stats.c.last_inbound_at, inbound_stats.excluded.last_inbound_at
                    ),
                    "unanswered": 0,
                },
            ),
            outbound_conversation=outbound.on_conflict_do_update(
                index_elements=conversation_key,
                set_={
                    "last_outbound_at": _latest(
                        conversations.c.last_outbound_at, outbound.excluded.last_outbound_at
                    ),
                    "outbound_count": conversations.c.outbound_count + 1,
                },
            ),
            outbound_stats=outbound_stats.on_conflict_do_update(
                index_elements=stats_key,
                set_={
                    "last_outbound_at": _latest(
                        contact_stats.c.last_outbound_at, outbound_stats.excluded.last_outbound_at
                    ),
                    # The inserted value is the step (1 if business-initiated, else 0): add it.
                    "unanswered": contact_stats.c.unanswered + outbound_stats.excluded.unanswered,
                },
            ),
        )


_UPSERTS = {True: _Upserts.build(postgresql.insert), False: _Upserts.build(sqlite.insert)}
_BUMP_LINES = {True: _bump_lines(postgresql.insert), False: _bump_lines(sqlite.insert)}
_FAST_BUMP_LINES = {postgres: Compiled(bump) for postgres, bump in _BUMP_LINES.items()}
_FAST_CONTACT = {
    postgres: Compiled(upserts.contact, ["tenant_id", "phone", "aliases", "first_seen_at"])
    for postgres, upserts in _UPSERTS.items()
}
_FAST_OUTBOUND_CONVERSATION = {
    postgres: Compiled(
        upserts.outbound_conversation,
        ["line_id", "contact", "tenant_id", "last_outbound_at", "outbound_count"],
    )
    for postgres, upserts in _UPSERTS.items()
}
_FAST_OUTBOUND_STATS = {
    postgres: Compiled(
        upserts.outbound_stats, ["tenant_id", "contact", "last_outbound_at", "unanswered"]
    )
    for postgres, upserts in _UPSERTS.items()
}
_HEAD_EVERY_TENANT = {
    True: _head_every_tenant(postgresql.insert),
    False: _head_every_tenant(sqlite.insert),
}


def _upserts(connection: Connection) -> _Upserts:
    return _UPSERTS[connection.dialect.name == "postgresql"]


class Store:
    """Repositories over one SQLAlchemy engine (SQLite or PostgreSQL)."""

    def __init__(self, database: Engine | str) -> None:
        """``database`` is an engine or a URL; a URL shares the process's engine for it."""
        self._engine = shared_engine(database) if isinstance(database, str) else database
        self._writer = self._engine.execution_options(**WRITER)
        self._current = _Current()
        self._lines = line_cache_of(self._engine)

    @property
    def engine(self) -> Engine:
        return self._engine

    def close(self) -> None:
        """Close pooled connections (the engine stays usable and reconnects on demand)."""
        self._engine.dispose()

    # -- transactions -------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """Run the calls made inside the block, by this thread, as one transaction."""
        if self._current.connection is not None:
            yield self  # already inside one: join it
            return
        with translate_errors("committing a transaction"), self._writer.begin() as connection:
            self._current.connection = connection
            try:
                yield self
            finally:
                self._current.connection = None

    @property
    def single_writer(self) -> bool:
        """Whether the database lets one write transaction run at a time (SQLite), so that
        gathering writers into one transaction can only shorten their queue, never deadlock."""
        return self._engine.dialect.name == "sqlite"

    def in_transaction(self) -> bool:
        """Whether this thread is inside :meth:`transaction`."""
        return self._current.connection is not None

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """Inside :meth:`transaction`: the block's writes roll back alone if it raises, and the
        transaction goes on (a ``SAVEPOINT``)."""
        connection = self._current.connection
        if connection is None:
            raise RuntimeError("savepoint() outside transaction()")
        with translate_errors("writing in a savepoint"), connection.begin_nested():
            yield

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """Run the reads made inside the block, by this thread, on one connection and in one read
        transaction: one checkout and one BEGIN for many queries, and (on SQLite) one consistent view.

        Yields that connection, so that other readers of the same engine (the SQL quota counters)
        can join it. Inside :meth:`transaction` it is that transaction's connection. Only reads
        belong in the block: a write there would need a second connection next to an open read.
        """
        joined = self._current.connection or self._current.reader
        if joined is not None:
            yield joined
            return
        with (
            translate_errors("reading"),
            self._engine.connect() as connection,
            connection.begin(),
        ):
            self._current.reader = connection
            try:
                yield connection
            finally:
                self._current.reader = None

    @contextmanager
    def writing(self, action: str) -> Iterator[Connection]:
        """A connection to write on: the current transaction's, else a new one committed at the end.

        For repositories beside this one (the outbox, API keys) that share its transactions.
        ``action`` names what is being done in the error a database failure becomes.
        """
        with self._write(action) as connection:
            yield connection

    @contextmanager
    def read_connection(self, action: str) -> Iterator[Connection]:
        """A connection to read on, joining the current transaction or read block if any."""
        with self._read(action) as connection:
            yield connection

    @contextmanager
    def _write(self, action: str) -> Iterator[Connection]:
        current = self._current.connection
        with translate_errors(action):
            if current is not None:
                yield current
            else:
                with self._writer.begin() as connection:
                    yield connection

    @contextmanager
    def _read(self, action: str) -> Iterator[Connection]:
        current = self._current.connection or self._current.reader
        with translate_errors(action):
            if current is not None:
                yield current
            else:
                with self._engine.connect() as connection:
                    yield connection

    # -- tenants and lines --------------------------------------------------------------------

    def ensure_tenant(self, *, tenant_id: str, name: str | None = None) -> Tenant:
        """The tenant ``tenant_id``, created (named ``name`` or its id) if it did not exist."""
        with self._write("registering a tenant") as connection:
            _insert_ignore(connection, tenants, {"id": tenant_id, "name": name or tenant_id})
            row = connection.execute(select(tenants).where(tenants.c.id == tenant_id)).one()
        return Tenant(id=row.id, name=row.name)

    def add_line(
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
        its tenant, until that line is retired or banned (a banned number is kept out by the ban registry, ZG601, not
        here). A conflict with the tenant's own line names it; one with another tenant's line
        names nothing of it.
        """
        with self._write("registering a line") as connection:
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
            self._lines_changed(connection, line.tenant_id, line.id)
        return line

    def set_line_provider(
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
        with self._write("giving a line a provider") as connection:
            _check_line(connection, tenant_id, line_id)
            account = provider_account if provider_account is not None else line_id
            _check_provider_account(connection, tenant_id, provider, account, except_line=line_id)
            connection.execute(
                update(lines)
                .where(lines.c.id == line_id, lines.c.tenant_id == tenant_id)
                .values(provider=provider, provider_account=provider_account)
            )
            self._lines_changed(connection, tenant_id, line_id)

    def delete_line(self, *, tenant_id: str, line_id: str) -> None:
        """Remove a line that never left a trace: no message queued or sent, none received, no
        event, decision, ban or webhook about it. Any trace is evidence, so such a line raises
        :class:`Conflict` (retire it instead); an unknown one raises :class:`NotFound`."""
        with self._write("deleting a line") as connection:
            row = connection.execute(
                _LINE_OF_TENANT, {"line_id": line_id, "tenant_id": tenant_id}
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
            self._lines_changed(connection, tenant_id, line_id)

    def get_line(self, *, line_id: str, tenant_id: str | None = None) -> Line | None:
        """The line ``line_id`` (only if it belongs to ``tenant_id``, when given)."""
        record = self.get_line_record(line_id=line_id, tenant_id=tenant_id)
        return record.line if record else None

    def get_line_record(self, *, line_id: str, tenant_id: str | None = None) -> LineRecord | None:
        """The line ``line_id`` with its bookkeeping (registration, ramp, health, activity)."""
        with self._read("reading a line") as connection:
            if tenant_id is None:
                row = connection.execute(_LINE_BY_ID, {"line_id": line_id}).first()
            else:
                row = connection.execute(
                    _LINE_OF_TENANT, {"line_id": line_id, "tenant_id": tenant_id}
                ).first()
        return _line_record(row) if row else None

    def tenant_line_for_account(self, *, tenant_id: str, account: str) -> LineRecord | None:
        """The tenant's line the provider calls ``account`` (any provider), else whose id it is."""
        with self._read("reading a line") as connection:
            row = connection.execute(
                _LINE_BY_ACCOUNT, {"tenant_id": tenant_id, "account": account}
            ).first()
            if row is None:
                row = connection.execute(
                    _LINE_OF_TENANT, {"tenant_id": tenant_id, "line_id": account}
                ).first()
        return None if row is None else _line_record(row)

    def tenants_of_providers(self, *, providers: Iterable[str]) -> set[str]:
        """The tenants with lines on any of these providers."""
        names = list(providers)
        if not names:
            return set()
        with self._read("reading lines") as connection:
            found = connection.scalars(
                select(lines.c.tenant_id).where(lines.c.provider.in_(names)).distinct()
            )
            return {str(tenant) for tenant in found}

    def providers_in_use(self) -> set[str]:
        """The providers named by lines of any tenant that may still send (not retired or banned)."""
        with self._read("reading lines") as connection:
            found = connection.scalars(
                select(lines.c.provider)
                .where(lines.c.provider.is_not(None), lines.c.state.not_in(PHONE_FREEING_STATES))
                .distinct()
            )
            return {str(name) for name in found}

    def line_for_account(self, *, provider: str, account: str) -> LineRecord | None:
        """The line a provider webhook is about, by the provider's own name for it."""
        with self._read("reading a line") as connection:
            row = connection.execute(
                select(lines)
                .where(lines.c.provider == provider, lines.c.provider_account == account)
                .order_by(*_IN_USE_FIRST)
            ).first()
        return None if row is None else _line_record(row)

    def list_lines(self, *, tenant_id: str) -> list[Line]:
        """The tenant's lines, by id."""
        return [record.line for record in self.line_records(tenant_id=tenant_id)]

    def line_records(self, *, tenant_id: str) -> list[LineRecord]:
        """The tenant's lines with their bookkeeping, by id.

        Outside a write transaction, from this process's memory while the tenant's line generation
        says they did not change (:mod:`zapguard.store.line_cache`): one small read instead of
        every line. Inside one, read afresh (they may hold the transaction's own writes).
        """
        params = {"tenant_id": tenant_id}
        with self._read("listing lines") as connection:
            if self._current.connection is not None:
                return [_line_record(row) for row in connection.execute(_LINES_OF_TENANT, params)]
            generation = _line_generation(connection, tenant_id)
            records = self._lines.get(tenant_id, generation)
            if records is None:
                rows = connection.execute(_LINES_OF_TENANT, params)
                records = [_line_record(row) for row in rows]
                self._lines.load(tenant_id, generation, records)
            return records

    def lines_and_bans(self, *, tenant_id: str) -> tuple[list[LineRecord], BannedSets]:
        """The tenant's line records (as :meth:`line_records`) and which of their phones, devices
        and networks are banned (as :meth:`bans_among`). Outside a write transaction both come
        from this process's memory while the tenant's line generation says nothing changed: a
        snapshot then costs one small read, however many lines the tenant has."""
        params = {"tenant_id": tenant_id}
        with self._read("listing lines") as connection:
            if self._current.connection is not None:
                records = [
                    _line_record(row) for row in connection.execute(_LINES_OF_TENANT, params)
                ]
                return records, _bans_of(connection, records)
            generation = _line_generation(connection, tenant_id)
            kept = self._lines.get(tenant_id, generation)
            if kept is None:
                rows = connection.execute(_LINES_OF_TENANT, params)
                kept = [_line_record(row) for row in rows]
                self._lines.load(tenant_id, generation, kept)
            bans = self._lines.bans(tenant_id, generation)
            if bans is None:
                bans = _bans_of(connection, kept)
                self._lines.load_bans(tenant_id, generation, bans)
            return kept, bans

    def _lines_changed(
        self, connection: Connection, tenant_id: str, line_id: str, patch: Patch | None = None
    ) -> None:
        """Bump the tenant's line generation in the current transaction; when it commits, this
        process's kept records take ``patch`` (or are discarded)."""
        ((now,),) = _FAST_BUMP_LINES[_is_postgres(connection)].rows(
            connection, {"tenant_id": tenant_id}
        )
        after_commit(connection, lambda: self._lines.changed(tenant_id, now, line_id, patch))

    def set_line_state(self, *, tenant_id: str, line_id: str, state: LineState) -> None:
        with self._write("changing a line's state") as connection:
            _update_line(
                connection, tenant_id, line_id, _line_update(("state",)), {"b_state": state.value}
            )
            self._lines_changed(connection, tenant_id, line_id)

    def update_line(
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
        with self._write("updating a line") as connection:
            _update_line(connection, tenant_id, line_id, _line_update(names), values)
            self._lines_changed(connection, tenant_id, line_id)

    def record_human_activity(self, *, tenant_id: str, line_id: str, at: datetime) -> None:
        """A person used the line at ``at`` (ZG801); older news never moves the mark back."""
        with self._write("recording human activity") as connection:
            _update_line(connection, tenant_id, line_id, _LINE_HUMAN, {"b_at": at})
            self._lines_changed(
                connection,
                tenant_id,
                line_id,
                lambda record: replace(record, last_human_at=_later(record.last_human_at, at)),
            )

    # -- line secrets -------------------------------------------------------------------------

    def set_line_secret(
        self, *, tenant_id: str, line_id: str, kind: str, secret: str | None, at: datetime
    ) -> None:
        """Set (or, with ``None``, remove) the tenant's line's ``kind`` secret: ``provider``,
        ``chatwoot`` or ``helpdesk`` (see :data:`~zapguard.store.schema.line_secrets`)."""
        with self._write("setting a line secret") as connection:
            _check_line(connection, tenant_id, line_id)
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

    def set_helpdesk_url(self, *, tenant_id: str, line_id: str, url: str | None) -> None:
        """Where the tenant's line's provider webhooks are forwarded (``None``: nowhere)."""
        with self._write("setting a helpdesk URL") as connection:
            _update_line(
                connection,
                tenant_id,
                line_id,
                _line_update(("helpdesk_url",)),
                {"b_helpdesk_url": url},
            )
            self._lines_changed(connection, tenant_id, line_id)

    def line_secret(self, *, line_id: str, kind: str) -> str | None:
        """The line's ``kind`` secret, if one is set."""
        query = select(line_secrets.c.secret).where(
            line_secrets.c.line_id == line_id, line_secrets.c.kind == kind
        )
        with self._read("reading a line secret") as connection:
            found = connection.scalar(query)
        return None if found is None else str(found)

    def line_secret_kinds(self, *, line_id: str) -> frozenset[str]:
        """Which secrets the line has (never the secrets themselves)."""
        query = select(line_secrets.c.kind).where(line_secrets.c.line_id == line_id)
        with self._read("reading line secrets") as connection:
            return frozenset(str(kind) for kind in connection.scalars(query))

    def provider_line_secrets(self, *, provider: str, kind: str) -> dict[str, str]:
        """The ``kind`` secret of every line on the provider connection ``provider``, by line id."""
        query = (
            select(line_secrets.c.line_id, line_secrets.c.secret)
            .join(lines, lines.c.id == line_secrets.c.line_id)
            .where(lines.c.provider == provider, line_secrets.c.kind == kind)
        )
        with self._read("reading line secrets") as connection:
            return {str(row.line_id): str(row.secret) for row in connection.execute(query)}

    # -- health penalties ---------------------------------------------------------------------

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
        with self._write("recording a health penalty") as connection:
            _check_line(connection, tenant_id, line_id)
            inserted = connection.execute(
                _insert(connection, health_penalties)
                .values(
                    tenant_id=tenant_id, line_id=line_id, at=at, points=points, code=code, key=key
                )
                .on_conflict_do_nothing()
                .returning(health_penalties.c.id)  # psycopg's rowcount is -1 for this INSERT
            )
            return inserted.first() is not None

    def line_record_for_update(self, *, line_id: str, tenant_id: str) -> LineRecord:
        """The tenant's line, locked until the current transaction ends (``FOR UPDATE`` on
        PostgreSQL; on SQLite the transaction's first write already holds the database)."""
        query = _LINE_OF_TENANT
        with self._write("reading a line to update") as connection:
            if connection.dialect.name == "postgresql":
                query = query.with_for_update()
            row = connection.execute(query, {"line_id": line_id, "tenant_id": tenant_id}).first()
        if row is None:
            raise NotFound(f"linha não encontrada / line not found: {line_id} (tenant {tenant_id})")
        return _line_record(row)

    def latest_health_penalties(self, *, line_id: str, limit: int) -> list[tuple[datetime, int]]:
        """The line's latest penalties, newest first, as (instant, points)."""
        query = (
            select(health_penalties.c.at, health_penalties.c.points)
            .where(health_penalties.c.line_id == line_id)
            .order_by(health_penalties.c.at.desc(), health_penalties.c.id.desc())
            .limit(limit)
        )
        with self._read("reading health penalties") as connection:
            return [(row.at, int(row.points)) for row in connection.execute(query)]

    # -- bans ---------------------------------------------------------------------------------

    def record_ban(
        self,
        *,
        tenant_id: str,
        line_id: str,
        at: datetime,
        quarantine: Callable[[Line, list[Line]], Iterable[str]],
    ) -> list[str]:
        """Ban the line: its phone, device and network join the global registry, it becomes BANNED,
        and the lines ``quarantine`` chooses (the policy's ZG602 rule) among those of any tenant
        sharing its device or network become QUARANTINED, in the same transaction.

        Returns the ids of the lines quarantined now, sorted.
        """
        with self._write("recording a ban") as connection:
            row = connection.execute(
                select(lines).where(lines.c.id == line_id, lines.c.tenant_id == tenant_id)
            ).first()
            if row is None:
                raise NotFound(f"linha não encontrada / line not found: {line_id}")
            shared: list[ColumnElement[bool]] = []
            for kind, value in (
                ("phone", row.phone),
                ("device", row.device),
                ("network", row.network),
            ):
                if value is None:
                    continue
                _insert_ignore(
                    connection,
                    banned_identifiers,
                    {
                        "kind": kind,
                        "value": value,
                        "banned_at": at,
                        "tenant_id": tenant_id,
                        "line_id": line_id,
                    },
                )
                if kind != "phone":
                    shared.append(lines.c[kind] == value)
            connection.execute(
                update(lines).where(lines.c.id == line_id).values(state=LineState.BANNED.value)
            )
            self._lines_changed(connection, tenant_id, line_id)
            self._bans_changed(connection)
            if not shared:
                return []
            sharing = connection.execute(select(lines).where(lines.c.id != line_id, or_(*shared)))
            candidates = [_line_record(other).line for other in sharing]
            neighbours = sorted(quarantine(_line_record(row).line, candidates))
            if neighbours:
                connection.execute(
                    update(lines)
                    .where(lines.c.id.in_(neighbours))
                    .values(state=LineState.QUARANTINED.value)
                )
                # Neighbours may be other tenants' lines: each of their tenants changed.
                owners = connection.execute(
                    select(lines.c.tenant_id, lines.c.id).where(lines.c.id.in_(neighbours))
                )
                for owner, neighbour in owners.all():
                    self._lines_changed(connection, str(owner), str(neighbour))
            return neighbours

    def _bans_changed(self, connection: Connection) -> None:
        """The registry grew: every tenant with lines may now have a banned one (a device or
        network is shared across tenants), so each one's line generation moves, in every
        process; this process forgets what it kept once the ban commits."""
        connection.execute(_BUMP_EVERY_TENANT)
        connection.execute(_HEAD_EVERY_TENANT[_is_postgres(connection)])
        after_commit(connection, self._lines.forget_all)

    def banned_sets(self) -> BannedSets:
        """Every banned phone, device and network."""
        found: dict[str, set[str]] = {"phone": set(), "device": set(), "network": set()}
        with self._read("reading bans") as connection:
            for kind, value in connection.execute(_BANNED):
                found[kind].add(value)
        return BannedSets(
            frozenset(found["phone"]), frozenset(found["device"]), frozenset(found["network"])
        )

    def bans_among(
        self, *, phones: Iterable[str], devices: Iterable[str], networks: Iterable[str]
    ) -> BannedSets:
        """Which of these identifiers are banned: one indexed lookup, however long the registry."""
        with self._read("reading bans") as connection:
            return _bans_among(connection, phones, devices, networks)

    def is_banned(self, *, phone: str | None = None, device: str | None = None) -> bool:
        """Whether ``phone`` or ``device`` was ever banned (ZG601)."""
        wanted = [
            and_(banned_identifiers.c.kind == kind, banned_identifiers.c.value == value)
            for kind, value in (("phone", phone), ("device", device))
            if value is not None
        ]
        if not wanted:
            return False
        with self._read("checking bans") as connection:
            return (
                connection.scalar(select(banned_identifiers.c.id).where(or_(*wanted)).limit(1))
                is not None
            )

    # -- contacts and consent -----------------------------------------------------------------

    def get_contact(self, *, tenant_id: str, phone: str) -> Contact | None:
        with self._read("reading a contact") as connection:
            row = connection.execute(_CONTACT, {"tenant_id": tenant_id, "phone": phone}).first()
        if row is None:
            return None
        return Contact(tenant_id=row.tenant_id, phone=row.phone, aliases=tuple(row.aliases))

    def grant_consent(self, *, consent: Consent) -> None:
        """Record a grant as new evidence (a revocation too, if ``consent`` carries one)."""
        if consent.granted_at is None:
            raise ValueError("consentimento sem data / consent without granted_at")
        with self._write("recording consent") as connection:
            _ensure_contact(connection, consent.tenant_id, consent.contact, consent.granted_at)
            connection.execute(
                consents.insert().values(
                    tenant_id=consent.tenant_id,
                    contact=consent.contact,
                    purpose=consent.purpose,
                    kind="grant",
                    at=consent.granted_at,
                    source=consent.source,
                    wording=consent.wording,
                    recorded_by=consent.recorded_by,
                )
            )
            if consent.revoked_at is not None:
                connection.execute(
                    consents.insert().values(
                        tenant_id=consent.tenant_id,
                        contact=consent.contact,
                        purpose=consent.purpose,
                        kind="revoke",
                        at=consent.revoked_at,
                        how=consent.revoked_how,
                        recorded_by=consent.recorded_by,
                    )
                )

    def revoke_consent(
        self,
        *,
        tenant_id: str,
        contact: str,
        at: datetime,
        how: str,
        purpose: str = MARKETING,
        recorded_by: str | None = None,
    ) -> None:
        """Record a revocation. Recorded even when nothing was granted: the opt-out is evidence too."""
        with self._write("revoking consent") as connection:
            _ensure_contact(connection, tenant_id, contact, at)
            connection.execute(
                consents.insert().values(
                    tenant_id=tenant_id,
                    contact=contact,
                    purpose=purpose,
                    kind="revoke",
                    at=at,
                    how=how,
                    recorded_by=recorded_by,
                )
            )

    def current_consent(
        self, *, tenant_id: str, contact: str, purpose: str = MARKETING
    ) -> Consent | None:
        """The consent in force, derived from the evidence; ``None`` when nothing was ever recorded.

        The rule (evidence is append-only, LGPD art. 8 §2; each row has its own instant ``at`` and
        its place in the order rows were recorded):

        - a revocation defeats every grant recorded before it, whatever the instants: an opt-out
          that arrives after a grant was recorded revokes it, even when the opt-out's message is
          dated earlier (a webhook delayed or redelivered);
        - a revocation also defeats every grant dated at or before it: a grant recorded later but
          dated before the revocation (an old spreadsheet imported after an opt-out) does not bring
          consent back;
        - so only a grant both recorded after and dated after every revocation is in force; the
          latest such grant (by instant) is the consent.

        When no grant is in force, the latest grant (if any) comes back with ``revoked_at`` and
        ``revoked_how`` of the earliest revocation that defeats it; with no grant at all, a consent
        with ``granted_at=None`` carries the earliest revocation (the contact opted out). Earliest
        by instant, then by how: the answer never depends on the order the evidence came in.
        """
        rows = self._consent_rows(tenant_id, contact, purpose)
        grants = [row for row in rows if row.kind == "grant"]
        revocations = [row for row in rows if row.kind != "grant"]

        def defeating(grant: SimpleNamespace) -> list[SimpleNamespace]:
            return [r for r in revocations if r.id > grant.id or r.at >= grant.at]

        def earliest(found: list[SimpleNamespace]) -> SimpleNamespace:
            return min(found, key=lambda r: (r.at, r.how or ""))

        in_force = [grant for grant in grants if not defeating(grant)]
        if in_force:
            return _consent(max(in_force, key=lambda r: (r.at, r.id)))
        if grants:
            latest = max(grants, key=lambda r: (r.at, r.id))
            revocation = earliest(defeating(latest))
            return replace(_consent(latest), revoked_at=revocation.at, revoked_how=revocation.how)
        if revocations:
            return _consent(earliest(revocations))
        return None

    def consent_history(
        self, *, tenant_id: str, contact: str, purpose: str | None = MARKETING
    ) -> list[Consent]:
        """Every piece of evidence, oldest first: a grant has ``granted_at``, a revocation
        ``revoked_at``. ``purpose=None`` lists all purposes."""
        return [_consent(row) for row in self._consent_rows(tenant_id, contact, purpose)]

    def _consent_rows(
        self, tenant_id: str, contact: str, purpose: str | None
    ) -> list[SimpleNamespace]:
        params = {"tenant_id": tenant_id, "contact": contact}
        query = _FAST_CONSENT_ROWS_ANY
        if purpose is not None:
            query, params["purpose"] = _FAST_CONSENT_ROWS, purpose
        with self._read("reading consent") as connection:
            found = query.rows(connection, params)
        return [SimpleNamespace(**dict(zip(_CONSENT_COLUMNS, row, strict=True))) for row in found]

    # -- conversations ------------------------------------------------------------------------

    def record_inbound(self, *, tenant_id: str, line_id: str, contact: str, at: datetime) -> None:
        """The contact wrote to the line: the conversation opens and the unanswered count resets."""
        with self._write("recording an inbound message") as connection:
            _check_line(connection, tenant_id, line_id)
            upserts = _upserts(connection)
            _ensure_contact(connection, tenant_id, contact, at)
            connection.execute(
                upserts.inbound_conversation,
                {
                    "line_id": line_id,
                    "contact": contact,
                    "tenant_id": tenant_id,
                    "first_inbound_at": at,
                    "last_inbound_at": at,
                    "inbound_count": 1,
                },
            )
            connection.execute(
                upserts.inbound_stats,
                {
                    "tenant_id": tenant_id,
                    "contact": contact,
                    "last_inbound_at": at,
                    "unanswered": 0,
                },
            )

    def record_outbound(
        self,
        *,
        tenant_id: str,
        line_id: str,
        contact: str,
        at: datetime,
        business_initiated: bool,
        fingerprint: str | None = None,
    ) -> None:
        """The line sent to the contact. A business-initiated message adds one to the contact's
        unanswered count (ZG902); ``fingerprint`` (folded marketing text) feeds ZG505."""
        with self._write("recording an outbound message") as connection:
            # First, so that a line not of the tenant is refused before anything is written.
            sent = {"b_at": at, "b_line_id": line_id, "b_tenant_id": tenant_id}
            if _FAST_LINE_SENT.execute(connection, sent) == 0:
                raise NotFound(
                    f"linha não encontrada / line not found: {line_id} (tenant {tenant_id})"
                )
            postgres = _is_postgres(connection)
            _FAST_CONTACT[postgres].execute(
                connection,
                {
                    "tenant_id": tenant_id,
                    "phone": contact,
                    "aliases": list(phones.aliases(contact)),
                    "first_seen_at": at,
                },
            )
            _FAST_OUTBOUND_CONVERSATION[postgres].execute(
                connection,
                {
                    "line_id": line_id,
                    "contact": contact,
                    "tenant_id": tenant_id,
                    "last_outbound_at": at,
                    "outbound_count": 1,
                },
            )
            _FAST_OUTBOUND_STATS[postgres].execute(
                connection,
                {
                    "tenant_id": tenant_id,
                    "contact": contact,
                    "last_outbound_at": at,
                    "unanswered": 1 if business_initiated else 0,
                },
            )
            self._lines_changed(
                connection,
                tenant_id,
                line_id,
                lambda record: replace(record, last_sent_at=_later(record.last_sent_at, at)),
            )
            if fingerprint is not None:
                _FAST_INSERT_FINGERPRINT.execute(
                    connection, {"tenant_id": tenant_id, "fingerprint": fingerprint, "at": at}
                )

    def conversations_for(self, *, tenant_id: str, contact: str) -> dict[str, Conversation]:
        """The contact's conversations with the tenant's lines, by line id."""
        params = {"tenant_id": tenant_id, "contact": contact}
        with self._read("reading conversations") as connection:
            found = _FAST_CONVERSATIONS.rows(connection, params)
        return {
            line_id: Conversation(
                line_id=line_id,
                contact=contact_of,
                first_inbound_at=first_inbound_at,
                last_inbound_at=last_inbound_at,
                last_outbound_at=last_outbound_at,
                inbound_count=inbound_count,
                outbound_count=outbound_count,
            )
            for (
                line_id,
                contact_of,
                _tenant,
                first_inbound_at,
                last_inbound_at,
                last_outbound_at,
                inbound_count,
                outbound_count,
            ) in found
        }

    def contact_stats(self, *, tenant_id: str, contact: str) -> ContactStats:
        """Last inbound, last outbound (any line of the tenant) and the unanswered count."""
        params = {"tenant_id": tenant_id, "contact": contact}
        with self._read("reading contact totals") as connection:
            found = _FAST_CONTACT_STATS.rows(connection, params)
        if not found:
            return ContactStats(None, None, 0)
        last_inbound, last_outbound, unanswered = found[0]
        return ContactStats(last_inbound, last_outbound, unanswered)

    def identical_since(
        self, *, tenant_id: str, fingerprint: str, since: datetime
    ) -> list[datetime]:
        """When the tenant sent text with this fingerprint after ``since``, oldest first (ZG505)."""
        params = {"tenant_id": tenant_id, "fingerprint": fingerprint, "since": since}
        with self._read("reading text fingerprints") as connection:
            return [at for (at,) in _FAST_IDENTICAL_SINCE.rows(connection, params)]

    # -- link blocklist -----------------------------------------------------------------------

    def add_blocked_domains(self, *, domains: Iterable[str], source: str, at: datetime) -> int:
        """Add domains (lower-cased, trailing dot dropped) to the blocklist; returns how many were new."""
        wanted = {domain.strip().lower().rstrip(".") for domain in domains} - {""}
        if not wanted:
            return 0
        with self._write("importing blocked domains") as connection:
            known = set(connection.scalars(select(blocked_domains.c.domain)))
            new = sorted(wanted - known)
            if new:
                connection.execute(
                    _insert(connection, blocked_domains).on_conflict_do_nothing(),
                    [{"domain": domain, "source": source, "added_at": at} for domain in new],
                )
        return len(new)

    def blocked_domains(self) -> frozenset[str]:
        with self._read("reading blocked domains") as connection:
            return frozenset(connection.scalars(_BLOCKED_ALL))

    def blocked_among(self, *, domains: Iterable[str]) -> frozenset[str]:
        """The entries of ``domains`` that are blocklisted: one indexed lookup, however long the list."""
        wanted = sorted(set(domains))
        if not wanted:
            return frozenset()
        with self._read("reading blocked domains") as connection:
            if len(wanted) > _MOST_COMPILED_DOMAINS:
                return frozenset(connection.scalars(_BLOCKED_AMONG, {"domains": wanted}))
            named = {f"d{i}": domain for i, domain in enumerate(wanted)}
            return frozenset(row[0] for row in _blocked_among(len(wanted)).rows(connection, named))

    # -- logs ---------------------------------------------------------------------------------

    def record_event(self, *, event: Event) -> int:
        """Log a normalized event; returns its id. The message text is not kept (data minimization)."""
        with self._write("logging an event") as connection:
            result = connection.execute(
                events.insert().values(
                    kind=event.kind,
                    at=event.at,
                    tenant_id=event.tenant_id,
                    line_id=event.line_id,
                    contact=event.contact,
                    code=event.code,
                    data=dict(event.data),
                )
            )
            return _inserted_id(result.inserted_primary_key)

    def list_events(
        self, *, tenant_id: str, line_id: str | None = None, limit: int = 50
    ) -> list[Event]:
        """The newest events of a tenant (or of one of its lines), newest first."""
        query = select(events).where(events.c.tenant_id == tenant_id)
        if line_id is not None:
            query = query.where(events.c.line_id == line_id)
        query = query.order_by(events.c.at.desc(), events.c.id.desc()).limit(limit)
        with self._read("listing events") as connection:
            rows = connection.execute(query).all()
        return [
            Event(
                kind=row.kind,
                at=row.at,
                tenant_id=row.tenant_id,
                line_id=row.line_id,
                contact=row.contact,
                code=row.code,
                data={str(k): str(v) for k, v in (row.data or {}).items()},
            )
            for row in rows
        ]

    def record_decision(
        self, *, tenant_id: str, at: datetime, message: OutgoingMessage, decision: Decision
    ) -> int:
        """Log a decision with the message it judged; returns its id."""
        findings = decision.findings
        with self._write("logging a decision") as connection:
            ((decision_id,),) = _FAST_INSERT_DECISION.rows(
                connection,
                {
                    "tenant_id": tenant_id,
                    "at": at,
                    "message": asdict(message),
                    "verdict": decision.verdict.value,
                    "codes": decision.codes,
                    "line": decision.line,
                    "not_before": decision.not_before,
                    "message_pt": "\n".join(f"{f.code}: {f.message_pt}" for f in findings),
                    "message_en": "\n".join(f"{f.code}: {f.message_en}" for f in findings),
                },
            )
            return int(decision_id)

    def list_decisions(self, *, tenant_id: str, limit: int = 50) -> list[DecisionRecord]:
        """The tenant's latest decisions, newest first."""
        params = {"tenant_id": tenant_id, "limit": limit}
        with self._read("listing decisions") as connection:
            return [
                _decision_record(row) for row in connection.execute(_DECISIONS_OF_TENANT, params)
            ]


# -- helpers ----------------------------------------------------------------------------------


def _insert(connection: Connection, table: Table) -> _Insert:
    """An INSERT that understands ON CONFLICT on the connection's database."""
    if connection.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def _insert_ignore(connection: Connection, table: Table, values: Mapping[str, Any]) -> None:
    connection.execute(_insert(connection, table).values(**values).on_conflict_do_nothing())


def _ensure_contact(connection: Connection, tenant_id: str, phone: str, at: datetime) -> None:
    connection.execute(
        _upserts(connection).contact,
        {
            "tenant_id": tenant_id,
            "phone": phone,
            "aliases": list(phones.aliases(phone)),
            "first_seen_at": at,
        },
    )


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


def _bans_among(
    connection: Connection,
    phones: Iterable[str],
    devices: Iterable[str],
    networks: Iterable[str],
) -> BannedSets:
    wanted = {
        "phone": sorted(set(phones)),
        "device": sorted(set(devices)),
        "network": sorted(set(networks)),
    }
    found: dict[str, set[str]] = {"phone": set(), "device": set(), "network": set()}
    for kind, value in connection.execute(_BANNED_AMONG, wanted):
        found[kind].add(value)
    return BannedSets(
        frozenset(found["phone"]), frozenset(found["device"]), frozenset(found["network"])
    )


def _bans_of(connection: Connection, records: Sequence[LineRecord]) -> BannedSets:
    """Which of these lines' phones, devices and networks are banned."""
    return _bans_among(
        connection,
        [record.line.phone for record in records],
        [record.line.device for record in records if record.line.device],
        [record.line.network for record in records if record.line.network],
    )


_MOST_COMPILED_DOMAINS = 16
"""Link domains a message's blocklist lookup is compiled for (a message has a few links; one
with more takes SQLAlchemy's general path instead of growing the compiled forms without end)."""


@lru_cache(maxsize=_MOST_COMPILED_DOMAINS)
def _blocked_among(count: int) -> Compiled:
    """Which of ``count`` domains (bound ``d0``..) are blocklisted, compiled once per count."""
    domains = [bindparam(f"d{i}", type_=String()) for i in range(count)]
    return Compiled(_BLOCKED_ALL.where(blocked_domains.c.domain.in_(domains)))


def _line_generation(connection: Connection, tenant_id: str) -> int:
    found = _FAST_LINE_GENERATION.rows(connection, {"tenant_id": tenant_id})
    return int(found[0][0]) if found else 0


def _check_line(connection: Connection, tenant_id: str, line_id: str) -> None:
    owner = connection.scalar(_LINE_OWNER, {"line_id": line_id})
    if owner != tenant_id:
        raise NotFound(f"linha não encontrada / line not found: {line_id} (tenant {tenant_id})")


def _update_line(
    connection: Connection,
    tenant_id: str,
    line_id: str,
    statement: Update,
    values: Mapping[str, Any],
) -> None:
    """Run ``statement`` (built on :data:`_OF_LINE`) on the tenant's line; NotFound if it has none."""
    result = connection.execute(
        statement, {**values, "b_line_id": line_id, "b_tenant_id": tenant_id}
    )
    if result.rowcount == 0:
        raise NotFound(f"linha não encontrada / line not found: {line_id} (tenant {tenant_id})")


def _is_postgres(connection: Connection) -> bool:
    return connection.dialect.name == "postgresql"


def _later(mark: datetime | None, at: datetime) -> datetime:
    """What :func:`_latest` leaves in a column holding ``mark``, as the column gives it back (aware
    UTC): out-of-order news never moves a mark back."""
    return at.astimezone(UTC) if mark is None or mark < at else mark


def _inserted_id(key: Any) -> int:
    return int(key[0])


def _line_record(row: Row[Any]) -> LineRecord:
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


def _consent(row: SimpleNamespace) -> Consent:
    if row.kind == "grant":
        return Consent(
            tenant_id=row.tenant_id,
            contact=row.contact,
            purpose=row.purpose,
            granted_at=row.at,
            source=row.source or "",
            wording=row.wording,
            recorded_by=row.recorded_by,
        )
    return Consent(
        tenant_id=row.tenant_id,
        contact=row.contact,
        purpose=row.purpose,
        granted_at=None,
        source="",
        recorded_by=row.recorded_by,
        revoked_at=row.at,
        revoked_how=row.how,
    )


def _decision_record(row: Row[Any]) -> DecisionRecord:
    stored = dict(row.message)
    message = OutgoingMessage(
        **{
            **stored,
            "category": Category(stored["category"]),
            "author": Author(stored["author"]),
        }
    )
    return DecisionRecord(
        id=row.id,
        tenant_id=row.tenant_id,
        at=row.at,
        message=message,
        verdict=Verdict(row.verdict),
        codes=tuple(row.codes),
        line=row.line,
        not_before=row.not_before,
        message_pt=row.message_pt,
        message_en=row.message_en,
    )
