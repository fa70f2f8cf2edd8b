"""SQL over the ``outbox`` and ``dispatch_lanes`` tables: the statements, none of the decisions.

Every function takes the :class:`~sqlalchemy.Connection` of a transaction the caller opened (through
:meth:`Store.writing` or :meth:`Store.read_connection`), so the outbox service can queue a message in
the very transaction that records its decision, and the dispatcher can claim, send and settle with
one commit each. What to claim, when to merge and how to pace lives in
:mod:`zapguard.gateway.dispatcher`; this module only knows how the rows are read and moved.

Rows change state along one path::

    queued ──claim──▶ sending ──sent──▶ sent            (followers of a merge: merged)
      ▲                 │  ├──retry──▶ queued (not_before later)
      │                 │  └──refused─▶ failed
      └──lease expired──┘               cancelled (a queued row, by the caller)

Every move from ``sending`` is guarded by the state it expects, so a worker whose lease expired and
whose row somebody else recovered cannot overwrite that somebody's work.

Followers of a merge (ZG502) are claimed with their primary: ``sending`` with ``merged_into`` set.
``merged_into`` stays on them if the attempt ends in doubt (a crash), so the resend of the primary,
under the same reference, carries them again instead of sending their text a second time.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    Row,
    and_,
    bindparam,
    exists,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from zapguard.store.compiled import Compiled
from zapguard.store.database import after_commit
from zapguard.store.schema import dispatch_lanes, lines, outbox

PENDING = ("queued", "sending")
"""States of a row the provider has not (knowingly) taken yet."""
DELIVERY_RANK = {"sent": 1, "delivered": 2, "read": 3}
"""Delivery statuses that only move forward; ``failed`` is recorded whatever came before."""
DELIVERY_STATUSES = (*DELIVERY_RANK, "failed")


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """One queued message and what became of it.

    ``public_id`` is the id the caller was given at once (WhatsApp style, ``wamid.ZG...``) and the
    ``reference`` every send carries; ``merged_into`` is the id of the row whose send carried this
    one's text (ZG502).
    """

    id: int
    public_id: str
    tenant_id: str
    line_id: str
    contact: str
    text: str
    media_url: str | None
    state: str
    attempts: int
    not_before: datetime
    created_at: datetime
    sent_at: datetime | None
    provider_message_id: str | None
    delivery_status: str | None
    last_error: str | None
    merged_into: int | None
    idempotency_key: str | None
    template: dict[str, Any] | None = None
    """A Cloud API template to send instead of ``text`` (its name stands in ``text``)."""
    options: dict[str, Any] | None = None
    """Provider-neutral send options asked through a drop-in (``reply_to``, ``link_preview``,
    ``delay_ms``); see :class:`zapguard.gateway.outbox.SendOptions`."""
    request_hash: str | None = None
    """SHA-256 of what defined the request; ``None`` for rows queued before it was kept."""


def entry(row: Row[Any] | SimpleNamespace) -> OutboxEntry:
    return OutboxEntry(
        id=row.id,
        public_id=row.public_id,
        tenant_id=row.tenant_id,
        line_id=row.line_id,
        contact=row.contact,
        text=row.text,
        media_url=row.media_url,
        state=row.state,
        attempts=row.attempts,
        not_before=row.not_before,
        created_at=row.created_at,
        sent_at=row.sent_at,
        provider_message_id=row.provider_message_id,
        delivery_status=row.delivery_status,
        last_error=row.last_error,
        merged_into=row.merged_into,
        idempotency_key=row.idempotency_key,
        template=row.template,
        options=row.options,
        request_hash=row.request_hash,
    )


def _postgres(connection: Connection) -> bool:
    return connection.dialect.name == "postgresql"


# -- the caller's side: queue, look up, cancel, record deliveries ------------------------------


def insert(connection: Connection, *, values: Mapping[str, Any]) -> int | None:
    """Queue a row and return its id; ``None`` when the tenant already queued one under the same
    idempotency key.

    The unique constraint decides, not a read before the write: two racing requests with one key
    leave one row (PostgreSQL makes the second wait for the first's commit, then skips).
    """
    inserted = _insert_of(_postgres(connection), tuple(values)).rows(connection, values)
    return int(inserted[0][0]) if inserted else None


_INSERTS: dict[tuple[bool, tuple[str, ...]], Compiled] = {}
_INSERTS_LOCK = threading.Lock()


def _insert_of(postgres: bool, columns: tuple[str, ...]) -> Compiled:
    """The queueing insert for these columns, compiled once per dialect (every message of the
    accept path queues the same columns: :mod:`zapguard.store.compiled`)."""
    found = _INSERTS.get((postgres, columns))
    if found is None:
        dialect = postgresql if postgres else sqlite
        statement = (
            dialect.insert(outbox)
            .on_conflict_do_nothing(index_elements=[outbox.c.tenant_id, outbox.c.idempotency_key])
            .returning(outbox.c.id)
        )
        with _INSERTS_LOCK:
            found = _INSERTS.setdefault((postgres, columns), Compiled(statement, columns))
    return found


_LANE = select(dispatch_lanes.c.line_id).where(dispatch_lanes.c.line_id == bindparam("line_id"))
_LANED: weakref.WeakKeyDictionary[Engine, set[str]] = weakref.WeakKeyDictionary()
"""Per engine, the lines this process queued a message for, whose lane therefore exists. A lane is
only ever deleted with its line, and a line that queued a message can no longer be deleted (its
decision and ``last_sent_at`` are history, never purged), so once seen it stays: every later
message of the line skips the look-up."""
_LANED_LOCK = threading.Lock()


def ensure_lane(connection: Connection, *, line_id: str, at: datetime) -> None:
    """Give the line a pacing lane (free from ``at``) unless it has one."""
    with _LANED_LOCK:
        laned = _LANED.setdefault(connection.engine, set())
        if line_id in laned:
            return
    if not connection.scalar(_LANE, {"line_id": line_id}):
        dialect = postgresql if _postgres(connection) else sqlite
        connection.execute(
            dialect.insert(dispatch_lanes)
            .values(line_id=line_id, next_at=at)
            .on_conflict_do_nothing()
        )
    # Remembered when the queued row commits with it (a rolled-back queueing proves nothing).
    after_commit(connection, lambda: _remember_lane(connection.engine, line_id))


def _remember_lane(engine: Engine, line_id: str) -> None:
    with _LANED_LOCK:
        _LANED.setdefault(engine, set()).add(line_id)


_BY_KEY = Compiled(
    select(outbox).where(
        outbox.c.tenant_id == bindparam("tenant_id"),
        outbox.c.idempotency_key == bindparam("key"),
    )
)
_COLUMNS = tuple(outbox.c.keys())


def by_key(connection: Connection, *, tenant_id: str, key: str) -> OutboxEntry | None:
    """The tenant's row queued under this idempotency key (looked up on every keyed submit)."""
    found = _BY_KEY.rows(connection, {"tenant_id": tenant_id, "key": key})
    if not found:
        return None
    return entry(SimpleNamespace(**dict(zip(_COLUMNS, found[0], strict=True))))


def by_public_id(
    connection: Connection, *, public_id: str, tenant_id: str | None = None
) -> OutboxEntry | None:
    query = select(outbox).where(outbox.c.public_id == public_id)
    if tenant_id is not None:
        query = query.where(outbox.c.tenant_id == tenant_id)
    row = connection.execute(query).first()
    return None if row is None else entry(row)


def by_id(connection: Connection, *, entry_id: int) -> OutboxEntry | None:
    row = connection.execute(select(outbox).where(outbox.c.id == entry_id)).first()
    return None if row is None else entry(row)


def by_provider_id(
    connection: Connection, *, provider_message_id: str, tenant_id: str | None = None
) -> OutboxEntry | None:
    """The row the provider knows by this id: the primary of a merge, not one of its followers."""
    query = select(outbox).where(outbox.c.provider_message_id == provider_message_id)
    if tenant_id is not None:
        query = query.where(outbox.c.tenant_id == tenant_id)
    row = connection.execute(
        query.order_by(outbox.c.merged_into.is_not(None), outbox.c.id).limit(1)
    ).first()
    return None if row is None else entry(row)


def public_ids(
    connection: Connection, *, provider_message_ids: Collection[str], tenant_id: str | None = None
) -> dict[str, str]:
    query = select(outbox.c.provider_message_id, outbox.c.public_id).where(
        outbox.c.provider_message_id.in_(list(provider_message_ids)),
        outbox.c.merged_into.is_(None),
    )
    if tenant_id is not None:
        query = query.where(outbox.c.tenant_id == tenant_id)
    found = connection.execute(query).all()
    return {str(row.provider_message_id): str(row.public_id) for row in found}


def newest(
    connection: Connection, *, tenant_id: str, line_id: str | None, limit: int
) -> list[OutboxEntry]:
    query = select(outbox).where(outbox.c.tenant_id == tenant_id)
    if line_id is not None:
        query = query.where(outbox.c.line_id == line_id)
    rows = connection.execute(query.order_by(outbox.c.id.desc()).limit(limit))
    return [entry(row) for row in rows]


def depths(connection: Connection) -> dict[str, int]:
    """Rows not yet taken by a provider, per line."""
    rows = connection.execute(
        select(outbox.c.line_id, func.count())
        .where(outbox.c.state.in_(PENDING))
        .group_by(outbox.c.line_id)
    )
    return {line_id: count for line_id, count in rows}


def queued_of_line(connection: Connection, *, line_id: str) -> list[str]:
    """Public ids of the line's queued rows, oldest first (a retired line's are cancelled)."""
    return list(
        connection.scalars(
            select(outbox.c.public_id)
            .where(outbox.c.line_id == line_id, outbox.c.state == "queued")
            .order_by(outbox.c.id)
        )
    )


def cancel_queued(connection: Connection, *, entry_id: int) -> bool:
    """Cancel a queued row; ``False`` if it is no longer queued. Tentative followers are freed."""
    done = connection.execute(
        update(outbox)
        .where(outbox.c.id == entry_id, outbox.c.state == "queued")
        .values(state="cancelled", lease_until=None)
    )
    if done.rowcount != 1:
        return False
    release_followers(connection, primary_id=entry_id)
    return True


def record_delivery(
    connection: Connection,
    *,
    primary: OutboxEntry,
    status: str,
    provider_message_id: str | None,
    at: datetime,
) -> None:
    """Write a delivery status on a row and on the followers its send carried.

    A row still ``queued`` after an attempt (in doubt: the worker died before it knew) is settled by
    the news: the provider took it, so it is ``sent`` (or ``failed``) and will not be sent again.
    """
    known = provider_message_id or primary.provider_message_id
    connection.execute(
        update(outbox)
        .where(or_(outbox.c.id == primary.id, outbox.c.merged_into == primary.id))
        .values(delivery_status=status, provider_message_id=known)
    )
    if primary.state == "queued" and primary.attempts > 0:
        if status == "failed":
            mark_failed(
                connection,
                entry_id=primary.id,
                last_error="o provedor informou falha / the provider reported a failure",
                states=("queued",),
            )
        else:
            mark_sent(
                connection,
                entry_id=primary.id,
                provider_message_id=known,
                at=at,
                states=("queued",),
            )


# -- the dispatcher's side: recover, find due work, claim, settle ------------------------------


def expired_leases(connection: Connection, *, now: datetime) -> list[Row[Any]]:
    """Rows left ``sending`` past their lease (a worker that died), locked for this transaction."""
    query = (
        select(outbox)
        .where(outbox.c.state == "sending", outbox.c.lease_until < now)
        .order_by(outbox.c.id)
    )
    if _postgres(connection):
        query = query.with_for_update(skip_locked=True)
    return list(connection.execute(query))


def due_lanes(
    connection: Connection, *, now: datetime, line_states: Collection[str], limit: int | None
) -> list[str]:
    """Lines whose pacing lane is free, whose state allows sending, that have due rows and no send
    in flight (one send per line at once).

    On PostgreSQL the lanes are locked ``FOR UPDATE SKIP LOCKED``: a lane another dispatcher is
    claiming on right now is skipped, not waited for. (SQLite's ``BEGIN IMMEDIATE`` already lets
    one writer in at a time.)
    """
    has_work = exists(
        select(outbox.c.id).where(
            outbox.c.line_id == dispatch_lanes.c.line_id,
            outbox.c.state == "queued",
            outbox.c.not_before <= now,
        )
    )
    in_flight = exists(
        select(outbox.c.id).where(
            outbox.c.line_id == dispatch_lanes.c.line_id, outbox.c.state == "sending"
        )
    )
    query = (
        select(dispatch_lanes.c.line_id)
        .join(lines, lines.c.id == dispatch_lanes.c.line_id)
        .where(
            dispatch_lanes.c.next_at <= now,
            lines.c.state.in_(list(line_states)),
            has_work,
            ~in_flight,
        )
        .order_by(dispatch_lanes.c.next_at, dispatch_lanes.c.line_id)
        .limit(limit)
    )
    if _postgres(connection):
        query = query.with_for_update(skip_locked=True, of=dispatch_lanes)
    return list(connection.scalars(query))


def line_busy(connection: Connection, *, line_id: str) -> bool:
    """Whether a send on the line is in flight (its row is ``sending``): one send per line at once."""
    return bool(
        connection.scalar(
            select(outbox.c.id)
            .where(outbox.c.line_id == line_id, outbox.c.state == "sending")
            .limit(1)
        )
    )


def queued_rows(
    connection: Connection, *, line_id: str, now: datetime, limit: int
) -> list[Row[Any]]:
    """The line's due queued rows, oldest first."""
    return list(
        connection.execute(
            select(outbox)
            .where(
                outbox.c.line_id == line_id,
                outbox.c.state == "queued",
                outbox.c.not_before <= now,
            )
            .order_by(outbox.c.created_at, outbox.c.id)
            .limit(limit)
        )
    )


def states_of(connection: Connection, *, ids: Collection[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = connection.execute(select(outbox.c.id, outbox.c.state).where(outbox.c.id.in_(ids)))
    return {entry_id: state for entry_id, state in rows}


# No DISTINCT (the set removes repeats): with it, SQLite prefers the (line_id, contact, sent_at)
# index for its order and reads every row of the line; without it, the (line_id, sent_at, contact)
# index answers a range of the few rows sent after ``since``.
RECENTLY_SENT = select(outbox.c.contact).where(
    outbox.c.line_id == bindparam("line_id"), outbox.c.sent_at > bindparam("since")
)


def recently_sent_contacts(connection: Connection, *, line_id: str, since: datetime) -> set[str]:
    """Contacts the line sent to after ``since`` (the pair rate, ZG503)."""
    return set(connection.scalars(RECENTLY_SENT, {"line_id": line_id, "since": since}))


_RESERVED_SINCE = select(
    outbox.c.tenant_id,
    outbox.c.line_id,
    outbox.c.idempotency_key,
    outbox.c.public_id,
    outbox.c.created_at,
).where(outbox.c.created_at > bindparam("since"), outbox.c.state != "cancelled")


def reserved_since(
    connection: Connection, *, since: datetime
) -> list[tuple[str, str, str | None, str, datetime]]:
    """Every message accepted after ``since`` and not cancelled (each holds a quota reservation
    made when it was accepted): tenant, line, idempotency key, public id, accepted at."""
    return [
        (row.tenant_id, row.line_id, row.idempotency_key, row.public_id, row.created_at)
        for row in connection.execute(_RESERVED_SINCE, {"since": since})
    ]


def claim(
    connection: Connection,
    *,
    entry_id: int,
    follower_ids: Collection[int],
    lease_until: datetime,
) -> bool:
    """Move a queued row (and the followers merged into it) to ``sending``; ``False`` if somebody
    else moved it first."""
    done = connection.execute(
        update(outbox)
        .where(outbox.c.id == entry_id, outbox.c.state == "queued")
        .values(state="sending", attempts=outbox.c.attempts + 1, lease_until=lease_until)
    )
    if done.rowcount != 1:
        return False
    if follower_ids:
        connection.execute(
            update(outbox)
            .where(outbox.c.id.in_(list(follower_ids)), outbox.c.state == "queued")
            .values(state="sending", merged_into=entry_id, lease_until=lease_until)
        )
    return True


def set_lane(connection: Connection, *, line_id: str, next_at: datetime) -> None:
    connection.execute(
        update(dispatch_lanes).where(dispatch_lanes.c.line_id == line_id).values(next_at=next_at)
    )


def mark_sent(
    connection: Connection,
    *,
    entry_id: int,
    provider_message_id: str | None,
    at: datetime,
    states: Collection[str] = PENDING,
) -> bool:
    """The provider took the row: ``sent``, and its followers ``merged`` (one transaction).

    ``states`` guards the move. A row recovered to ``queued`` while its late worker was still
    sending is still settled here: the provider has it, so nobody should send it again.
    """
    done = connection.execute(
        update(outbox)
        .where(outbox.c.id == entry_id, outbox.c.state.in_(list(states)))
        .values(
            state="sent",
            sent_at=func.coalesce(outbox.c.sent_at, at),
            provider_message_id=func.coalesce(provider_message_id, outbox.c.provider_message_id),
            lease_until=None,
        )
    )
    if done.rowcount != 1:
        return False
    connection.execute(
        update(outbox)
        .where(outbox.c.merged_into == entry_id, outbox.c.state.in_(PENDING))
        .values(
            state="merged",
            sent_at=at,
            provider_message_id=func.coalesce(provider_message_id, outbox.c.provider_message_id),
            lease_until=None,
        )
    )
    return True


def requeue(
    connection: Connection,
    *,
    entry_id: int,
    attempt: int,
    not_before: datetime | None,
    last_error: str,
    give_back_attempt: bool = False,
) -> bool:
    """Back to ``queued`` (a retry, a ban); followers are freed to merge anew.

    ``attempt`` is the claim being settled: a worker whose lease expired, and whose row was claimed
    again since, cannot requeue the newer claim's send from under it.
    """
    values: dict[str, Any] = {"state": "queued", "lease_until": None, "last_error": last_error}
    if not_before is not None:
        values["not_before"] = not_before
    if give_back_attempt:
        values["attempts"] = outbox.c.attempts - 1  # a claimed row has at least one
    done = connection.execute(
        update(outbox)
        .where(outbox.c.id == entry_id, outbox.c.state == "sending", outbox.c.attempts == attempt)
        .values(values)
    )
    if done.rowcount != 1:
        return False
    release_followers(connection, primary_id=entry_id)
    return True


def recover(
    connection: Connection, *, entry_id: int, last_error: str, not_before: datetime
) -> None:
    """A lease expired: back to ``queued`` in doubt, attempts kept, not resent before
    ``not_before``. A follower keeps its ``merged_into``, so the primary's resend (same
    reference) carries it again."""
    connection.execute(
        update(outbox)
        .where(outbox.c.id == entry_id, outbox.c.state == "sending")
        .values(state="queued", lease_until=None, last_error=last_error, not_before=not_before)
    )


def mark_failed(
    connection: Connection,
    *,
    entry_id: int,
    last_error: str,
    attempt: int | None = None,
    states: Collection[str] = ("sending",),
) -> bool:
    """The row will not be sent: ``failed``; followers are freed. ``attempt`` guards as in
    :func:`requeue`."""
    condition = and_(outbox.c.id == entry_id, outbox.c.state.in_(list(states)))
    if attempt is not None:
        condition = and_(condition, outbox.c.attempts == attempt)
    done = connection.execute(
        update(outbox)
        .where(condition)
        .values(state="failed", lease_until=None, last_error=last_error)
    )
    if done.rowcount != 1:
        return False
    release_followers(connection, primary_id=entry_id)
    return True


def release_followers(connection: Connection, *, primary_id: int) -> None:
    """Followers of a primary that did not go out become ordinary queued rows again."""
    connection.execute(
        update(outbox)
        .where(and_(outbox.c.merged_into == primary_id, outbox.c.state.in_(PENDING)))
        .values(state="queued", merged_into=None, lease_until=None)
    )
