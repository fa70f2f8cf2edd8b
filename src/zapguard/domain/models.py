"""The nouns of zapguard, as plain immutable values.

Everything here is data: no I/O, no clock, no configuration. The policy engine reads these values and
the store persists them; both import this module, never the other way round.

All instants are timezone-aware ``datetime`` values; phone numbers are canonical E.164 strings produced
by :mod:`zapguard.domain.phones`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

__all__ = [
    "AccountType",
    "Author",
    "Category",
    "Consent",
    "Contact",
    "Conversation",
    "Decision",
    "Event",
    "Finding",
    "Line",
    "LineState",
    "OutgoingMessage",
    "ProviderKind",
    "Role",
    "Severity",
    "StatusKind",
    "Tenant",
    "Usage",
    "Verdict",
]


class Role(StrEnum):
    """What a line is for (seed tip 3: the receptive number never campaigns)."""

    RECEPTIVE = "receptive"
    CAMPAIGN = "campaign"


class AccountType(StrEnum):
    """WhatsApp app flavour behind a line (seed tip 1: Business only)."""

    BUSINESS = "business"
    PERSONAL = "personal"


class ProviderKind(StrEnum):
    """What kind of WhatsApp connection a line is, whichever ``[providers.*]`` section it uses: the
    rules that only exist on one side (Meta's portfolio limits and templates on the Cloud API, the
    reach-out lock on WhatsApp Web) read this. ``web`` is any other WhatsApp Web gateway."""

    CLOUD = "cloud"
    EVOLUTION = "evolution"
    WAHA = "waha"
    WEB = "web"

    @property
    def whatsapp_web(self) -> bool:
        return self is not ProviderKind.CLOUD


class LineState(StrEnum):
    WARMING = "warming"
    ACTIVE = "active"
    PAUSED = "paused"
    QUARANTINED = "quarantined"
    BANNED = "banned"
    RETIRED = "retired"


class Category(StrEnum):
    REPLY = "reply"
    NOTIFICATION = "notification"
    MARKETING = "marketing"
    WELCOME = "welcome"
    WARMUP = "warmup"


class Author(StrEnum):
    AGENT = "agent"
    BOT = "bot"
    SYSTEM = "system"


class Verdict(StrEnum):
    """Outcomes of a decision. ``strictness`` orders them: the strictest finding wins."""

    ALLOW = "allow"
    REROUTE = "reroute"
    DEFER = "defer"
    REJECT = "reject"

    @property
    def strictness(self) -> int:
        return _STRICTNESS[self]


_STRICTNESS = {Verdict.ALLOW: 0, Verdict.REROUTE: 1, Verdict.DEFER: 2, Verdict.REJECT: 3}


class Severity(StrEnum):
    """How a finding weighs on the verdict."""

    INFO = "info"
    WARN = "warn"
    DEFER = "defer"
    REJECT = "reject"


class StatusKind(StrEnum):
    """Delivery outcomes that hurt a line's health (ZG903)."""

    FAILED = "failed"
    BLOCKED = "blocked"
    REPORTED = "reported"


@dataclass(frozen=True, slots=True)
class Tenant:
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class Line:
    """One WhatsApp number connected through a provider."""

    id: str
    tenant_id: str
    phone: str
    role: Role
    account: AccountType
    in_use_since: date
    pool: str
    device: str | None = None
    network: str | None = None
    provider: str | None = None
    """The ``[providers.<name>]`` it sends through; ``None`` for a line that is only judged (a
    replayed log's): it can be decided on, never sent on."""
    state: LineState = LineState.ACTIVE
    daily_cap: int | None = None
    timezone: str = "America/Sao_Paulo"
    provider_kind: ProviderKind | None = None
    """Cloud API or which WhatsApp Web gateway; ``None`` (unknown) leaves out the rules that need
    it (ZG506, ZG507, ZG508, ZG906)."""
    portfolio: str | None = None
    """The Meta business portfolio of a Cloud API number (its messaging limit is shared, ZG506)."""


@dataclass(frozen=True, slots=True)
class Contact:
    """A customer; ``phone`` is canonical E.164 and ``aliases`` the other forms of the same number."""

    tenant_id: str
    phone: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Consent:
    """Marketing consent with its evidence (LGPD art. 8 §2: the business must prove it)."""

    tenant_id: str
    contact: str
    purpose: str
    granted_at: datetime | None
    source: str
    wording: str | None = None
    recorded_by: str | None = None
    revoked_at: datetime | None = None
    revoked_how: str | None = None

    @property
    def active(self) -> bool:
        return self.granted_at is not None and self.revoked_at is None


@dataclass(frozen=True, slots=True)
class Conversation:
    """What one line and one contact have said to each other."""

    line_id: str
    contact: str
    first_inbound_at: datetime | None = None
    last_inbound_at: datetime | None = None
    last_outbound_at: datetime | None = None
    inbound_count: int = 0
    outbound_count: int = 0

    @property
    def contact_wrote_first(self) -> bool:
        return self.first_inbound_at is not None


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """A message somebody wants to send. ``line`` or ``pool`` says where it should go out."""

    tenant_id: str
    contact: str
    category: Category
    author: Author
    text: str = ""
    line: str | None = None
    pool: str | None = None
    media_url: str | None = None
    campaign_id: str | None = None
    idempotency_key: str | None = None
    template: str | None = None
    """The name of the Cloud API template the message sends, if it is one (ZG507)."""


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule that fired: its code, how it weighs, and why, in pt-BR and en."""

    code: str
    severity: Severity
    message_pt: str
    message_en: str
    line: str | None = None
    not_before: datetime | None = None


@dataclass(frozen=True, slots=True)
class Usage:
    """Volume on the line a decision sends on, for the caller and for the quota reservation."""

    line: str
    sent_in_window: int
    window_cap: int
    sent_today: int
    day_cap: int | None
    day_start: datetime
    health: int
    ramp_anchor: date | None = None
    """Day 1 of the warm-up ramp this send counts under (a restart after silence moves it)."""


@dataclass(frozen=True, slots=True)
class Decision:
    """What zapguard decided for one message, and why.

    ``line`` is the line the message goes out on (the reroute target when rerouted); ``codes`` lists
    every rule that fired, warnings included, in catalogue order.
    """

    verdict: Verdict
    line: str | None
    findings: tuple[Finding, ...] = ()
    not_before: datetime | None = None
    usage: Usage | None = None
    risk: int = 0
    text: str | None = None
    """The text to send when zapguard rewrote it (ZG703 short links); ``None`` keeps the original."""
    short_links: tuple[tuple[str, str], ...] = ()
    """``(short URL, original URL)`` pairs the rewrite introduced."""
    business_initiated: bool = False
    """The contact never wrote to ``line``: sending starts the chat (counts toward ZG902)."""

    @property
    def codes(self) -> list[str]:
        return sorted({f.code for f in self.findings})

    @property
    def sends(self) -> bool:
        return self.verdict in (Verdict.ALLOW, Verdict.REROUTE)


@dataclass(frozen=True, slots=True)
class Event:
    """A normalized happening on a line (from a webhook, a log record or a person)."""

    kind: str
    at: datetime
    tenant_id: str
    line_id: str | None = None
    contact: str | None = None
    text: str | None = None
    code: str | None = None
    data: dict[str, str] = field(default_factory=dict)
