"""``/v1/contacts/{phone}/consent``: marketing consent with its evidence (LGPD art. 8 §2)."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter

from zapguard.api.deps import ServicesDep, TenantDep
from zapguard.api.instants import reported_instant
from zapguard.api.responses import JSON_BODY, KEYED, PARAMETERS, errors
from zapguard.api.schemas import ConsentIn, ConsentOut, ConsentRevokeIn
from zapguard.domain.models import Consent
from zapguard.domain.phones import normalize
from zapguard.gateway.service import Services

router = APIRouter(prefix="/v1/contacts", tags=["contacts"])


def _consent_out(services: Services, tenant: str, contact: str, purpose: str) -> ConsentOut:
    current = services.store.consent.current(tenant_id=tenant, contact=contact, purpose=purpose)
    history = services.store.consent.history(tenant_id=tenant, contact=contact, purpose=purpose)
    return ConsentOut(
        contact=contact,
        purpose=purpose,
        active=current is not None and current.active,
        granted_at=current.granted_at if current else None,
        source=current.source if current else None,
        wording=current.wording if current else None,
        revoked_at=current.revoked_at if current else None,
        revoked_how=current.revoked_how if current else None,
        history=[
            {key: value for key, value in asdict(item).items() if value is not None}
            for item in history
        ],
    )


@router.get(
    "/{phone}/consent",
    response_model=ConsentOut,
    summary="Consentimento e histórico / Consent and its evidence",
    responses=errors(KEYED, PARAMETERS, "invalid_phone"),
)
def show_consent(
    phone: str, services: ServicesDep, tenant: TenantDep, purpose: str = "marketing"
) -> ConsentOut:
    return _consent_out(services, tenant, normalize(phone), purpose)


@router.post(
    "/{phone}/consent",
    response_model=ConsentOut,
    status_code=201,
    summary="Registrar consentimento / Record an opt-in",
    responses=errors(KEYED, JSON_BODY, "invalid_phone"),
)
def grant_consent(
    phone: str, body: ConsentIn, services: ServicesDep, tenant: TenantDep
) -> ConsentOut:
    contact = normalize(phone)
    services.store.consent.grant(
        consent=Consent(
            tenant_id=tenant,
            contact=contact,
            purpose=body.purpose,
            granted_at=reported_instant(
                services,
                body.granted_at,
                field="granted_at",
                refused_pt="Consentimento recusado",
                refused_en="Consent refused",
            ),
            source=body.source,
            wording=body.wording,
            recorded_by=body.recorded_by,
        )
    )
    return _consent_out(services, tenant, contact, body.purpose)


@router.post(
    "/{phone}/consent/revoke",
    response_model=ConsentOut,
    summary="Registrar descadastro / Record an opt-out",
    description="Vale na hora (ZG203). / Takes effect at once (ZG203).",
    responses=errors(KEYED, JSON_BODY, "invalid_phone"),
)
def revoke_consent(
    phone: str, services: ServicesDep, tenant: TenantDep, body: ConsentRevokeIn | None = None
) -> ConsentOut:
    body = body or ConsentRevokeIn()
    contact = normalize(phone)
    services.store.consent.revoke(
        tenant_id=tenant, contact=contact, at=services.clock(), how=body.how, purpose=body.purpose
    )
    return _consent_out(services, tenant, contact, body.purpose)
