"""``zapguard serve``: the gateway over HTTP (native API, drop-in surfaces, webhooks, dashboard).

On the embedded default (SQLite, no ``[providers]``) the simulated provider answers inside the same
server under ``/simulator``, so one command gives a working system. ``--demo`` registers a receptive
demo line ``sac`` on the simulator if it is missing, and a message from the demo customer (+55 11 91234-5678) to it, so
the README's one ``curl`` (a reply to that customer) goes out.

Security: without any API key, the server only listens on loopback (it then serves the default
tenant without a key); any other address needs a key first (``zapguard keys create``).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date
from typing import Annotated

import typer

from zapguard.cli._errors import UsageError, guarded
from zapguard.cli._options import ConfigOption, PresetOption
from zapguard.cli._runtime import DbOption
from zapguard.config import find_config
from zapguard.domain.models import AccountType, Line, Role
from zapguard.gateway.lines import register_line
from zapguard.gateway.service import Services
from zapguard.service_config import SIMULATOR, load_service_config
from zapguard.store.api_keys import any_active_key

log = logging.getLogger("zapguard.serve")

DEMO_LINE = Line(
    id="sac",
    tenant_id="default",
    phone="+5511912340001",
    role=Role.RECEPTIVE,
    account=AccountType.BUSINESS,
    in_use_since=date(2023, 1, 2),
    pool="receptive",
    device="demo-phone-1",
    network="demo-net-1",
    provider=SIMULATOR,
)


def register(app: typer.Typer) -> None:
    app.command(
        "serve",
        help=(
            "Sobe o gateway HTTP (API, webhooks, painel). / Run the HTTP gateway (API, webhooks, "
            "dashboard)."
        ),
    )(serve)


@guarded
def serve(
    host: Annotated[str | None, typer.Option("--host", help="Padrão: [server].host.")] = None,
    port: Annotated[int | None, typer.Option("--port", min=1, max=65535)] = None,
    demo: Annotated[
        bool,
        typer.Option(
            "--demo",
            help="Cadastra a linha de demonstração 'sac' no simulador. / Register demo line 'sac'.",
        ),
    ] = False,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=1,
            max=64,
            help=(
                "Processos servindo e despachando (PostgreSQL recomendado). / Serving and "
                "dispatching processes (PostgreSQL recommended)."
            ),
        ),
    ] = 1,
    config: ConfigOption = None,
    preset: PresetOption = None,
    db: DbOption = None,
) -> None:
    import uvicorn

    from zapguard.api.factory import ServeOptions, build_app, build_services, is_loopback

    service_config = load_service_config(find_config(config))
    options = ServeOptions(
        host=host or service_config.server.host,
        port=port or service_config.server.port,
        config=str(config) if config else None,
        preset=preset,
        db=db,
        in_app_simulator=workers == 1,
    )
    services, simulated = build_services(options)
    try:
        if not is_loopback(options.host) and not any_active_key(services.store):
            raise UsageError(
                f"recuso escutar em {options.host} sem chave de API; crie uma com 'zapguard keys "
                f"create' / refusing to listen on {options.host} without an API key; create one "
                "with 'zapguard keys create'"
            )
        if demo:
            _ensure_demo_line(services)
        if workers > 1 and _lines_on_the_in_app_simulator(services):
            raise UsageError(
                "com --workers > 1 o simulador embutido não serve (cada processo teria o seu): "
                "rode 'zapguard simulator' e configure [providers.simulator] / with --workers > 1 "
                "the in-app simulator cannot serve (each process would have its own): run "
                "'zapguard simulator' and configure [providers.simulator]"
            )
        typer.echo(
            f"zapguard em http://{options.local}:{options.port} (API: /docs, painel: /) / "
            f"zapguard on http://{options.local}:{options.port}",
            err=True,
        )
        # No access log: query strings may carry webhook verify tokens.
        if workers > 1:  # each worker opens its own services from the same options
            options.to_environment()
            uvicorn.run(
                "zapguard.api.factory:app_from_environment",
                factory=True,
                workers=workers,
                host=options.host,
                port=options.port,
                access_log=False,
                log_level="warning",
            )
            return
        app = build_app(services, options, simulated=simulated)
        uvicorn.run(
            app, host=options.host, port=options.port, access_log=False, log_level="warning"
        )
    finally:
        services.close()


def _lines_on_the_in_app_simulator(services: Services) -> bool:
    if SIMULATOR in services.config.providers:
        return False
    return bool(services.store.tenants_of_providers(providers=[SIMULATOR]))


DEMO_CUSTOMER = "+5511912345678"


def _ensure_demo_line(services: Services) -> None:
    tenant = services.default_tenant
    if services.store.get_line(line_id=DEMO_LINE.id, tenant_id=tenant) is None:
        line = replace(DEMO_LINE, tenant_id=tenant)
        register_line(line, services.store, services.clock(), provider_account="100200300")
    # The customer writes first (a receptive line only answers), as on a real support line.
    services.events.inbound(
        tenant=tenant,
        line_id=DEMO_LINE.id,
        contact=DEMO_CUSTOMER,
        at=services.clock(),
        text="Oi! Meu pedido já saiu?",
    )
