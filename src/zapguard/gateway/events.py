"""Apply what happened on a line to the state the policy reads.

Inbound messages open conversations and may be opt-outs (ZG203); delivery statuses cost health
(ZG903: each penalty is kept, and the line's health is the fold of its penalties in time order, so a
late or repeated report never resets it); a ban registers the number and device for good and quarantines the neighbours (ZG601/ZG602);
human activity resets the bot-alone clock (ZG801). Every event is also kept in the event log.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from zapguard.domain.models import Event, LineState, StatusKind
from zapguard.policy import health
from zapguard.policy.bans import quarantined_neighbours
from zapguard.policy.config import PolicyConfig
from zapguard.policy.consent import is_opt_out
from zapguard.store import marketing_holds
from zapguard.store.records import LineRecord
from zapguard.store.repository import Store

log = logging.getLogger("zapguard.events")

FOLD_LIMIT: Final = 2000
"""The most penalties read to recompute a line's health (see :func:`health.fold_latest`)."""

OPT_OUT_CONFIRMATION_PT = (
    "Pronto, você não receberá mais mensagens promocionais. Para voltar, é só nos avisar."
)


@dataclass(frozen=True)
class InboundOutcome:
    opted_out: bool
    confirmation: str | None
    """The text zapguard sends back to confirm an opt-out (not an outgoing record of any log)."""


@dataclass
class EventApplier:
    store: Store
    config: PolicyConfig

    def inbound(
        self, *, tenant: str, line_id: str, contact: str, at: datetime, text: str | None
    ) -> InboundOutcome:
        with self.store.transaction():
            self.store.conversations.record_inbound(
                tenant_id=tenant, line_id=line_id, contact=contact, at=at
            )
            opted_out = text is not None and is_opt_out(text, self.config.consent)
            if opted_out:
                self.store.consent.revoke(
                    tenant_id=tenant, contact=contact, purpose="marketing", at=at, how="keyword"
                )
            self.store.journal.record_event(
                event=Event("opt_out" if opted_out else "inbound", at, tenant, line_id, contact)
            )
        if opted_out:
            log.info("ZG203 opt-out by keyword from %s on line %s", contact, line_id)
        return InboundOutcome(opted_out, OPT_OUT_CONFIRMATION_PT if opted_out else None)

    def status(
        self,
        *,
        tenant: str,
        line_id: str,
        at: datetime,
        status: StatusKind,
        code: str | None,
        contact: str | None = None,
        key: str | None = None,
    ) -> int:
        """Charge the line for a bad delivery outcome; returns its health right after ``at``'s
        penalty was folded in (the score at its latest penalty).

        ``key`` names the outcome (a provider's message id and status): an outcome already charged
        under the same key costs nothing again. Without one, every call is a new outcome (a report
        through ``POST /v1/events``, a replayed log record).
        """
        points = health.penalty(status, code, self.config.health)
        key = key or f"report:{uuid.uuid4().hex}"
        with self.store.transaction():
            if (
                status is StatusKind.FAILED
                and contact is not None
                and code is not None
                and code in self.config.health.per_user_codes
            ):
                # Meta holds marketing to this person (ZG905), whichever line sends it.
                marketing_holds.record_failure(
                    self.store, tenant_id=tenant, contact=contact, at=at, key=key
                )
            # Hold the line first (PostgreSQL: FOR UPDATE, taken before anything else so two
            # writers queue instead of deadlocking; SQLite: one writer at a time anyway): two
            # penalties for one line are folded one after the other, never into the same stale
            # score.
            record = self.store.lines.record_for_update(line_id=line_id, tenant_id=tenant)
            charged = points > 0 and self.store.lines.add_health_penalty(
                tenant_id=tenant,
                line_id=line_id,
                at=at,
                points=points,
                code=code,
                key=key,
            )
            if not charged and points > 0:
                log.info(
                    "ZG903 %s já cobrado / already charged on line %s: %s", status, line_id, key
                )
                return record.health_score
            score, scored_at = record.health_score, record.health_at
            if charged:
                score, scored_at = self._charged(record, at, points)
                self.store.lines.update(
                    tenant_id=tenant, line_id=line_id, health_score=score, health_at=scored_at
                )
            self.store.journal.record_event(
                event=Event(
                    status.value,
                    at,
                    tenant,
                    line_id,
                    contact,
                    code=code,
                    data={"health": str(score), "points": str(points)},
                )
            )
        log.info("ZG903 %s (%s) on line %s: health %d", status.value, code or "-", line_id, score)
        return score

    def _charged(
        self, record: LineRecord, at: datetime, points: int
    ) -> tuple[int, datetime | None]:
        """The line's health with a new penalty folded in. The cached score is the fold of every
        earlier penalty, so a penalty no older than the newest one just continues the fold; an
        older one (learned late) means folding again from the start."""
        if record.health_at is None or at >= record.health_at:
            config = self.config.health
            return health.after_penalty(
                record.health_score, record.health_at, at, points, config
            ), at
        return self._refold(record.line.id)

    def _refold(self, line_id: str) -> tuple[int, datetime | None]:
        latest = self.store.lines.latest_health_penalties(line_id=line_id, limit=FOLD_LIMIT)
        penalties = [health.Penalty(at, points) for at, points in latest]
        return health.fold_latest(penalties, self.config.health, complete=len(latest) < FOLD_LIMIT)

    def ban(self, *, tenant: str, line_id: str, at: datetime) -> list[str]:
        """Register the line's number and device as banned; returns the quarantined neighbours."""
        with self.store.transaction():
            quarantined = self.store.bans.record(
                tenant_id=tenant, line_id=line_id, at=at, quarantine=quarantined_neighbours
            )
            self.store.journal.record_event(
                event=Event("ban", at, tenant, line_id, data={"quarantined": ",".join(quarantined)})
            )
        log.warning("ZG601 line %s banned; ZG602 quarantined: %s", line_id, quarantined or "-")
        return quarantined

    def human_activity(self, *, tenant: str, line_id: str, at: datetime) -> None:
        with self.store.transaction():
            self.store.lines.record_human_activity(tenant_id=tenant, line_id=line_id, at=at)
            self.store.journal.record_event(event=Event("human_activity", at, tenant, line_id))

    def pause_with_alert(
        self, *, tenant: str, line_id: str, at: datetime, code: str, data: dict[str, str]
    ) -> None:
        """:func:`pause_with_alert` on this applier's store."""
        pause_with_alert(self.store, tenant=tenant, line_id=line_id, at=at, code=code, data=data)


def pause_with_alert(
    store: Store, *, tenant: str, line_id: str, at: datetime, code: str, data: dict[str, str]
) -> None:
    """Pause the line and record an ``alert`` event saying why (a logged-out or banned session,
    a red quality rating, a provider's ban signal on a send): nothing more goes out on it until a
    person looks and resumes it. Joins the caller's transaction, if any."""
    with store.transaction():
        store.lines.set_state(tenant_id=tenant, line_id=line_id, state=LineState.PAUSED)
        store.journal.record_event(
            event=Event("alert", at, tenant, line_id, code=code, data=dict(data))
        )
    log.warning(
        "linha %s pausada (%s) / line %s paused (%s): %s",
        line_id,
        code,
        line_id,
        code,
        ", ".join(f"{key}={value}" for key, value in sorted(data.items())) or "-",
    )
