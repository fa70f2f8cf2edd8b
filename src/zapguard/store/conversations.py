"""The conversations repository: who wrote to whom and when, per line and per contact, and the
fingerprints of marketing text (ZG505). What the reply-window, business-initiated and
never-answers rules (ZG302, ZG902) read."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy import bindparam, select, update

from zapguard.domain.models import Conversation
from zapguard.store.compiled import Compiled
from zapguard.store.errors import NotFound
from zapguard.store.line_generations import LineGenerations
from zapguard.store.records import ContactStats
from zapguard.store.schema import contact_stats, conversations, lines, text_fingerprints
from zapguard.store.statements import (
    AT,
    OF_LINE,
    UPSERTS,
    check_line,
    ensure_contact,
    is_postgres,
    later,
    latest,
    upserts,
)
from zapguard.store.unit_of_work import UnitOfWork

# The accept path's statements, compiled once per dialect (:mod:`zapguard.store.compiled`).
_CONVERSATIONS = Compiled(
    select(conversations).where(
        conversations.c.tenant_id == bindparam("tenant_id"),
        conversations.c.contact == bindparam("contact"),
    )
)
_CONTACT_STATS = Compiled(
    select(
        contact_stats.c.last_inbound_at,
        contact_stats.c.last_outbound_at,
        contact_stats.c.unanswered,
    ).where(
        contact_stats.c.tenant_id == bindparam("tenant_id"),
        contact_stats.c.contact == bindparam("contact"),
    )
)
_IDENTICAL_SINCE = Compiled(
    select(text_fingerprints.c.at)
    .where(
        text_fingerprints.c.tenant_id == bindparam("tenant_id"),
        text_fingerprints.c.fingerprint == bindparam("fingerprint"),
        text_fingerprints.c.at > bindparam("since"),
    )
    .order_by(text_fingerprints.c.at)
)
_LINE_SENT = Compiled(
    update(lines).where(OF_LINE).values(last_sent_at=latest(lines.c.last_sent_at, AT))
)
_INSERT_FINGERPRINT = Compiled(text_fingerprints.insert(), ["tenant_id", "fingerprint", "at"])
_OUTBOUND_CONVERSATION = {
    postgres: Compiled(
        upserts.outbound_conversation,
        ["line_id", "contact", "tenant_id", "last_outbound_at", "outbound_count"],
    )
    for postgres, upserts in UPSERTS.items()
}
_OUTBOUND_STATS = {
    postgres: Compiled(
        upserts.outbound_stats, ["tenant_id", "contact", "last_outbound_at", "unanswered"]
    )
    for postgres, upserts in UPSERTS.items()
}


class Conversations:
    def __init__(self, work: UnitOfWork, generations: LineGenerations) -> None:
        self._work = work
        self._generations = generations

    def record_inbound(self, *, tenant_id: str, line_id: str, contact: str, at: datetime) -> None:
        """The contact wrote to the line: the conversation opens and the unanswered count resets."""
        with self._work.writing("recording an inbound message") as connection:
            check_line(connection, tenant_id, line_id)
            statements = upserts(connection)
            ensure_contact(connection, tenant_id, contact, at)
            connection.execute(
                statements.inbound_conversation,
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
                statements.inbound_stats,
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
        with self._work.writing("recording an outbound message") as connection:
            # First, so that a line not of the tenant is refused before anything is written.
            sent = {"b_at": at, "b_line_id": line_id, "b_tenant_id": tenant_id}
            if _LINE_SENT.execute(connection, sent) == 0:
                raise NotFound(
                    f"linha não encontrada / line not found: {line_id} (tenant {tenant_id})"
                )
            ensure_contact(connection, tenant_id, contact, at)
            postgres = is_postgres(connection)
            _OUTBOUND_CONVERSATION[postgres].execute(
                connection,
                {
                    "line_id": line_id,
                    "contact": contact,
                    "tenant_id": tenant_id,
                    "last_outbound_at": at,
                    "outbound_count": 1,
                },
            )
            _OUTBOUND_STATS[postgres].execute(
                connection,
                {
                    "tenant_id": tenant_id,
                    "contact": contact,
                    "last_outbound_at": at,
                    "unanswered": 1 if business_initiated else 0,
                },
            )
            self._generations.changed(
                connection,
                tenant_id,
                line_id,
                lambda kept: replace(kept, last_sent_at=later(kept.last_sent_at, at)),
            )
            if fingerprint is not None:
                _INSERT_FINGERPRINT.execute(
                    connection, {"tenant_id": tenant_id, "fingerprint": fingerprint, "at": at}
                )

    def of_contact(self, *, tenant_id: str, contact: str) -> dict[str, Conversation]:
        """The contact's conversations with the tenant's lines, by line id."""
        params = {"tenant_id": tenant_id, "contact": contact}
        with self._work.read_connection("reading conversations") as connection:
            found = _CONVERSATIONS.rows(connection, params)
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
        with self._work.read_connection("reading contact totals") as connection:
            found = _CONTACT_STATS.rows(connection, params)
        if not found:
            return ContactStats(None, None, 0)
        last_inbound, last_outbound, unanswered = found[0]
        return ContactStats(last_inbound, last_outbound, unanswered)

    def identical_since(
        self, *, tenant_id: str, fingerprint: str, since: datetime
    ) -> list[datetime]:
        """When the tenant sent text with this fingerprint after ``since``, oldest first (ZG505)."""
        params = {"tenant_id": tenant_id, "fingerprint": fingerprint, "since": since}
        with self._work.read_connection("reading text fingerprints") as connection:
            return [at for (at,) in _IDENTICAL_SINCE.rows(connection, params)]
