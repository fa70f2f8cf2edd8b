"""Meta business portfolios (ZG506): each one's messaging limit, the contacts it reached outside the
service window, and whether its 80 % alert is raised. Shares the store's transactions.

The limit learnt last (by the instant it was true, not by when zapguard heard of it) wins, and at
the same instant the lower one: tier webhooks that arrive late, twice or in any order leave the same
limit. A reach keeps the latest instant per contact, so the same sends recorded in any order give
the same counts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, and_, bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from zapguard.policy.snapshot import PortfolioView
from zapguard.store.records import LineRecord
from zapguard.store.repository import Store
from zapguard.store.schema import PHONE_FREEING_STATES, lines, portfolio_reaches, portfolios

_LIMITS = select(portfolios.c.id, portfolios.c.msg_limit, portfolios.c.limit_at).where(
    portfolios.c.tenant_id == bindparam("tenant_id"),
    portfolios.c.id.in_(bindparam("ids", expanding=True)),
)
_IN_WINDOW = and_(
    portfolio_reaches.c.tenant_id == bindparam("tenant_id"),
    portfolio_reaches.c.portfolio == bindparam("portfolio"),
    portfolio_reaches.c.reached_at > bindparam("since"),
)
# Counting stops at the limit: a decision needs to know "at the limit or not", never how far past.
_COUNT_UP_TO = select(func.count()).select_from(
    select(portfolio_reaches.c.contact).where(_IN_WINDOW).limit(bindparam("cap")).subquery()
)
_COUNT = select(func.count()).where(_IN_WINDOW)
_OLDEST = select(func.min(portfolio_reaches.c.reached_at)).where(_IN_WINDOW)
_CONTACT = select(portfolio_reaches.c.reached_at).where(
    portfolio_reaches.c.tenant_id == bindparam("tenant_id"),
    portfolio_reaches.c.portfolio == bindparam("portfolio"),
    portfolio_reaches.c.contact == bindparam("contact"),
)


@dataclass(frozen=True, slots=True)
class PortfolioUse:
    """A portfolio as a person sees it: its limit, where it came from, how much of it is used."""

    id: str
    limit: int | None
    known: bool
    """The limit was learnt (a person, a webhook, a log); else it is the lowest tier."""
    limit_at: datetime | None
    reached: int


def set_limit(
    store: Store, *, tenant_id: str, portfolio: str, limit: int | None, at: datetime
) -> bool:
    """Learn that ``portfolio``'s limit was ``limit`` (``None``: unlimited) at ``at``; ``False``
    when a limit learnt for a later instant (or a lower one for the same instant) already stands."""
    with store.writing("setting a portfolio's limit") as connection:
        _ensure(connection, tenant_id, portfolio)
        row = connection.execute(
            select(portfolios.c.msg_limit, portfolios.c.limit_at).where(
                portfolios.c.tenant_id == tenant_id, portfolios.c.id == portfolio
            )
        ).one()
        if row.limit_at is not None and (
            row.limit_at > at or (row.limit_at == at and _order(row.msg_limit) <= _order(limit))
        ):
            return False
        connection.execute(
            update(portfolios)
            .where(portfolios.c.tenant_id == tenant_id, portfolios.c.id == portfolio)
            .values(msg_limit=limit, limit_at=at)
        )
        return True


def views(
    store: Store,
    *,
    tenant_id: str,
    keys: Iterable[str],
    contact: str,
    since: datetime,
    unknown_limit: int,
) -> dict[str, PortfolioView]:
    """Each portfolio's view for a decision about ``contact``: at most three indexed reads per
    limited portfolio (the contact's own reach, the count up to the limit, the oldest reach when
    at the limit); none for an unlimited one."""
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    found: dict[str, PortfolioView] = {}
    with store.read_connection("reading portfolios") as connection:
        known = {
            row.id: row.msg_limit
            for row in connection.execute(_LIMITS, {"tenant_id": tenant_id, "ids": wanted})
            if row.limit_at is not None
        }
        for key in wanted:
            limit = known.get(key, unknown_limit)
            if limit is None:
                found[key] = PortfolioView(key, None)
                continue
            params = {"tenant_id": tenant_id, "portfolio": key, "since": since}
            mine = connection.scalar(_CONTACT, {**params, "contact": contact})
            if mine is not None and mine > since:
                found[key] = PortfolioView(key, limit, contact_reached=True)
                continue
            reached = connection.scalar(_COUNT_UP_TO, {**params, "cap": limit}) or 0
            oldest = connection.scalar(_OLDEST, params) if reached >= limit else None
            found[key] = PortfolioView(key, limit, reached=reached, oldest_reach=oldest)
    return found


def record_reach(
    store: Store, *, tenant_id: str, portfolio: str, contact: str, at: datetime
) -> None:
    """``portfolio`` reached ``contact`` outside their service window at ``at`` (a later reach
    already recorded stands)."""
    with store.writing("recording a portfolio reach") as connection:
        dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
        insert = dialect.insert(portfolio_reaches).values(
            tenant_id=tenant_id, portfolio=portfolio, contact=contact, reached_at=at
        )
        connection.execute(
            insert.on_conflict_do_update(
                index_elements=["tenant_id", "portfolio", "contact"],
                set_={"reached_at": insert.excluded.reached_at},
                where=portfolio_reaches.c.reached_at < insert.excluded.reached_at,
            )
        )


def reached_since(store: Store, *, tenant_id: str, portfolio: str, since: datetime) -> int:
    """How many contacts ``portfolio`` reached after ``since``."""
    params = {"tenant_id": tenant_id, "portfolio": portfolio, "since": since}
    with store.read_connection("counting a portfolio's reaches") as connection:
        return int(connection.scalar(_COUNT, params) or 0)


def crossed_alert(
    store: Store, *, tenant_id: str, portfolio: str, reached: int, threshold: int
) -> bool:
    """``True`` once per crossing: when ``reached`` is at or past ``threshold`` and the alert of
    this crossing was not raised yet (it is then marked raised); a count back under the threshold
    re-arms it."""
    with store.writing("noting a portfolio alert") as connection:
        _ensure(connection, tenant_id, portfolio)
        above = reached >= threshold
        changed = connection.execute(
            update(portfolios)
            .where(
                portfolios.c.tenant_id == tenant_id,
                portfolios.c.id == portfolio,
                portfolios.c.alerted.is_(not above),
            )
            .values(alerted=above)
        )
        return above and bool(changed.rowcount)


def uses(
    store: Store, *, tenant_id: str, keys: Iterable[str], since: datetime, unknown_limit: int
) -> list[PortfolioUse]:
    """The tenant's portfolios named by ``keys`` or by a row of their own, by id."""
    with store.read_connection("listing portfolios") as connection:
        rows = {
            row.id: row
            for row in connection.execute(
                select(portfolios).where(portfolios.c.tenant_id == tenant_id)
            )
        }
        result = []
        for key in sorted(set(keys) | set(rows)):
            row = rows.get(key)
            known = row is not None and row.limit_at is not None
            params = {"tenant_id": tenant_id, "portfolio": key, "since": since}
            result.append(
                PortfolioUse(
                    id=key,
                    limit=row.msg_limit if known and row is not None else unknown_limit,
                    known=known,
                    limit_at=row.limit_at if row is not None else None,
                    reached=int(connection.scalar(_COUNT, params) or 0),
                )
            )
        return result


def line_of_business_account(
    store: Store, *, provider: str, business_account: str
) -> LineRecord | None:
    """A line in use of the ``[providers.<provider>]`` connection in the WhatsApp Business Account
    ``business_account`` (lowest id); ``None`` when none is."""
    query = (
        select(lines.c.id)
        .where(
            lines.c.provider == provider,
            lines.c.business_account == business_account,
            lines.c.state.not_in(PHONE_FREEING_STATES),
        )
        .order_by(lines.c.id)
    )
    with store.read_connection("reading a line") as connection:
        line_id = connection.scalar(query)
    return None if line_id is None else store.lines.record(line_id=line_id)


def _ensure(connection: Connection, tenant_id: str, portfolio: str) -> None:
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    connection.execute(
        dialect.insert(portfolios)
        .values(tenant_id=tenant_id, id=portfolio, msg_limit=None, limit_at=None, alerted=False)
        .on_conflict_do_nothing()
    )


def _order(limit: int | None) -> float:
    """Limits in order, unlimited the highest."""
    return float("inf") if limit is None else float(limit)
