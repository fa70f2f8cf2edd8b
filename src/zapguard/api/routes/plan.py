"""``/v1/plan``: how many receptive and campaign lines a daily volume needs (``zapguard plan``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from zapguard.api.deps import ServicesDep, TenantDep
from zapguard.api.responses import KEYED, PARAMETERS, errors
from zapguard.api.schemas import PlanOut
from zapguard.campaigns.capacity import capacity_plan

router = APIRouter(prefix="/v1", tags=["plan"])


@router.get(
    "/plan",
    response_model=PlanOut,
    summary="Plano de capacidade / Capacity plan",
    description=(
        "Quantas linhas receptivas e de campanha um volume diário precisa sob os limites em vigor "
        "(ZG501, horário ZG504, ritmo ZG503, aquecimento ZG901), quando linhas novas chegam ao "
        "limite cheio, e a conta passo a passo em `reasons`. / How many receptive and campaign "
        "lines a daily volume needs under the thresholds in force, when new lines reach their "
        "full cap, and the arithmetic step by step in `reasons`."
    ),
    responses=errors(KEYED, PARAMETERS),
)
def get_plan(
    services: ServicesDep,
    tenant: TenantDep,
    per_day: Annotated[
        int,
        Query(ge=1, le=100_000_000, description="Mensagens por dia. / Messages a day."),
    ],
    campaign_share: Annotated[
        float,
        Query(
            ge=0,
            le=1,
            description="Fração que é campanha (0 a 1). / Fraction that is campaigns (0 to 1).",
        ),
    ] = 0.5,
) -> PlanOut:
    plan = capacity_plan(
        per_day=per_day,
        campaign_share=campaign_share,
        config=services.policy,
        now=services.clock(),
    )
    return PlanOut.model_validate(plan.as_json())
