"""The dispatcher's reads and writes, as values: claim rounds, settlements, the quoted message.

Above ``store/`` the dispatcher sees :class:`~zapguard.store.outbox.OutboxEntry` values and plain
answers, never a connection or a row. The statements themselves are those of
:mod:`zapguard.store.outbox`; this module opens the transactions around them: one per claim round,
one per batch of settlements.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, exists, func, select

from zapguard.store import outbox as rows
from zapguard.store.outbox import OutboxEntry
from zapguard.store.records import LineRecord
from zapguard.store.repository import Store
from zapguard.store.schema import dispatch_lanes, lines, outbox


class ClaimRound:
    """One claim round's transaction: what the dispatcher may read and move while claiming."""

    def __init__(self, store: Store, connection: Connection) -> None:
        self._store = store
        self._connection = connection

    @property
    def shared(self) -> bool:
        """Whether other dispatchers may claim concurrently in this database (PostgreSQL: lanes
        are locked ``SKIP LOCKED``, and a lane read may be stale by the time it is claimed)."""
        return self._connection.dialect.name == "postgresql"

    def expired_leases(self, *, now: datetime) -> list[OutboxEntry]:
        """Rows left ``sending`` past their lease (a worker that died), locked for this round."""
        return [rows.entry(row) for row in rows.expired_leases(self._connection, now=now)]

    def recover(self, *, entry_id: int, last_error: str, not_before: datetime) -> None:
        rows.recover(
            self._connection, entry_id=entry_id, last_error=last_error, not_before=not_before
        )

    def mark_sent(
        self,
        *,
        entry_id: int,
        provider_message_id: str | None,
        at: datetime,
        states: Collection[str] = rows.PENDING,
    ) -> bool:
        return rows.mark_sent(
            self._connection,
            entry_id=entry_id,
            provider_message_id=provider_message_id,
            at=at,
            states=states,
        )

    def due_lanes(
        self, *, now: datetime, line_states: Collection[str], limit: int | None
    ) -> list[str]:
        return rows.due_lanes(self._connection, now=now, line_states=line_states, limit=limit)

    def line_busy(self, *, line_id: str) -> bool:
        return rows.line_busy(self._connection, line_id=line_id)

    def lanes_with_room(
        self, *, now: datetime, line_states: Collection[str], limit: int | None, room: int
    ) -> list[tuple[str, int]]:
        """Due lanes (as :meth:`due_lanes`) with fewer than ``room`` sends in flight, each with
        how many it has; locked ``SKIP LOCKED`` on PostgreSQL like the lanes of one send."""
        has_work = exists(
            select(outbox.c.id).where(
                outbox.c.line_id == dispatch_lanes.c.line_id,
                outbox.c.state == "queued",
                outbox.c.not_before <= now,
            )
        )
        query = (
            select(dispatch_lanes.c.line_id, _in_flight(dispatch_lanes.c.line_id))
            .join(lines, lines.c.id == dispatch_lanes.c.line_id)
            .where(
                dispatch_lanes.c.next_at <= now,
                lines.c.state.in_(list(line_states)),
                has_work,
                _in_flight(dispatch_lanes.c.line_id) < room,
            )
            .order_by(dispatch_lanes.c.next_at, dispatch_lanes.c.line_id)
            .limit(limit)
        )
        if self.shared:
            query = query.with_for_update(skip_locked=True, of=dispatch_lanes)
        return [(line_id, int(busy)) for line_id, busy in self._connection.execute(query)]

    def in_flight(self, *, line_id: str) -> int:
        """Sends in flight on the line now (a merge counts once)."""
        count = self._connection.scalar(select(_in_flight(line_id)))
        return int(count or 0)

    def in_flight_contacts(self, *, line_id: str) -> set[str]:
        """Contacts a send in flight on the line goes to: their next message waits for it."""
        return set(
            self._connection.scalars(
                select(outbox.c.contact)
                .where(outbox.c.line_id == line_id, outbox.c.state == "sending")
                .distinct()
            )
        )

    def queued(self, *, line_id: str, now: datetime, limit: int) -> list[OutboxEntry]:
        """The line's due queued messages, oldest first."""
        return [
            rows.entry(row)
            for row in rows.queued_rows(self._connection, line_id=line_id, now=now, limit=limit)
        ]

    def recent_contacts(self, *, line_id: str, since: datetime) -> set[str]:
        return rows.recently_sent_contacts(self._connection, line_id=line_id, since=since)

    def pending(self, ids: Collection[int]) -> set[int]:
        """Which of these rows are still pending (queued or sending)."""
        states = rows.states_of(self._connection, ids=ids)
        return {entry_id for entry_id, state in states.items() if state in rows.PENDING}

    def line(self, line_id: str) -> LineRecord | None:
        return self._store.lines.record(line_id=line_id)

    def claim(self, *, entry_id: int, follower_ids: Collection[int], lease_until: datetime) -> bool:
        return rows.claim(
            self._connection, entry_id=entry_id, follower_ids=follower_ids, lease_until=lease_until
        )

    def set_lane(self, *, line_id: str, next_at: datetime) -> None:
        rows.set_lane(self._connection, line_id=line_id, next_at=next_at)


def _in_flight(line_id: Any) -> Any:
    """How many sends are in flight on the line (primaries ``sending``; followers ride along)."""
    return (
        select(func.count(outbox.c.id))
        .where(
            outbox.c.line_id == line_id,
            outbox.c.state == "sending",
            outbox.c.merged_into.is_(None),
        )
        .scalar_subquery()
    )


@dataclass(frozen=True, slots=True)
class SentSettlement:
    """The provider took a claimed message (its id, when it gave one)."""

    entry_id: int
    provider_message_id: str | None
    at: datetime


class DispatchStore:
    """The dispatcher's way into the store."""

    def __init__(self, store: Store) -> None:
        self._store = store

    @contextmanager
    def claiming(self) -> Iterator[ClaimRound]:
        """One claim round, one write transaction."""
        with (
            self._store.transaction(),
            self._store.writing("claiming outbox work") as connection,
        ):
            yield ClaimRound(self._store, connection)

    def settle_sent(self, settlements: Sequence[SentSettlement]) -> list[bool]:
        """Mark these messages ``sent`` (their followers ``merged``), all in one transaction;
        for each, whether its row was still there to settle (``False``: its lease was lost)."""
        if not settlements:
            return []
        with self._store.transaction(), self._store.writing("recording sends") as connection:
            return [
                rows.mark_sent(
                    connection,
                    entry_id=item.entry_id,
                    provider_message_id=item.provider_message_id,
                    at=item.at,
                )
                for item in settlements
            ]

    def requeue(
        self, *, entry_id: int, attempt: int, not_before: datetime, last_error: str
    ) -> bool:
        with self._store.transaction(), self._store.writing("scheduling a retry") as connection:
            return rows.requeue(
                connection,
                entry_id=entry_id,
                attempt=attempt,
                not_before=not_before,
                last_error=last_error,
            )

    def fail(self, *, entry_id: int, attempt: int, last_error: str) -> bool:
        with self._store.transaction(), self._store.writing("failing a message") as connection:
            return rows.mark_failed(
                connection, entry_id=entry_id, attempt=attempt, last_error=last_error
            )

    def give_back(
        self, *, entry_id: int, attempt: int, last_error: str, with_it: Callable[[], None]
    ) -> None:
        """A ban signal: the message goes back to the queue, its attempt given back, and
        ``with_it`` (pausing the line with an alert) runs in the same transaction."""
        with self._store.transaction(), self._store.writing("pausing a line") as connection:
            rows.requeue(
                connection,
                entry_id=entry_id,
                attempt=attempt,
                not_before=None,
                last_error=last_error,
                give_back_attempt=True,
            )
            with_it()

    def message(self, *, public_id: str, tenant_id: str) -> OutboxEntry | None:
        """A message by its public id, within its tenant."""
        with self._store.read_connection("reading a quoted message") as connection:
            return rows.by_public_id(connection, public_id=public_id, tenant_id=tenant_id)


__all__ = ["ClaimRound", "DispatchStore", "SentSettlement"]
