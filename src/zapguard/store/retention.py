"""Dropping what zapguard no longer needs, so a database that runs for years stays small and fast.

Only working data goes: settled outbox rows, webhook receipts, inbox items, text fingerprints,
Cloud API media bindings and health penalties older than their retention. Evidence stays:
consents, decisions, events and the ban registry are never purged here (LGPD art. 8 §2 puts the
burden of proof on the business). A health penalty is working data: what it records (the status,
its code, the points, the health after it) is also a status event, which stays.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import Connection, and_, delete, or_, select

from zapguard.store.repository import Store
from zapguard.store.schema import (
    health_penalties,
    outbox,
    seen_media,
    text_fingerprints,
    webhook_inbox,
    webhook_receipts,
)

SETTLED = ("sent", "failed", "merged", "cancelled")


def purge_outbox(store: Store, *, before: datetime) -> int:
    """Settled messages created before ``before`` (queued and in-flight ones always stay)."""
    with store.writing("purging the outbox") as connection:
        result = connection.execute(
            delete(outbox).where(outbox.c.state.in_(SETTLED), outbox.c.created_at < before)
        )
        return int(result.rowcount)


def purge_receipts(store: Store, *, before: datetime) -> int:
    with store.writing("purging webhook receipts") as connection:
        result = connection.execute(
            delete(webhook_receipts).where(webhook_receipts.c.received_at < before)
        )
        return int(result.rowcount)


def purge_inbox(store: Store, *, before: datetime) -> int:
    with store.writing("purging the webhook inbox") as connection:
        result = connection.execute(
            delete(webhook_inbox).where(webhook_inbox.c.received_at < before)
        )
        return int(result.rowcount)


def purge_fingerprints(store: Store, *, before: datetime) -> int:
    with store.writing("purging text fingerprints") as connection:
        result = connection.execute(
            delete(text_fingerprints).where(text_fingerprints.c.at < before)
        )
        return int(result.rowcount)


def purge_media(store: Store, *, before: datetime) -> int:
    """Cloud API media ids first seen before ``before``: Meta no longer holds the media."""
    with store.writing("purging media ids") as connection:
        result = connection.execute(delete(seen_media).where(seen_media.c.seen_at < before))
        return int(result.rowcount)


def purge_health_penalties(
    store: Store,
    *,
    before: datetime,
    now: datetime,
    quiet: timedelta | None,
    fold_reads: int,
) -> int:
    """Penalties older than ``before`` that can no longer change their line's health.

    Two kinds (see :func:`zapguard.policy.health.fold_latest`): those followed by ``quiet`` (the
    quiet horizon, ``None`` when health never recovers by itself) without any penalty, since the
    fold starts after the newest such spell; and those beyond the line's newest ``fold_reads``,
    which the fold never reads (enough are kept for it to know the line has more).
    """
    purged = 0
    with store.writing("purging health penalties") as connection:
        lines = connection.scalars(
            select(health_penalties.c.line_id).where(health_penalties.c.at < before).distinct()
        ).all()
        for line_id in lines:
            spell = _last_quiet_spell(connection, line_id, before, now, quiet)
            if spell is not None:
                result = connection.execute(
                    delete(health_penalties).where(
                        health_penalties.c.line_id == line_id, health_penalties.c.at <= spell
                    )
                )
                purged += int(result.rowcount)
            purged += _beyond_the_fold(connection, line_id, before, fold_reads)
    return purged


def _last_quiet_spell(
    connection: Connection,
    line_id: str,
    before: datetime,
    now: datetime,
    quiet: timedelta | None,
) -> datetime | None:
    """The instant of the newest penalty older than ``before`` that ``quiet`` without penalties
    follows (up to the next penalty, or to ``now``); ``None`` when there is none."""
    if quiet is None:
        return None
    old = connection.scalars(
        select(health_penalties.c.at)
        .where(health_penalties.c.line_id == line_id, health_penalties.c.at < before)
        .order_by(health_penalties.c.at)
    ).all()
    following = connection.scalar(
        select(health_penalties.c.at)
        .where(health_penalties.c.line_id == line_id, health_penalties.c.at >= before)
        .order_by(health_penalties.c.at)
        .limit(1)
    )
    return _newest_followed_by(old, following or now, quiet)


def _newest_followed_by(
    ascending: Sequence[datetime], then: datetime, quiet: timedelta
) -> datetime | None:
    nexts = [*ascending[1:], then]
    spells = [at for at, after in zip(ascending, nexts, strict=True) if after - at >= quiet]
    return spells[-1] if spells else None


def _beyond_the_fold(connection: Connection, line_id: str, before: datetime, reads: int) -> int:
    """Delete the line's penalties older than ``before`` and beyond its newest ``reads``."""
    last_read = connection.execute(
        select(health_penalties.c.at, health_penalties.c.id)
        .where(health_penalties.c.line_id == line_id)
        .order_by(health_penalties.c.at.desc(), health_penalties.c.id.desc())
        .offset(reads - 1)
        .limit(1)
    ).first()
    if last_read is None:
        return 0
    older = or_(
        health_penalties.c.at < last_read.at,
        and_(health_penalties.c.at == last_read.at, health_penalties.c.id < last_read.id),
    )
    result = connection.execute(
        delete(health_penalties).where(
            health_penalties.c.line_id == line_id, health_penalties.c.at < before, older
        )
    )
    return int(result.rowcount)
