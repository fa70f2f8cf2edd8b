"""``/v1/templates``: the Cloud API templates of the tenant, their last known status and quality at
Meta (ZG507) and whether each may go out while its quality is RED."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from zapguard.api.deps import ServicesDep, TenantDep
from zapguard.api.errors import ApiError, split_bilingual
from zapguard.api.responses import JSON_BODY, KEYED, errors
from zapguard.api.schemas import TemplateIn, TemplateOut
from zapguard.gateway.templates import InvalidTemplate, TemplateView, set_template, template_states

router = APIRouter(prefix="/v1/templates", tags=["templates"])


def _out(view: TemplateView) -> TemplateOut:
    return TemplateOut(
        name=view.name,
        status=view.status,
        quality=view.quality,
        quality_at=view.quality_at,
        allow_red=view.allow_red,
    )


@router.get(
    "",
    response_model=list[TemplateOut],
    summary="Modelos e seu estado na Meta / Templates and their state at Meta",
    responses=errors(KEYED),
)
def list_templates(services: ServicesDep, tenant: TenantDep) -> list[TemplateOut]:
    return [_out(view) for view in template_states(services.store, tenant_id=tenant)]


@router.put(
    "/{name}",
    response_model=TemplateOut,
    summary="Definir o estado de um modelo / Set a template's state",
    description=(
        "status e quality valem a partir de agora (um webhook posterior da Meta os substitui); "
        "allow_red libera (ou não) o modelo com qualidade RED. / status and quality hold from "
        "now (a later webhook from Meta replaces them); allow_red lets the template go out while "
        "RED, or not."
    ),
    responses=errors(KEYED, JSON_BODY),
)
def put_template(
    name: Annotated[str, Path(pattern=r"^\S{1,512}$", description="Nome na Meta. / Meta name.")],
    body: TemplateIn,
    services: ServicesDep,
    tenant: TenantDep,
) -> TemplateOut:
    try:
        view = set_template(
            services.store,
            tenant_id=tenant,
            name=name,
            now=services.clock(),
            status=body.status,
            quality=body.quality,
            allow_red=body.allow_red,
        )
    except InvalidTemplate as invalid:
        pt, en = split_bilingual(str(invalid))
        raise ApiError("invalid_request", pt, en) from None
    return _out(view)
