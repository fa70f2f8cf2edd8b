"""``zapguard templates``: the Cloud API templates and their last known state at Meta (ZG507).
``set`` says a template's status or quality (Meta's webhooks keep it current afterwards) or lets it
go out while its quality is RED; ``list`` shows each template's state."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from zapguard.cli._errors import UsageError, guarded
from zapguard.cli._options import (
    ConfigOption,
    DbOption,
    PresetOption,
    command_group,
    output_console,
)
from zapguard.cli._runtime import open_runtime

templates_app = command_group(
    help=(
        "Modelos da Cloud API e seu estado na Meta (ZG507). / Cloud API templates and their state "
        "at Meta (ZG507)."
    ),
)


def register(app: typer.Typer) -> None:
    app.add_typer(templates_app, name="templates")


@templates_app.command(
    "set",
    help=(
        "Define o status ou a qualidade de um modelo, ou libera-o com qualidade RED. / Set a "
        "template's status or quality, or let it go out while RED."
    ),
)
@guarded
def set_template(
    name: Annotated[
        str, typer.Argument(metavar="NOME", help="Nome do modelo na Meta. / Template name.")
    ],
    status: Annotated[
        str | None,
        typer.Option("--status", help="APPROVED | PAUSED | DISABLED | REJECTED | PENDING ..."),
    ] = None,
    quality: Annotated[
        str | None, typer.Option("--quality", help="GREEN | YELLOW | RED | UNKNOWN")
    ] = None,
    allow_red: Annotated[
        bool | None,
        typer.Option(
            "--allow-red/--no-allow-red",
            help="Enviar mesmo com qualidade RED. / Send even while RED.",
        ),
    ] = None,
    config: ConfigOption = None,
    preset: PresetOption = None,
    db: DbOption = None,
) -> None:
    from zapguard.gateway import templates

    with open_runtime(config, preset, db) as runtime:
        try:
            view = templates.set_template(
                runtime.store,
                tenant_id=runtime.default_tenant,
                name=name,
                now=datetime.now(UTC),
                status=status,
                quality=quality,
                allow_red=allow_red,
            )
        except templates.InvalidTemplate as invalid:
            raise UsageError(str(invalid)) from None
    output_console().print(
        f"modelo / template {view.name}: status {view.status or '-'}, "
        f"qualidade / quality {view.quality or '-'}, "
        f"RED liberado / RED allowed: {'sim / yes' if view.allow_red else 'não / no'}",
        markup=False,
    )


@templates_app.command(
    "list",
    help="Modelos e seu estado na Meta. / Templates and their state at Meta.",
)
@guarded
def list_templates(
    config: ConfigOption = None,
    preset: PresetOption = None,
    db: DbOption = None,
) -> None:
    from rich import box
    from rich.table import Table

    from zapguard.gateway.templates import template_states

    with open_runtime(config, preset, db) as runtime:
        found = template_states(runtime.store, tenant_id=runtime.default_tenant)
    table = Table(
        "modelo / template",
        "status",
        "qualidade / quality",
        "qualidade desde / quality since",
        "RED liberado / RED allowed",
        box=box.SIMPLE,
    )
    for view in found:
        since = view.quality_at.isoformat(timespec="seconds") if view.quality_at else "-"
        table.add_row(
            view.name,
            view.status or "-",
            view.quality or "-",
            since,
            "sim / yes" if view.allow_red else "não / no",
        )
    output_console().print(table)
