"""``/v1/messages``: submit (decide, queue, send later, paced), advise (decide only), follow."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query
from starlette.convertors import StringConvertor, register_url_convertor

from zapguard.api.deps import ServicesDep, TenantDep
from zapguard.api.errors import ApiError
from zapguard.api.responses import JSON_BODY, KEYED, PARAMETERS, errors
from zapguard.api.routes._dropin import retry_after
from zapguard.api.schemas import DecisionOut, MessageIn, OutboxOut, SubmissionOut
from zapguard.domain.models import Decision, OutgoingMessage, Verdict
from zapguard.domain.phones import normalize
from zapguard.gateway.service import Services

router = APIRouter(prefix="/v1/messages", tags=["messages"])


class _MessageId(StringConvertor):
    """A message id is any path segment but ``advice``: ``/v1/messages/advice`` is the advice
    resource, which takes POST only, so a GET or DELETE there is a 405 with ``Allow: POST``
    rather than a search for a message called "advice"."""

    regex = "(?!advice$)[^/]+"


register_url_convertor("zapguard_message_id", _MessageId())

_REJECTED_EXAMPLE: dict[str, Any] = {
    "error": {
        "code": "message_rejected",
        "message_pt": "Rejeitado. [ZG302] Chat ativo pelo número receptivo sac: o contato nunca "
        "escreveu para ele.",
        "message_en": "Rejected. [ZG302] Business-initiated chat from receptive line sac: the "
        "contact never wrote to it.",
        "details": {"decision": {"verdict": "reject", "codes": ["ZG302"]}},
    }
}
_DEFERRED_EXAMPLE: dict[str, Any] = {
    "error": {
        "code": "message_deferred",
        "message_pt": "Adiado até 10/03 08:00. [ZG504] Campanha fora do horário.",
        "message_en": "Deferred until 10/03 08:00. [ZG504] Campaign outside hours.",
        "details": {"decision": {"verdict": "defer", "codes": ["ZG504"]}},
    }
}


def _with_example(
    responses: dict[int | str, dict[str, Any]], status: int, example: dict[str, Any]
) -> dict[int | str, dict[str, Any]]:
    responses[status]["content"] = {"application/json": {"example": example}}
    return responses


_MESSAGE_LINKS = {
    operation: {"operationId": operation, "parameters": {"message_id": "$response.body#/id"}}
    for operation in ("get_message", "cancel_message")
}
"""OpenAPI links: following or cancelling a message just queued."""

_SUBMIT_ERRORS = _with_example(
    _with_example(
        errors(
            KEYED,
            JSON_BODY,
            "invalid_phone",
            "line_not_found",
            "pool_not_found",
            "idempotency_conflict",
            "message_rejected",
            "message_deferred",
        ),
        422,
        _REJECTED_EXAMPLE,
    ),
    429,
    _DEFERRED_EXAMPLE,
)


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


def check_line_or_pool(services: Services, tenant: str, body: MessageIn) -> None:
    """A line or pool the tenant does not have is a 404, like any other name of nothing."""
    line, pool = body.line, body.pool
    if line is not None and services.store.lines.get(line_id=line, tenant_id=tenant) is None:
        raise ApiError(
            "line_not_found",
            f"Linha não encontrada: {line}.",
            f"Line not found: {line}.",
        )
    if pool is not None and all(
        other.pool != pool for other in services.store.lines.of_tenant(tenant_id=tenant)
    ):
        raise ApiError(
            "pool_not_found",
            f"Grupo de linhas não encontrado: {pool}.",
            f"Pool not found: {pool}.",
        )


def refusal_error(decision: Decision, services: Services) -> ApiError:
    """The error a refused decision answers with, carrying the decision itself; a deferral says
    in ``Retry-After`` how many seconds to wait (the time itself is in the decision)."""
    out = DecisionOut.of(decision)
    details = {"decision": out.model_dump(mode="json")}
    if decision.verdict is Verdict.DEFER:
        headers = retry_after(decision, services)
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
    responses={
        202: {"description": "Na fila. / Queued.", "links": _MESSAGE_LINKS},
        **_SUBMIT_ERRORS,
    },
)
def submit(
    body: MessageIn,
    services: ServicesDep,
    tenant: TenantDep,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> SubmissionOut:
    check_line_or_pool(services, tenant, body)
    submission = services.submitter.submit(to_message(body, tenant, idempotency_key))
    if submission.entry is None:
        assert submission.decision is not None
        raise refusal_error(submission.decision, services)
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
    responses=errors(KEYED, JSON_BODY, "invalid_phone", "line_not_found", "pool_not_found"),
)
def advise(body: MessageIn, services: ServicesDep, tenant: TenantDep) -> DecisionOut:
    check_line_or_pool(services, tenant, body)
    return DecisionOut.of(services.submitter.advise(to_message(body, tenant, None)))


@router.get(
    "",
    response_model=list[OutboxOut],
    summary="Mensagens na fila / Outbox messages",
    responses=errors(KEYED, PARAMETERS),
)
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


@router.get(
    "/{message_id:zapguard_message_id}",
    response_model=OutboxOut,
    summary="Uma mensagem / One message",
    operation_id="get_message",
    responses=errors(KEYED, "message_not_found"),
)
def get_message(message_id: str, services: ServicesDep, tenant: TenantDep) -> OutboxOut:
    entry = services.outbox.get(tenant_id=tenant, public_id=message_id)
    if entry is None:
        raise ApiError("message_not_found")
    return OutboxOut.of(entry)


@router.delete(
    "/{message_id:zapguard_message_id}",
    operation_id="cancel_message",
    response_model=OutboxOut,
    summary="Cancelar uma mensagem na fila / Cancel a queued message",
    responses=errors(KEYED, "message_not_found"),
)
def cancel_message(message_id: str, services: ServicesDep, tenant: TenantDep) -> OutboxOut:
    entry = services.submitter.cancel(tenant_id=tenant, public_id=message_id)
    if entry is None:
        raise ApiError("message_not_found")
    return OutboxOut.of(entry)
