"""Decide, and for what goes out, reserve quota atomically: the only write that must be atomic.

The snapshot is read without locks, the engine decides, and the counter store's ``reserve`` checks the
caps again inside one transaction (SQL) or one script (Redis). If another worker took the last slot in
between, the reservation fails and the message is decided again on fresh state, which then defers or
reroutes. A rejected or deferred message reserves nothing.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from zapguard.domain.models import Author, Category, Decision, Event, OutgoingMessage, Verdict
from zapguard.gateway.outbox import IdempotencyConflict
from zapguard.gateway.snapshots import CanSend, build_snapshot, day_since, quota_key
from zapguard.policy import portfolio, volume
from zapguard.policy.config import PolicyConfig
from zapguard.policy.engine import decide
from zapguard.policy.explain import summary
from zapguard.policy.snapshot import LineView, Snapshot
from zapguard.store import portfolios, quota
from zapguard.store.counters.base import Counters, Limit
from zapguard.store.errors import StoreError
from zapguard.store.group_commit import GroupCommit
from zapguard.store.repository import Store

log = logging.getLogger("zapguard.decisions")

# Each failed reservation means another worker sent on that line meanwhile; the fresh snapshot then
# shows the line full, so a handful of rounds always settles.
_MAX_ROUNDS = 8


@dataclass
class Decider:
    store: Store
    counters: Counters
    config: PolicyConfig
    can_send: CanSend | None = None
    """For :meth:`submit` outside a log: only these lines may be picked for a pool or a reroute
    (the gateway sends what it queues). ``None``: every line."""
    _group: GroupCommit = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._group = GroupCommit(self.store)

    def advise(self, message: OutgoingMessage, now: datetime) -> Decision:
        """The decision alone: nothing is reserved or recorded (advisory mode, ``zapguard check``)."""
        with self.store.reading():  # the lines' counts are read as the engine asks for them
            return decide(
                message, self._snapshot(message, now, judging_log=False, sending=False), now
            )

    def submit(
        self,
        message: OutgoingMessage,
        now: datetime,
        *,
        judging_log: bool = False,
        on_send: Callable[[Decision, int], None] | None = None,
        reservation_id: str | None = None,
    ) -> Decision:
        """Decide and, if the message goes out, reserve its quota and record it as sent.

        ``on_send(decision, decision_id)`` runs inside the same write transaction as the send's
        bookkeeping (the gateway queues the message there): all of it commits, or none.
        ``reservation_id`` names the quota entry (default: the idempotency key, else a random id),
        so that a cancelled message can give its quota back.
        """
        for _ in range(_MAX_ROUNDS):
            with self._group.expecting(), self.store.reading():
                snapshot = self._snapshot(
                    message, now, judging_log=judging_log, sending=not judging_log
                )
                decision = decide(message, snapshot, now)
            if not decision.sends:
                self._group.run(partial(self._record_decision, message, decision, now))
                break
            # The reservation, the send's bookkeeping and the decision's record: one write
            # transaction when the counters live in the store's database, else the counters' own
            # atomic step just before it; shared with concurrent submissions (group commit).
            joined = quota.shares_transactions(self.store, self.counters)
            entry = reservation_id or message.idempotency_key or uuid.uuid4().hex
            send = partial(
                self._write_send, message, decision, snapshot, now, entry, joined, on_send
            )
            if joined:
                if self._group.run(send):
                    break
                continue
            if not self._reserve(message, decision, snapshot, now, entry):
                continue
            assert decision.line is not None  # a decision that sends names its line
            self._write_reserved(send, quota_key(snapshot.lines[decision.line].line), entry)
            break
        else:  # pragma: no cover - needs > _MAX_ROUNDS workers winning every round in turn
            decision = Decision(
                Verdict.DEFER, decision.line, decision.findings, now + timedelta(seconds=1)
            )
            self._record_decision(message, decision, now)
        self._log(message, decision)
        return decision

    def _write_reserved(self, send: Callable[[], bool], key: str, entry: str) -> None:
        """Write a send whose quota the counters (outside the store's database) already hold; if
        the write fails, give the quota back: no message was queued to use it."""
        try:
            self._group.run(send)
        except IdempotencyConflict:
            raise  # the key's reservation may be the winner's: the submitter knows whose it is
        except Exception:
            try:
                self.counters.release(key, entry)
            except StoreError:
                log.warning("could not give back the reservation %s of %s", entry, key)
            raise

    def _write_send(
        self,
        message: OutgoingMessage,
        decision: Decision,
        snapshot: Snapshot,
        now: datetime,
        entry: str,
        reserve: bool,
        on_send: Callable[[Decision, int], None] | None,
    ) -> bool:
        """The write of an allowed message: its reservation (when ``reserve``: counters joining
        the store's transaction), bookkeeping, decision record and ``on_send``, in one
        transaction; ``False`` (nothing written) when the reservation was refused."""
        with self.store.transaction():
            if reserve and not self._reserve(message, decision, snapshot, now, entry):
                return False
            self._record_send(message, decision, snapshot, now)
            decision_id = self._record_decision(message, decision, now)
            if on_send is not None:
                on_send(decision, decision_id)
            return True

    def _snapshot(
        self, message: OutgoingMessage, now: datetime, *, judging_log: bool, sending: bool
    ) -> Snapshot:
        return build_snapshot(
            store=self.store,
            counters=self.counters,
            config=self.config,
            message=message,
            now=now,
            judging_log=judging_log,
            can_send=self.can_send if sending else None,
        )

    def _reserve(
        self,
        message: OutgoingMessage,
        decision: Decision,
        snapshot: Snapshot,
        now: datetime,
        entry: str,
    ) -> bool:
        usage = decision.usage
        assert usage is not None and decision.line is not None
        window = timedelta(hours=self.config.volume.window_hours)
        limits = [Limit(since=now - window, cap=usage.window_cap)]
        if usage.day_cap is not None:
            limits.append(Limit(since=day_since(usage.day_start), cap=usage.day_cap))
        line = snapshot.lines[decision.line].line  # decide only picks lines of the snapshot
        return quota.reserve(self.store, self.counters, quota_key(line), now, limits, entry)

    def _record_send(
        self, message: OutgoingMessage, decision: Decision, snapshot: Snapshot, now: datetime
    ) -> None:
        assert decision.line is not None and decision.usage is not None
        line_view = snapshot.lines[decision.line]
        campaign = message.category is Category.MARKETING or message.campaign_id is not None
        self.store.conversations.record_outbound(
            tenant_id=message.tenant_id,
            line_id=decision.line,
            contact=message.contact,
            at=now,
            business_initiated=decision.business_initiated,
            fingerprint=volume.fingerprint(message.text) if campaign and message.text else None,
        )
        self._record_reach(message, line_view, snapshot, now)
        if message.author is Author.AGENT:  # a person wrote it: the line is not a bot alone (ZG801)
            self.store.lines.record_human_activity(
                tenant_id=message.tenant_id, line_id=decision.line, at=now
            )
        anchor = decision.usage.ramp_anchor
        if anchor is not None and anchor != (line_view.ramp_anchor or line_view.line.in_use_since):
            self.store.lines.update(
                tenant_id=message.tenant_id, line_id=decision.line, ramp_anchor=anchor
            )

    def _record_reach(
        self, message: OutgoingMessage, view: LineView, snapshot: Snapshot, now: datetime
    ) -> None:
        """A send that reaches the contact outside their service window on a Cloud API number
        counts toward its portfolio's limit (ZG506); crossing the alert share of the limit raises
        one alert per crossing."""
        settings = self.config.portfolio
        key = portfolio.portfolio_key(view.line)
        if key is None or not portfolio.counts_toward(view.line, snapshot.contact, now, settings):
            return
        if message.category is Category.WARMUP and any(
            other.phone == message.contact for other in snapshot.roster.values()
        ):
            return  # warm-up chatter between the tenant's own numbers reaches no customer
        tenant = message.tenant_id
        portfolios.record_reach(
            self.store, tenant_id=tenant, portfolio=key, contact=message.contact, at=now
        )
        known = snapshot.portfolios.get(key)
        if known is None or known.limit is None or known.contact_reached:
            return  # unlimited, or nobody new counted: the count did not grow
        reached = known.reached + 1
        threshold = portfolio.alert_threshold(known.limit, settings)
        if portfolios.crossed_alert(
            self.store, tenant_id=tenant, portfolio=key, reached=reached, threshold=threshold
        ):
            data = {"portfolio": key, "reached": str(reached), "limit": str(known.limit)}
            self.store.journal.record_event(
                event=Event("alert", now, tenant, view.line.id, code="ZG506", data=data)
            )
            log.warning(
                "portfólio %s em %d de %d contatos / portfolio %s at %d of %d contacts",
                key,
                reached,
                known.limit,
                key,
                reached,
                known.limit,
            )

    def _record_decision(self, message: OutgoingMessage, decision: Decision, now: datetime) -> int:
        return self.store.journal.record_decision(
            tenant_id=message.tenant_id, at=now, message=message, decision=decision
        )

    def _log(self, message: OutgoingMessage, decision: Decision) -> None:
        if not log.isEnabledFor(logging.INFO):
            return  # the summary below is only worth building for a log that is kept
        _, message_en = summary(decision)
        log.info(
            "%s %s line=%s codes=%s | %s",
            decision.verdict.value,
            message.contact,
            decision.line,
            ",".join(decision.codes) or "-",
            message_en,
        )
