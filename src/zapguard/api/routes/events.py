"""``/v1/events`` and ``/v1/decisions``: report what happened on a line; read back the logs."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from zapguard.api.deps import ServicesDep, TenantDep
from zapguard.api.errors import ApiError
from zapguard.api.instants import reported_instant
from zapguard.api.responses import JSON_BODY, KEYED, PARAMETERS, errors
from zapguard.api.schemas import DecisionRecordOut, EventIn, EventOut, EventResultOut
from zapguard.domain.models import StatusKind
from zapguard.domain.phones import normalize
from zapguard.gateway.service import Services

router = APIRouter(prefix="/v1", tags=["events"])


@router.post(
    "/events",
    status_code=202,
    summary="Informar um acontecimento / Report an event",
    description=(
        "Para quem não usa os webhooks: mensagem recebida (abre a janela de 24 h; palavra de "
        "descadastro revoga o consentimento), atividade humana, banimento, status de entrega. "
        "Um `at` no futuro (além de [server] future_tolerance_seconds) é recusado. / "
        "For callers without webhooks: inbound message, human activity, ban, delivery status. "
        "An `at` in the future (beyond [server] future_tolerance_seconds) is refused."
    ),
    response_model=EventResultOut,
    response_model_exclude_none=True,
    responses=errors(KEYED, JSON_BODY, "invalid_phone", "line_not_found"),
)
def report_event(body: EventIn, services: ServicesDep, tenant: TenantDep) -> EventResultOut:
    if services.store.lines.get(line_id=body.line, tenant_id=tenant) is None:
        raise ApiError(
            "line_not_found", f"Linha não encontrada: {body.line}.", f"Line not found: {body.line}."
        )
    at = _when(services, body.at)
    contact = normalize(body.contact) if body.contact else None
    applier = services.events
    if body.kind == "inbound":
        if contact is None:
            raise ApiError("invalid_request", "Falta o contato.", "contact is required.")
        outcome = applier.inbound(
            tenant=tenant, line_id=body.line, contact=contact, at=at, text=body.text
        )
        if outcome.confirmation is not None:
            services.queue_reply(
                tenant_id=tenant, line_id=body.line, contact=contact, text=outcome.confirmation
            )
        return EventResultOut(kind=body.kind, opted_out=outcome.opted_out)
    if body.kind == "human_activity":
        applier.human_activity(tenant=tenant, line_id=body.line, at=at)
        return EventResultOut(kind=body.kind)
    if body.kind == "ban":
        quarantined = applier.ban(tenant=tenant, line_id=body.line, at=at)
        return EventResultOut(kind=body.kind, quarantined=quarantined)
    status = body.status or StatusKind.FAILED
    health = applier.status(
        tenant=tenant, line_id=body.line, at=at, status=status, code=body.code, contact=contact
    )
    return EventResultOut(kind=body.kind, health=health)


def _when(services: Services, at: datetime | None) -> datetime:
    return reported_instant(
        services, at, field="at", refused_pt="Acontecimento recusado", refused_en="Event refused"
    )


@router.get(
    "/events",
    response_model=list[EventOut],
    summary="Acontecimentos / Events",
    responses=errors(KEYED, PARAMETERS),
)
def list_events(
    services: ServicesDep,
    tenant: TenantDep,
    line: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[EventOut]:
    return [
        EventOut(kind=e.kind, line=e.line_id, contact=e.contact, at=e.at, code=e.code, data=e.data)
        for e in services.store.journal.events(tenant_id=tenant, line_id=line, limit=limit)
    ]


@router.get(
    "/decisions",
    response_model=list[DecisionRecordOut],
    summary="Histórico de decisões / Decision history",
    responses=errors(KEYED, PARAMETERS),
)
def list_decisions(
    services: ServicesDep, tenant: TenantDep, limit: Annotated[int, Query(ge=1, le=500)] = 50
) -> list[DecisionRecordOut]:
    return [
        DecisionRecordOut(
            id=d.id,
            at=d.at,
            verdict=d.verdict.value,
            codes=list(d.codes),
            line=d.line,
            not_before=d.not_before,
            contact=d.message.contact,
            category=d.message.category.value,
            message_pt=d.message_pt,
            message_en=d.message_en,
        )
        for d in services.store.journal.decisions(tenant_id=tenant, limit=limit)
    ]
