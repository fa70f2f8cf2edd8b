"""Submit: the one path a message takes from a caller into the outbox.

Decide on a fresh snapshot, reserve quota atomically, and in the same write transaction record the
decision and queue the message. A caller's idempotency key answers a retried request with the message
already queued, never a second one; the same key with another request is an error
(:class:`~zapguard.gateway.outbox.IdempotencyConflict`), as payment APIs answer it (Stripe,
docs.stripe.com/api/idempotent_requests: the key is compared with the original request's
parameters; Adyen, docs.adyen.com/development-resources/api-idempotency: a different request under
a used key is refused), so a caller never takes the first message for its new one.

A message for a line zapguard cannot send on (a replayed log's line has no provider) is refused
before anything is decided (:class:`LineCannotSend`): queued, it would wait forever.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from zapguard.domain.models import Decision, Line, OutgoingMessage
from zapguard.gateway.decider import Decider
from zapguard.gateway.metrics import DECISIONS
from zapguard.gateway.outbox import (
    IdempotencyConflict,
    MessageOptions,
    Outbox,
    OutboxEntry,
    check_same_request,
    new_public_id,
)
from zapguard.gateway.snapshots import line_quota_key
from zapguard.store.counters.base import Counters
from zapguard.store.short_links import save_short_links

SendProblem = Callable[[Line], tuple[str, str] | None]
"""Why the gateway cannot send on a line (pt-BR, en, each saying how to fix it), or ``None``."""


class LineCannotSend(ValueError):
    """The message names a line, or a pool whose every line, zapguard cannot send on; the text
    (``pt-BR / en``) names them and how to give a line a provider."""


@dataclass(frozen=True, slots=True)
class Submission:
    """What became of a submitted message: the decision, and its outbox entry when it was queued.

    ``replayed`` is true when the idempotency key matched a message queued earlier: ``decision`` is
    then ``None`` (the earlier decision stands) and nothing new was queued or reserved.
    """

    decision: Decision | None
    entry: OutboxEntry | None
    replayed: bool = False


@dataclass
class Submitter:
    decider: Decider
    outbox: Outbox
    clock: Callable[[], datetime]
    on_queued: Callable[[], None] = lambda: None
    """Called after a message was queued (the dispatcher wakes up for it)."""
    send_problem: SendProblem | None = None
    """Refuse, before deciding, a message no line could carry (``None``: every line can)."""

    def submit(
        self,
        message: OutgoingMessage,
        *,
        template: Mapping[str, Any] | None = None,
        options: MessageOptions | None = None,
    ) -> Submission:
        """Decide, reserve and queue. ``template``: a Cloud API template to send instead of the
        text (the text then stands for it in the rules: its name and parameters); ``options``: how
        the caller asked it to be sent (reply, link preview, typing delay)."""
        fingerprint = request_hash(message, template, options)
        if message.idempotency_key is not None:
            earlier = self.outbox.by_idempotency_key(
                tenant_id=message.tenant_id, key=message.idempotency_key
            )
            if earlier is not None:
                check_same_request(earlier, fingerprint)
                return Submission(None, earlier, replayed=True)
        self._check_can_send(message)
        now = self.clock()
        queued: list[OutboxEntry] = []
        decided: list[Decision] = []
        public_id = new_public_id()
        reservation = reservation_id_of(message.idempotency_key, public_id)

        def enqueue(decision: Decision, decision_id: int) -> None:
            decided.append(decision)
            # ZG703 rewrote long links to the business's short domain: keep the pairs in the same
            # transaction, so that no message ever carries a short link zapguard cannot redirect.
            save_short_links(
                self.outbox.store, tenant_id=message.tenant_id, pairs=decision.short_links, at=now
            )
            queued.append(
                self.outbox.enqueue(
                    message=message,
                    decision=decision,
                    decision_id=decision_id,
                    now=now,
                    public_id=public_id,
                    template=template,
                    options=options,
                    request_hash=fingerprint,
                )
            )

        try:
            decision = self.decider.submit(
                message, now, on_send=enqueue, reservation_id=reservation
            )
        except IdempotencyConflict as conflict:
            # Lost a race to another request under the same key: its row stands, this one's
            # bookkeeping rolled back. A reservation made on another line than the winner's was
            # this request's own (on the winner's line the key already held one): give it back.
            line = decided[0].line if decided else None
            if line is not None and line != conflict.earlier.line_id:
                self.decider.counters.release(line_quota_key(message.tenant_id, line), reservation)
            raise
        count_decision(decision)
        if queued:
            self.on_queued()
        return Submission(decision, queued[0] if queued else None)

    def _check_can_send(self, message: OutgoingMessage) -> None:
        """:class:`LineCannotSend` for a line that cannot send, or a pool none of whose lines
        can (an unknown line or pool is left to the policy, which names it)."""
        if self.send_problem is None:
            return
        store = self.outbox.store
        if message.line is not None:
            named = store.lines.get(line_id=message.line, tenant_id=message.tenant_id)
            problem = self.send_problem(named) if named is not None else None
            if problem is not None:
                raise LineCannotSend(f"{problem[0]} / {problem[1]}")
            return
        pool = [
            line
            for line in store.lines.of_tenant(tenant_id=message.tenant_id)
            if line.pool == message.pool
        ]
        if pool and all(self.send_problem(line) is not None for line in pool):
            ids = ", ".join(sorted(line.id for line in pool))
            raise LineCannotSend(
                f"nenhuma linha do pool {message.pool} pode enviar ({ids}): dê um provedor a uma "
                "delas com `zapguard lines provider LINHA --provider NOME` / no line of pool "
                f"{message.pool} can send ({ids}): give one of them a provider with "
                "`zapguard lines provider LINE --provider NAME`"
            )

    def cancel(self, *, tenant_id: str, public_id: str) -> OutboxEntry | None:
        """Cancel a queued message and give back the quota it reserved."""
        return cancel_queued(
            self.outbox, self.decider.counters, tenant_id=tenant_id, public_id=public_id
        )

    def advise(self, message: OutgoingMessage) -> Decision:
        """The decision alone: nothing reserved, recorded or queued."""
        return self.decider.advise(message, self.clock())


def cancel_queued(
    outbox: Outbox, counters: Counters, *, tenant_id: str, public_id: str
) -> OutboxEntry | None:
    """Cancel a queued message and give back the quota it reserved; the row as it now is."""
    entry = outbox.cancel(tenant_id=tenant_id, public_id=public_id)
    if entry is not None and entry.state == "cancelled":
        counters.release(
            line_quota_key(entry.tenant_id, entry.line_id),
            reservation_id_of(entry.idempotency_key, entry.public_id),
        )
    return entry


def request_hash(
    message: OutgoingMessage,
    template: Mapping[str, Any] | None = None,
    options: MessageOptions | None = None,
) -> str:
    """SHA-256 of what defines a request to send: who to, from where, what, as what, and how (a
    reply, a preview, a delay). Computed on the normalized message, so the same request written
    differently (a phone with spaces, the key in the header or in the body) is the same request."""
    defining = {
        "contact": message.contact,
        "line": message.line,
        "pool": message.pool,
        "category": message.category.value,
        "author": message.author.value,
        "text": message.text,
        "media_url": message.media_url,
        "campaign_id": message.campaign_id,
        "template": template,
        "options": options.stored() if options is not None else None,
    }
    canonical = json.dumps(defining, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def reservation_id_of(idempotency_key: str | None, public_id: str) -> str:
    """The quota entry of a queued message: its idempotency key (a retried request reserves
    nothing twice), else its public id."""
    return idempotency_key or public_id


def count_decision(decision: Decision) -> None:
    codes = decision.codes or ["none"]
    for code in codes:
        DECISIONS.labels(verdict=decision.verdict.value, code=code).inc()
