"""A line's life: registering it (the checks that belong before the first message: ZG101, ZG401,
ZG601), retiring it (kept, with its history, as evidence) and deleting one that left no trace."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from zapguard.domain.models import Finding, Line, LineState, ProviderKind, Severity
from zapguard.gateway.outbox import Outbox
from zapguard.gateway.submission import cancel_queued
from zapguard.policy.registration import registration_findings as policy_findings
from zapguard.policy.zones import zone
from zapguard.store.counters.base import Counters
from zapguard.store.errors import Conflict, NotFound
from zapguard.store.repository import Store

FUTURE_SLACK = timedelta(days=1)
"""How far ahead ``in_use_since`` may be at registration: "today" somewhere on Earth, not more."""


class LineRefused(ValueError):
    """The line cannot be registered; the message says which rule refuses it."""


class InvalidLine(ValueError):
    """The line's own data cannot be right (a date it cannot have); pt-BR / en."""


def provider_kind_for(connection: str, given: ProviderKind | None) -> ProviderKind | None:
    """The kind of a line on a ``[providers.*]`` connection of kind ``connection`` (``cloud``,
    ``evolution``, ``waha``, ``simulator``): the connection's own, except on the simulator, which
    plays whatever kind it is told (``None``: none). ``given`` must agree with a real connection
    (:class:`InvalidLine`)."""
    if connection not in ProviderKind.__members__.values():
        return given  # the simulator
    kind = ProviderKind(connection)
    if given is not None and given is not kind:
        raise InvalidLine(
            f"provider_kind {given.value} não combina com o provedor, que é {kind.value} / "
            f"provider_kind {given.value} does not match the provider, which is {kind.value}"
        )
    return kind


def check_portfolio(line: Line) -> None:
    """A business portfolio is Meta's: only a Cloud API line has one (:class:`InvalidLine`)."""
    if line.portfolio is not None and line.provider_kind is not ProviderKind.CLOUD:
        raise InvalidLine(
            f"a linha {line.id} tem portfólio mas não é da Cloud API (provider cloud) / line "
            f"{line.id} has a portfolio but is not a Cloud API line (provider cloud)"
        )


def registration_findings(line: Line, store: Store) -> list[Finding]:
    """What the catalogue says about registering ``line`` next to the tenant's other lines
    (:func:`zapguard.policy.registration.registration_findings`, over what the store knows)."""
    phones, devices, _ = store.bans.among(
        phones=[line.phone], devices=[line.device] if line.device else [], networks=[]
    )
    return policy_findings(
        line,
        others=store.lines.of_tenant(tenant_id=line.tenant_id),
        banned_phones=phones,
        banned_devices=devices,
    )


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
    API WhatsApp Business Account id (binds template calls on the Cloud API surface).

    ``strict`` also refuses an ``in_use_since`` more than a day after ``now`` (:class:`InvalidLine`):
    a replayed log's lines are taken as written, and the warm-up treats a future date as a new
    number; and a provider account (or, without one, a line id) with URL syntax in it
    (:func:`check_account`)."""
    check_portfolio(line)
    if strict:
        _check_in_use_since(line, now)
        check_account(provider_account if provider_account is not None else line.id)
    findings = registration_findings(line, store)
    refusals = [f for f in findings if f.severity is Severity.REJECT]
    if strict and refusals:
        raise LineRefused(
            f"[{refusals[0].code}] {refusals[0].message_pt} / {refusals[0].message_en}"
        )
    store.tenants.ensure(tenant_id=line.tenant_id, name=line.tenant_id)
    store.lines.add(
        line=line,
        registered_at=now,
        provider_account=provider_account,
        helpdesk_url=helpdesk_url,
        business_account=business_account,
    )
    return findings


_URL_SYNTAX = re.compile(r"[/\\?#%\x00-\x1f\x7f]")


def check_account(account: str) -> None:
    """The provider's name for a line goes into the URLs zapguard calls the provider on (the
    Evolution instance and the Cloud API phone number id are path segments). A name that a URL
    would read as more than one segment (``/``, ``\\``, dot segments), cut short (``?``, ``#``)
    or decode again (``%``) could point a line's sends at another line's account: refused."""
    if (
        not account
        or account.strip() != account
        or account in (".", "..")
        or _URL_SYNTAX.search(account)
    ):
        raise InvalidLine(
            f"conta do provedor inválida: {account!r} (sem '/', '\\', '?', '#', '%', caracteres "
            "de controle, espaços nas pontas, nem '.' ou '..' sozinhos) / invalid provider "
            f"account: {account!r} (no '/', '\\', '?', '#', '%', control characters, spaces at "
            "either end, nor a lone '.' or '..')"
        )


def _check_in_use_since(line: Line, now: datetime) -> None:
    latest = (now.astimezone(zone(line.timezone)) + FUTURE_SLACK).date()
    if line.in_use_since > latest:
        raise InvalidLine(
            f"in_use_since {line.in_use_since.isoformat()} da linha {line.id} está no futuro "
            f"(depois de {latest.isoformat()}): informe desde quando o número está em uso / "
            f"in_use_since {line.in_use_since.isoformat()} of line {line.id} is in the future "
            f"(after {latest.isoformat()}): give the date the number came into use"
        )


@dataclass(frozen=True, slots=True)
class Retirement:
    line: Line
    cancelled: tuple[str, ...]
    """Public ids of the queued messages cancelled, their quota given back."""


def retire_line(
    store: Store, outbox: Outbox, counters: Counters, *, tenant_id: str, line_id: str
) -> Retirement:
    """Retire a line for good: nothing more is decided onto it or sent from it, its queued
    messages are cancelled with their quota given back, and the line stays, with its history, as
    evidence. Retiring a retired line changes nothing; a banned line stays banned (Conflict).

    The state changes first, so that no message is allowed onto the line and no dispatcher claims
    one while the queue is being emptied."""
    line = store.lines.get(line_id=line_id, tenant_id=tenant_id)
    if line is None:
        raise NotFound(f"linha não encontrada / line not found: {line_id}")
    if line.state is LineState.BANNED:
        raise Conflict(
            f"a linha {line_id} foi banida e assim fica, como evidência / line {line_id} was "
            "banned and stays so, as evidence"
        )
    if line.state is not LineState.RETIRED:
        store.lines.set_state(tenant_id=tenant_id, line_id=line_id, state=LineState.RETIRED)
    cancelled = tuple(
        public_id
        for public_id in outbox.queued_of_line(line_id=line_id)
        if (entry := cancel_queued(outbox, counters, tenant_id=tenant_id, public_id=public_id))
        is not None
        and entry.state == "cancelled"
    )
    retired = store.lines.get(line_id=line_id, tenant_id=tenant_id)
    assert retired is not None  # lines are never deleted while retiring
    return Retirement(retired, cancelled)


def delete_line(store: Store, *, tenant_id: str, line_id: str) -> None:
    """Delete a line that never sent or received anything (a mistaken registration). A line with
    any history raises :class:`Conflict`: retire it instead."""
    store.lines.delete(tenant_id=tenant_id, line_id=line_id)
