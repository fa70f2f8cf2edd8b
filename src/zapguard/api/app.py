"""The FastAPI application: native ``/v1`` API, drop-in surfaces, provider webhooks, dashboard.

``create_app(services)`` wires routers over an opened :class:`~zapguard.gateway.service.Services`;
the background jobs (dispatcher lanes, retention) run in the app's lifespan, so they start and
stop with the server, each held by one worker at a time through its lease. With
``mount_simulator`` (``zapguard serve --demo`` only) the simulated provider answers under
``/simulator`` in the same server: it signs its webhooks with the services' per-start secret, and
its control routes answer clients on this machine only.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from zapguard.api import openapi
from zapguard.api.errors import install_error_handlers
from zapguard.api.limits import BodySizeLimit
from zapguard.api.routes import (
    audiences,
    contacts,
    dashboard,
    dropin_surfaces,
    events,
    lines,
    messages,
    plan,
    portfolios,
    short_links,
    system,
    templates,
    webhooks,
)
from zapguard.gateway.service import Services
from zapguard.providers.simulator.app import simulator_app

log = logging.getLogger("zapguard.api")

SIMULATOR_PREFIX = "/simulator"

_DESCRIPTION = """
Gateway que protege os números de WhatsApp da empresa contra banimento: toda mensagem passa pelas
regras (códigos ZG101–ZG903), entra numa fila durável por linha e sai no ritmo certo.
/ Gateway that keeps a business's WhatsApp numbers from being banned: every message goes through the
rules, into a durable per-line outbox, and out at the right pace.

Autenticação / authentication: `Authorization: Bearer <chave>` (ou `apikey`, `X-Api-Key`).
Erros / errors: `{"error": {"code", "message_pt", "message_en", "details"}}`.
"""


def create_app(
    services: Services,
    *,
    open_when_keyless: bool = True,
    mount_simulator: bool = False,
    run_dispatcher: bool = True,
    simulator_webhook_url: str | None = None,
    close_on_shutdown: bool = False,
) -> FastAPI:
    """``open_when_keyless``: with no API key in the store, serve the default tenant without one
    (only ever true when listening on loopback, which ``zapguard serve`` enforces)."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if run_dispatcher:  # background work belongs to the serving process, not to test scenes
            services.start_background()
        try:
            yield
        finally:
            services.stop_background()
            if close_on_shutdown:
                services.close()

    app = FastAPI(
        title="zapguard",
        version="0.1.0",
        summary="Proteção contra banimento no WhatsApp / WhatsApp ban protection",
        description=_DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.services = services
    app.state.open_when_keyless = open_when_keyless
    install_error_handlers(app)
    openapi.install(app)
    own = (
        system,
        messages,
        lines,
        portfolios,
        templates,
        contacts,
        audiences,
        events,
        plan,
        webhooks,
        dashboard,
        short_links,
    )
    for module in own[:-1]:
        app.include_router(module.router)
    if mount_simulator:
        simulator = simulator_app(
            webhook_url=simulator_webhook_url, webhook_secret=services.simulator_secret
        )
        app.mount(SIMULATOR_PREFIX, simulator)
    # "/{code}" and the drop-ins' catch-all would shadow what follows them: they go last, the
    # catch-all very last. It takes every method of every path (a method no route takes is its
    # 405, with Allow), so no request falls through to the router's own answers.
    for module in (short_links, dropin_surfaces):
        app.include_router(module.router)
    # What a 405 lists in Allow: zapguard's own routes, and the documentation's.
    app.state.own_routes = [
        *(route for module in own for route in module.router.routes),
        *app.router.routes,
    ]
    app.router.add_route(
        "/{path:path}", dropin_surfaces.other_calls, methods=None, include_in_schema=False
    )
    app.add_middleware(BodySizeLimit, max_bytes=services.config.server.max_body_bytes)
    return app
