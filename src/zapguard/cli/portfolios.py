"""``zapguard portfolios``: the Meta business portfolios of the Cloud API lines and their messaging
limits (ZG506). ``set`` says a portfolio's limit (Meta's tier webhooks keep it current afterwards);
``list`` shows each limit and how many contacts the moving 24 hours hold."""

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

portfolios_app = command_group(
    help=(
        "Portfólios empresariais da Meta e seus limites de mensagens (ZG506). / Meta business "
        "portfolios and their messaging limits (ZG506)."
    ),
)


def register(app: typer.Typer) -> None:
    app.add_typer(portfolios_app, name="portfolios")


def _limit(text: str) -> int | None:
    folded = text.strip().lower()
    if folded in ("unlimited", "ilimitado"):
        return None
    if not folded.isdigit() or int(folded) < 1:
        raise UsageError(
            f"--limit {text!r}: use um número (250, 2000, 10000, 100000) ou unlimited / use a "
            "number (250, 2000, 10000, 100000) or unlimited"
        )
    return int(folded)


@portfolios_app.command(
    "set",
    help=(
        "Define o limite de mensagens de um portfólio (contatos fora da janela em 24 h). / Set a "
        "portfolio's messaging limit (contacts outside the service window per 24 h)."
    ),
)
@guarded
def set_limit(
    portfolio: Annotated[
        str, typer.Argument(metavar="ID", help="Id do portfólio na Meta. / Meta portfolio id.")
    ],
    limit: Annotated[
        str,
        typer.Option(
            "--limit", help="250 | 2000 | 10000 | 100000 | unlimited (ou outro número / or another)"
        ),
    ],
    config: ConfigOption = None,
    preset: PresetOption = None,
    db: DbOption = None,
) -> None:
    from zapguard.gateway.portfolios import set_portfolio_limit

    value = _limit(limit)
    with open_runtime(config, preset, db) as runtime:
        set_portfolio_limit(
            runtime.store,
            tenant_id=runtime.default_tenant,
            portfolio=portfolio,
            limit=value,
            now=datetime.now(UTC),
        )
    shown = "ilimitado / unlimited" if value is None else f"{value}"
    output_console().print(f"portfólio / portfolio {portfolio}: {shown}", markup=False)


@portfolios_app.command(
    "list",
    help=(
        "Portfólios, limites e contatos alcançados nas últimas 24 h. / Portfolios, limits and "
        "contacts reached in the last 24 h."
    ),
)
@guarded
def list_portfolios(
    config: ConfigOption = None,
    preset: PresetOption = None,
    db: DbOption = None,
) -> None:
    from rich import box
    from rich.table import Table

    from zapguard.gateway.portfolios import portfolio_uses

    with open_runtime(config, preset, db) as runtime:
        found = portfolio_uses(
            runtime.store, runtime.policy, tenant_id=runtime.default_tenant, now=datetime.now(UTC)
        )
    table = Table(
        "portfólio / portfolio",
        "limite / limit",
        "alcançados / reached",
        "origem / from",
        box=box.SIMPLE,
    )
    for use in found:
        limit = "ilimitado / unlimited" if use.limit is None else str(use.limit)
        origin = (
            use.limit_at.isoformat(timespec="seconds")
            if use.known and use.limit_at
            else "não informado, menor faixa / not known, lowest tier"
        )
        table.add_row(use.id, limit, str(use.reached), origin)
    output_console().print(table)
