"""``/healthz`` (no key needed: load balancers ask it) and Prometheus ``/metrics``."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import text

from zapguard.api.deps import ServicesDep, TenantDep
from zapguard.gateway.metrics import REGISTRY
from zapguard.gateway.service import Services

router = APIRouter(tags=["system"])


@router.get(
    "/healthz",
    summary="Saúde do serviço / Service health",
    responses={503: {"description": "banco inacessível / storage unreachable"}},
)
def healthz(services: ServicesDep) -> JSONResponse:
    try:
        with services.store.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:  # the probe reports, it never raises
        return JSONResponse({"status": "unhealthy", "database": "unreachable"}, status_code=503)
    return JSONResponse(
        {
            "status": "ok",
            "database": "ok",
            "dispatcher": "running" if services.dispatcher.running else "stopped",
        }
    )


class _QueueDepth(Collector):
    """Queue depth per line, read from the outbox when scraped (never a stale gauge)."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def collect(self) -> Iterator[GaugeMetricFamily]:
        gauge = GaugeMetricFamily(
            "zapguard_outbox_depth", "Messages queued or being sent, per line", labels=["line"]
        )
        for line, depth in sorted(self.services.outbox.depths().items()):
            gauge.add_metric([line], depth)
        yield gauge


@router.get("/metrics", summary="Métricas Prometheus / Prometheus metrics")
def metrics(services: ServicesDep, _: TenantDep) -> Response:
    scrape = CollectorRegistry(auto_describe=False)
    scrape.register(_QueueDepth(services))
    body = generate_latest(REGISTRY) + generate_latest(scrape)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
