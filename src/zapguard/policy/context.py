"""What every rule reads: the message, the snapshot, the clock, and facts derived from them once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from zapguard.domain.models import Category, OutgoingMessage
from zapguard.policy.config import PolicyConfig
from zapguard.policy.snapshot import ContactView, LineView, Snapshot
from zapguard.policy.zones import DEFAULT_ZONE, zone

__all__ = ["Context", "PolicyInputError"]


class PolicyInputError(ValueError):
    """The message cannot be judged as given (unknown line or pool); the text says what is wrong."""


@dataclass(frozen=True)
class Context:
    message: OutgoingMessage
    snapshot: Snapshot
    now: datetime

    @property
    def config(self) -> PolicyConfig:
        return self.snapshot.config

    @property
    def contact(self) -> ContactView:
        return self.snapshot.contact

    @cached_property
    def is_campaign(self) -> bool:
        """Marketing or part of a bulk send (seed tip 3: "campanha / envio em massa")."""
        return self.message.category is Category.MARKETING or self.message.campaign_id is not None

    @cached_property
    def to_own_line(self) -> bool:
        """Warm-up chatter between the tenant's own numbers (seed tip 9) is not a customer chat."""
        if self.message.category is not Category.WARMUP:
            return False
        return any(line.phone == self.contact.phone for line in self.snapshot.roster.values())

    def business_initiated_on(self, view: LineView) -> bool:
        """True when the contact never wrote to this line: sending would start the chat (ZG302)."""
        if self.to_own_line:
            return False
        conversation = self.contact.conversations.get(view.line.id)
        return conversation is None or not conversation.contact_wrote_first

    @cached_property
    def home_zone(self) -> ZoneInfo:
        """Where instants are shown: the zone of the line the caller asked for (or of its pool)."""
        roster = self.snapshot.roster
        line = roster.get(self.message.line) if self.message.line else None
        if line is None:
            line = next((v for v in roster.values() if v.pool == self.message.pool), None)
        return zone(line.timezone if line else DEFAULT_ZONE)

    def contact_wrote_within(self, hours: float) -> bool:
        last = self.contact.last_inbound_at
        return last is not None and self.now - last <= timedelta(hours=hours)
