"""``zapguard purge``: drop working data past its retention now (the server also does it hourly)."""

from __future__ import annotations

import typer

from zapguard.cli._errors import guarded
from zapguard.cli._options import ConfigOption, DbOption, PresetOption
from zapguard.cli._runtime import open_runtime


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
    with open_runtime(config, preset, db) as services:
        purged = services.purge()
    for kind, count in purged.items():
        typer.echo(f"{kind}: {count}")
