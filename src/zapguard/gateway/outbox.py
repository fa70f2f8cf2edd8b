"""The durable outbox: what the gateway accepted and has not yet seen a provider take.

An accepted message is a row before it is anything else: :meth:`Outbox.enqueue` runs inside the
caller's :meth:`Store.transaction`, so the decision, its quota reservation and the queued row commit
together or not at all. A crash after that commit loses nothing (the dispatcher finds the row); a
crash before it leaves no trace (the caller retries with the same idempotency key).

The caller gets ``public_id`` at once, in WhatsApp's style (``wamid.ZG...``), as a helpdesk expects
from a provider. The same id travels as the ``reference`` of every send, so status webhooks that echo
it find the row even before the provider's own id is known.

Delivery statuses only move forward (sent < delivered < read); ``failed`` is always recorded. A
``read`` with no ``delivered`` before it is accepted: providers skip and reorder statuses.
"""

from __future__ import annotations

import builtins
import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from zapguard.domain.models import Decision, OutgoingMessage
from zapguard.store import Conflict, Store
from zapguard.store import outbox as rows
from zapguard.store.outbox import DELIVERY_RANK, DELIVERY_STATUSES, OutboxEntry

__all__ = [
    "IdempotencyConflict",
    "MessageOptions",
    "Outbox",
    "OutboxEntry",
    "check_same_request",
    "is_public_id",
    "new_public_id",
]

_PUBLIC_PREFIX = "wamid.ZG"


class IdempotencyConflict(ValueError):
    """The tenant already used this idempotency key for another request: answering the first
    message would tell the caller its new request was done when it was not."""

    def __init__(self, earlier: OutboxEntry) -> None:
        super().__init__(
            "Idempotency-Key já usada com outro pedido (destinatário, linha, texto, mídia...): "
            "use uma chave nova para um pedido novo, ou repita o pedido original / "
            "Idempotency-Key already used with a different request (recipient, line, text, "
            "media...): use a new key for a new request, or repeat the original one"
        )
        self.earlier = earlier


def new_public_id() -> str:
    """A caller-visible message id in WhatsApp's style, unique without asking the database."""
    return f"{_PUBLIC_PREFIX}{uuid.uuid4().hex.upper()}"


def is_public_id(message_id: str) -> bool:
    """Whether ``message_id`` is one zapguard gave a caller (not a provider's own id)."""
    return message_id.startswith(_PUBLIC_PREFIX)


@dataclass(frozen=True, slots=True)
class MessageOptions:
    """How a caller asked a message to be sent, in no provider's dialect.

    The drop-ins read these from their provider's fields (Cloud API ``context.message_id`` and
    ``text.preview_url``; Evolution ``quoted.key.id``, ``linkPreview`` and ``delay``; WAHA
    ``reply_to`` and ``linkPreview``); the dispatcher hands them to whichever provider the message
    leaves through, which writes them in its own dialect.
    """

    reply_to: str | None = None
    """The message this one answers: a provider's message id, or one of zapguard's public ids
    (``wamid.ZG...``), translated to the provider's id at send time."""
    link_preview: bool | None = None
    """Show a preview of the first link; ``None`` leaves the provider's default."""
    delay_ms: int | None = None
    """How long the caller wanted "typing…" shown first (Evolution's ``delay``); it lengthens the
    dispatcher's own typing time, never shortens the pacing (see the dispatcher)."""

    def stored(self) -> dict[str, Any] | None:
        """The outbox column's value: only what was asked, ``None`` when nothing was."""
        values = {
            "reply_to": self.reply_to,
            "link_preview": self.link_preview,
            "delay_ms": self.delay_ms,
        }
        kept = {key: value for key, value in values.items() if value is not None}
        return kept or None

    @classmethod
    def of(cls, stored: Mapping[str, Any] | None) -> MessageOptions:
        if not stored:
            return cls()
        reply_to = stored.get("reply_to")
        link_preview = stored.get("link_preview")
        delay_ms = stored.get("delay_ms")
        return cls(
            reply_to=reply_to if isinstance(reply_to, str) and reply_to else None,
            link_preview=link_preview if isinstance(link_preview, bool) else None,
            delay_ms=delay_ms
            if isinstance(delay_ms, int) and not isinstance(delay_ms, bool) and delay_ms > 0
            else None,
        )


class Outbox:
    """Queue, look up, cancel and follow messages; the dispatcher sends them."""

    def __init__(self, store: Store) -> None:
        self._store = store

    @property
    def store(self) -> Store:
        return self._store

    def enqueue(
        self,
        *,
        message: OutgoingMessage,
        decision: Decision,
        decision_id: int | None,
        now: datetime,
        public_id: str | None = None,
        template: Mapping[str, Any] | None = None,
        options: MessageOptions | None = None,
        request_hash: str | None = None,
    ) -> OutboxEntry:
        """Queue ``message`` on the decision's line, not before the decision allows.

        ``template`` is a Cloud API template to send instead of the text; ``options`` how the
        caller asked it to be sent; ``request_hash`` is what defined the request
        (:func:`~zapguard.gateway.submission.request_hash`), kept with the row.

        Joins the caller's transaction when there is one. A message whose idempotency key the tenant
        already used returns the row queued then, and queues nothing, when the request is the same
        (or the earlier row predates request hashes); another request raises
        :class:`IdempotencyConflict`.
        """
        if decision.line is None:
            raise ValueError("decisão sem linha / decision without a line: nothing to send on")
        key = message.idempotency_key
        not_before = max(now, decision.not_before or now)
        public_id = public_id or new_public_id()
        text = decision.text if decision.text is not None else message.text
        stored_options = options.stored() if options is not None else None
        values = {
            "public_id": public_id,
            "tenant_id": message.tenant_id,
            "line_id": decision.line,
            "contact": message.contact,
            "idempotency_key": key,
            "category": message.category.value,
            "author": message.author.value,
            "text": text,
            "media_url": message.media_url,
            "template": dict(template) if template is not None else None,
            "options": stored_options,
            "request_hash": request_hash,
            "decision_id": decision_id,
            "state": "queued",
            "attempts": 0,
            "not_before": not_before,
            "created_at": now,
        }
        with self._store.transaction(), self._store.writing("queueing a message") as connection:
            inserted = rows.insert(connection, values=values)
            if inserted is not None:
                rows.ensure_lane(connection, line_id=decision.line, at=now)
                found: OutboxEntry | None = rows.OutboxEntry(
                    id=inserted,
                    public_id=public_id,
                    tenant_id=message.tenant_id,
                    line_id=decision.line,
                    contact=message.contact,
                    text=text,
                    media_url=message.media_url,
                    state="queued",
                    attempts=0,
                    not_before=not_before,
                    created_at=now,
                    sent_at=None,
                    provider_message_id=None,
                    delivery_status=None,
                    last_error=None,
                    merged_into=None,
                    idempotency_key=key,
                    template=dict(template) if template is not None else None,
                    options=stored_options,
                    request_hash=request_hash,
                )
            else:
                assert key is not None  # only the idempotency key's constraint is skipped over
                found = rows.by_key(connection, tenant_id=message.tenant_id, key=key)
        if found is None:  # pragma: no cover - the row was just written or found by its key
            raise Conflict("mensagem não enfileirada / message not queued")
        check_same_request(found, request_hash)
        return found

    def by_idempotency_key(self, *, tenant_id: str, key: str) -> OutboxEntry | None:
        with self._store.read_connection("reading the outbox") as connection:
            return rows.by_key(connection, tenant_id=tenant_id, key=key)

    def get(self, *, tenant_id: str, public_id: str) -> OutboxEntry | None:
        with self._store.read_connection("reading the outbox") as connection:
            return rows.by_public_id(connection, public_id=public_id, tenant_id=tenant_id)

    def list(
        self, *, tenant_id: str, line_id: str | None = None, limit: int = 50
    ) -> builtins.list[OutboxEntry]:
        """The tenant's latest messages (of one line, when given), newest first."""
        with self._store.read_connection("listing the outbox") as connection:
            return rows.newest(connection, tenant_id=tenant_id, line_id=line_id, limit=limit)

    def queued_of_line(self, *, line_id: str) -> builtins.list[str]:
        """Public ids of the line's queued messages, oldest first."""
        with self._store.read_connection("reading the outbox") as connection:
            return rows.queued_of_line(connection, line_id=line_id)

    def reserved_since(
        self, since: datetime
    ) -> builtins.list[tuple[str, str, str | None, str, datetime]]:
        """Every message accepted after ``since`` and not cancelled: tenant, line, idempotency
        key, public id, accepted at (what rebuilds quota counters that lost their data)."""
        with self._store.read_connection("reading accepted messages") as connection:
            return rows.reserved_since(connection, since=since)

    def depths(self) -> dict[str, int]:
        """Messages queued or being sent, per line (for the queue-depth metric)."""
        with self._store.read_connection("measuring the outbox") as connection:
            return rows.depths(connection)

    def public_ids(
        self, provider_message_ids: Collection[str], *, tenant_id: str | None = None
    ) -> dict[str, str]:
        """provider message id → the public id the caller got, for the messages this outbox sent
        (only the tenant's, when ``tenant_id`` is given)."""
        if not provider_message_ids:
            return {}
        with self._store.read_connection("reading message ids") as connection:
            return rows.public_ids(
                connection, provider_message_ids=provider_message_ids, tenant_id=tenant_id
            )

    def record_delivery(
        self,
        *,
        provider_message_id: str | None,
        reference: str | None,
        status: str,
        at: datetime,
        tenant_id: str | None = None,
    ) -> OutboxEntry | None:
        """Apply a status webhook; returns the row as it now is, or ``None`` if no row matches.

        The row is found by the provider's id, else by ``reference`` (our ``public_id``, which
        providers echo), among the messages of ``tenant_id`` when given: a webhook about one
        tenant's line never settles another tenant's message. Statuses that would move backwards
        are ignored.
        """
        if status not in DELIVERY_STATUSES:
            raise ValueError(
                f"status de entrega desconhecido / unknown delivery status {status!r}; "
                f"known: {', '.join(DELIVERY_STATUSES)}"
            )
        with self._store.transaction(), self._store.writing("recording a delivery") as connection:
            found = None
            if provider_message_id is not None:
                found = rows.by_provider_id(
                    connection, provider_message_id=provider_message_id, tenant_id=tenant_id
                )
            if found is None and reference is not None:
                found = rows.by_public_id(connection, public_id=reference, tenant_id=tenant_id)
            if found is None:
                return None
            if found.merged_into is not None and found.state == "merged":
                primary = rows.by_id(connection, entry_id=found.merged_into)
                found = primary or found
            if not _moves_forward(found.delivery_status, status):
                return found
            rows.record_delivery(
                connection,
                primary=found,
                status=status,
                provider_message_id=provider_message_id,
                at=at,
            )
            return rows.by_id(connection, entry_id=found.id)

    def cancel(self, *, tenant_id: str, public_id: str) -> OutboxEntry | None:
        """Cancel a queued message; returns the row as it now is (``None`` for an unknown id).

        Only a ``queued`` row can be cancelled: one being sent or already settled comes back
        unchanged, and its ``state`` says why nothing happened.
        """
        with self._store.transaction(), self._store.writing("cancelling a message") as connection:
            found = rows.by_public_id(connection, public_id=public_id, tenant_id=tenant_id)
            if found is None or not rows.cancel_queued(connection, entry_id=found.id):
                return found
            return rows.by_id(connection, entry_id=found.id)


def check_same_request(earlier: OutboxEntry, request_hash: str | None) -> None:
    """Raise :class:`IdempotencyConflict` when ``earlier`` was queued for another request. A row
    without a hash (queued before hashes were kept) or a caller without one cannot be compared:
    the earlier message stands, as it always did."""
    if earlier.request_hash is None or request_hash is None:
        return
    if earlier.request_hash != request_hash:
        raise IdempotencyConflict(earlier)


def _moves_forward(current: str | None, new: str) -> bool:
    if new == "failed":
        return current != "failed"
    if current is None:
        return True
    if current == "failed":
        return False  # a failure is final: a late "sent" does not undo it
    return DELIVERY_RANK[new] > DELIVERY_RANK[current]
