"""Scenes for the gateway tests, and the worker of the multi-process race (a module of its own, so
spawned children import it without importing a test module)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from zapguard.domain.models import (
    AccountType,
    Author,
    Category,
    Consent,
    Decision,
    Line,
    OutgoingMessage,
    Role,
)
from zapguard.gateway.decider import Decider
from zapguard.gateway.events import EventApplier
from zapguard.gateway.lines import register_line
from zapguard.gateway.snapshots import quota_key
from zapguard.policy.config import PolicyConfig
from zapguard.store import Counters, Store, counters_from_url

SAO_PAULO = ZoneInfo("America/Sao_Paulo")
NOW = datetime(2026, 3, 10, 10, 0, tzinfo=SAO_PAULO)
"""A Tuesday, 10:00 in São Paulo: inside campaign hours for contacts in Brazil."""
DAY = timedelta(hours=24)
TENANT = "acme"


def contact(n: int) -> str:
    """The ``n``-th customer: a distinct Belo Horizonte mobile, canonical E.164."""
    return f"+55319{88000000 + n:08d}"


def line(
    id: str,
    phone: str,
    *,
    role: Role = Role.RECEPTIVE,
    pool: str | None = None,
    device: str | None = None,
    network: str | None = None,
    daily_cap: int | None = None,
    in_use_since: date = date(2022, 1, 10),
    account: AccountType = AccountType.BUSINESS,
) -> Line:
    """A line of the tenant; each gets its own pool, device and network unless told otherwise."""
    return Line(
        id=id,
        tenant_id=TENANT,
        phone=phone,
        role=role,
        account=account,
        in_use_since=in_use_since,
        pool=pool or id,
        device=device or f"device-{id}",
        network=network or f"net-{id}",
        daily_cap=daily_cap,
    )


def message(
    to: str,
    on: str,
    category: Category = Category.REPLY,
    *,
    author: Author = Author.AGENT,
    text: str = "Olá! Seu pedido já saiu para entrega.",
    campaign_id: str | None = None,
) -> OutgoingMessage:
    return OutgoingMessage(
        tenant_id=TENANT,
        contact=to,
        category=category,
        author=author,
        text=text,
        line=on,
        campaign_id=campaign_id,
    )


def opt_in(to: str, at: datetime) -> Consent:
    return Consent(
        tenant_id=TENANT,
        contact=to,
        purpose="marketing",
        granted_at=at,
        source="formulario-site",
        wording="Quero receber ofertas pelo WhatsApp",
        recorded_by="test",
    )


@dataclass
class Gateway:
    """A store, its counters and the services over them, as one worker of the gateway holds them."""

    store: Store
    counters: Counters
    decider: Decider
    events: EventApplier

    def register(self, *lines: Line, at: datetime = NOW - 30 * DAY) -> None:
        for each in lines:
            register_line(each, self.store, at)

    def used(self, line_id: str, since: datetime) -> int:
        """Reservations the counters hold for ``line_id`` after ``since``."""
        found = self.store.lines.get(line_id=line_id, tenant_id=TENANT)
        assert found is not None
        return self.counters.count(quota_key(found), since)

    def close(self) -> None:
        self.counters.close()
        self.store.close()


def open_gateway(
    url: str, counters_url: str | None = None, config: PolicyConfig | None = None
) -> Gateway:
    """A gateway over the (already migrated) database at ``url``; counters on the same URL unless
    ``counters_url`` says otherwise."""
    config = config or PolicyConfig()
    store = Store(url)
    store.tenants.ensure(tenant_id=TENANT, name="Loja Exemplo")
    counters = counters_from_url(counters_url or url)
    return Gateway(store, counters, Decider(store, counters, config), EventApplier(store, config))


def outcome(decision: Decision) -> tuple[str, tuple[str, ...], str | None]:
    """What a race reports per message: verdict, codes and ``not_before`` (picklable)."""
    not_before = decision.not_before.isoformat() if decision.not_before else None
    return decision.verdict.value, tuple(decision.codes), not_before


def send_replies(
    gateway: Gateway, line_id: str, contacts: list[str], barrier: Any
) -> list[tuple[str, tuple[str, ...], str | None]]:
    """One worker of a race: once all are ready, replies to each of ``contacts`` at NOW."""
    barrier.wait(timeout=60)
    return [outcome(gateway.decider.submit(message(to, line_id), NOW)) for to in contacts]


def race_worker(url: str, line_id: str, contacts: list[str], barrier: Any, results: Any) -> None:
    """Entry point of a spawned process: its own store, counters and decider; reports its outcomes
    (or its failure) on ``results``."""
    gateway = open_gateway(url)
    try:
        results.put(send_replies(gateway, line_id, contacts, barrier))
    except BaseException as error:
        results.put(repr(error))
        raise
    finally:
        gateway.close()
