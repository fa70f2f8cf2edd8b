"""Readable builders for policy tests: a scene of lines and one contact, decided at a fixed instant."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from zapguard.domain.models import (
    AccountType,
    Author,
    Category,
    Consent,
    Conversation,
    Decision,
    Line,
    OutgoingMessage,
    Role,
)
from zapguard.policy.config import PolicyConfig
from zapguard.policy.engine import decide
from zapguard.policy.snapshot import ContactView, LineView, Snapshot

SAO_PAULO = ZoneInfo("America/Sao_Paulo")
# A Tuesday, 10:00 in São Paulo: inside campaign hours.
NOW = datetime(2026, 3, 10, 10, 0, tzinfo=SAO_PAULO)
CONTACT = "+5531988776655"
TENANT = "acme"


def line(
    id: str = "recv",
    *,
    role: Role = Role.RECEPTIVE,
    phone: str = "+5511912340001",
    pool: str | None = None,
    account: AccountType = AccountType.BUSINESS,
    in_use_since: date = date(2024, 1, 1),
    device: str | None = None,
    network: str | None = None,
    **overrides: Any,
) -> Line:
    return Line(
        id=id,
        tenant_id=TENANT,
        phone=phone,
        role=role,
        account=account,
        in_use_since=in_use_since,
        pool=pool or role.value,
        device=device if device is not None else f"device-{id}",
        network=network if network is not None else f"net-{id}",
        **overrides,
    )


def campaign_line(id: str = "camp", phone: str = "+5511912340002", **kw: Any) -> Line:
    return line(id, role=Role.CAMPAIGN, phone=phone, **kw)


def view(of: Line, **kw: Any) -> LineView:
    kw.setdefault("last_human_at", NOW - timedelta(hours=1))
    return LineView(line=of, **kw)


def wrote_to(*line_ids: str, at: datetime | None = None) -> dict[str, Conversation]:
    at = at or NOW - timedelta(hours=2)
    return {
        lid: Conversation(line_id=lid, contact=CONTACT, first_inbound_at=at, last_inbound_at=at)
        for lid in line_ids
    }


def opted_in(at: datetime | None = None) -> Consent:
    return Consent(
        tenant_id=TENANT,
        contact=CONTACT,
        purpose="marketing",
        granted_at=at or NOW - timedelta(days=30),
        source="formulário do site",
    )


def opted_out(at: datetime | None = None) -> Consent:
    return replace(opted_in(), revoked_at=at or NOW - timedelta(days=1), revoked_how="keyword")


@dataclass
class Scene:
    lines: list[LineView] = field(default_factory=lambda: [view(line())])
    contact: ContactView = field(
        default_factory=lambda: ContactView(CONTACT, conversations=wrote_to("recv"))
    )
    config: PolicyConfig = field(default_factory=PolicyConfig)
    extra: dict[str, Any] = field(default_factory=dict)

    def snapshot(self) -> Snapshot:
        return Snapshot(
            config=self.config,
            lines={v.line.id: v for v in self.lines},
            contact=self.contact,
            **self.extra,
        )

    def decide(
        self, message: OutgoingMessage | None = None, now: datetime = NOW, **kw: Any
    ) -> Decision:
        return decide(message or send(**kw), self.snapshot(), now)


def send(
    text: str = "Olá! Seu pedido saiu para entrega.",
    *,
    line: str | None = "recv",
    category: Category = Category.REPLY,
    author: Author = Author.AGENT,
    **kw: Any,
) -> OutgoingMessage:
    return OutgoingMessage(
        tenant_id=TENANT,
        contact=kw.pop("contact", CONTACT),
        category=category,
        author=author,
        text=text,
        line=line,
        **kw,
    )


def config(**sections: dict[str, Any]) -> PolicyConfig:
    return PolicyConfig.model_validate(sections)
