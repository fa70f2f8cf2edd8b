"""Happenings → state: what a webhook changes in what the policy reads next.

- INBOUND opens the conversation and may be an opt-out keyword (ZG203); the confirmation to send
  back is returned, for the caller to queue (zapguard never sends from inside a webhook). A media
  id it carries (Cloud API) is remembered for the line: the Cloud API surface binds media calls
  by it.
- PREFERENCE ``stop`` (Meta ``user_preferences``) revokes marketing consent; ``resume`` is only
  logged (see :meth:`HappeningApplier._preference`).
- STATUS goes to the outbox's delivery ledger (the line's tenant's messages only); a failure also
  costs the line health (ZG903), and a ban-level code (``[health] ban_codes``: 131031, 368 …)
  pauses the line with an alert.
- QUALITY is logged; a red or flagged number pauses the line with an alert. A messaging limit it
  tells (``phone_number_quality_update``, ``business_capability_update``) becomes the limit of the
  line's Meta business portfolio (ZG506). A template's status or quality
  (``message_template_status_update``, ``message_template_quality_update``) becomes the template's
  state for the tenant of the business account's lines (ZG507), the latest instant winning.
- CONNECTION logged out, banned, removed or refused, or closed for a ban-level reason (``[health]
  ban_disconnect_reasons``: 401, 402, 403, 406) pauses the line with an alert and a warning log.
- OUTGOING written by a person is human activity (ZG801); by a bot it is only logged.
- UNHANDLED and IGNORED change nothing: the receiver passes them on to the helpdesk or the inbox.

Every happening applies once: a provider that reports it again (a retried or replayed webhook, a
status redelivered ten times) changes nothing the second time (:attr:`Happening.key`). With health
the fold of its penalties (:mod:`zapguard.gateway.events`), consent derived from append-only
evidence and every mark on a line moving only forward, applying the same happenings in any order
gives the same state.

The line is the one the provider names (``Lines.for_account``); for Chatwoot it is named by
the webhook URL. A happening for an account no line has is not applied: the receiver keeps the
payload in the webhook inbox.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Protocol

from zapguard.domain.models import Event, StatusKind
from zapguard.gateway.events import EventApplier
from zapguard.policy.config import PolicyConfig
from zapguard.policy.portfolio import portfolio_key
from zapguard.providers.cloud.webhooks import (
    BY_PHONE,
    BY_WABA,
    CAPABILITY,
    TEMPLATE_FIELDS,
    messaging_limit,
)
from zapguard.providers.happening import Happening, Kind
from zapguard.store import portfolios, templates
from zapguard.store.inbox import first_sighting
from zapguard.store.media import record_media
from zapguard.store.records import LineRecord
from zapguard.store.repository import Store

__all__ = [
    "CHATWOOT",
    "CLOSED",
    "LOST_CONNECTION",
    "NOT_APPLIED",
    "PAUSING_QUALITY",
    "DeliveryLedger",
    "HappeningApplier",
    "Reply",
]

log = logging.getLogger("zapguard.webhooks")

CHATWOOT: Final = "chatwoot"
PAUSING_QUALITY: Final = frozenset({"RED", "FLAGGED"})
"""Quality signals that pause a line: Meta's RED rating and its FLAGGED event (quality fell to low;
the messaging limit drops if it does not recover)."""
LOST_CONNECTION: Final = frozenset({"logged_out", "banned", "removed", "refused"})
"""Connection states after which the line cannot send until a person pairs or replaces it."""
CLOSED: Final = "close"
NOT_APPLIED: Final = frozenset({Kind.UNHANDLED, Kind.IGNORED})


class DeliveryLedger(Protocol):
    """The outbox's record of what happened to each message it sent (implemented by the outbox)."""

    def record_delivery(
        self,
        *,
        provider_message_id: str | None,
        reference: str | None,
        status: str,
        at: datetime,
        tenant_id: str | None = None,
    ) -> object:
        """Note ``status`` for the tenant's message sent as ``provider_message_id`` (or with
        zapguard's ``reference``); what it returns is ignored."""
        ...

    def public_ids(
        self, provider_message_ids: Collection[str], *, tenant_id: str | None = None
    ) -> dict[str, str]:
        """The id each caller was given for the tenant's messages the provider knows by these ids."""
        ...


@dataclass(frozen=True, slots=True)
class Reply:
    """A message zapguard owes a contact (the ZG203 opt-out confirmation), for the caller to queue."""

    tenant: str
    line_id: str
    contact: str
    text: str


class HappeningApplier:
    def __init__(self, store: Store, config: PolicyConfig, ledger: DeliveryLedger) -> None:
        self._store = store
        self._config = config
        self._events = EventApplier(store, config)
        self._ledger = ledger

    def line_for(self, *, provider: str, happening: Happening) -> LineRecord | None:
        """The line ``happening`` is about, or ``None`` when zapguard knows no such line."""
        if provider == CHATWOOT:
            return self._store.lines.record(line_id=happening.account)
        by = happening.data.get("account_by")
        if by == BY_WABA and (
            happening.status == CAPABILITY or happening.status in TEMPLATE_FIELDS
        ):
            # The portfolio's limit, a template's state: any line of the business account names
            # the portfolio and the tenant.
            return portfolios.line_of_business_account(
                self._store, provider=provider, business_account=happening.account
            )
        if by == BY_WABA:
            return None  # a whole business account: no single line to act on
        if by == BY_PHONE:
            return self._store.lines.by_phone(provider=provider, phone=happening.account)
        return self._store.lines.for_account(provider=provider, account=happening.account)

    def apply(
        self, happening: Happening, line: LineRecord, *, received_at: datetime
    ) -> Reply | None:
        """Change state for ``happening``, once: a report the line already had (the same
        :attr:`~Happening.key`) changes nothing the second time. UNHANDLED and IGNORED happenings
        change nothing at all."""
        if happening.kind in NOT_APPLIED:
            return None
        with self._store.transaction():
            if not first_sighting(
                self._store, line_id=line.line.id, message_id=happening.key, at=received_at
            ):
                log.info(
                    "webhook repetido ignorado / repeated webhook ignored: %s %s on line %s",
                    happening.kind.value,
                    happening.provider_message_id or "-",
                    line.line.id,
                )
                return None
            return self._apply(happening, line)

    def _apply(self, happening: Happening, line: LineRecord) -> Reply | None:
        tenant, line_id = line.line.tenant_id, line.line.id
        kind = happening.kind
        if kind is Kind.INBOUND:
            return self._inbound(happening, tenant, line_id)
        if kind is Kind.PREFERENCE:
            self._preference(happening, tenant, line_id)
        elif kind is Kind.STATUS:
            self._status(happening, tenant, line_id)
        elif kind is Kind.QUALITY and happening.status in TEMPLATE_FIELDS:
            self._template(happening, tenant, line_id)
        elif kind is Kind.QUALITY:
            self._portfolio_limit(happening, line)
            self._quality(happening, tenant, line_id)
        elif kind is Kind.CONNECTION:
            self._connection(happening, tenant, line_id)
        elif kind is Kind.OUTGOING:
            self._outgoing(happening, tenant, line_id)
        return None

    def _inbound(self, happening: Happening, tenant: str, line_id: str) -> Reply | None:
        media_id = happening.data.get("media_id")
        if media_id is not None:
            record_media(
                self._store, tenant_id=tenant, line_id=line_id, media_id=media_id, at=happening.at
            )
        if happening.contact is None:
            return None
        outcome = self._events.inbound(
            tenant=tenant,
            line_id=line_id,
            contact=happening.contact,
            at=happening.at,
            text=happening.text,
        )
        if outcome.confirmation is None:
            return None
        return Reply(tenant, line_id, happening.contact, outcome.confirmation)

    def _preference(self, happening: Happening, tenant: str, line_id: str) -> None:
        if happening.contact is None:
            return
        if happening.status == "stop":
            with self._store.transaction():
                self._store.consent.revoke(
                    tenant_id=tenant,
                    contact=happening.contact,
                    at=happening.at,
                    how="user_preferences",
                    recorded_by="meta",
                )
                self._record(happening, tenant, line_id, "opt_out", code="user_preferences")
            log.info("opt-out por preferência Meta / Meta preference opt-out on line %s", line_id)
            return
        # "resume" only lifts Meta's own block on marketing templates; it is not consent. LGPD
        # art. 8 §2 puts the burden of proof on the business: consent needs evidence of what the
        # person agreed to (source, wording, when), which a tap in WhatsApp's settings does not
        # give. So it is logged, and marketing waits for a recorded opt-in.
        self._record(happening, tenant, line_id, "preference_resume", code="user_preferences")

    def _status(self, happening: Happening, tenant: str, line_id: str) -> None:
        status = happening.status or "unknown"
        self._ledger.record_delivery(
            provider_message_id=happening.provider_message_id,
            reference=happening.reference,
            status=status,
            at=happening.at,
            tenant_id=tenant,
        )
        if status != "failed":
            return
        # Every failure costs health; which price is health.penalty's business: a spam or rate
        # code (config.health.spam_codes: 131048, 131056, 130429, 429, 463) costs more
        # than another failure. No provider reports "blocked by the contact" or "reported" as a
        # delivery status, so webhooks never produce StatusKind.BLOCKED or REPORTED.
        self._events.status(
            tenant=tenant,
            line_id=line_id,
            at=happening.at,
            status=StatusKind.FAILED,
            code=happening.error_code,
            contact=happening.contact,
            key=happening.key,
        )
        code = happening.error_code
        if code is not None and code in self._config.health.ban_codes:
            self._events.pause_with_alert(
                tenant=tenant,
                line_id=line_id,
                at=happening.at,
                code="provider_ban_signal",
                data={"error_code": code, **_shown(happening.data)},
            )

    def _quality(self, happening: Happening, tenant: str, line_id: str) -> None:
        rating = (happening.status or "").upper()
        data = _shown(happening.data)
        if rating in PAUSING_QUALITY:
            self._events.pause_with_alert(
                tenant=tenant,
                line_id=line_id,
                at=happening.at,
                code="quality_" + rating.lower(),
                data={"quality": rating, **data},
            )
            return
        self._record(happening, tenant, line_id, "quality", code=rating or None, data=data)

    def _portfolio_limit(self, happening: Happening, line: LineRecord) -> None:
        """A tier Meta announces becomes the limit of the line's portfolio (ZG506) as of the
        webhook's instant: the latest instant wins, whatever order the webhooks come in."""
        tier = messaging_limit(happening)
        key = portfolio_key(line.line)
        if tier is None or key is None:
            return
        portfolios.set_limit(
            self._store,
            tenant_id=line.line.tenant_id,
            portfolio=key,
            limit=tier.limit,
            at=happening.at,
        )

    def _template(self, happening: Happening, tenant: str, line_id: str) -> None:
        """Meta's word on a template becomes its state (ZG507) as of the webhook's instant: the
        latest instant wins, whatever order the webhooks come in."""
        name = happening.data["template"]
        status = happening.data.get("template_status")
        quality = happening.data.get("template_quality")
        if status is not None:
            templates.record_status(
                self._store, tenant_id=tenant, name=name, status=status, at=happening.at
            )
        if quality is not None:
            templates.record_quality(
                self._store, tenant_id=tenant, name=name, quality=quality, at=happening.at
            )
        self._record(
            happening,
            tenant,
            line_id,
            "template",
            code=status or quality,
            data=_shown(happening.data),
        )

    def _connection(self, happening: Happening, tenant: str, line_id: str) -> None:
        status = happening.status or "unknown"
        reason = happening.error_code
        data = _shown(happening.data)
        banned_reason = (
            status == CLOSED
            and reason is not None
            and reason in self._config.health.ban_disconnect_reasons
        )
        if status in LOST_CONNECTION or banned_reason:
            # Paused, not banned for good: a 403 is usually a ban but a person confirms it before
            # the number and device enter the permanent registry (ZG601) and neighbours are
            # quarantined (ZG602).
            self._events.pause_with_alert(
                tenant=tenant,
                line_id=line_id,
                at=happening.at,
                code="connection_lost",
                data={"status": status, "reason": reason or "-", **data},
            )
            return
        self._record(happening, tenant, line_id, "connection", code=status, data=data)

    def _outgoing(self, happening: Happening, tenant: str, line_id: str) -> None:
        if happening.human is True:
            self._events.human_activity(tenant=tenant, line_id=line_id, at=happening.at)
            return
        author = "bot" if happening.human is False else "unknown"
        self._record(
            happening, tenant, line_id, "outgoing", data={"author": author, **happening.data}
        )

    def _record(
        self,
        happening: Happening,
        tenant: str,
        line_id: str,
        kind: str,
        *,
        code: str | None = None,
        data: dict[str, str] | None = None,
    ) -> None:
        self._store.journal.record_event(
            event=Event(
                kind, happening.at, tenant, line_id, happening.contact, code=code, data=data or {}
            )
        )


def _shown(data: dict[str, str]) -> dict[str, str]:
    """A happening's data as an event keeps it: without the routing hint."""
    return {key: value for key, value in data.items() if key != "account_by"}
