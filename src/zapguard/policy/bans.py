"""Seed tips 4 and 6: never reuse a banned number or device, and distrust what stood next to one.

ZG601 refuses a line whose number or device WhatsApp banned before. ZG602 quarantines lines that share
a device or a network with a banned line: WhatsApp may blacklist them by association, so they only
answer contacts who wrote recently.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Final

from zapguard.domain.models import Category, Finding, Line, LineState
from zapguard.policy.catalogue import finding, num_en, num_pt
from zapguard.policy.context import Context
from zapguard.policy.snapshot import LineView

__all__ = ["SPARED", "check_line", "quarantined_neighbours"]

SPARED: Final = frozenset({LineState.BANNED, LineState.RETIRED, LineState.QUARANTINED})
"""States a ban next door does not change: banned and retired lines send nothing, and a quarantined
line is quarantined already."""


def quarantined_neighbours(banned: Line, lines: Iterable[Line]) -> list[str]:
    """ZG602: the ids of the lines, of any tenant, that a ban of ``banned`` quarantines: those
    sharing its device or its network (WhatsApp may blacklist them by association), sorted. The
    number is not shared by design (one line per number at a time), and lines in a
    :data:`SPARED` state keep theirs."""
    return sorted(
        other.id
        for other in lines
        if other.id != banned.id
        and other.state not in SPARED
        and (
            (banned.device is not None and other.device == banned.device)
            or (banned.network is not None and other.network == banned.network)
        )
    )


def check_line(ctx: Context, view: LineView) -> Iterator[Finding]:
    line = view.line
    snapshot = ctx.snapshot
    banned_number = line.state is LineState.BANNED or line.phone in snapshot.banned_phones
    banned_device = line.device is not None and line.device in snapshot.banned_devices
    if banned_number or banned_device:
        what_pt = "o número" if banned_number else "o aparelho"
        what_en = "number" if banned_number else "device"
        yield finding(
            "ZG601",
            f"Linha {line.id}: {what_pt} já foi banido pelo WhatsApp e não pode ser usado.",
            f"Line {line.id}: its {what_en} was banned by WhatsApp before and cannot be used.",
            line=line.id,
        )
        return
    suspect_network = line.network is not None and line.network in snapshot.banned_networks
    if line.state is LineState.QUARANTINED or suspect_network:
        hours = ctx.config.quarantine.reply_window_hours
        if ctx.message.category is Category.REPLY and ctx.contact_wrote_within(hours):
            return
        yield finding(
            "ZG602",
            f"Linha {line.id} em quarentena (aparelho ou rede de uma linha banida): só respostas a "
            f"quem escreveu nas últimas {num_pt(hours)} h.",
            f"Line {line.id} is quarantined (device or network of a banned line): only replies to "
            f"contacts who wrote in the last {num_en(hours)} h.",
            line=line.id,
        )
