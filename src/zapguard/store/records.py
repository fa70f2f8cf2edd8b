"""Values the store returns that are more than one domain model: a line with its bookkeeping, a
contact's totals, a logged decision."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple

from zapguard.domain.models import Line, OutgoingMessage, Verdict


@dataclass(frozen=True, slots=True)
class LineRecord:
    """A line plus what the store keeps about it (everything a snapshot's line view needs except the
    volume counts, which live in the counters)."""

    line: Line
    registered_at: datetime
    ramp_anchor: date | None = None
    health_score: int = 100
    health_at: datetime | None = None
    last_human_at: datetime | None = None
    last_sent_at: datetime | None = None
    provider_account: str | None = None
    """How the provider names the line (Cloud API phone_number_id, Evolution instance, WAHA session)."""
    helpdesk_url: str | None = None
    """Where the line's provider webhooks are forwarded."""
    business_account: str | None = None
    """The Cloud API WhatsApp Business Account id of the number (its templates live there)."""

    @property
    def account(self) -> str:
        """The provider's name for the line: ``provider_account``, else the line id (what the
        adapters are given, see :meth:`Services.provider_for`)."""
        return self.provider_account or self.line.id


class ContactStats(NamedTuple):
    """A contact's totals across all lines of one tenant."""

    last_inbound_at: datetime | None
    last_outbound_at: datetime | None
    unanswered: int


class BannedSets(NamedTuple):
    """The global ban registry (ZG601/ZG602)."""

    phones: frozenset[str]
    devices: frozenset[str]
    networks: frozenset[str]


@dataclass(frozen=True, slots=True)
class DecisionRecord:
    """One logged decision, as :meth:`~zapguard.store.journal.Journal.decisions` returns it."""

    id: int
    tenant_id: str
    at: datetime
    message: OutgoingMessage
    verdict: Verdict
    codes: tuple[str, ...]
    line: str | None
    not_before: datetime | None
    message_pt: str
    message_en: str
