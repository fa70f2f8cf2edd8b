"""``zapguard serve``: the gateway over HTTP (native API, drop-in surfaces, webhooks, dashboard).

On the embedded default (SQLite, no ``[providers]``) the simulated provider answers inside the same
server under ``/simulator``, so one command gives a working system. ``--demo`` registers a receptive
demo line ``sac`` on the simulator if it is missing, and a message from the demo customer (+55 11 91234-5678) to it, so
the README's one ``curl`` (a reply to that customer) goes out.

Security: without any API key, the server only listens on loopback (it then serves the default
tenant without a key); any other address needs a key first (``zapguard keys create``).
"""

from __future__ import annotations

import ipaddress
import logging
from dataclasses import replace
from datetime import date
from typing import Annotated

import typer

from zapguard.cli._errors import UsageError, guarded
from zapguard.cli._options import ConfigOption, PresetOption
from zapguard.cli._runtime import DbOption
from zapguard.config import find_config, load_app_config, load_policy_config
from zapguard.domain.models import AccountType, Line, Role
from zapguard.gateway.lines import register_line
from zapguard.gateway.service import Services, open_services
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


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


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
    config: ConfigOption = None,
    preset: PresetOption = None,
    db: DbOption = None,
) -> None:
    import uvicorn

    from zapguard.api.app import create_app

    path = find_config(config)
    app_config = load_app_config(path)
    service_config = load_service_config(path)
    policy = load_policy_config(path, preset)
    host = host or service_config.server.host
    port = port or service_config.server.port
    database_url = db or app_config.database_url
    counters_url = database_url if db else app_config.counters_url
    local = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    simulated = SIMULATOR not in service_config.providers
    services = open_services(
        database_url=database_url,
        counters_url=counters_url,
        policy=policy,
        config=service_config,
        default_tenant=app_config.tenant,
        simulator_url=f"http://{local}:{port}/simulator" if simulated else None,
    )
    try:
        if not is_loopback(host) and not any_active_key(services.store):
            raise UsageError(
                f"recuso escutar em {host} sem chave de API; crie uma com 'zapguard keys create' "
                f"/ refusing to listen on {host} without an API key; create one with "
                "'zapguard keys create'"
            )
        if demo:
            _ensure_demo_line(services)
        app = create_app(
            services,
            open_when_keyless=is_loopback(host),
            mount_simulator=simulated,
            simulator_webhook_url=f"http://{local}:{port}/webhooks/{SIMULATOR}",
        )
        typer.echo(
            f"zapguard em http://{local}:{port} (API: /docs, painel: /) / "
            f"zapguard on http://{local}:{port}",
            err=True,
        )
        # No access log: query strings may carry webhook verify tokens.
        uvicorn.run(app, host=host, port=port, access_log=False, log_level="warning")
    finally:
        services.close()


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
