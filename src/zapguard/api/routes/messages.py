"""``/v1/messages``: submit (decide, queue, send later, paced), advise (decide only), follow."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query

from zapguard.api.deps import ServicesDep, TenantDep
from zapguard.api.errors import ApiError
from zapguard.api.schemas import DecisionOut, MessageIn, OutboxOut, SubmissionOut
from zapguard.domain.models import Decision, OutgoingMessage, Verdict
from zapguard.domain.phones import normalize
from zapguard.gateway.service import Services

router = APIRouter(prefix="/v1/messages", tags=["messages"])

_REFUSALS: dict[int | str, dict[str, Any]] = {
    422: {
        "description": "Recusada pelas regras (message_rejected) ou corpo inválido.",
        "content": {
            "application/json": {
                "example": {
                    "error": {
                        "code": "message_rejected",
                        "message_pt": "Rejeitado. [ZG302] Chat ativo pelo número receptivo sac: o "
                        "contato nunca escreveu para ele.",
                        "message_en": "Rejected. [ZG302] Business-initiated chat from receptive "
                        "line sac: the contact never wrote to it.",
                        "details": {"decision": {"verdict": "reject", "codes": ["ZG302"]}},
                    }
                }
            }
        },
    },
    409: {
        "description": (
            "Idempotency-Key já usada com outro pedido (idempotency_conflict). / Idempotency-Key "
            "already used with a different request."
        )
    },
    429: {
        "description": "Adiada (message_deferred): tente depois de Retry-After.",
        "content": {
            "application/json": {
                "example": {
                    "error": {
                        "code": "message_deferred",
                        "message_pt": "Adiado até 10/03 08:00. [ZG504] Campanha fora do horário.",
                        "message_en": "Deferred until 10/03 08:00. [ZG504] Campaign outside hours.",
                        "details": {"decision": {"verdict": "defer", "codes": ["ZG504"]}},
                    }
                }
            }
        },
    },
}


def to_message(body: MessageIn, tenant: str, idempotency_key: str | None) -> OutgoingMessage:
    return OutgoingMessage(
        tenant_id=tenant,
        contact=normalize(body.to),
        category=body.category,
        author=body.author,
        text=body.text,
        line=body.line,
        pool=body.pool,
        media_url=body.media_url,
        campaign_id=body.campaign_id,
        idempotency_key=body.idempotency_key or idempotency_key,
    )


def check_line(services: Services, tenant: str, line: str | None) -> None:
    if line is not None and services.store.get_line(line_id=line, tenant_id=tenant) is None:
        raise ApiError(
            "line_not_found",
            f"Linha não encontrada: {line}.",
            f"Line not found: {line}.",
        )


def refusal_error(decision: Decision) -> ApiError:
    """The error a refused decision answers with, carrying the decision itself."""
    out = DecisionOut.of(decision)
    details = {"decision": out.model_dump(mode="json")}
    if decision.verdict is Verdict.DEFER:
        headers = {}
        if decision.not_before is not None:
            headers["Retry-After"] = decision.not_before.isoformat()
        return ApiError(
            "message_deferred", out.message_pt, out.message_en, details=details, headers=headers
        )
    return ApiError("message_rejected", out.message_pt, out.message_en, details=details)


@router.post(
    "",
    status_code=202,
    response_model=SubmissionOut,
    summary="Enviar uma mensagem / Submit a message",
    description=(
        "Decide pelas regras, reserva a cota e põe na fila da linha; o envio é feito depois, no "
        "ritmo da linha. / Decides by the rules, reserves quota and queues the message on its "
        "line; it is sent later, at the line's pace."
    ),
    responses=_REFUSALS,
)
def submit(
    body: MessageIn,
    services: ServicesDep,
    tenant: TenantDep,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> SubmissionOut:
    check_line(services, tenant, body.line)
    submission = services.submitter.submit(to_message(body, tenant, idempotency_key))
    if submission.entry is None:
        assert submission.decision is not None
        raise refusal_error(submission.decision)
    return SubmissionOut(
        id=submission.entry.public_id,
        status="replayed" if submission.replayed else "queued",
        decision=DecisionOut.of(submission.decision) if submission.decision else None,
        message=OutboxOut.of(submission.entry),
    )


@router.post(
    "/advice",
    response_model=DecisionOut,
    summary="Só a decisão / Advisory decision only",
    description=(
        "O que zapguard decidiria agora, sem reservar, registrar nem enviar. / What zapguard "
        "would decide now, without reserving, recording or sending."
    ),
)
def advise(body: MessageIn, services: ServicesDep, tenant: TenantDep) -> DecisionOut:
    check_line(services, tenant, body.line)
    return DecisionOut.of(services.submitter.advise(to_message(body, tenant, None)))


@router.get("", response_model=list[OutboxOut], summary="Mensagens na fila / Outbox messages")
def list_messages(
    services: ServicesDep,
    tenant: TenantDep,
    line: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[OutboxOut]:
    return [
        OutboxOut.of(entry)
        for entry in services.outbox.list(tenant_id=tenant, line_id=line, limit=limit)
    ]


@router.get("/{message_id}", response_model=OutboxOut, summary="Uma mensagem / One message")
def get_message(message_id: str, services: ServicesDep, tenant: TenantDep) -> OutboxOut:
    entry = services.outbox.get(tenant_id=tenant, public_id=message_id)
    if entry is None:
        raise ApiError("message_not_found")
    return OutboxOut.of(entry)


@router.delete(
    "/{message_id}",
    response_model=OutboxOut,
    summary="Cancelar uma mensagem na fila / Cancel a queued message",
)
def cancel_message(message_id: str, services: ServicesDep, tenant: TenantDep) -> OutboxOut:
    entry = services.submitter.cancel(tenant_id=tenant, public_id=message_id)
    if entry is None:
        raise ApiError("message_not_found")
    return OutboxOut.of(entry)
