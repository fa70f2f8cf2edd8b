"""``zapguard purge``: drop working data past its retention now (the server also does it hourly)."""

from __future__ import annotations

import typer

from zapguard.cli._errors import guarded
from zapguard.cli._options import ConfigOption, DbOption, PresetOption


def register(app: typer.Typer) -> None:
    app.command(
        "purge",
        help=(
            "Apaga dados de trabalho vencidos (cotas, fila resolvida, recibos, caixa de webhooks, "
            "ids de mídia, penalidades que já não mudam a saúde); evidências ficam. / Drop "
            "working data past its retention (quotas, settled queue, receipts, webhook inbox, "
            "media ids, penalties that can no longer change health); evidence stays."
        ),
    )(purge)


@guarded
def purge(config: ConfigOption = None, preset: PresetOption = None, db: DbOption = None) -> None:
    from zapguard.config import find_config, load_app_config, load_policy_config
    from zapguard.gateway.service import open_services
    from zapguard.service_config import load_service_config

    path = find_config(config)
    app_config = load_app_config(path)
    database_url = db or app_config.database_url
    services = open_services(
        database_url=database_url,
        counters_url=database_url if db else app_config.counters_url,
        policy=load_policy_config(path, preset),
        config=load_service_config(path),
        default_tenant=app_config.tenant,
        simulator_url=None,
    )
    try:
        purged = services.purge()
    finally:
        services.close()
    for kind, count in purged.items():
        typer.echo(f"{kind}: {count}")
