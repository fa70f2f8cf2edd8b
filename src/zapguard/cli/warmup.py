"""``zapguard warmup plan LINE``: the day-by-day cap of a line's warm-up ramp (ZG901, seed tip 9),
and the day it reaches its full cap, as the policy itself computes it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer

from zapguard.cli._errors import UsageError, guarded
from zapguard.cli._options import (
    ConfigOption,
    DbOption,
    PresetOption,
    command_group,
    output_console,
    styled,
)
from zapguard.cli._runtime import open_runtime

if TYPE_CHECKING:
    from zapguard.warmup.plan import WarmupPlan

warmup_app = command_group(
    help=("Aquecimento de números novos (ZG901, dica 9). / Warm-up of new numbers (ZG901, tip 9)."),
)


def register(app: typer.Typer) -> None:
    app.add_typer(warmup_app, name="warmup")


@warmup_app.command(
    "plan",
    help=(
        "Limite dia a dia da rampa de aquecimento da linha e quando ela chega ao limite cheio. / "
        "The line's day-by-day warm-up cap and when it reaches its full cap."
    ),
)
@guarded
def plan(
    line_id: Annotated[str, typer.Argument(metavar="LINHA/LINE")],
    as_json: Annotated[
        bool, typer.Option("--json", help="Um objeto JSON. / One JSON object.")
    ] = False,
    config: ConfigOption = None,
    preset: PresetOption = None,
    db: DbOption = None,
) -> None:
    from zapguard.gateway.snapshots import line_view
    from zapguard.warmup.plan import plan_for

    now = datetime.now(UTC)
    with open_runtime(config, preset, db) as runtime:
        record = runtime.store.lines.record(line_id=line_id, tenant_id=runtime.default_tenant)
        if record is None:
            raise UsageError(f"linha desconhecida / unknown line: {line_id!r}")
        view = line_view(
            counters=runtime.decider.counters,
            config=runtime.policy,
            record=record,
            now=now,
        )
        result = plan_for(view, now, runtime.policy)
    if as_json:
        typer.echo(json.dumps(result.as_json(), ensure_ascii=False))
        return
    _print(result)


def _print(result: WarmupPlan) -> None:
    from rich import box
    from rich.table import Table

    from zapguard.policy.catalogue import num_en, num_pt

    console = output_console()
    full = result.full_capacity_on
    console.print(
        styled(
            f"Linha {result.line}: dia 1 da rampa em {result.start:%d/%m/%Y}; hoje é o dia "
            f"{result.today}. / Line {result.line}: ramp day 1 on {result.start.isoformat()}; "
            f"today is day {result.today}.",
            style="bold",
        )
    )
    table = Table(box=box.SIMPLE_HEAD, title=f"Aquecimento / Warm-up ({result.timezone})")
    for header in ("Dia / Day", "Data / Date", "Limite / Cap", "Nota / Note"):
        table.add_column(header)
    for day in result.days:
        notes = []
        if day.day == result.today:
            notes.append("hoje / today")
        if day.day <= result.no_active_days:
            notes.append("sem chats ativos / no new chats")
        if day.full:
            notes.append("limite cheio / full cap")
        table.add_row(
            str(day.day),
            f"{day.date:%d/%m/%Y} ({day.date.isoformat()})",
            f"{num_pt(day.cap)} / {num_en(day.cap)}"
            if num_pt(day.cap) != num_en(day.cap)
            else num_pt(day.cap),
            ", ".join(notes),
        )
    console.print(table)
    if full is None:
        console.print(
            styled(
                f"A rampa não chega ao limite cheio ({num_pt(result.full_cap)}) em "
                f"{len(result.days)} dias: revise warmup.growth. / The ramp does not reach the full "
                f"cap ({num_en(result.full_cap)}) within {len(result.days)} days: check "
                "warmup.growth.",
                style="yellow",
            )
        )
        return
    console.print(
        f"Limite cheio de {num_pt(result.full_cap)} mensagens/24 h a partir de {full:%d/%m/%Y}. / "
        f"Full cap of {num_en(result.full_cap)} messages/24 h from {full.isoformat()}."
    )
