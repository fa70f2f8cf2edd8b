"""Seed tips 3 and 4: the receptive number never campaigns nor starts chats; campaign numbers live on
other devices and networks.

ZG301 and ZG302 are cured by a campaign line that passes every rule; ZG401 by another campaign line of
the pool that is isolated.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from zapguard.domain.models import Finding, Line, Role, Severity
from zapguard.policy.catalogue import finding
from zapguard.policy.context import Context
from zapguard.policy.snapshot import LineView

__all__ = ["check_line", "receptive_neighbours"]


def check_line(ctx: Context, view: LineView) -> Iterator[Finding]:
    line = view.line
    if line.role is Role.RECEPTIVE:
        if ctx.is_campaign:
            yield finding(
                "ZG301",
                f"Campanha/marketing pelo número receptivo {line.id}: use um número de campanha.",
                f"Campaign/marketing from receptive line {line.id}: use a campaign number.",
                line=line.id,
            )
        if ctx.business_initiated_on(view):
            yield finding(
                "ZG302",
                f"Chat ativo pelo número receptivo {line.id}: o contato nunca escreveu para ele.",
                f"Business-initiated chat from receptive line {line.id}: the contact never wrote to it.",
                line=line.id,
            )
        return
    yield from _isolation(ctx, view)


def _isolation(ctx: Context, view: LineView) -> Iterator[Finding]:
    line = view.line
    shared = receptive_neighbours(line, list(ctx.snapshot.roster.values()))
    if shared:
        yield finding(
            "ZG401",
            f"A linha de campanha {line.id} compartilha aparelho ou rede com o receptivo "
            f"{', '.join(shared)}; um banimento atingiria os dois.",
            f"Campaign line {line.id} shares a device or network with receptive line(s) "
            f"{', '.join(shared)}; a ban would hit both.",
            line=line.id,
        )
    elif line.device is None or line.network is None:
        yield finding(
            "ZG401",
            f"Aparelho ou rede da linha de campanha {line.id} não informados: o isolamento do "
            "receptivo não pode ser comprovado.",
            f"Device or network of campaign line {line.id} unknown: isolation from receptive "
            "lines cannot be proven.",
            severity=Severity.WARN,
            line=line.id,
        )


def receptive_neighbours(line: Line, others: Iterable[Line]) -> list[str]:
    """Ids of receptive lines sharing a device or a network with ``line`` (also used on register)."""
    return sorted(
        other.id
        for other in others
        if other.role is Role.RECEPTIVE
        and other.id != line.id
        and (
            (line.device is not None and other.device == line.device)
            or (line.network is not None and other.network == line.network)
        )
    )
