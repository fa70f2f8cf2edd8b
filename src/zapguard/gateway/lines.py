"""Registering a line: the checks that belong before the first message (ZG101, ZG401, ZG601)."""

from __future__ import annotations

from datetime import datetime

from zapguard.domain.models import AccountType, Finding, Line, Role, Severity
from zapguard.policy.catalogue import finding
from zapguard.policy.roles import receptive_neighbours
from zapguard.store.repository import Store


class LineRefused(ValueError):
    """The line cannot be registered; the message says which rule refuses it."""


def registration_findings(line: Line, store: Store) -> list[Finding]:
    """What the catalogue says about registering ``line`` next to the tenant's other lines."""
    findings: list[Finding] = []
    phones, devices, _ = store.bans_among(
        phones=[line.phone], devices=[line.device] if line.device else [], networks=[]
    )
    if line.phone in phones or (line.device is not None and line.device in devices):
        what = "número" if line.phone in phones else "aparelho"
        what_en = "number" if line.phone in phones else "device"
        findings.append(
            finding(
                "ZG601",
                f"O {what} da linha {line.id} já foi banido pelo WhatsApp; não pode ser reutilizado.",
                f"The {what_en} of line {line.id} was banned by WhatsApp before; it cannot be reused.",
                line=line.id,
            )
        )
    if line.account is AccountType.PERSONAL:
        findings.append(
            finding(
                "ZG101",
                f"A linha {line.id} é uma conta pessoal; migre para o WhatsApp Business.",
                f"Line {line.id} is a personal account; move it to WhatsApp Business.",
                line=line.id,
            )
        )
    others = store.list_lines(tenant_id=line.tenant_id)
    if line.role is Role.CAMPAIGN:
        shared = receptive_neighbours(line, others)
    else:
        shared = [
            o.id for o in others if o.role is Role.CAMPAIGN and receptive_neighbours(o, [line])
        ]
    if shared:
        findings.append(
            finding(
                "ZG401",
                f"A linha {line.id} compartilha aparelho ou rede com {', '.join(shared)} "
                "(campanha × receptivo); envios de campanha serão recusados.",
                f"Line {line.id} shares a device or network with {', '.join(shared)} "
                "(campaign × receptive); campaign sends will be refused.",
                severity=Severity.WARN,
                line=line.id,
            )
        )
    return findings


def register_line(
    line: Line,
    store: Store,
    now: datetime,
    *,
    strict: bool = True,
    provider_account: str | None = None,
    helpdesk_url: str | None = None,
    business_account: str | None = None,
) -> list[Finding]:
    """Store ``line`` and return the warnings about it. ``strict`` refuses a banned number or device
    (``zapguard lines add``); a replayed log records it anyway, so that its sends are refused.

    ``provider_account`` is the provider's name for the line (webhooks are routed by it) and
    ``helpdesk_url`` where its provider webhooks are forwarded; ``business_account`` is the Cloud
    API WhatsApp Business Account id (binds template calls on the Cloud API surface)."""
    findings = registration_findings(line, store)
    refusals = [f for f in findings if f.severity is Severity.REJECT]
    if strict and refusals:
        raise LineRefused(
            f"[{refusals[0].code}] {refusals[0].message_pt} / {refusals[0].message_en}"
        )
    store.ensure_tenant(tenant_id=line.tenant_id, name=line.tenant_id)
    store.add_line(
        line=line,
        registered_at=now,
        provider_account=provider_account,
        helpdesk_url=helpdesk_url,
        business_account=business_account,
    )
    return findings
