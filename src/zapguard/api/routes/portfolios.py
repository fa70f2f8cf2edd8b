"""``/v1/portfolios``: the Meta business portfolios of the tenant's Cloud API lines, their
messaging limits (ZG506) and how much of each the moving 24 hours hold."""

from __future__ import annotations

from fastapi import APIRouter

from zapguard.api.deps import ServicesDep, TenantDep
from zapguard.api.errors import ApiError, split_bilingual
from zapguard.api.responses import JSON_BODY, KEYED, errors
from zapguard.api.schemas import PortfolioIn, PortfolioOut
from zapguard.gateway.portfolios import (
    InvalidLimit,
    PortfolioUse,
    portfolio_uses,
    set_portfolio_limit,
)
from zapguard.gateway.service import Services

router = APIRouter(prefix="/v1/portfolios", tags=["portfolios"])


def _out(use: PortfolioUse) -> PortfolioOut:
    return PortfolioOut(
        id=use.id,
        limit=use.limit,
        known=use.known,
        limit_at=use.limit_at if use.known else None,
        reached=use.reached,
    )


def _uses(services: Services, tenant: str) -> list[PortfolioUse]:
    return portfolio_uses(services.store, services.policy, tenant_id=tenant, now=services.clock())


@router.get(
    "",
    response_model=list[PortfolioOut],
    summary="Portfólios Meta e limites / Meta portfolios and limits",
    responses=errors(KEYED),
)
def list_portfolios(services: ServicesDep, tenant: TenantDep) -> list[PortfolioOut]:
    return [_out(use) for use in _uses(services, tenant)]


@router.put(
    "/{portfolio_id}",
    response_model=PortfolioOut,
    summary="Definir o limite de um portfólio / Set a portfolio's limit",
    description=(
        "Contatos únicos alcançados fora da janela de atendimento em 24 h móveis (250, 2000, "
        "10000, 100000; null = ilimitado). Um webhook de faixa da Meta posterior o substitui. / "
        "Unique contacts reached outside the service window per moving 24 h (null = unlimited). "
        "A later tier webhook from Meta replaces it."
    ),
    responses=errors(KEYED, JSON_BODY),
)
def set_portfolio(
    portfolio_id: str, body: PortfolioIn, services: ServicesDep, tenant: TenantDep
) -> PortfolioOut:
    try:
        set_portfolio_limit(
            services.store,
            tenant_id=tenant,
            portfolio=portfolio_id,
            limit=body.limit,
            now=services.clock(),
        )
    except InvalidLimit as invalid:
        pt, en = split_bilingual(str(invalid))
        raise ApiError("invalid_request", pt, en) from None
    return next(_out(use) for use in _uses(services, tenant) if use.id == portfolio_id)
