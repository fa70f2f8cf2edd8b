"""``/healthz`` (no key needed: load balancers ask it) and Prometheus ``/metrics``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from pydantic import BaseModel

from zapguard.api.deps import ServicesDep, TenantDep
from zapguard.api.responses import KEYED, raw_errors
from zapguard.gateway.access import database_answers
from zapguard.gateway.metrics import REGISTRY
from zapguard.gateway.service import Services

router = APIRouter(tags=["system"])


class HealthOut(BaseModel):
    status: Literal["ok", "unhealthy"]
    database: Literal["ok", "unreachable"]
    dispatcher: Literal["running", "stopped"] | None = None


@router.get(
    "/healthz",
    summary="Saúde do serviço / Service health",
    response_model=HealthOut,
    responses={503: {"model": HealthOut, "description": "banco inacessível / storage unreachable"}},
)
def healthz(services: ServicesDep) -> JSONResponse:
    if not database_answers(services):
        return JSONResponse({"status": "unhealthy", "database": "unreachable"}, status_code=503)
    return JSONResponse(
        {
            "status": "ok",
            "database": "ok",
            "dispatcher": "running" if services.dispatcher.running else "stopped",
        }
    )


class _QueueDepth(Collector):
    """Queue depth per line of the calling tenant, read from the outbox when scraped (never a
    stale gauge). Other tenants' lines are not named: their ids are theirs."""

    def __init__(self, services: Services, tenant: str) -> None:
        self.services = services
        self.tenant = tenant

    def collect(self) -> Iterator[GaugeMetricFamily]:
        gauge = GaugeMetricFamily(
            "zapguard_outbox_depth", "Messages queued or being sent, per line", labels=["line"]
        )
        own = {line.id for line in self.services.store.lines.of_tenant(tenant_id=self.tenant)}
        for line, depth in sorted(self.services.outbox.depths().items()):
            if line in own:
                gauge.add_metric([line], depth)
        yield gauge


@router.get(
    "/metrics",
    summary="Métricas Prometheus / Prometheus metrics",
    description=(
        "Formato de exposição em texto do Prometheus (text/plain; version=1.0.0). A fila por "
        "linha mostra só as linhas da empresa da chave; os contadores são do servidor todo, sem "
        "nomear empresa nem linha. / Prometheus text exposition format. The per-line queue shows "
        "only the key's tenant's lines; the counters are the whole server's, naming no tenant or "
        "line."
    ),
    response_class=PlainTextResponse,
    responses={
        200: {
            "description": "As métricas. / The metrics.",
            "content": {"text/plain": {"schema": {"type": "string"}}},
        }
    },
    openapi_extra=raw_errors(KEYED),
)
def metrics(services: ServicesDep, tenant: TenantDep) -> Response:
    scrape = CollectorRegistry(auto_describe=False)
    scrape.register(_QueueDepth(services, tenant))
    body = generate_latest(REGISTRY) + generate_latest(scrape)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
