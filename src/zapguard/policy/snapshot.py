"""The state a decision reads: a frozen view assembled by the caller (store, replay, tests).

The engine never fetches anything; whatever it needs is here. Builders fill it from the store; tests
build it by hand. Counts are "as of the decision's ``now``".

The engine reads every line of the tenant through :attr:`Snapshot.roster` (the lines as
registered) and a line's counts only through :attr:`Snapshot.lines`, for the lines it judges: a
builder may then count a line's sends only when the engine asks for it, so that a decision costs
the same with one line or a hundred.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from zapguard.domain.models import Consent, Conversation, Line
from zapguard.policy.config import PolicyConfig

__all__ = ["ContactView", "LineView", "PortfolioView", "Snapshot", "TemplateView"]


@dataclass(frozen=True, slots=True)
class LineView:
    """One line and its recent activity."""

    line: Line
    sent_in_window: int = 0
    """Messages reserved on this line in the rolling volume window ending now."""
    release_times: Sequence[datetime] = ()
    """When in-window sends leave the window, oldest first. Builders may truncate it to the entries a
    deferral needs (``sent_in_window - cap + 1``); see :func:`zapguard.policy.volume.window_cap`."""
    sent_today: int = 0
    """Messages reserved since midnight in the line's time zone (warm-up counts calendar days)."""
    last_sent_at: datetime | None = None
    ramp_anchor: date | None = None
    """Day 1 of a warm-up ramp restarted after a silence; ``None`` means ``line.in_use_since``."""
    health_score: int = 100
    health_at: datetime | None = None
    """``health_score`` was computed at ``health_at`` (the last penalty); it recovers from there."""
    last_human_at: datetime | None = None
    registered_at: datetime | None = None
    can_send: bool = True
    """The gateway can hand this line's messages to a provider. A line that cannot (registered by a
    replayed log, without a provider; or on a provider the server does not have) is judged when
    named, but never chosen for a pool nor as a reroute. Judging a log or advising, every line
    can."""


@dataclass(frozen=True, slots=True)
class ContactView:
    """One contact as the tenant knows it."""

    phone: str
    consent: Consent | None = None
    """The marketing consent record, if any was ever recorded."""
    conversations: Mapping[str, Conversation] = field(default_factory=dict)
    """By line id."""
    last_inbound_at: datetime | None = None
    """The last time the contact wrote to any line of the tenant."""
    unanswered: int = 0
    """Business-initiated messages sent since the contact last wrote to the tenant."""
    last_outbound_at: datetime | None = None
    """The last message any line of the tenant sent to the contact (pacing, merging)."""
    marketing_failures: Sequence[datetime] = ()
    """Meta's per-user marketing limit failures (131049) recent enough to hold marketing (ZG905);
    filled for marketing messages only."""


@dataclass(frozen=True, slots=True)
class PortfolioView:
    """A Meta business portfolio's messaging limit and use (ZG506), as of the decision."""

    id: str
    limit: int | None
    """Unique contacts reached outside the service window per moving window; ``None``: unlimited."""
    reached: int = 0
    """Contacts reached outside the service window in the moving window ending now."""
    oldest_reach: datetime | None = None
    """The oldest of those reaches (the first to leave the window)."""
    contact_reached: bool = False
    """The message's contact is one of them: messaging them again counts nothing more."""


@dataclass(frozen=True, slots=True)
class TemplateView:
    """A Cloud API template's last known state at Meta (ZG507)."""

    name: str
    status: str | None = None
    """The latest status event (``APPROVED``, ``PAUSED``, ``REJECTED`` ...); ``None``: not told."""
    quality: str | None = None
    """The latest quality score (``GREEN``, ``YELLOW``, ``RED``, ``UNKNOWN``); ``None``: not told."""
    quality_at: datetime | None = None
    """When Meta gave that score."""
    allow_red: bool = False
    """The user lets the template go out while its quality is ``RED``."""


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything :func:`zapguard.policy.engine.decide` may look at."""

    config: PolicyConfig
    lines: Mapping[str, LineView]
    """Every line of the tenant with its activity, by id (a builder may compute each view when it
    is first looked up)."""
    contact: ContactView
    banned_phones: frozenset[str] = frozenset()
    banned_devices: frozenset[str] = frozenset()
    banned_networks: frozenset[str] = frozenset()
    blocked_domains: frozenset[str] = frozenset()
    identical_recent: Sequence[datetime] = ()
    """Instants of the tenant's recent marketing sends with the same folded text, oldest first."""
    portfolios: Mapping[str, PortfolioView] = field(default_factory=dict)
    """By :func:`zapguard.policy.portfolio.portfolio_key`: the portfolios of the tenant's Cloud API
    lines, when the message could count toward their limit."""
    template: TemplateView | None = None
    """The state of the template the message sends (``None``: no template, or one never seen)."""
    judging_log: bool = False
    """True when replaying or auditing a log: bursts and pacing (ZG502/ZG503) become warnings,
    since nothing can merge or space messages that were already sent."""
    roster: Mapping[str, Line] = field(default_factory=dict)
    """Every line of the tenant as registered, by id: the same ids as :attr:`lines`. Left empty, it
    is taken from :attr:`lines`."""

    def __post_init__(self) -> None:
        if not self.roster:
            object.__setattr__(self, "roster", {key: view.line for key, view in self.lines.items()})
