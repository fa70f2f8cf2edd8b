"""``/v1/lines`` and ``/v1/pools``: register the business's numbers, see them, pause and resume;
set a line's webhook secrets (write-only) and where its webhooks are forwarded."""

from __future__ import annotations

from collections import defaultdict

from fastapi import APIRouter, Response

from zapguard.api.deps import ServicesDep, TenantDep
from zapguard.api.errors import ApiError, split_bilingual
from zapguard.api.responses import JSON_BODY, KEYED, PARAMETERS, errors
from zapguard.api.schemas import (
    FindingOut,
    HelpdeskIn,
    LineIn,
    LineOut,
    LineSecretIn,
    LineSecretsOut,
    PoolOut,
    SecretKind,
)
from zapguard.domain.models import Finding, Line, LineState
from zapguard.domain.phones import normalize
from zapguard.gateway.lines import (
    InvalidLine,
    LineRefused,
    delete_line,
    provider_kind_for,
    register_line,
    retire_line,
)
from zapguard.gateway.service import Services
from zapguard.gateway.webhooks.targets import UnsafeTarget, check_url
from zapguard.policy.health import current_health
from zapguard.policy.zones import UnknownZone, checked_zone
from zapguard.store.errors import Conflict
from zapguard.store.records import LineRecord

router = APIRouter(prefix="/v1", tags=["lines"])

_LINE_LINKS = {
    operation: {"operationId": operation, "parameters": {"line_id": "$response.body#/id"}}
    for operation in ("get_line", "pause_line", "resume_line", "retire_line", "delete_line")
}
"""OpenAPI links: what a client can do with a line just registered."""


def _line_out(
    services: Services, record: LineRecord, queued: int = 0, warnings: list[Finding] | None = None
) -> LineOut:
    line = record.line
    return LineOut(
        id=line.id,
        phone=line.phone,
        role=line.role,
        account=line.account,
        pool=line.pool,
        state=line.state,
        provider=line.provider,
        provider_account=record.provider_account,
        helpdesk_url=record.helpdesk_url,
        business_account=record.business_account,
        provider_kind=line.provider_kind,
        portfolio=line.portfolio,
        secrets=LineSecretsOut(
            **{kind: True for kind in services.store.line_secrets.kinds(line_id=line.id)}
        ),
        in_use_since=line.in_use_since,
        timezone=line.timezone,
        daily_cap=line.daily_cap,
        health=current_health(
            record.health_score, record.health_at, services.clock(), services.policy.health
        ),
        last_human_at=record.last_human_at,
        queued=queued,
        warnings=[FindingOut.of(f) for f in warnings or []],
    )


def _checked_helpdesk(services: Services, url: str | None) -> None:
    """Refuse a helpdesk URL that points inside the operator's network (SSRF)."""
    if url is None:
        return
    try:
        check_url(url, allow_private=services.config.server.allow_private_helpdesk_urls)
    except UnsafeTarget as refused:
        raise ApiError(
            "invalid_request",
            f"helpdesk_url recusada: {refused.pt}.",
            f"helpdesk_url refused: {refused.en}.",
            details={"problems": [{"field": "helpdesk_url", "problem": refused.en}]},
        ) from None


def _record(services: Services, tenant: str, line_id: str) -> LineRecord:
    record = services.store.lines.record(line_id=line_id, tenant_id=tenant)
    if record is None:
        raise ApiError(
            "line_not_found", f"Linha não encontrada: {line_id}.", f"Line not found: {line_id}."
        )
    return record


@router.post(
    "/lines",
    status_code=201,
    response_model=LineOut,
    summary="Cadastrar uma linha / Register a line",
    description=(
        "Recusa número ou aparelho já banido (ZG601); avisa sobre aparelho ou rede compartilhados "
        "com campanhas (ZG401) e conta pessoal (ZG101). / Refuses a banned number or device; warns "
        "about shared devices or networks and personal accounts."
    ),
    responses={
        201: {"description": "A linha cadastrada. / The line registered.", "links": _LINE_LINKS},
        **errors(KEYED, JSON_BODY, "invalid_phone", "line_refused", "conflict"),
    },
)
def add_line(body: LineIn, services: ServicesDep, tenant: TenantDep) -> LineOut:
    try:
        timezone = checked_zone(body.timezone)
    except UnknownZone as error:
        pt, en = split_bilingual(str(error))
        raise ApiError("invalid_request", pt, en) from None
    if body.provider not in services.provider_settings:
        known = ", ".join(sorted(services.provider_settings)) or "-"
        raise ApiError(
            "invalid_request",
            f"Provedor desconhecido: {body.provider} (configurados: {known}).",
            f"Unknown provider: {body.provider} (configured: {known}).",
        )
    try:
        line_kind = provider_kind_for(
            services.provider_settings[body.provider].kind, body.provider_kind
        )
    except InvalidLine as invalid:
        pt, en = split_bilingual(str(invalid))
        raise ApiError("invalid_request", pt, en) from None
    line = Line(
        id=body.id,
        tenant_id=tenant,
        phone=normalize(body.phone),
        role=body.role,
        account=body.account,
        in_use_since=body.in_use_since,
        pool=body.pool or body.role.value,
        device=body.device,
        network=body.network,
        provider=body.provider,
        daily_cap=body.daily_cap,
        timezone=timezone,
        provider_kind=line_kind,
        portfolio=body.portfolio,
    )
    _checked_helpdesk(services, body.helpdesk_url)
    now = services.clock()
    try:
        with services.store.transaction():
            warnings = register_line(
                line,
                services.store,
                now,
                provider_account=body.provider_account,
                helpdesk_url=body.helpdesk_url,
                business_account=body.business_account,
            )
            for kind, secret in body.secrets().items():
                services.store.line_secrets.set(
                    tenant_id=tenant, line_id=line.id, kind=kind, secret=secret, at=now
                )
    except LineRefused as refused:
        pt, en = split_bilingual(str(refused))
        raise ApiError("line_refused", pt, en) from None
    except InvalidLine as invalid:
        pt, en = split_bilingual(str(invalid))
        raise ApiError("invalid_request", pt, en) from None
    return _line_out(services, _record(services, tenant, line.id), warnings=warnings)


@router.get(
    "/lines", response_model=list[LineOut], summary="Linhas / Lines", responses=errors(KEYED)
)
def list_lines(services: ServicesDep, tenant: TenantDep) -> list[LineOut]:
    depths = services.outbox.depths()
    return [
        _line_out(services, record, depths.get(record.line.id, 0))
        for record in services.store.lines.records(tenant_id=tenant)
    ]


@router.get(
    "/lines/{line_id}",
    response_model=LineOut,
    summary="Uma linha / One line",
    operation_id="get_line",
    responses=errors(KEYED, "line_not_found"),
)
def get_line(line_id: str, services: ServicesDep, tenant: TenantDep) -> LineOut:
    record = _record(services, tenant, line_id)
    return _line_out(services, record, services.outbox.depths().get(line_id, 0))


def _set_state(services: Services, tenant: str, line_id: str, state: LineState) -> LineOut:
    record = _record(services, tenant, line_id)
    if record.line.state in (LineState.BANNED, LineState.RETIRED):
        raise ApiError(
            "conflict",
            f"A linha {line_id} está {record.line.state.value}; não pode mudar de estado.",
            f"Line {line_id} is {record.line.state.value}; its state cannot change.",
        )
    services.store.lines.set_state(tenant_id=tenant, line_id=line_id, state=state)
    return _line_out(services, _record(services, tenant, line_id))


@router.post(
    "/lines/{line_id}/pause",
    response_model=LineOut,
    operation_id="pause_line",
    summary="Pausar / Pause a line",
    responses=errors(KEYED, "line_not_found", "conflict"),
)
def pause_line(line_id: str, services: ServicesDep, tenant: TenantDep) -> LineOut:
    return _set_state(services, tenant, line_id, LineState.PAUSED)


@router.post(
    "/lines/{line_id}/resume",
    response_model=LineOut,
    operation_id="resume_line",
    summary="Retomar / Resume a line",
    responses=errors(KEYED, "line_not_found", "conflict"),
)
def resume_line(line_id: str, services: ServicesDep, tenant: TenantDep) -> LineOut:
    return _set_state(services, tenant, line_id, LineState.ACTIVE)


@router.post(
    "/lines/{line_id}/retire",
    response_model=LineOut,
    operation_id="retire_line",
    summary="Aposentar uma linha / Retire a line",
    description=(
        "A linha para de vez: nada mais é decidido para ela nem enviado por ela, as mensagens na "
        "fila são canceladas e a cota delas devolvida; a linha e o histórico ficam como "
        "evidência, e o número fica livre para outra linha. / The line stops for good: nothing "
        "more is decided onto it or sent from it, its queued messages are cancelled and their "
        "quota given back; the line and its history stay as evidence, and its number is free "
        "for another line."
    ),
    responses=errors(KEYED, "line_not_found", "conflict"),
)
def retire(line_id: str, services: ServicesDep, tenant: TenantDep) -> LineOut:
    _record(services, tenant, line_id)
    retire_line(
        services.store,
        services.outbox,
        services.counters,
        tenant_id=tenant,
        line_id=line_id,
    )
    record = _record(services, tenant, line_id)
    return _line_out(services, record, services.outbox.depths().get(line_id, 0))


@router.delete(
    "/lines/{line_id}",
    status_code=204,
    operation_id="delete_line",
    response_class=Response,
    summary="Apagar uma linha sem histórico / Delete a line without history",
    description=(
        "Só uma linha que nunca enviou nem recebeu nada (um cadastro por engano); com histórico, "
        "409: aposente-a. / Only a line that never sent or received anything (a mistaken "
        "registration); with history, 409: retire it."
    ),
    responses=errors(KEYED, "line_not_found", "conflict"),
)
def delete(line_id: str, services: ServicesDep, tenant: TenantDep) -> Response:
    _record(services, tenant, line_id)
    try:
        delete_line(services.store, tenant_id=tenant, line_id=line_id)
    except Conflict as conflict:
        pt, en = split_bilingual(str(conflict))
        route = f"POST /v1/lines/{line_id}/retire"
        raise ApiError("conflict", f"{pt} ({route}).", f"{en} ({route}).") from None
    return Response(status_code=204)


@router.put(
    "/lines/{line_id}/secrets/{kind}",
    response_model=LineOut,
    summary="Definir um segredo da linha / Set a line secret",
    description=(
        "webhook: prova dos webhooks do provedor para esta linha; chatwoot: da caixa do Chatwoot; "
        "helpdesk: o que o helpdesk espera nos repasses. Só escrita: a resposta diz apenas se "
        "está definido. / webhook: proves the provider's webhooks for this line; chatwoot: the "
        "Chatwoot inbox's; helpdesk: what the helpdesk expects on forwards. Write-only: the "
        "answer only says whether it is set."
    ),
    responses=errors(KEYED, JSON_BODY, "line_not_found"),
)
def set_line_secret(
    line_id: str, kind: SecretKind, body: LineSecretIn, services: ServicesDep, tenant: TenantDep
) -> LineOut:
    _record(services, tenant, line_id)
    services.store.line_secrets.set(
        tenant_id=tenant,
        line_id=line_id,
        kind=kind,
        secret=body.secret.get_secret_value(),
        at=services.clock(),
    )
    return _line_out(services, _record(services, tenant, line_id))


@router.delete(
    "/lines/{line_id}/secrets/{kind}",
    response_model=LineOut,
    summary="Remover um segredo da linha / Remove a line secret",
    responses=errors(KEYED, PARAMETERS, "line_not_found"),
)
def remove_line_secret(
    line_id: str, kind: SecretKind, services: ServicesDep, tenant: TenantDep
) -> LineOut:
    _record(services, tenant, line_id)
    services.store.line_secrets.set(
        tenant_id=tenant, line_id=line_id, kind=kind, secret=None, at=services.clock()
    )
    return _line_out(services, _record(services, tenant, line_id))


@router.put(
    "/lines/{line_id}/helpdesk",
    response_model=LineOut,
    summary="Para onde repassar os webhooks / Where webhooks are forwarded",
    description=(
        "Endereços internos (loopback, privados, link-local, metadados de nuvem) são recusados, "
        "salvo se o operador permitir redes privadas. / Internal addresses (loopback, private, "
        "link-local, cloud metadata) are refused unless the operator allows private networks."
    ),
    responses=errors(KEYED, JSON_BODY, "line_not_found"),
)
def set_helpdesk(
    line_id: str, body: HelpdeskIn, services: ServicesDep, tenant: TenantDep
) -> LineOut:
    _record(services, tenant, line_id)
    _checked_helpdesk(services, body.url)
    services.store.lines.set_helpdesk_url(tenant_id=tenant, line_id=line_id, url=body.url)
    return _line_out(services, _record(services, tenant, line_id))


@router.get(
    "/pools",
    response_model=list[PoolOut],
    summary="Grupos de linhas / Pools",
    responses=errors(KEYED),
)
def list_pools(services: ServicesDep, tenant: TenantDep) -> list[PoolOut]:
    pools: dict[str, list[str]] = defaultdict(list)
    for line in services.store.lines.of_tenant(tenant_id=tenant):
        pools[line.pool].append(line.id)
    return [PoolOut(pool=name, lines=sorted(ids)) for name, ids in sorted(pools.items())]
