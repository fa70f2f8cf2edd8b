"""ZG506: the messaging limit Meta shares among a business portfolio's Cloud API numbers.

Since October 2025 Meta limits, per business portfolio, the unique contacts its numbers reach outside
a customer service window in a moving 24 hours (250, 2,000, 10,000, 100,000 or unlimited). A send
past the limit fails after the fact; zapguard defers it before: a business-initiated message to a
contact the portfolio has not reached in the window waits, when the portfolio is at its limit, until
the oldest reach leaves the window. Messages to contacts already reached and messages inside the
contact's service window on the sending number are not counted. Another line cures it only when it
is a Cloud API line of another portfolio (the engine's candidates).

A Cloud API line without a portfolio is its own portfolio (Meta puts every number in one).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from zapguard.domain.models import Finding, Line, ProviderKind
from zapguard.policy.catalogue import finding, num_en, num_pt, when_en, when_pt
from zapguard.policy.config import PortfolioConfig
from zapguard.policy.context import Context
from zapguard.policy.snapshot import ContactView, LineView, PortfolioView
from zapguard.policy.zones import zone

__all__ = [
    "alert_threshold",
    "check_line",
    "counts_toward",
    "portfolio_key",
    "service_window_open",
]


def portfolio_key(line: Line) -> str | None:
    """The portfolio whose limit ``line``'s sends count toward; ``None`` for a line that is not a
    Cloud API line (Meta's limit does not apply to it)."""
    if line.provider_kind is not ProviderKind.CLOUD:
        return None
    return line.portfolio if line.portfolio is not None else f"line:{line.id}"


def service_window_open(
    line: Line, contact: ContactView, now: datetime, config: PortfolioConfig
) -> bool:
    """The contact wrote to this number in the last ``service_window_hours``: Meta's customer
    service window is open (free-form messages; outside it, only templates)."""
    conversation = contact.conversations.get(line.id)
    last = conversation.last_inbound_at if conversation else None
    return last is not None and now - last <= timedelta(hours=config.service_window_hours)


def counts_toward(line: Line, contact: ContactView, now: datetime, config: PortfolioConfig) -> bool:
    """Sending to ``contact`` on ``line`` now would reach them outside their service window on a
    Cloud API number: it counts toward the portfolio's limit (unless already reached)."""
    if portfolio_key(line) is None:
        return False
    return not service_window_open(line, contact, now, config)


def alert_threshold(limit: int, config: PortfolioConfig) -> int:
    """The count at which the portfolio's alert is raised (at least 1)."""
    return max(1, int(limit * config.alert_share + 0.999999))


def check_line(ctx: Context, view: LineView) -> Iterator[Finding]:
    config = ctx.config.portfolio
    key = portfolio_key(view.line)
    if key is None or ctx.to_own_line or not counts_toward(view.line, ctx.contact, ctx.now, config):
        return
    portfolio = ctx.snapshot.portfolios.get(key) or PortfolioView(key, config.unknown_limit)
    limit = portfolio.limit
    if limit is None or portfolio.contact_reached or portfolio.reached < limit:
        return
    oldest = portfolio.oldest_reach or ctx.now
    free = max(ctx.now, oldest + timedelta(hours=config.window_hours))
    free = free.astimezone(zone(view.line.timezone))
    name = view.line.portfolio or view.line.id
    yield finding(
        "ZG506",
        f"O portfólio {name} da Meta já alcançou {num_pt(portfolio.reached)} contatos fora da "
        f"janela de atendimento em {num_pt(config.window_hours)} h (limite {num_pt(limit)}): "
        f"espere até {when_pt(free)}, quando o contato mais antigo sai da janela.",
        f"Meta portfolio {name} already reached {num_en(portfolio.reached)} contacts outside "
        f"the service window in {num_en(config.window_hours)} h (limit {num_en(limit)}): wait "
        f"until {when_en(free)}, when the oldest reach leaves the window.",
        line=view.line.id,
        not_before=free,
    )
