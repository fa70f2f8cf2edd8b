"""``zapguard inbox``: the webhook payloads zapguard could not understand, kept for a person to read.

A payload lands there when it is not the shape its provider documents, or names a line zapguard does
not know; the provider was answered 2xx only once it was stored. ``--show ID`` prints one payload
whole (headers without signatures or keys, then the body) to fix the configuration or report it.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from zapguard.cli._errors import UsageError, guarded
from zapguard.cli._options import ConfigOption, DbOption, PresetOption, output_console
from zapguard.cli._runtime import open_runtime


def register(app: typer.Typer) -> None:
    app.command(
        "inbox",
        help=(
            "Webhooks não entendidos, guardados para inspeção. / Webhooks zapguard could not "
            "understand, kept for inspection."
        ),
    )(inbox)


@guarded
def inbox(
    show: Annotated[
        int | None,
        typer.Option("--show", help="Mostra um item inteiro. / Print one item whole."),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=10_000)] = 50,
    config: ConfigOption = None,
    preset: PresetOption = None,
    db: DbOption = None,
) -> None:
    from rich import box
    from rich.table import Table

    from zapguard.store.inbox import WebhookInbox

    with open_runtime(config, preset, db) as runtime:
        items = WebhookInbox(runtime.store).recent(limit=limit if show is None else 10_000)
    console = output_console()
    if show is not None:
        found = [item for item in items if item.id == show]
        if not found:
            raise UsageError(f"item {show} não está na caixa / item {show} is not in the inbox")
        item = found[0]
        typer.echo(f"# {item.id} {item.received_at.isoformat()} {item.source}: {item.error}")
        typer.echo(json.dumps(item.headers, ensure_ascii=False, indent=2))
        typer.echo(item.body)
        return
    table = Table("id", "recebido / received", "origem / source", "motivo / reason", box=box.SIMPLE)
    for item in items:
        table.add_row(
            str(item.id), item.received_at.isoformat(timespec="seconds"), item.source, item.error
        )
    console.print(table)
    if not items:
        console.print("caixa vazia / inbox empty")
