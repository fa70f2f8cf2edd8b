"""What the catalogue says about registering a line, before its first message.

Seed tips 1, 4 and 6, checked once at registration so that a person hears about them when adding the
line, not on its first refused send: ZG601 (a number or device WhatsApp banned before is never used
again: a rejection), ZG101 (a personal account: a warning; its ban algorithms are stricter) and ZG401
(a campaign line on the device or network of a receptive line, or the reverse: a warning, its
campaign sends will be refused). Pure: the caller reads the bans and the tenant's other lines.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from zapguard.domain.models import AccountType, Finding, Line, Role, Severity
from zapguard.policy.catalogue import finding
from zapguard.policy.roles import receptive_neighbours

__all__ = ["registration_findings"]


def registration_findings(
    line: Line,
    *,
    others: Iterable[Line],
    banned_phones: Collection[str],
    banned_devices: Collection[str],
) -> list[Finding]:
    """The findings about registering ``line`` next to the tenant's ``others``, given which of its
    number and device were banned before (``banned_phones``, ``banned_devices``)."""
    findings: list[Finding] = []
    banned_phone = line.phone in banned_phones
    if banned_phone or (line.device is not None and line.device in banned_devices):
        what = "número" if banned_phone else "aparelho"
        what_en = "number" if banned_phone else "device"
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
    shared = _isolation_breaches(line, list(others))
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


def _isolation_breaches(line: Line, others: list[Line]) -> list[str]:
    """The lines on the other side of ZG401 from ``line``: the receptive lines sharing a campaign
    line's device or network, or the campaign lines sharing a receptive line's."""
    if line.role is Role.CAMPAIGN:
        return receptive_neighbours(line, others)
    return [o.id for o in others if o.role is Role.CAMPAIGN and receptive_neighbours(o, [line])]
