"""``zapguard serve``: the gateway over HTTP (native API, drop-in surfaces, webhooks, dashboard).

Lines send through the providers configured in ``[providers.<name>]``. ``--demo`` adds the
simulated provider inside the same server, under ``/simulator``, so one command gives a working
system: it registers a receptive demo line ``sac`` on it if missing, and a message from the demo
customer (+55 11 91234-5678) to it, so the README's one ``curl`` (a reply to that customer) goes
out. The demo listens on loopback only and runs one process; without ``--demo`` there is no
in-app simulator at all, so a line can never end up on it unawares.

Security: without any API key, the server only listens on loopback (it then serves the default
tenant without a key); any other address needs a key first (``zapguard keys create``).

Imports of the web stack and the store happen inside the command, so ``zapguard --help`` and the
other commands do not pay for them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from zapguard.cli._errors import UsageError, guarded
from zapguard.cli._options import ConfigOption, DbOption, PresetOption

if TYPE_CHECKING:
    from zapguard.api.factory import ServeOptions
    from zapguard.gateway.service import Services

DEMO_CUSTOMER = "+5511912345678"


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
    host: Annotated[
        str | None,
        typer.Option(
            "--host",
            help=(
                "Endereço de escuta; padrão: server.host do zapguard.toml. / Listen address; "
                "default: server.host in zapguard.toml."
            ),
        ),
    ] = None,
    port: Annotated[
        int | None,
        typer.Option(
            "--port",
            min=1,
            max=65535,
            help=(
                "Porta; padrão: server.port do zapguard.toml. / Port; default: server.port in "
                "zapguard.toml."
            ),
        ),
    ] = None,
    demo: Annotated[
        bool,
        typer.Option(
            "--demo",
            help=(
                "Demonstração: simulador de WhatsApp embutido e a linha 'sac' nele; só em "
                "loopback, um processo. / Demo: in-app WhatsApp simulator with line 'sac' on it; "
                "loopback only, one process."
            ),
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

    from zapguard.api.factory import ServeOptions, build_app, build_services
    from zapguard.config import find_config
    from zapguard.service_config import load_service_config

    service_config = load_service_config(find_config(config))
    options = ServeOptions(
        host=host or service_config.server.host,
        port=port or service_config.server.port,
        config=str(config) if config else None,
        preset=preset,
        db=db,
        demo=demo,
    )
    if demo:
        _check_demo(options, workers)
    services, simulated = build_services(options)
    try:
        _check_before_serving(services, options, demo=demo)
        typer.echo(
            f"zapguard em http://{options.local}:{options.port} (API: /docs, painel: /) / "
            f"zapguard on http://{options.local}:{options.port}",
            err=True,
        )
        if workers == 1:
            # No access log: query strings may carry webhook verify tokens.
            app = build_app(services, options, simulated=simulated)
            uvicorn.run(
                app, host=options.host, port=options.port, access_log=False, log_level="warning"
            )
            return
    finally:
        services.close()
    # Each worker builds its own services from the same options (through gateway.runtime, as
    # this process did), and its jobs take their leases: no job runs in two workers at once.
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


def _check_before_serving(services: Services, options: ServeOptions, *, demo: bool) -> None:
    from zapguard.api.factory import is_loopback
    from zapguard.store.api_keys import any_active_key

    if not is_loopback(options.host) and not any_active_key(services.store):
        raise UsageError(
            f"recuso escutar em {options.host} sem chave de API; crie uma com 'zapguard keys "
            f"create' / refusing to listen on {options.host} without an API key; create one "
            "with 'zapguard keys create'"
        )
    if demo:
        ensure_demo_line(services)
    _warn_about_unconfigured_providers(services)


def _check_demo(options: ServeOptions, workers: int) -> None:
    """The demo's simulator is for this machine, in one process."""
    from zapguard.api.factory import is_loopback

    if workers > 1:
        raise UsageError(
            "--demo roda um processo só (o simulador embutido é de um processo); para vários, "
            "rode 'zapguard simulator' e configure [providers.simulator] / --demo runs one "
            "process (the in-app simulator lives in one); for several, run 'zapguard simulator' "
            "and configure [providers.simulator]"
        )
    if not is_loopback(options.host):
        raise UsageError(
            f"--demo escuta só em loopback (127.0.0.1), não em {options.host}: o simulador "
            "embutido não é um provedor de produção / --demo listens on loopback only, not on "
            f"{options.host}: the in-app simulator is not a production provider"
        )


def _warn_about_unconfigured_providers(services: Services) -> None:
    """Lines naming a provider this server does not have keep their messages queued: say so now,
    not when a customer's reply never arrives (the demo's lines, served without --demo, say)."""
    missing = sorted(services.store.lines.providers_in_use() - set(services.provider_settings))
    for name in missing:
        typer.echo(
            f"aviso: há linhas no provedor {name!r}, que não está configurado: as mensagens delas "
            "ficam na fila (o simulador embutido só existe com --demo) / warning: lines use "
            f"provider {name!r}, which is not configured: their messages stay queued (the in-app "
            "simulator exists only with --demo)",
            err=True,
        )


def ensure_demo_line(services: Services) -> None:
    """The demo line ``sac`` on the simulator, and a first message to it from the demo customer."""
    from datetime import date

    from zapguard.domain.models import AccountType, Line, Role
    from zapguard.gateway.lines import register_line
    from zapguard.service_config import SIMULATOR

    tenant = services.default_tenant
    if services.store.lines.get(line_id="sac", tenant_id=tenant) is None:
        line = Line(
            id="sac",
            tenant_id=tenant,
            phone="+5511912340001",
            role=Role.RECEPTIVE,
            account=AccountType.BUSINESS,
            in_use_since=date(2023, 1, 2),
            pool="receptive",
            device="demo-phone-1",
            network="demo-net-1",
            provider=SIMULATOR,
        )
        register_line(line, services.store, services.clock(), provider_account="100200300")
    # The customer writes first (a receptive line only answers), as on a real support line.
    services.events.inbound(
        tenant=tenant,
        line_id="sac",
        contact=DEMO_CUSTOMER,
        at=services.clock(),
        text="Oi! Meu pedido já saiu?",
    )
