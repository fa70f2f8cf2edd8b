"""Meta business portfolios as people manage them (ZG506): set a portfolio's messaging limit, see
each one's limit and how much of it the moving window holds."""

from __future__ import annotations

from datetime import datetime, timedelta

from zapguard.policy.config import PolicyConfig
from zapguard.policy.portfolio import portfolio_key
from zapguard.store import portfolios
from zapguard.store.portfolios import PortfolioUse
from zapguard.store.repository import Store

__all__ = ["InvalidLimit", "PortfolioUse", "portfolio_uses", "set_portfolio_limit"]


class InvalidLimit(ValueError):
    """A messaging limit that cannot be a portfolio's; pt-BR / en."""


def set_portfolio_limit(
    store: Store, *, tenant_id: str, portfolio: str, limit: int | None, now: datetime
) -> None:
    """A person says ``portfolio``'s limit is ``limit`` (``None``: unlimited) as of ``now``; a
    tier webhook about a later instant replaces it."""
    if limit is not None and limit < 1:
        raise InvalidLimit(
            f"limite inválido: {limit} (um número positivo ou ilimitado) / invalid limit: {limit} "
            "(a positive number or unlimited)"
        )
    if not portfolio.strip() or len(portfolio) > 200:
        raise InvalidLimit("portfólio inválido / invalid portfolio: " + repr(portfolio))
    store.tenants.ensure(tenant_id=tenant_id)
    portfolios.set_limit(store, tenant_id=tenant_id, portfolio=portfolio, limit=limit, at=now)


def portfolio_uses(
    store: Store, config: PolicyConfig, *, tenant_id: str, now: datetime
) -> list[PortfolioUse]:
    """The portfolios of the tenant's Cloud API lines and those given a limit, each with the
    contacts reached in the moving window ending ``now``."""
    keys = {
        key for line in store.lines.of_tenant(tenant_id=tenant_id) if (key := portfolio_key(line))
    }
    return portfolios.uses(
        store,
        tenant_id=tenant_id,
        keys=keys,
        since=now - timedelta(hours=config.portfolio.window_hours),
        unknown_limit=config.portfolio.unknown_limit,
    )
